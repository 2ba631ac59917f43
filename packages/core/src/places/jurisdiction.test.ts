import { booleanPointInPolygon } from '@turf/turf';
import { describe, expect, it } from 'vitest';
import { buildRoadGraph } from '../roads/graph';
import { networkVoronoi, voronoiAreas } from './jurisdiction';

// A straight two-way road of 11 nodes 0.001° apart; stations at both ends, the one on the right
// slower to leave (a 20 s head start for the left).
function line() {
  const nodes = Array.from({ length: 11 }, (_, i) => ({ osmId: i + 1, lon: 114.2 + i * 0.001, lat: 22.69 }));
  const edges = [];
  for (let i = 0; i < 10; i++) {
    edges.push({ tail: i, head: i + 1, time: 10, length: 100, way: 0 });
    edges.push({ tail: i + 1, head: i, time: 10, length: 100, way: 0 });
  }
  return buildRoadGraph(nodes, edges, [
    { osmId: 1, name: '测试路', highway: 'residential', speedKmh: 30, oneway: false },
  ]);
}

describe('network Voronoi jurisdictions', () => {
  it('gives each node to the station that reaches it first by road', () => {
    const g = line();
    const v = networkVoronoi(g, [{ seeds: [{ node: 0, cost: 0 }] }, { seeds: [{ node: 10, cost: 20 }] }]);
    // Left reaches node i at 10·i; right at 20 + 10·(10−i): left wins up to node 6 (60 < 60 ties to whoever settles first).
    expect(Array.from(v.nodeStation.slice(0, 6))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(v.nodeStation.slice(7))).toEqual([1, 1, 1, 1]);
    expect(v.nodeTime[3]).toBe(30);
    expect(v.nodeTime[9]).toBe(30);
  });

  it('leaves unreachable nodes unassigned', () => {
    const g = line();
    const v = networkVoronoi(g, []);
    expect(Array.from(v.nodeStation).every((s) => s === -1)).toBe(true);
  });

  it('draws areas that contain their own nodes and not the other station', () => {
    const g = line();
    const v = networkVoronoi(g, [{ seeds: [{ node: 0, cost: 0 }] }, { seeds: [{ node: 10, cost: 0 }] }]);
    const [left, right] = voronoiAreas(g, v, 2, 10, 1);
    const leftArea = { type: 'MultiPolygon' as const, coordinates: left };
    const rightArea = { type: 'MultiPolygon' as const, coordinates: right };
    expect(booleanPointInPolygon([114.2, 22.69], leftArea)).toBe(true);
    expect(booleanPointInPolygon([114.21, 22.69], rightArea)).toBe(true);
    expect(booleanPointInPolygon([114.21, 22.69], leftArea)).toBe(false);
  });
});
