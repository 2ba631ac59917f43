import { describe, expect, it } from 'vitest';
import { DijkstraEngine } from '../roads/dijkstra';
import { buildRoadGraph, type GraphEdgeInput, type RoadGraph } from '../roads/graph';
import { CoverageEngine, type WeightedPosition } from './coverage';
import {
  aggregateDemand,
  buildCoverageSets,
  type CoverageSets,
  greedyMaximalCovering,
  intersectionCandidates,
  placePosts,
} from './placement';

const LINE_WAYS = [{ osmId: 1, name: 'street', highway: 'residential', speedKmh: 60, oneway: false }];

/** A straight two-way street of `n` nodes, 60 s per segment. */
function lineGraph(n: number): RoadGraph {
  const nodes = Array.from({ length: n }, (_, i) => ({ osmId: i + 1, lon: i * 0.01, lat: 0 }));
  const edges: GraphEdgeInput[] = [];
  for (let i = 0; i + 1 < n; i++) {
    edges.push({ tail: i, head: i + 1, time: 60, length: 1000, way: 0 });
    edges.push({ tail: i + 1, head: i, time: 60, length: 1000, way: 0 });
  }
  return buildRoadGraph(nodes, edges, LINE_WAYS);
}

function edgeBetween(g: RoadGraph, u: number, v: number): number {
  for (let e = g.firstOut[u]; e < g.firstOut[u + 1]; e++) if (g.edgeHead[e] === v) return e;
  throw new Error(`no edge ${u}→${v}`);
}

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

/** A random street network: two-way streets (twin edges on one way) and some one-way ones. */
function randomStreets(nodeCount: number, streetCount: number, seed: number): RoadGraph {
  const random = prng(seed);
  const nodes = Array.from({ length: nodeCount }, (_, i) => ({ osmId: i + 1, lon: random(), lat: random() }));
  const edges: GraphEdgeInput[] = [];
  const ways = [];
  for (let i = 0; i < streetCount; i++) {
    const tail = Math.floor(random() * nodeCount);
    let head = Math.floor(random() * nodeCount);
    if (head === tail) head = (head + 1) % nodeCount;
    const time = 5 + Math.round(random() * 600) / 10;
    const oneway = random() < 0.3;
    ways.push({ osmId: i + 1, name: null, highway: 'residential', speedKmh: 36, oneway });
    edges.push({ tail, head, time, length: time * 10, way: i });
    if (!oneway) edges.push({ tail: head, head: tail, time, length: time * 10, way: i });
  }
  return buildRoadGraph(nodes, edges, ways);
}

/** Picks by re-scanning every candidate each round: the obvious reference for the lazy greedy. */
function naiveGreedy(sets: CoverageSets, k: number): { picks: number[]; gains: number[] } {
  const covered = sets.initiallyCovered.slice();
  const picks: number[] = [];
  const gains: number[] = [];
  for (let round = 0; round < k; round++) {
    let best = -1;
    let bestGain = 0;
    for (let c = 0; c < sets.candidates.length; c++) {
      let gain = 0;
      for (let i = sets.candidateStart[c]; i < sets.candidateStart[c + 1]; i++)
        if (!covered[sets.demandOf[i]]) gain += sets.weight[sets.demandOf[i]];
      if (gain > bestGain) {
        bestGain = gain;
        best = c;
      }
    }
    if (best < 0) break;
    picks.push(best);
    gains.push(bestGain);
    for (let i = sets.candidateStart[best]; i < sets.candidateStart[best + 1]; i++)
      covered[sets.demandOf[i]] = 1;
  }
  return { picks, gains };
}

