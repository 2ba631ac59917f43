import { describe, expect, it } from 'vitest';
import { buildRoadGraph, type GraphEdgeInput, type RoadGraph } from '../roads/graph';
import { findCrossings, ROAD_CLASS_WEIGHTS } from './closure';
import { corridorAroundRing, MinCutError, maxFlowMinCut, reachesAny, ringMinimumCut } from './mincut';
import { nodesInside } from './ring';
import { box, gridGraph, STEP, way } from './test-graphs';

function blockedMask(graph: RoadGraph, edges: readonly number[]): Uint8Array {
  const mask = new Uint8Array(graph.edgeCount);
  for (const e of edges) mask[e] = 1;
  return mask;
}

/**
 * Outside A feeds two motorway paths A–P–M and A–Q–M; M fans out by three residential streets to
 * R1..R3, each reaching two of the inside nodes C1..C4 (six crossings of a ring drawn around C).
 */
function barbellGraph(withSpanningRoad = false) {
  const at = (osmId: number, x: number, y: number) => ({ osmId, lon: x * STEP, lat: y * STEP });
  const nodes = [
    at(1, -6, 0), // 0 A
    at(2, -4, -1), // 1 P
    at(3, -4, 1), // 2 Q
    at(4, -2, 0), // 3 M
    at(5, -1, -1), // 4 R1
    at(6, -1, 0), // 5 R2
    at(7, -1, 1), // 6 R3
    at(8, 1, -1.5), // 7 C1
    at(9, 1, -0.5), // 8 C2
    at(10, 1, 0.5), // 9 C3
    at(11, 1, 1.5), // 10 C4
  ];
  const edges: GraphEdgeInput[] = [];
  const link = (a: number, b: number, wayIndex: number) => {
    edges.push({ tail: a, head: b, time: 1, length: 1, way: wayIndex });
    edges.push({ tail: b, head: a, time: 1, length: 1, way: wayIndex });
  };
  link(0, 1, 0);
  link(1, 3, 0);
  link(0, 2, 0);
  link(2, 3, 0);
  for (const r of [4, 5, 6]) link(3, r, 1);
  link(4, 7, 1);
  link(4, 8, 1);
  link(5, 8, 1);
  link(5, 9, 1);
  link(6, 9, 1);
  link(6, 10, 1);
  if (withSpanningRoad) link(0, 7, 1);
  return buildRoadGraph(nodes, edges, [
    { ...way('motorway', false, 'G15'), osmId: 1 },
    { ...way('residential'), osmId: 2 },
  ]);
}
const INNER = box(0, -2, 2, 2);
const OUTER = box(-5, -3, 3, 3);

