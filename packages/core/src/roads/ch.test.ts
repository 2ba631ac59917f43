import { describe, expect, it } from 'vitest';
import {
  buildContractionHierarchy,
  ChRouter,
  type ContractionHierarchy,
  largestStronglyConnectedComponent,
  ManyToOneTable,
  OneToManyTable,
} from './ch';
import type { Seed } from './dijkstra';
import { buildRoadGraph, type GraphEdgeInput, type RoadGraph } from './graph';

/** Small deterministic PRNG (mulberry32) so a failure names its seed and can be replayed. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface RandomGraphOptions {
  width: number;
  height: number;
  /** Integer times make every sum exact, so CH and Dijkstra must agree bit for bit. */
  integerTimes: boolean;
}

/**
 * A planar-ish street grid: neighbours joined two-way or one-way at random, some missing links,
 * some diagonals, parallel edges, self-loops, zero-time edges, and a separate island (unreachable
 * from the rest).
 */
function randomRoadGraph(seed: number, options: RandomGraphOptions): RoadGraph {
  const random = randomSource(seed);
  const { width, height } = options;
  const time = () => (options.integerTimes ? 1 + Math.floor(random() * 20) : 0.5 + random() * 30);
  const islandSize = 6;
  const nodeCount = width * height + islandSize;
  const nodes = Array.from({ length: nodeCount }, (_, i) => ({
    osmId: i + 1,
    lon: i % width,
    lat: i / width,
  }));
  const edges: GraphEdgeInput[] = [];
  const link = (a: number, b: number) => {
    const kind = random();
    if (kind < 0.1) return; // no street here
    const forward = time();
    if (kind < 0.3) {
      edges.push({ tail: a, head: b, time: forward, length: 1, way: 0 }); // one-way a→b
    } else if (kind < 0.45) {
      edges.push({ tail: b, head: a, time: forward, length: 1, way: 0 }); // one-way b→a
    } else {
      // Two-way, sometimes with different times each way (e.g. uphill).
      edges.push({ tail: a, head: b, time: forward, length: 1, way: 0 });
      edges.push({ tail: b, head: a, time: random() < 0.7 ? forward : time(), length: 1, way: 0 });
    }
    if (random() < 0.05) edges.push({ tail: a, head: b, time: time(), length: 1, way: 0 }); // parallel
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = y * width + x;
      if (x + 1 < width) link(v, v + 1);
      if (y + 1 < height) link(v, v + width);
      if (x + 1 < width && y + 1 < height && random() < 0.15) link(v, v + width + 1);
      if (random() < 0.02) edges.push({ tail: v, head: v, time: time(), length: 1, way: 0 }); // self-loop
      if (random() < 0.03 && x + 1 < width) edges.push({ tail: v, head: v + 1, time: 0, length: 0, way: 0 });
    }
  }
  const islandStart = width * height;
  for (let i = 0; i < islandSize; i++) {
    const a = islandStart + i;
    const b = islandStart + ((i + 1) % islandSize);
    edges.push({ tail: a, head: b, time: time(), length: 1, way: 0 });
  }
  return buildRoadGraph(nodes, edges, [
    { osmId: 1, name: null, highway: 'residential', speedKmh: 30, oneway: false },
  ]);
}

/** Reference: textbook multi-source Dijkstra with a lazy binary heap, written independently of ch.ts. */
function referenceTimes(graph: RoadGraph, seeds: readonly Seed[], reverse = false): Float64Array {
  const dist = new Float64Array(graph.nodeCount).fill(Number.POSITIVE_INFINITY);
  const heap: [number, number][] = [];
  const push = (item: [number, number]) => {
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p][0] <= heap[i][0]) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
  };
  const pop = (): [number, number] => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= heap.length) break;
        if (c + 1 < heap.length && heap[c + 1][0] < heap[c][0]) c++;
        if (heap[c][0] >= heap[i][0]) break;
        [heap[c], heap[i]] = [heap[i], heap[c]];
        i = c;
      }
    }
    return top;
  };
  for (const seed of seeds) {
    if (seed.cost < dist[seed.node]) {
      dist[seed.node] = seed.cost;
      push([seed.cost, seed.node]);
    }
  }
  while (heap.length > 0) {
    const [d, v] = pop();
    if (d > dist[v]) continue;
    if (!reverse) {
      for (let e = graph.firstOut[v]; e < graph.firstOut[v + 1]; e++) {
        const w = graph.edgeHead[e];
        if (d + graph.edgeTime[e] < dist[w]) {
          dist[w] = d + graph.edgeTime[e];
          push([dist[w], w]);
        }
      }
    } else {
      for (let i = graph.firstIn[v]; i < graph.firstIn[v + 1]; i++) {
        const e = graph.inEdge[i];
        const u = graph.edgeTail[e];
        if (d + graph.edgeTime[e] < dist[u]) {
          dist[u] = d + graph.edgeTime[e];
          push([dist[u], u]);
        }
      }
    }
  }
  return dist;
}

