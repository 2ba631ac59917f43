import { describe, expect, it } from 'vitest';
import { DijkstraEngine } from '../roads/dijkstra';
import { buildRoadGraph, type GraphEdgeInput, type RoadGraph } from '../roads/graph';
import { edgeTwins, sameSegmentTime, sourceSeeds, targetSeeds } from '../roads/snap';
import { buildTurnRestrictedGraph } from '../roads/turn-restrictions';
import { CoverageEngine, type EdgePosition } from './coverage';

const WAYS = [
  { osmId: 1, name: 'two-way', highway: 'residential', speedKmh: 60, oneway: false },
  { osmId: 2, name: 'one-way', highway: 'residential', speedKmh: 60, oneway: true },
];

/** A straight street of `n` nodes, 1 km and 60 s per segment; `oneWay` segments only go i → i+1. */
function lineGraph(n: number, oneWay: ReadonlySet<number> = new Set()): RoadGraph {
  const nodes = Array.from({ length: n }, (_, i) => ({ osmId: i + 1, lon: i * 0.01, lat: 0 }));
  const edges: GraphEdgeInput[] = [];
  for (let i = 0; i + 1 < n; i++) {
    const way = oneWay.has(i) ? 1 : 0;
    edges.push({ tail: i, head: i + 1, time: 60, length: 1000, way });
    if (way === 0) edges.push({ tail: i + 1, head: i, time: 60, length: 1000, way });
  }
  return buildRoadGraph(nodes, edges, WAYS);
}

function edgeBetween(g: RoadGraph, u: number, v: number): number {
  for (let e = g.firstOut[u]; e < g.firstOut[u + 1]; e++) if (g.edgeHead[e] === v) return e;
  throw new Error(`no edge ${u}→${v}`);
}

function coverageOf(g: RoadGraph) {
  return new CoverageEngine(new DijkstraEngine(g));
}