describe('ring minimum cut', () => {
  it('without a corridor cuts exactly the inbound crossings of a grid ring, and closes it', () => {
    const graph = gridGraph(6);
    const ring = findCrossings(graph, nodesInside(graph, box(0.5, 0.5, 3.5, 3.5)));
    const result = ringMinimumCut(graph, ring);
    expect(result.cut).toHaveLength(12);
    expect(result.cost).toBe(12);
    expect(result.flow).toBe(12);
    expect(result.replacesCrossings).toBe(12);
    const none = new Uint8Array(graph.edgeCount);
    expect(reachesAny(graph, result.sources, result.sinks, none)).toBe(true);
    expect(
      reachesAny(
        graph,
        result.sources,
        result.sinks,
        blockedMask(
          graph,
          result.cut.map((c) => c.edge),
        ),
      ),
    ).toBe(false);
    for (const segment of result.cut) {
      expect(ring.inside[graph.edgeTail[segment.edge]]).toBe(0);
      expect(ring.inside[graph.edgeHead[segment.edge]]).toBe(1);
    }
  });

  it('never holds a one-way road that only leaves the ring', () => {
    const nodes = [
      { osmId: 1, lon: 0, lat: 0 },
      { osmId: 2, lon: 2 * STEP, lat: 0 },
      { osmId: 3, lon: -2 * STEP, lat: 0 },
    ];
    const edges: GraphEdgeInput[] = [
      { tail: 0, head: 1, time: 1, length: 1, way: 0 }, // leaves
      { tail: 2, head: 0, time: 1, length: 1, way: 0 }, // enters
      { tail: 1, head: 2, time: 1, length: 1, way: 0 },
    ];
    const graph = buildRoadGraph(nodes, edges, [way('primary', true)]);
    const ring = findCrossings(graph, nodesInside(graph, box(-1, -1, 1, 1)));
    const result = ringMinimumCut(graph, ring);
    expect(result.cut.map((c) => [c.tailOsmNode, c.headOsmNode])).toEqual([[3, 1]]);
    expect(result.cut[0].twinEdge).toBe(-1);
  });

  it('moves the cut to the thinnest part of a corridor, by count or by class cost', () => {
    const graph = barbellGraph();
    const ring = findCrossings(graph, nodesInside(graph, INNER));
    expect(ring.inboundCount).toBe(6);
    expect(ringMinimumCut(graph, ring).cost).toBe(6);

    const byCount = ringMinimumCut(graph, ring, { corridor: { inner: INNER, outer: OUTER } });
    expect(byCount.cost).toBe(2);
    expect(byCount.replacesCrossings).toBe(6);
    expect(byCount.cut.map((c) => [c.tailOsmNode, c.headOsmNode, c.highway, c.name])).toEqual([
      [2, 4, 'motorway', 'G15'],
      [3, 4, 'motorway', 'G15'],
    ]);
    for (const c of byCount.cut) expect(c.twinEdge).toBeGreaterThanOrEqual(0);
    const blocked = blockedMask(
      graph,
      byCount.cut.map((c) => c.edge),
    );
    expect(reachesAny(graph, byCount.sources, byCount.sinks, blocked)).toBe(false);

    const byClass = ringMinimumCut(graph, ring, {
      corridor: { inner: INNER, outer: OUTER },
      costByClass: ROAD_CLASS_WEIGHTS,
    });
    expect(byClass.cost).toBe(3);
    expect(byClass.flow).toBe(3);
    expect(byClass.cut.map((c) => [c.tailOsmNode, c.headOsmNode])).toEqual([
      [4, 5],
      [4, 6],
      [4, 7],
    ]);
  });

  it('reports a corridor no cut can close (an uncuttable road spans it)', () => {
    const graph = barbellGraph(true);
    const ring = findCrossings(graph, nodesInside(graph, INNER));
    try {
      ringMinimumCut(graph, ring, { corridor: { inner: INNER, outer: OUTER } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MinCutError);
      const { code, path, message } = error as MinCutError;
      expect(code).toBe('no_finite_cut');
      // The spanning road A–C1 (OSM nodes 1 → 8) is the whole path.
      expect(
        path.map((e) => [graph.nodeOsmId[graph.edgeTail[e]], graph.nodeOsmId[graph.edgeHead[e]]]),
      ).toEqual([[1, 8]]);
      expect(message).toMatch(/residential segment 1→8/);
    }
  });

  it('builds a corridor as a band on both sides of the ring line', () => {
    const graph = gridGraph(11);
    const ringBox = box(2.5, 2.5, 7.5, 7.5);
    const ring = findCrossings(graph, nodesInside(graph, ringBox));
    expect(ring.inboundCount).toBe(20);
    // ±150 m around the line at x = 2.5 (about 0.0025°): the band holds the nodes at 2 and 3 (and 7, 8).
    const corridor = corridorAroundRing(ringBox, 150);
    const inner = nodesInside(graph, corridor.inner);
    const outer = nodesInside(graph, corridor.outer);
    expect(inner.reduce((a, b) => a + b, 0)).toBe(9); // x, y in 4..6
    expect(outer.reduce((a, b) => a + b, 0)).toBe(49); // x, y in 2..8
    const result = ringMinimumCut(graph, ring, { corridor });
    // A grid has no bottleneck: the cut is the 20 streets between the two layers of the band.
    expect(result.cost).toBe(20);
    for (const c of result.cut) {
      for (const v of [graph.edgeTail[c.edge], graph.edgeHead[c.edge]])
        expect(outer[v] && !inner[v]).toBeTruthy();
    }
    expect(
      reachesAny(
        graph,
        result.sources,
        result.sinks,
        blockedMask(
          graph,
          result.cut.map((c) => c.edge),
        ),
      ),
    ).toBe(false);
    expect(() => corridorAroundRing(ringBox, 5000)).toThrow(/leaves nothing of the ring/);
    expect(() => corridorAroundRing(ringBox, -1)).toThrow(/positive number of metres/);
  });

  it('rejects an inner polygon without roads or reaching outside the outer one', () => {
    const graph = barbellGraph();
    const ring = findCrossings(graph, nodesInside(graph, INNER));
    expect(() =>
      ringMinimumCut(graph, ring, { corridor: { inner: box(20, 20, 21, 21), outer: OUTER } }),
    ).toThrow(/no drivable road node lies inside the inner polygon/);
    expect(() =>
      ringMinimumCut(graph, ring, { corridor: { inner: INNER, outer: box(-5, -3, 3, 0) } }),
    ).toThrow(/reaches outside the outer polygon/);
  });
});

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('max-flow against brute force', () => {
  it('finds the cheapest separating edge set on 300 random small graphs', () => {
    const random = prng(7);
    for (let trial = 0; trial < 300; trial++) {
      const nodeCount = 4 + Math.floor(random() * 4);
      const edgeCount = 3 + Math.floor(random() * 10);
      const nodes = Array.from({ length: nodeCount }, (_, i) => ({
        osmId: i + 1,
        lon: random(),
        lat: random(),
      }));
      const edges: GraphEdgeInput[] = Array.from({ length: edgeCount }, () => ({
        tail: Math.floor(random() * nodeCount),
        head: Math.floor(random() * nodeCount),
        time: 1,
        length: 1,
        way: 0,
      }));
      const graph = buildRoadGraph(nodes, edges, [way('residential', true)]);
      const sources = new Uint8Array(nodeCount);
      const sinks = new Uint8Array(nodeCount);
      for (let v = 0; v < nodeCount; v++) {
        const r = random();
        if (r < 0.3) sources[v] = 1;
        else if (r < 0.6) sinks[v] = 1;
      }
      const capacity = Float64Array.from({ length: edgeCount }, () => 1 + Math.floor(random() * 3));
      const result = maxFlowMinCut(graph, { sources, sinks, capacity });

      let best = Number.POSITIVE_INFINITY;
      for (let subset = 0; subset < 1 << edgeCount; subset++) {
        const blocked = new Uint8Array(edgeCount);
        let cost = 0;
        for (let e = 0; e < edgeCount; e++) {
          if (subset & (1 << e)) {
            blocked[e] = 1;
            cost += capacity[e];
          }
        }
        if (cost < best && !reachesAny(graph, sources, sinks, blocked)) best = cost;
      }
      expect(result.flow, `trial ${trial}`).toBe(best);
      expect(result.cutEdges.reduce((sum, e) => sum + capacity[e], 0)).toBe(best);
      expect(reachesAny(graph, sources, sinks, blockedMask(graph, result.cutEdges))).toBe(false);
    }
  });
});
