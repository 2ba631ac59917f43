import { describe, expect, it } from 'vitest';
import { at, LAT0, LON0, testCity } from '../patrol/test-city';
import { EdgeSnapper } from '../roads/snap';
import { camerasNear, placeOnRoad, RoadDistance } from './near';
import { SectorIndex } from './sector';

describe('cameras near a point', () => {
  const graph = testCity();
  const snapper = new EdgeSnapper(graph);
  const node = (x: number, y: number) => ({ lon: graph.nodeLon[at(x, y)], lat: graph.nodeLat[at(x, y)] });

  it('ranks by road distance, not straight distance, and lists the cameras whose view covers the point', () => {
    // The point: intersection (1,1). Camera A stands diagonally at (2,2), nearer by straight line
    // (about 294 m) than camera B two blocks east along the same street at (3,1) (about 386 m), but
    // A is a block east and a block north by road (over 415 m). C stands one block north at (1,2).
    const p = node(1, 1);
    const cams = [
      { id: 'A', ...node(2, 2), headingDeg: 225, fovDeg: 60, rangeM: 400 },
      { id: 'B', ...node(3, 1), headingDeg: 270, fovDeg: 20, rangeM: 500 },
      { id: 'C', ...node(1, 2), headingDeg: 90, fovDeg: 30, rangeM: 100 },
      // Off the network: 1 km away from every street.
      { id: 'D', lon: LON0 + 0.02, lat: LAT0 + 0.02, headingDeg: 0, fovDeg: 360, rangeM: 50 },
    ];
    const index = new SectorIndex(cams, LAT0);
    const places = new Map(cams.map((c) => [c.id, placeOnRoad(snapper, graph, c.lon, c.lat)]));
    expect(places.get('D')).toBeNull();
    const near = camerasNear(index, p.lon, p.lat, {
      k: 3,
      maxM: 1000,
      road: { distance: new RoadDistance(graph), snapper, graph, placeOf: (c) => places.get(c.id) ?? null },
    });
    expect(near.covering.map((c) => c.id).sort()).toEqual(['A', 'B']);
    expect(near.nearest.map((n) => n.item.id)).toEqual(['C', 'B', 'A']);
    const [c, b, a] = near.nearest;
    expect(Math.abs(c.roadM! - c.straightM)).toBeLessThan(3);
    // A: one block north and one east along streets, longer than the diagonal.
    expect(a.roadM!).toBeGreaterThan(a.straightM * 1.3);
    expect(b.roadM!).toBeLessThan(a.roadM!);
    expect(b.straightM).toBeGreaterThan(a.straightM);
    // Without the road network: straight-line order.
    const straight = camerasNear(index, p.lon, p.lat, { k: 2, maxM: 1000 });
    expect(straight.nearest.map((n) => [n.item.id, n.roadM])).toEqual([
      ['C', null],
      ['A', null],
    ]);
  });

  it('measures along the same segment directly', () => {
    const d = new RoadDistance(graph);
    const from = placeOnRoad(snapper, graph, LON0 + 0.0005, LAT0)!;
    const to = placeOnRoad(snapper, graph, LON0 + 0.0015, LAT0)!;
    d.start(from, 1000);
    expect(d.to(to)).toBeGreaterThan(80);
    expect(d.to(to)).toBeLessThan(110);
  });
});