describe('placement on a straight street', () => {
  // 9 nodes, 60 s apart; one unit of demand at every node.
  const g = lineGraph(9);
  const demand: WeightedPosition[] = Array.from({ length: 9 }, (_, i) =>
    i < 8 ? { edge: edgeBetween(g, i, i + 1), t: 0 } : { edge: edgeBetween(g, 8, 7), t: 0 },
  );
  const everyNode = Array.from({ length: 9 }, (_, i) => i);

  it('puts a single post that can cover the whole street in the middle', () => {
    const result = placePosts(new DijkstraEngine(g), demand, {
      k: 2,
      radiusSeconds: 240,
      candidates: everyNode,
    });
    expect(result.baselineShare).toBe(0);
    expect(result.picks).toEqual([{ node: 4, lon: g.nodeLon[4], lat: 0, gain: 9, cumulativeShare: 1 }]);
  });

  it('reports the gain of each pick, ties going to the lower candidate', () => {
    // Radius 120 s: node i covers nodes i-2 .. i+2, so nodes 2..6 tie at 5.
    const result = placePosts(new DijkstraEngine(g), demand, {
      k: 2,
      radiusSeconds: 120,
      candidates: everyNode,
    });
    expect(result.picks.map((p) => [p.node, p.gain])).toEqual([
      [2, 5],
      [6, 4],
    ]);
    expect(result.picks[0].cumulativeShare).toBeCloseTo(5 / 9, 12);
    expect(result.picks[1].cumulativeShare).toBe(1);
  });

  it('counts what existing posts cover and places around them', () => {
    const existing = [{ edge: edgeBetween(g, 0, 1), t: 0 }]; // covers nodes 0, 1, 2
    const result = placePosts(new DijkstraEngine(g), demand, {
      k: 1,
      radiusSeconds: 120,
      candidates: everyNode,
      existingPosts: existing,
    });
    expect(result.baselineShare).toBeCloseTo(3 / 9, 12);
    expect(result.picks).toHaveLength(1);
    expect(result.picks[0]).toMatchObject({ node: 5, gain: 5 }); // covers 3..7
    expect(result.picks[0].cumulativeShare).toBeCloseTo(8 / 9, 12);
  });

  it('stops early once nothing more can be covered', () => {
    const result = placePosts(new DijkstraEngine(g), demand, {
      k: 10,
      radiusSeconds: 600,
      candidates: everyNode,
    });
    expect(result.picks).toHaveLength(1);
    expect(result.picks[0].cumulativeShare).toBe(1);
  });

  it('weights demand and merges duplicates', () => {
    const heavy = [
      ...demand,
      { edge: edgeBetween(g, 8, 7), t: 0, weight: 10 },
      { edge: edgeBetween(g, 7, 8), t: 1 },
    ];
    const result = placePosts(new DijkstraEngine(g), heavy, {
      k: 1,
      radiusSeconds: 120,
      candidates: everyNode,
    });
    expect(result.demandPoints).toBe(9);
    expect(result.totalWeight).toBe(20);
    expect(result.picks[0]).toMatchObject({ node: 6, gain: 16 }); // nodes 4..8, node 8 weighing 12
  });

  it('finds no intersections on a plain street and then offers every node', () => {
    expect(Array.from(intersectionCandidates(g))).toEqual(everyNode);
  });
});

describe('placement internals on random networks', () => {
  it('finds exactly the candidates that can drive to each demand point within the radius', () => {
    const g = randomStreets(60, 110, 7);
    const engine = new DijkstraEngine(g);
    const coverage = new CoverageEngine(engine);
    const random = prng(3);
    const demand = Array.from({ length: 40 }, () => ({
      edge: Math.floor(random() * g.edgeCount),
      t: random(),
    }));
    const candidates = Array.from({ length: g.nodeCount }, (_, i) => i);
    const radius = 60;
    const sets = buildCoverageSets(coverage, demand, candidates, radius);
    for (let c = 0; c < candidates.length; c++) {
      const listed = new Set(
        Array.from(sets.demandOf.subarray(sets.candidateStart[c], sets.candidateStart[c + 1])),
      );
      // Forward from the candidate node itself, timed at each point like coverage does.
      coverage.search([{ edge: g.firstOut[c] < g.firstOut[c + 1] ? g.firstOut[c] : 0, t: 0 }], radius);
      if (g.firstOut[c] === g.firstOut[c + 1]) continue; // a node with no way out covers nothing but itself
      for (let d = 0; d < demand.length; d++) {
        const time = coverage.timeToPosition(demand[d]);
        // Points exactly on the limit may fall either side by rounding.
        if (Math.abs(time - radius) < 1e-9) continue;
        expect(listed.has(d), `candidate ${c} demand ${d} time ${time}`).toBe(time <= radius);
      }
    }
  });

  it('lazy greedy picks exactly what naive greedy picks', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const g = randomStreets(80, 150, seed);
      const coverage = new CoverageEngine(new DijkstraEngine(g));
      const random = prng(seed * 31);
      const demand = Array.from({ length: 120 }, () => ({
        edge: Math.floor(random() * g.edgeCount),
        t: random(),
        weight: 1 + Math.floor(random() * 4),
      }));
      const existing = [{ edge: Math.floor(random() * g.edgeCount), t: random() }];
      const candidates = Array.from({ length: g.nodeCount }, (_, i) => i);
      const sets = buildCoverageSets(coverage, demand, candidates, 45, existing);
      const lazy = greedyMaximalCovering(sets, 6);
      const naive = naiveGreedy(sets, 6);
      expect(lazy, `seed ${seed}`).toEqual(naive);
      for (let i = 1; i < lazy.gains.length; i++)
        expect(lazy.gains[i]).toBeLessThanOrEqual(lazy.gains[i - 1]);
    }
  });

  it('caps demand while keeping its total weight', () => {
    const g = randomStreets(80, 150, 5);
    const coverage = new CoverageEngine(new DijkstraEngine(g));
    const random = prng(9);
    const demand = Array.from({ length: 2000 }, () => ({
      edge: Math.floor(random() * g.edgeCount),
      t: random(),
    }));
    const capped = aggregateDemand(coverage, demand, 50);
    expect(capped.length).toBeLessThanOrEqual(50);
    expect(capped.reduce((s, p) => s + (p.weight ?? 1), 0)).toBeCloseTo(2000, 6);
    expect(aggregateDemand(coverage, demand.slice(0, 10), 50)).toHaveLength(10);
  });
});
