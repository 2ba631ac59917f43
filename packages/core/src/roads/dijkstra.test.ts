import { describe, expect, it } from 'vitest';
import { DijkstraEngine } from './dijkstra';
import { buildRoadGraph, type GraphEdgeInput, type RoadGraph } from './graph';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
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

function randomGraph(nodeCount: number, edgeCount: number, seed: number): RoadGraph {
  const random = prng(seed);
  const nodes = Array.from({ length: nodeCount }, (_, i) => ({ osmId: i + 1, lon: random(), lat: random() }));
  const edges: GraphEdgeInput[] = [];
  for (let i = 0; i < edgeCount; i++) {
    const tail = Math.floor(random() * nodeCount);
    const head = Math.floor(random() * nodeCount);
    // Some zero-time edges and parallel edges on purpose.
    const time = random() < 0.05 ? 0 : Math.round(random() * 1000) / 10;
    edges.push({ tail, head, time, length: time * 10, way: 0 });
  }
  return buildRoadGraph(nodes, edges, [
    { osmId: 1, name: null, highway: 'residential', speedKmh: 36, oneway: true },
  ]);
}

/** Bellman-Ford from several seeds: the slow obvious reference. */
function bellmanFord(g: RoadGraph, seeds: Array<[number, number]>, reverse = false): Float64Array {
  const dist = new Float64Array(g.nodeCount).fill(Number.POSITIVE_INFINITY);
  for (const [v, c] of seeds) dist[v] = Math.min(dist[v], c);
  for (let round = 0; round < g.nodeCount; round++) {
    let changed = false;
    for (let e = 0; e < g.edgeCount; e++) {
      const from = reverse ? g.edgeHead[e] : g.edgeTail[e];
      const to = reverse ? g.edgeTail[e] : g.edgeHead[e];
      if (dist[from] + g.edgeTime[e] < dist[to]) {
        dist[to] = dist[from] + g.edgeTime[e];
        changed = true;
      }
    }
    if (!changed) break;
  }
  return dist;
}

function pathTime(g: RoadGraph, edges: number[], from: number, to: number): number {
  let at = from;
  let time = 0;
  for (const e of edges) {
    expect(g.edgeTail[e]).toBe(at);
    at = g.edgeHead[e];
    time += g.edgeTime[e];
  }
  expect(at).toBe(to);
  return time;
}

describe('DijkstraEngine', () => {
  const graph = randomGraph(400, 1400, 7);
  const engine = new DijkstraEngine(graph);
  const random = prng(99);

  it('matches Bellman-Ford one-to-one, and its paths add up', () => {
    for (let q = 0; q < 60; q++) {
      const s = Math.floor(random() * graph.nodeCount);
      const t = Math.floor(random() * graph.nodeCount);
      const expected = bellmanFord(graph, [[s, 0]])[t];
      const time = engine.oneToOne(s, t);
      if (expected === Number.POSITIVE_INFINITY) {
        expect(time).toBe(Number.POSITIVE_INFINITY);
        continue;
      }
      expect(time).toBeCloseTo(expected, 9);
      expect(pathTime(graph, engine.pathEdges(t), s, t)).toBeCloseTo(expected, 9);
    }
  });

  it('returns 0 from a node to itself', () => {
    expect(engine.oneToOne(5, 5)).toBe(0);
    expect(engine.pathEdges(5)).toEqual([]);
  });

  it('routes between seeded sources and targets with offsets', () => {
    for (let q = 0; q < 30; q++) {
      const pick = (): number => Math.floor(random() * graph.nodeCount);
      const sources = [
        { node: pick(), cost: random() * 50 },
        { node: pick(), cost: random() * 50 },
      ];
      const targets = [
        { node: pick(), cost: random() * 50 },
        { node: pick(), cost: random() * 50 },
      ];
      const dist = bellmanFord(
        graph,
        sources.map((s) => [s.node, s.cost]),
      );
      const expected = Math.min(...targets.map((t) => dist[t.node] + t.cost));
      const result = engine.route(sources, targets);
      if (expected === Number.POSITIVE_INFINITY) {
        expect(result).toBeNull();
        continue;
      }
      expect(result).not.toBeNull();
      const r = result!;
      expect(r.time).toBeCloseTo(expected, 9);
      const target = targets[r.targetIndex];
      expect(dist[target.node] + target.cost).toBeCloseTo(expected, 9);
      const start = r.edges.length > 0 ? graph.edgeTail[r.edges[0]] : target.node;
      const source = sources.find((s) => s.node === start)!;
      expect(source.cost + pathTime(graph, r.edges, start, target.node) + target.cost).toBeCloseTo(
        expected,
        9,
      );
    }
  });

  it('answers one-to-many and many-to-one like Bellman-Ford', () => {
    const targets = Array.from({ length: 25 }, () => Math.floor(random() * graph.nodeCount));
    for (let q = 0; q < 10; q++) {
      const s = Math.floor(random() * graph.nodeCount);
      const forward = bellmanFord(graph, [[s, 0]]);
      const times = engine.oneToMany(s, targets);
      targets.forEach((t, i) => {
        expect(times[i]).toBeCloseTo(forward[t], 9);
      });
      const backward = bellmanFord(graph, [[s, 0]], true);
      const toS = engine.manyToOne(targets, s);
      targets.forEach((t, i) => {
        expect(toS[i]).toBeCloseTo(backward[t], 9);
      });
      // Reverse paths run from the node to the seed, in travel order.
      const reachable = targets.find((_, i) => Number.isFinite(toS[i]));
      if (reachable !== undefined) {
        expect(pathTime(graph, engine.pathEdges(reachable), reachable, s)).toBeCloseTo(
          backward[reachable],
          9,
        );
      }
    }
  });

  it('stops at the k nearest targets', () => {
    const s = 3;
    const targets = Array.from({ length: 40 }, (_, i) => (i * 9) % graph.nodeCount);
    const reference = bellmanFord(graph, [[s, 0]]);
    const times = engine.oneToMany(s, targets, { k: 5 });
    const settled = Array.from(times).filter(Number.isFinite);
    expect(settled.length).toBeGreaterThanOrEqual(5);
    const nearest = targets
      .map((t) => reference[t])
      .filter(Number.isFinite)
      .sort((a, b) => a - b)
      .slice(0, 5);
    for (const time of nearest) expect(settled.some((x) => Math.abs(x - time) < 1e-9)).toBe(true);
  });

  it('settles exactly the nodes within the limit of a multi-source field', () => {
    const seeds = [
      { node: 1, cost: 0 },
      { node: 200, cost: 30 },
    ];
    const limit = 120;
    const reference = bellmanFord(
      graph,
      seeds.map((s) => [s.node, s.cost]),
    );
    const settled = new Set(engine.travelTimeField(seeds, limit));
    for (let v = 0; v < graph.nodeCount; v++) {
      expect(settled.has(v)).toBe(reference[v] <= limit);
      if (settled.has(v)) expect(engine.costOf(v)).toBeCloseTo(reference[v], 9);
    }
  });

  it('does not leak state from one query into the next', () => {
    const a = engine.oneToOne(10, 20);
    engine.travelTimeField([{ node: 20, cost: 0 }], 1e9, 'reverse');
    expect(engine.oneToOne(10, 20)).toBe(a);
  });
});
