import { describe, expect, it } from 'vitest';
import { DijkstraEngine } from './dijkstra';
import { buildRoadGraph, type GraphEdgeInput, type GraphNodeInput, type RoadGraph } from './graph';
import { isochrone, type MultiPolygonGeometry, type PolygonGeometry, type Position } from './isochrone';
import { haversineMetres } from './osm-to-graph';
import { EdgeSnapper } from './snap';

/** A two-way n × n street grid 0.001° apart near 30° N at 36 km/h (10 m/s). */
function grid(n: number): RoadGraph {
  const nodes: GraphNodeInput[] = [];
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++)
      nodes.push({ osmId: r * n + c + 1, lon: 120 + c * 0.001, lat: 30 + r * 0.001 });
  }
  const edges: GraphEdgeInput[] = [];
  const link = (a: number, b: number): void => {
    const length = haversineMetres(nodes[a].lon, nodes[a].lat, nodes[b].lon, nodes[b].lat);
    edges.push({ tail: a, head: b, length, time: length / 10, way: 0 });
    edges.push({ tail: b, head: a, length, time: length / 10, way: 0 });
  };
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (c + 1 < n) link(r * n + c, r * n + c + 1);
      if (r + 1 < n) link(r * n + c, (r + 1) * n + c);
    }
  }
  return buildRoadGraph(nodes, edges, [
    { osmId: 1, name: null, highway: 'residential', speedKmh: 36, oneway: false },
  ]);
}

/** Shoelace area of all outer rings, in square degrees. */
function area(geometry: PolygonGeometry | MultiPolygonGeometry | null): number {
  if (geometry === null) return 0;
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  let total = 0;
  for (const [ring] of polygons) {
    for (let i = 0; i + 1 < ring.length; i++) {
      total += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
    }
  }
  return total / 2;
}

function contains(geometry: PolygonGeometry | MultiPolygonGeometry, [x, y]: Position): boolean {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  let inside = false;
  for (const [ring] of polygons) {
    for (let i = 0, j = ring.length - 2; i < ring.length - 1; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

describe('isochrone', () => {
  const graph = grid(15);
  const engine = new DijkstraEngine(graph);
  const snapper = new EdgeSnapper(graph);
  const origin = snapper.snap(120.0072, 30.007)!;

  it('grows monotonically with the time limit', () => {
    let previousReach = new Map<number, number>();
    let previousArea = -1;
    for (const limit of [0, 5, 20, 40, 80, 150, 300, 1000]) {
      const iso = isochrone(engine, snapper, origin, limit);
      // Furthest fraction reached per directed edge (pieces from the tail start at 0).
      const reach = new Map<number, number>();
      for (const p of iso.pieces) {
        expect(p.from).toBeGreaterThanOrEqual(0);
        expect(p.to).toBeLessThanOrEqual(1);
        expect(p.from).toBeLessThanOrEqual(p.to);
        if (p.from === 0) reach.set(p.edge, Math.max(reach.get(p.edge) ?? 0, p.to));
      }
      for (const [edge, to] of previousReach) expect(reach.get(edge) ?? 0).toBeGreaterThanOrEqual(to - 1e-12);
      const a = area(iso.area);
      expect(a).toBeGreaterThan(0);
      expect(a).toBeGreaterThanOrEqual(previousArea);
      previousReach = reach;
      previousArea = a;
    }
  });

  it('reaches exactly the nodes within the limit and cuts edges where time runs out', () => {
    const limit = 60;
    const iso = isochrone(engine, snapper, origin, limit);
    for (const p of iso.pieces) {
      if (p.from !== 0 || p.to === 1) continue;
      // A partial piece ends where tail time + fraction × edge time = limit.
      const tailTime = engine.costOf(graph.edgeTail[p.edge]);
      expect(tailTime + p.to * graph.edgeTime[p.edge]).toBeCloseTo(limit, 6);
    }
    expect(iso.reachedNodes).toBeGreaterThan(0);
    for (const line of iso.lines) expect(line.coordinates).toHaveLength(2);
  });

  it('outlines a simple closed counter-clockwise area that covers the reached roads', () => {
    const iso = isochrone(engine, snapper, origin, 100, { cellSizeM: 40 });
    expect(iso.area).not.toBeNull();
    const geometry = iso.area!;
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    for (const rings of polygons) {
      expect(rings).toHaveLength(1);
      const ring = rings[0];
      expect(ring[0]).toEqual(ring[ring.length - 1]);
      const seen = new Set(ring.slice(0, -1).map((p) => p.join(',')));
      expect(seen.size).toBe(ring.length - 1);
    }
    expect(area(geometry)).toBeGreaterThan(0);
    for (const line of iso.lines) {
      const [[x0, y0], [x1, y1]] = line.coordinates;
      expect(contains(geometry, [(x0 + x1) / 2, (y0 + y1) / 2])).toBe(true);
    }
    expect(contains(geometry, [origin.lon, origin.lat])).toBe(true);
    expect(contains(geometry, [119.99, 29.99])).toBe(false);
  });

  it('runs in reverse: from where the point can be reached', () => {
    const forward = isochrone(engine, snapper, origin, 80);
    const reverse = isochrone(engine, snapper, origin, 80, { direction: 'reverse' });
    // Every street is two-way at one speed, so both directions reach the same nodes.
    expect(reverse.reachedNodes).toBe(forward.reachedNodes);
  });
});
