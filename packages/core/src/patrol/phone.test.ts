import { describe, expect, it } from 'vitest';
import { DijkstraEngine } from '../roads/dijkstra';
import { EdgeSnapper } from '../roads/snap';
import { roadRoute } from './phone';
import { LAT0, LON0, STEP, testCity } from './test-city';

describe('the phone’s road route', () => {
  const graph = testCity();
  const engine = new DijkstraEngine(graph);
  const snapper = new EdgeSnapper(graph);

  it('follows the streets around a block, not the straight line', () => {
    // From the middle of column 0 between rows 0 and 1 to the middle of column 2 between rows 2 and 3.
    const from = { lon: LON0, lat: LAT0 + 0.5 * STEP };
    const to = { lon: LON0 + 2 * STEP, lat: LAT0 + 2.5 * STEP };
    const route = roadRoute(engine, snapper, from, to)!;
    expect(route).not.toBeNull();
    expect(route.coordinates[0][0]).toBeCloseTo(from.lon, 6);
    expect(route.coordinates.at(-1)![1]).toBeCloseTo(to.lat, 6);
    // Manhattan: 2 blocks east (≈ 193 m each, bent), 2 north (≈ 222 m each) — never the diagonal.
    const straight = Math.hypot(2 * STEP * 96_000, 2 * STEP * 111_000);
    expect(route.lengthM).toBeGreaterThan(straight * 1.2);
    expect(route.lengthM).toBeGreaterThan(2 * 190 + 2 * 220 - 10);
    expect(route.lengthM).toBeLessThan(2 * 195 + 2 * 225 + 10);
    // 8 m/s on this city's streets.
    expect(route.timeSeconds).toBeCloseTo(route.lengthM / 8, -1);
    // Every step is along a street: consecutive points share a longitude or lie on a row.
    expect(route.coordinates.length).toBeGreaterThan(4);
  });

  it('goes straight along one segment when both ends lie on it', () => {
    const route = roadRoute(
      engine,
      snapper,
      { lon: LON0, lat: LAT0 + 0.2 * STEP },
      { lon: LON0, lat: LAT0 + 0.7 * STEP },
    )!;
    expect(route.coordinates).toHaveLength(2);
    expect(route.lengthM).toBeCloseTo(0.5 * STEP * 111_195, -1);
  });

  it('has no route from a point far from every road', () => {
    expect(roadRoute(engine, snapper, { lon: LON0 + 1, lat: LAT0 }, { lon: LON0, lat: LAT0 })).toBeNull();
  });
});