describe('coverage on a straight street', () => {
  const g = lineGraph(5); // 4 km, nodes at 0, 60, 120, 180, 240 s from node 0
  const atNode0: EdgePosition = { edge: edgeBetween(g, 0, 1), t: 0 };

  it('counts each two-way street once and whole segments within the threshold', () => {
    const c = coverageOf(g);
    const r = c.compute([atNode0], [], [60, 180, 300]);
    expect(c.totalRoadLengthM).toBe(4000);
    expect(r.thresholds.map((x) => x.roadLengthM)).toEqual([1000, 3000, 4000]);
    expect(r.thresholds.map((x) => x.roadLengthShare)).toEqual([0.25, 0.75, 1]);
    expect(r.reachedNodes).toBe(5);
  });

  it('counts the part of a segment driven into before time runs out', () => {
    const r = coverageOf(g).compute([atNode0], [], [90, 150]);
    expect(r.thresholds[0].roadLengthM).toBeCloseTo(1500, 9);
    expect(r.thresholds[1].roadLengthM).toBeCloseTo(2500, 9);
  });

  it('reaches both ways from a post in the middle of a segment', () => {
    // Post halfway along 1–2: 30 s to node 1 and to node 2.
    const post = { edge: edgeBetween(g, 1, 2), t: 0.5 };
    const r = coverageOf(g).compute([post], [], [30, 60]);
    expect(r.thresholds[0].roadLengthM).toBeCloseTo(1000, 9); // the post's own segment
    expect(r.thresholds[1].roadLengthM).toBeCloseTo(2000, 9); // plus 500 m each side
  });

  it('gives the same answer whichever direction a point is expressed on', () => {
    const c = coverageOf(g);
    const a = c.compute([{ edge: edgeBetween(g, 1, 2), t: 0.25 }], [], [45]);
    const b = c.compute([{ edge: edgeBetween(g, 2, 1), t: 0.75 }], [], [45]);
    expect(a.thresholds[0].roadLengthM).toBeCloseTo(b.thresholds[0].roadLengthM, 9);
    // All of 1–2 (45 s forward to node 2), and 30 s into 0–1 beyond node 1 (15 s back).
    expect(a.thresholds[0].roadLengthM).toBeCloseTo(1500, 9);
  });

  it('times addresses by the partial edge and shares them by weight', () => {
    const addresses = [
      { edge: edgeBetween(g, 2, 3), t: 0.5 }, // 150 s
      { edge: edgeBetween(g, 0, 1), t: 0.5, weight: 3 }, // 30 s
      { edge: edgeBetween(g, 4, 3), t: 0 }, // node 4: 240 s
    ];
    const r = coverageOf(g).compute([atNode0], addresses, [300, 60, 180]);
    expect(Array.from(r.addressTimes)).toEqual([150, 30, 240]);
    expect(r.thresholds.map((x) => x.seconds)).toEqual([60, 180, 300]);
    expect(r.thresholds.map((x) => x.addressShare)).toEqual([3 / 5, 4 / 5, 1]);
    expect(r.addressWeight).toBe(5);
  });

  it('reports per-cell figures when points carry a cell', () => {
    const addresses = [
      { edge: edgeBetween(g, 0, 1), t: 0.5, cell: 'b' },
      { edge: edgeBetween(g, 3, 4), t: 0.5, cell: 'a' },
      { edge: edgeBetween(g, 3, 4), t: 0.9, cell: 'a' },
    ];
    const r = coverageOf(g).compute([atNode0], addresses, [60, 300]);
    expect(r.cells).toEqual([
      { cell: 'a', weight: 2, reached: [0, 2] },
      { cell: 'b', weight: 1, reached: [1, 1] },
    ]);
  });

  it('reaches an address on the post’s own segment without passing a node', () => {
    const post = { edge: edgeBetween(g, 1, 2), t: 0.2 };
    const address = { edge: edgeBetween(g, 2, 1), t: 0.2 }; // fraction 0.8 along 1→2
    const r = coverageOf(g).compute([post], [address], [60]);
    expect(r.addressTimes[0]).toBeCloseTo(36, 9);
  });

  it('takes the nearest of several posts, from one search', () => {
    const posts = [atNode0, { edge: edgeBetween(g, 3, 4), t: 1 }];
    const r = coverageOf(g).compute(posts, [{ edge: edgeBetween(g, 2, 3), t: 0.5 }], [120]);
    expect(r.addressTimes[0]).toBe(90); // from node 4: 60 + 30
    expect(r.thresholds[0].roadLengthShare).toBe(1);
  });

  it('is monotone in the threshold', () => {
    const c = coverageOf(g);
    const addresses = Array.from({ length: 40 }, (_, i) => ({
      edge: (i * 7) % g.edgeCount,
      t: (i % 10) / 10,
    }));
    const r = c.compute([{ edge: 3, t: 0.3 }], addresses, [10, 40, 70, 100, 130, 200, 260]);
    for (let k = 1; k < r.thresholds.length; k++) {
      expect(r.thresholds[k].roadLengthM).toBeGreaterThanOrEqual(r.thresholds[k - 1].roadLengthM);
      expect(r.thresholds[k].addressShare).toBeGreaterThanOrEqual(r.thresholds[k - 1].addressShare);
    }
  });
});

describe('coverage with one-way streets', () => {
  // 0 → 1 is one-way; 1 – 2 is two-way.
  const g = lineGraph(3, new Set([0]));

  it('cannot drive against a one-way street', () => {
    const post = { edge: edgeBetween(g, 1, 2), t: 0 }; // at node 1
    const r = coverageOf(g).compute([post], [{ edge: edgeBetween(g, 0, 1), t: 0.5 }], [300]);
    expect(r.thresholds[0].roadLengthM).toBe(1000);
    expect(r.addressTimes[0]).toBe(Number.POSITIVE_INFINITY);
    expect(r.thresholds[0].addressShare).toBe(0);
  });

  it('drives along it', () => {
    const post = { edge: edgeBetween(g, 0, 1), t: 0 };
    const r = coverageOf(g).compute([post], [{ edge: edgeBetween(g, 0, 1), t: 0.5 }], [90]);
    expect(r.thresholds[0].roadLengthM).toBeCloseTo(1500, 9);
    expect(r.addressTimes[0]).toBe(30);
  });
});