function seedsToTarget(dist: Float64Array, target: readonly Seed[]): number {
  let best = Number.POSITIVE_INFINITY;
  for (const seed of target) best = Math.min(best, dist[seed.node] + seed.cost);
  return best;
}

/** A random endpoint: one node, or two nodes with offsets (a point part-way along a street). */
function randomSeeds(random: () => number, nodeCount: number): Seed[] {
  const node = Math.floor(random() * nodeCount);
  if (random() < 0.5) return [{ node, cost: 0 }];
  const other = Math.floor(random() * nodeCount);
  return [
    { node, cost: Math.floor(random() * 8) },
    { node: other, cost: Math.floor(random() * 8) },
  ];
}

/**
 * Integer-time graphs must agree exactly. Real-valued times are summed in a different order along
 * shortcuts than along Dijkstra's path, so they may differ in the last bits; well inside 1e-9 s.
 */
function expectSameTime(actual: number, expected: number, exact: boolean): void {
  if (exact || !Number.isFinite(expected)) expect(actual).toBe(expected);
  else expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9);
}

describe('contraction hierarchies', () => {
  const cases = [
    { seed: 1, width: 6, height: 6, integerTimes: true },
    { seed: 2, width: 9, height: 7, integerTimes: true },
    { seed: 3, width: 8, height: 8, integerTimes: false },
    { seed: 4, width: 12, height: 10, integerTimes: true },
    { seed: 5, width: 10, height: 10, integerTimes: false },
  ];

  for (const testCase of cases) {
    it(`point-to-point times equal Dijkstra for every pair (seed ${testCase.seed})`, () => {
      const graph = randomRoadGraph(testCase.seed, testCase);
      const ch = buildContractionHierarchy(graph);
      const router = new ChRouter(ch);
      let unreachable = 0;
      for (let s = 0; s < graph.nodeCount; s++) {
        const dist = referenceTimes(graph, [{ node: s, cost: 0 }]);
        for (let t = 0; t < graph.nodeCount; t++) {
          const time = router.time([{ node: s, cost: 0 }], [{ node: t, cost: 0 }]);
          expectSameTime(time, dist[t], testCase.integerTimes);
          if (!Number.isFinite(dist[t])) unreachable++;
        }
      }
      expect(unreachable).toBeGreaterThan(0); // the island guarantees some
    });
  }

  it('answers random seeded queries on a larger grid (real-valued times)', () => {
    const graph = randomRoadGraph(61, { width: 45, height: 40, integerTimes: false });
    const ch = buildContractionHierarchy(graph);
    const router = new ChRouter(ch);
    const random = randomSource(61);
    for (let q = 0; q < 300; q++) {
      const source = randomSeeds(random, graph.nodeCount);
      const target = randomSeeds(random, graph.nodeCount);
      const expected = seedsToTarget(referenceTimes(graph, source), target);
      expectSameTime(router.time(source, target), expected, false);
    }
  });

  it('unpacks routes into connected original edges whose times add up', () => {
    const graph = randomRoadGraph(11, { width: 14, height: 12, integerTimes: true });
    const ch = buildContractionHierarchy(graph);
    expect(ch.shortcutCount).toBeGreaterThan(0);
    const router = new ChRouter(ch);
    const random = randomSource(99);
    let checked = 0;
    for (let q = 0; q < 400; q++) {
      const source = randomSeeds(random, graph.nodeCount);
      const target = randomSeeds(random, graph.nodeCount);
      const expected = seedsToTarget(referenceTimes(graph, source), target);
      const route = router.route(source, target);
      if (!Number.isFinite(expected)) {
        expect(route).toBeNull();
        continue;
      }
      expect(route).not.toBeNull();
      if (!route) continue;
      expect(route.time).toBe(expected);
      // A node may be seeded twice; the search keeps the cheaper cost.
      const seedCost = (seeds: readonly Seed[], node: number) =>
        Math.min(...seeds.filter((s) => s.node === node).map((s) => s.cost));
      let at = route.fromNode;
      let sum = seedCost(source, route.fromNode);
      for (const edge of route.edges) {
        expect(graph.edgeTail[edge]).toBe(at);
        at = graph.edgeHead[edge];
        sum += graph.edgeTime[edge];
      }
      expect(at).toBe(route.toNode);
      expect(sum + seedCost(target, route.toNode)).toBe(expected);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  });

  function checkManyToOne(
    graph: RoadGraph,
    table: ManyToOneTable,
    sources: readonly Seed[][],
    targets: readonly Seed[][],
    exact: boolean,
  ) {
    const perSource = sources.map((s) => referenceTimes(graph, s));
    const out = new Float64Array(sources.length);
    for (const target of targets) {
      table.timesTo(target, out);
      for (let i = 0; i < sources.length; i++)
        expectSameTime(out[i], seedsToTarget(perSource[i], target), exact);
    }
  }

  for (const integerTimes of [true, false]) {
    it(`many-to-one buckets equal Dijkstra, also after moving single units (integer times: ${integerTimes})`, () => {
      const graph = randomRoadGraph(integerTimes ? 21 : 22, { width: 16, height: 14, integerTimes });
      const ch = buildContractionHierarchy(graph);
      const random = randomSource(7);
      const sources = Array.from({ length: 25 }, () => randomSeeds(random, graph.nodeCount));
      const targets = Array.from({ length: 60 }, () => randomSeeds(random, graph.nodeCount));
      const table = new ManyToOneTable(ch);
      table.setSources(sources);
      checkManyToOne(graph, table, sources, targets, integerTimes);

      // Move units one at a time; only their buckets are refreshed.
      for (let move = 0; move < 30; move++) {
        const index = Math.floor(random() * sources.length);
        sources[index] = randomSeeds(random, graph.nodeCount);
        table.updateSource(index, sources[index]);
      }
      // A unit with no position (off the map) is unreachable from everywhere.
      sources[3] = [];
      table.updateSource(3, []);
      checkManyToOne(graph, table, sources, targets, integerTimes);

      // No leaked or missing bucket entries: a fresh table over the same sources holds as many.
      const fresh = new ManyToOneTable(ch);
      fresh.setSources(sources);
      expect(table.bucketEntryCount).toBe(fresh.bucketEntryCount);

      // Appending a unit.
      sources.push(randomSeeds(random, graph.nodeCount));
      table.updateSource(sources.length - 1, sources[sources.length - 1]);
      expect(table.sourceCount).toBe(sources.length);
      checkManyToOne(graph, table, sources, targets, integerTimes);
      // The default output buffer is the table's own.
      expect(table.timesTo(targets[0]).length).toBe(sources.length);
    });
  }

  it('one-to-many buckets equal reverse Dijkstra', () => {
    const graph = randomRoadGraph(31, { width: 15, height: 15, integerTimes: true });
    const ch = buildContractionHierarchy(graph);
    const random = randomSource(8);
    const targets = Array.from({ length: 20 }, () => randomSeeds(random, graph.nodeCount));
    const table = new OneToManyTable(ch);
    table.setTargets(targets);
    targets[5] = randomSeeds(random, graph.nodeCount);
    table.updateTarget(5, targets[5]);
    const toTarget = targets.map((t) => referenceTimes(graph, t, true));
    for (let q = 0; q < 50; q++) {
      const source = randomSeeds(random, graph.nodeCount);
      const out = table.timesFrom(source);
      for (let i = 0; i < targets.length; i++) expect(out[i]).toBe(seedsToTarget(toTarget[i], source));
    }
  });

  it('handles a graph whose every witness search is cut short', () => {
    // Settle limit 1 means no witness is ever found, so every possible shortcut is added: still exact.
    const graph = randomRoadGraph(41, { width: 7, height: 7, integerTimes: true });
    const ch: ContractionHierarchy = buildContractionHierarchy(graph, {
      simulationSettleLimit: 1,
      contractionSettleLimit: 1,
    });
    const router = new ChRouter(ch);
    for (let s = 0; s < graph.nodeCount; s += 3) {
      const dist = referenceTimes(graph, [{ node: s, cost: 0 }]);
      for (let t = 0; t < graph.nodeCount; t++) {
        expect(router.time([{ node: s, cost: 0 }], [{ node: t, cost: 0 }])).toBe(dist[t]);
      }
    }
  });

  it('finds the largest strongly connected component', () => {
    const graph = randomRoadGraph(51, { width: 10, height: 9, integerTimes: true });
    const mask = largestStronglyConnectedComponent(graph);
    const reach = Array.from({ length: graph.nodeCount }, (_, v) =>
      referenceTimes(graph, [{ node: v, cost: 0 }]),
    );
    const inMask: number[] = [];
    for (let v = 0; v < graph.nodeCount; v++) if (mask[v]) inMask.push(v);
    expect(inMask.length).toBeGreaterThan(graph.nodeCount / 2);
    // Members reach each other; no outsider is mutually reachable with a member.
    for (const a of inMask) for (const b of inMask) expect(Number.isFinite(reach[a][b])).toBe(true);
    const member = inMask[0];
    for (let v = 0; v < graph.nodeCount; v++) {
      if (mask[v]) continue;
      expect(Number.isFinite(reach[member][v]) && Number.isFinite(reach[v][member])).toBe(false);
    }
  });
});