describe('coverage pieces for the map', () => {
  const g = lineGraph(3);

  it('labels each reached stretch with the smallest band reaching it, and their lengths add up', () => {
    const c = coverageOf(g);
    const thresholds = [30, 60, 90];
    c.compute([{ edge: edgeBetween(g, 0, 1), t: 0 }], [], thresholds);
    const pieces = c.pieces(thresholds);
    const byBand = new Map<number, number>();
    for (const p of pieces)
      byBand.set(p.bandSeconds, (byBand.get(p.bandSeconds) ?? 0) + (p.to - p.from) * 1000);
    expect(byBand.get(30)).toBeCloseTo(500, 9);
    expect(byBand.get(60)).toBeCloseTo(500, 9);
    expect(byBand.get(90)).toBeCloseTo(500, 9);
    const lengths = c.roadLengthWithin(thresholds);
    expect(lengths[2]).toBeCloseTo(1500, 9);
  });

  it('splits a segment reached from both ends where the two fronts meet', () => {
    const c = coverageOf(g);
    // Posts at both ends of a 2-segment street: the middle node is 60 s from each.
    const posts = [
      { edge: edgeBetween(g, 0, 1), t: 0 },
      { edge: edgeBetween(g, 1, 2), t: 1 },
    ];
    c.compute(posts, [], [30, 60]);
    const pieces = c.pieces([30, 60]);
    const total = pieces.reduce((s, p) => s + (p.to - p.from) * 1000, 0);
    expect(total).toBeCloseTo(2000, 9);
    expect(pieces.filter((p) => p.bandSeconds === 30).reduce((s, p) => s + (p.to - p.from), 0)).toBeCloseTo(
      1,
      9,
    );
  });
});

describe('coverage against the routing library on random networks', () => {
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

  function randomStreets(nodeCount: number, streetCount: number, random: () => number): RoadGraph {
    const nodes = Array.from({ length: nodeCount }, (_, i) => ({
      osmId: i + 1,
      lon: random(),
      lat: random(),
    }));
    const edges: GraphEdgeInput[] = [];
    const ways = [];
    // One street per node pair: overlapping parallel streets would pair up as twins only one way.
    const pairs = new Set<string>();
    for (let i = 0; i < streetCount; i++) {
      const tail = Math.floor(random() * nodeCount);
      let head = Math.floor(random() * nodeCount);
      if (head === tail) head = (head + 1) % nodeCount;
      const pair = tail < head ? `${tail}-${head}` : `${head}-${tail}`;
      if (pairs.has(pair)) continue;
      pairs.add(pair);
      const time = 5 + Math.round(random() * 400) / 10;
      const oneway = random() < 0.3;
      const way = ways.length;
      ways.push({ osmId: i + 1, name: null, highway: 'residential', speedKmh: 36, oneway });
      edges.push({ tail, head, time, length: time * 10, way });
      if (!oneway) edges.push({ tail: head, head: tail, time, length: time * 10, way });
    }
    return buildRoadGraph(nodes, edges, ways);
  }

  /** Reference: the best route from any post to the point with the roads module's own seeds. */
  function referenceTime(
    g: RoadGraph,
    engine: DijkstraEngine,
    posts: EdgePosition[],
    at: EdgePosition,
  ): number {
    const twins = edgeTwins(g);
    const asSnap = (p: EdgePosition) => ({ edge: p.edge, t: p.t, lon: 0, lat: 0, distanceM: 0 });
    let best = Number.POSITIVE_INFINITY;
    for (const post of posts) {
      best = Math.min(best, sameSegmentTime(g, twins, asSnap(post), asSnap(at)));
      if (twins[post.edge] >= 0 && twins[post.edge] === at.edge) {
        // The same street expressed on the twin: drive along the twin or the edge.
        const mirrored = { edge: post.edge, t: 1 - at.t };
        best = Math.min(best, sameSegmentTime(g, twins, asSnap(post), asSnap(mirrored)));
      }
      const route = engine.route(sourceSeeds(g, twins, asSnap(post)), targetSeeds(g, twins, asSnap(at)));
      if (route) best = Math.min(best, route.time);
    }
    return best;
  }

  it('times points exactly as routing does, and integrates road length to match sampling', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const random = prng(seed);
      const g = randomStreets(40, 70, random);
      const engine = new DijkstraEngine(g);
      const c = new CoverageEngine(new DijkstraEngine(g));
      const posts = Array.from({ length: 3 }, () => ({
        edge: Math.floor(random() * g.edgeCount),
        t: 0.05 + 0.9 * random(),
      }));
      const limit = 80;
      c.search(posts, 10_000);
      for (let i = 0; i < 60; i++) {
        const at = { edge: Math.floor(random() * g.edgeCount), t: random() };
        const expected = referenceTime(g, engine, posts, at);
        const got = c.timeToPosition(at);
        if (expected === Number.POSITIVE_INFINITY) expect(got, `seed ${seed}`).toBe(expected);
        else expect(got, `seed ${seed} point ${i}`).toBeCloseTo(expected, 9);
      }

      // Road length within the limit, by the midpoint rule on 200 samples per segment.
      c.search(posts, limit);
      const exact = c.roadLengthWithin([limit])[0];
      c.search(posts, 10_000);
      let sampled = 0;
      const samples = 200;
      for (let e = 0; e < g.edgeCount; e++) {
        if (!c.isRepresentative(e)) continue;
        let inside = 0;
        for (let s = 0; s < samples; s++)
          if (c.timeToPosition({ edge: e, t: (s + 0.5) / samples }) <= limit) inside++;
        sampled += (inside / samples) * g.edgeLength[e];
      }
      // Each sample misjudges at most its own 1/samples of a segment where a band edge crosses it.
      const tolerance = (4 / samples) * c.totalRoadLengthM;
      expect(Math.abs(exact - sampled), `seed ${seed}`).toBeLessThan(tolerance);
      // And the banded pieces add up to the same length.
      c.search(posts, limit);
      const pieces = c.pieces([limit / 2, limit]);
      const fromPieces = pieces.reduce((sum, p) => sum + (p.to - p.from) * g.edgeLength[p.edge], 0);
      expect(fromPieces).toBeCloseTo(exact, 6);
    }
  });

  it('on a turn-restricted graph: times points as restricted routing does, streets behind a banned turn later', () => {
    let later = 0;
    for (let seed = 11; seed <= 16; seed++) {
      const random = prng(seed);
      const base = randomStreets(40, 80, random);
      // Forbid 15 random turns (an in-edge followed by an out-edge at a node, U-turns included).
      const sequences: number[][] = [];
      while (sequences.length < 15) {
        const i = Math.floor(random() * base.edgeCount);
        const v = base.edgeHead[i];
        const outs = base.firstOut[v + 1] - base.firstOut[v];
        if (outs === 0) continue;
        sequences.push([i, base.firstOut[v] + Math.floor(random() * outs)]);
      }
      const g = buildTurnRestrictedGraph(base, sequences);
      const engine = new DijkstraEngine(g);
      const c = new CoverageEngine(new DijkstraEngine(g));
      const plain = new CoverageEngine(new DijkstraEngine(base));
      // Road length is the base graph's: junction copies add no street.
      expect(c.totalRoadLengthM).toBeCloseTo(plain.totalRoadLengthM, 9);
      const posts = Array.from({ length: 3 }, () => ({
        edge: Math.floor(random() * base.edgeCount),
        t: 0.05 + 0.9 * random(),
      }));
      c.search(posts, 10_000);
      plain.search(posts, 10_000);
      for (let k = 0; k < 60; k++) {
        const at = { edge: Math.floor(random() * base.edgeCount), t: random() };
        const expected = referenceTime(g, engine, posts, at);
        const got = c.timeToPosition(at);
        if (expected === Number.POSITIVE_INFINITY) expect(got, `seed ${seed}`).toBe(expected);
        else expect(got, `seed ${seed} point ${k}`).toBeCloseTo(expected, 9);
        // Never earlier than without restrictions.
        expect(got).toBeGreaterThanOrEqual(plain.timeToPosition(at) - 1e-9);
        if (got > plain.timeToPosition(at) + 1e-6) later++;
      }
      // The map's pieces are base edges, and they add up to the road length within the limit.
      c.search(posts, 80);
      const exact = c.roadLengthWithin([80])[0];
      const pieces = c.pieces([40, 80]);
      expect(pieces.every((p) => p.edge < base.edgeCount)).toBe(true);
      expect(pieces.reduce((sum, p) => sum + (p.to - p.from) * base.edgeLength[p.edge], 0)).toBeCloseTo(
        exact,
        6,
      );
    }
    expect(later).toBeGreaterThan(0);
  });

  it('never loses coverage when a post is added', () => {
    const random = prng(42);
    const g = randomStreets(60, 100, random);
    const c = new CoverageEngine(new DijkstraEngine(g));
    const demand = Array.from({ length: 80 }, () => ({
      edge: Math.floor(random() * g.edgeCount),
      t: random(),
    }));
    const posts: EdgePosition[] = [];
    let previous = c.compute(posts, demand, [30, 60, 120]);
    for (let i = 0; i < 8; i++) {
      posts.push({ edge: Math.floor(random() * g.edgeCount), t: random() });
      const next = c.compute(posts, demand, [30, 60, 120]);
      for (let k = 0; k < 3; k++) {
        expect(next.thresholds[k].roadLengthM).toBeGreaterThanOrEqual(
          previous.thresholds[k].roadLengthM - 1e-9,
        );
        expect(next.thresholds[k].addressShare).toBeGreaterThanOrEqual(previous.thresholds[k].addressShare);
      }
      previous = next;
    }
  });
});
