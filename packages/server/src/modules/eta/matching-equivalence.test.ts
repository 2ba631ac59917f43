/**
 * The optimised HMM matcher (core roads/matching/hmm.ts) gives exactly the results of the
 * straightforward one it replaced: same matched edge and position per fix, same skips by reason,
 * same pieces, same traversals with the same entry and exit times, bit for bit.
 *
 * `ReferenceHmmMatcher` below is the matcher as it was before the speed work of issue 16 (commit
 * 4c57c64: one bounded Dijkstra per previous candidate, every settled node compared with every next
 * candidate, fresh arrays per step), kept here, in the test only, as the oracle. Traces are
 * simulated on the bundled real cities (../shared/data/roads, © OpenStreetMap contributors, ODbL)
 * with phone-like GPS (5–15 m noise, 2 % jumps), at 1 Hz and at 1–30 s, plus broken-up traces
 * (gaps, reversed and duplicated fixes) so that the jump, break and restart paths are compared too.
 */
import { largestStronglyConnectedComponent } from '@citywatch/core/roads/ch';
import { DijkstraEngine } from '@citywatch/core/roads/dijkstra';
import type { RoadGraph } from '@citywatch/core/roads/graph';
import { CandidateIndex } from '@citywatch/core/roads/matching/candidates';
import {
  emptySkips,
  type GpsFix,
  HmmMatcher,
  type MatchOptions,
  type MatchResult,
  type Traversal,
} from '@citywatch/core/roads/matching/hmm';
import { componentNodes, HiddenTimes, prng, simulateTrip } from '@citywatch/core/roads/matching/simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGraphFromOsmFile } from '../roads/load.js';

const DATA = '/work/shared/data/roads';
const CITIES = {
  monaco: `${DATA}/monaco/monaco.osm.pbf`,
  andorra: `${DATA}/andorra/andorra.osm.pbf`,
  beijing: `${DATA}/beijing-haidian-zhongguancun/beijing_haidian_zhongguancun.osm`,
  shenzhen: `${DATA}/shenzhen-longgang/shenzhen_longgang.osm`,
};
type City = keyof typeof CITIES;
const graphs = {} as Record<City, RoadGraph>;

beforeAll(async () => {
  for (const [city, path] of Object.entries(CITIES))
    graphs[city as City] = (await loadGraphFromOsmFile(path)).graph;
});

/** Monday 2026-11-23 00:00 UTC. */
const MONDAY = Date.UTC(2026, 10, 23) / 1000;

function traces(graph: RoadGraph, count: number, seed: number, intervalS: [number, number]): GpsFix[][] {
  const hidden = new HiddenTimes(graph, seed);
  const nodes = componentNodes(largestStronglyConnectedComponent(graph));
  const rng = prng(seed + 1);
  const out: GpsFix[][] = [];
  for (let i = 0; i < count; i++) {
    const start = MONDAY + Math.floor(rng() * 7 * 86400);
    const trip = simulateTrip(graph, hidden, null, nodes, rng, `v${i}`, start, { intervalS });
    if (trip) out.push(trip.fixes);
  }
  return out;
}

/** A trace made awkward: a long gap, a fix moved back in time, a duplicate, a 3 km jump pair. */
function broken(fixes: GpsFix[]): GpsFix[] {
  const out = fixes.map((f) => ({ ...f }));
  const n = out.length;
  if (n < 12) return out;
  const a = Math.floor(n / 4);
  for (let i = a; i < n; i++) out[i].time += 400; // a gap longer than maxGapS
  const b = Math.floor(n / 2);
  out.splice(b, 0, { ...out[b - 1] }, { ...out[b - 3] });
  const c = Math.floor((3 * n) / 4);
  out.splice(
    c,
    0,
    { ...out[c], lat: out[c].lat + 0.03 },
    { ...out[c], time: out[c].time + 0.5, lat: out[c].lat + 0.03 },
  );
  return out;
}

function same(expected: MatchResult, actual: MatchResult): void {
  expect(actual.points).toBe(expected.points);
  expect(actual.matched).toBe(expected.matched);
  expect(actual.pieces).toBe(expected.pieces);
  expect(actual.unmatchable).toBe(expected.unmatchable);
  expect(actual.skipped).toEqual(expected.skipped);
  expect(Array.from(actual.pointEdge)).toEqual(Array.from(expected.pointEdge));
  expect(Array.from(actual.pointT)).toEqual(Array.from(expected.pointT));
  expect(actual.traversals).toEqual(expected.traversals);
}

describe('optimised map matching gives exactly the reference results', () => {
  for (const city of Object.keys(CITIES) as City[]) {
    it(`${city}: 1 Hz, 1–30 s and broken traces, fix by fix and traversal by traversal`, () => {
      const g = graphs[city];
      const fast = new HmmMatcher(g);
      const reference = new ReferenceHmmMatcher(g);
      const sets = [
        traces(g, 8, 3, [1, 1]),
        traces(g, 30, 5, [1, 30]),
        traces(g, 10, 9, [5, 30]).map(broken),
      ];
      let fixes = 0;
      let traversals = 0;
      let pieces = 0;
      for (const set of sets) {
        expect(set.length).toBeGreaterThan(5);
        for (const trace of set) {
          const want = reference.match(trace);
          const got = fast.match(trace);
          same(want, got);
          fixes += want.points;
          traversals += want.traversals.length;
          pieces += want.pieces;
        }
      }
      // The comparison covered real work: many fixes matched into many traversals and pieces.
      expect(fixes).toBeGreaterThan(2000);
      expect(traversals).toBeGreaterThan(500);
      expect(pieces).toBeGreaterThan(50);
    });
  }

  it('also with other options (smaller radius, more candidates, lower speed limit)', () => {
    const g = graphs.beijing;
    const options: MatchOptions = { radiusM: 40, maxCandidates: 12, maxSpeedKmh: 90, maxGapS: 60 };
    const fast = new HmmMatcher(g, options);
    const reference = new ReferenceHmmMatcher(g, options);
    for (const trace of traces(g, 20, 13, [1, 30])) same(reference.match(trace), fast.match(trace));
  });

  it('also with a small route-length table: rows rebuilt further, the table started afresh, searches off it', () => {
    const g = graphs.shenzhen;
    const options: MatchOptions = { tableMaxBoundM: 700, tableMaxEntries: 4096 };
    const fast = new HmmMatcher(g, options);
    const reference = new ReferenceHmmMatcher(g, options);
    for (const trace of [...traces(g, 20, 17, [1, 30]), ...traces(g, 4, 19, [1, 1])])
      same(reference.match(trace), fast.match(trace));
    // Every way of answering a search was taken. A full table builds no more rows (the rows kept
    // answer, other start nodes are searched); it starts afresh only when one row takes it past
    // its budget.
    expect(fast.tableStats.rowsBuilt).toBeGreaterThan(100);
    expect(fast.tableStats.resets).toBeGreaterThan(0);
    expect(fast.tableStats.offTable).toBeGreaterThan(100);
  });
});

// ---------------------------------------------------------------------------------------------
// The reference: core roads/matching/hmm.ts's HmmMatcher as of commit 4c57c64, unchanged but for
// its name and imports.

function haversine(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const r = Math.PI / 180;
  const dLat = (lat2 - lat1) * r;
  const dLon = (lon2 - lon1) * r;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** One Viterbi layer: the candidates of one kept fix. */
interface Layer {
  point: number;
  time: number;
  x: number;
  y: number;
  edge: Int32Array;
  t: Float64Array;
  emission: Float64Array;
  score: Float64Array;
  back: Int32Array;
}

class ReferenceHmmMatcher {
  readonly graph: RoadGraph;
  readonly index: CandidateIndex;
  private readonly engine: DijkstraEngine;
  private readonly sigma: number;
  private readonly betaBase: number;
  private readonly betaPerS: number;
  private readonly maxSpeed: number;
  private readonly maxGap: number;
  private readonly radius: number;
  private readonly dist: Float64Array;

  constructor(graph: RoadGraph, options: MatchOptions = {}) {
    if (graph.turns) throw new Error('map matching runs on the base graph, not the turn-restricted one');
    this.graph = graph;
    this.radius = options.radiusM ?? 75;
    this.index = new CandidateIndex(graph, this.radius, options.maxCandidates ?? 8);
    // Shortest paths by length: the same CSR with lengths as costs.
    this.engine = new DijkstraEngine({ ...graph, edgeTime: graph.edgeLength });
    this.sigma = options.sigmaM ?? 10;
    this.betaBase = options.betaBaseM ?? 5;
    this.betaPerS = options.betaPerSecondM ?? 0.5;
    this.maxSpeed = (options.maxSpeedKmh ?? 200) / 3.6;
    this.maxGap = options.maxGapS ?? 180;
    this.dist = new Float64Array(64);
  }

  match(fixes: readonly GpsFix[]): MatchResult {
    const n = fixes.length;
    const skipped = emptySkips();
    const pointEdge = new Int32Array(n).fill(-1);
    const pointT = new Float64Array(n);
    const traversals: Traversal[] = [];
    let matched = 0;
    let pieces = 0;

    let piece: Layer[] = [];
    /** A fix no candidate could reach: a jump if the next one connects, else a break. */
    let pending: Layer | null = null;
    let lastKept = -1;
    let teleportRun = 0;

    const finish = () => {
      if (piece.length >= 2) {
        pieces++;
        matched += piece.length;
        this.backtrack(piece, pointEdge, pointT, traversals);
      } else if (piece.length === 1) skipped.isolated++;
      piece = [];
    };

    for (let i = 0; i < n; i++) {
      const f = fixes[i];
      if (
        !Number.isFinite(f.time) ||
        !Number.isFinite(f.lon) ||
        !Number.isFinite(f.lat) ||
        Math.abs(f.lat) > 90 ||
        Math.abs(f.lon) > 180
      ) {
        skipped.invalid++;
        continue;
      }
      if (lastKept >= 0) {
        const p = fixes[lastKept];
        if (f.time < p.time) {
          skipped.out_of_order++;
          continue;
        }
        if (f.time === p.time) {
          skipped.duplicate++;
          continue;
        }
        const speed = haversine(p.lon, p.lat, f.lon, f.lat) / (f.time - p.time);
        // After several rejections in a row the kept fix itself is suspect: start afresh.
        if (speed > this.maxSpeed && teleportRun < 5) {
          skipped.teleport++;
          teleportRun++;
          continue;
        }
      }
      teleportRun = 0;
      const layer = this.layer(i, f);
      if (layer === null) {
        skipped.far_from_road++;
        lastKept = i;
        continue;
      }
      lastKept = i;
      const prev = piece.length > 0 ? piece[piece.length - 1] : null;
      if (prev === null) {
        piece.push(layer);
        continue;
      }
      if (layer.time - prev.time > this.maxGap) {
        if (pending) skipped.unreachable++;
        pending = null;
        finish();
        piece.push(layer);
        continue;
      }
      if (this.step(prev, layer)) {
        if (pending) skipped.unreachable++;
        pending = null;
        piece.push(layer);
        continue;
      }
      if (pending === null) {
        pending = layer;
        continue;
      }
      // Two unreachable fixes in a row: a real break. Restart from the first of them.
      finish();
      const first = pending;
      pending = null;
      first.score.set(first.emission);
      piece.push(first);
      if (this.step(first, layer)) piece.push(layer);
      else {
        skipped.isolated++;
        piece = [layer];
      }
    }
    if (pending) skipped.unreachable++;
    finish();
    return {
      points: n,
      matched,
      skipped,
      pieces,
      unmatchable: matched < 2,
      pointEdge,
      pointT,
      traversals,
    };
  }

  private layer(point: number, f: GpsFix): Layer | null {
    const c = this.index.query(f.lon, f.lat);
    if (c.count === 0) return null;
    const k = c.count;
    const emission = new Float64Array(k);
    const inv = 1 / this.sigma;
    for (let j = 0; j < k; j++) {
      const z = c.distance[j] * inv;
      emission[j] = -0.5 * z * z;
    }
    return {
      point,
      time: f.time,
      x: this.index.x(f.lon),
      y: this.index.y(f.lat),
      edge: c.edge.slice(0, k),
      t: c.t.slice(0, k),
      emission,
      score: emission.slice(),
      back: new Int32Array(k).fill(-1),
    };
  }

  /** Viterbi step prev → next; false (next untouched) when no candidate of next is reachable. */
  private step(prev: Layer, next: Layer): boolean {
    const g = this.graph;
    const dt = next.time - prev.time;
    const gc = Math.hypot(next.x - prev.x, next.y - prev.y);
    const beta = this.betaBase + this.betaPerS * dt;
    const invBeta = 1 / beta;
    const maxRoute = Math.min(3 * gc + 2 * this.radius + 300, this.maxSpeed * dt + 2 * this.radius);
    const backTolerance = 2 * this.sigma;
    const kn = next.edge.length;
    const best = new Float64Array(kn).fill(Number.NEGATIVE_INFINITY);
    const back = new Int32Array(kn).fill(-1);
    const dist = kn <= this.dist.length ? this.dist : new Float64Array(kn);
    const eng = this.engine;
    for (let i = 0; i < prev.edge.length; i++) {
      const si = prev.score[i];
      if (si === Number.NEGATIVE_INFINITY) continue;
      const ei = prev.edge[i];
      const li = g.edgeLength[ei];
      const rest = (1 - prev.t[i]) * li;
      let searched = false;
      for (let j = 0; j < kn; j++) {
        const ej = next.edge[j];
        let d = Number.POSITIVE_INFINITY;
        if (ej === ei) {
          const along = (next.t[j] - prev.t[i]) * li;
          if (along >= -backTolerance) d = Math.max(along, 0);
        }
        if (d === Number.POSITIVE_INFINITY) {
          if (!searched) {
            searched = true;
            this.search(g.edgeHead[ei], maxRoute - rest, next);
          }
          const tail = g.edgeTail[ej];
          if (eng.isSettled(tail)) d = rest + eng.costOf(tail) + next.t[j] * g.edgeLength[ej];
        }
        dist[j] = d;
      }
      for (let j = 0; j < kn; j++) {
        const d = dist[j];
        if (d > maxRoute) continue;
        const s = si - Math.abs(d - gc) * invBeta;
        if (s > best[j]) {
          best[j] = s;
          back[j] = i;
        }
      }
    }
    let top = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < kn; j++) if (best[j] > top) top = best[j];
    if (top === Number.NEGATIVE_INFINITY) return false;
    for (let j = 0; j < kn; j++) {
      next.score[j] = best[j] === Number.NEGATIVE_INFINITY ? best[j] : best[j] - top + next.emission[j];
      next.back[j] = back[j];
    }
    return true;
  }

  /** Dijkstra by length from `source` until every candidate tail of `next` settles or bound. */
  private search(source: number, bound: number, next: Layer): void {
    const eng = this.engine;
    const g = this.graph;
    eng.begin('forward');
    eng.addSeed(source, 0);
    if (bound < 0) return;
    let remaining = next.edge.length;
    while (remaining > 0 && eng.peekCost() <= bound) {
      const v = eng.settleNext();
      for (let j = 0; j < next.edge.length; j++) if (g.edgeTail[next.edge[j]] === v) remaining--;
    }
  }

  /** Best state sequence of a piece; records per-fix positions and the traversals. */
  private backtrack(piece: Layer[], pointEdge: Int32Array, pointT: Float64Array, out: Traversal[]): void {
    const g = this.graph;
    const last = piece[piece.length - 1];
    let j = 0;
    for (let c = 1; c < last.score.length; c++) if (last.score[c] > last.score[j]) j = c;
    const chosen = new Int32Array(piece.length);
    for (let l = piece.length - 1; l >= 0; l--) {
      chosen[l] = j;
      j = piece[l].back[j];
      if (j < 0 && l > 0) j = 0; // cannot happen for a connected piece; keep the index valid
    }
    for (let l = 0; l < piece.length; l++) {
      pointEdge[piece[l].point] = piece[l].edge[chosen[l]];
      pointT[piece[l].point] = piece[l].t[chosen[l]];
    }
    // Walk the route, interpolating times by distance between consecutive fixes.
    let curEdge = piece[0].edge[chosen[0]];
    let curEntry = Number.NaN; // unknown: the piece starts part-way along the edge
    const eng = this.engine;
    for (let l = 1; l < piece.length; l++) {
      const a = piece[l - 1];
      const b = piece[l];
      const ea = a.edge[chosen[l - 1]];
      const ta = a.t[chosen[l - 1]];
      const eb = b.edge[chosen[l]];
      const tb = b.t[chosen[l]];
      if (ea === eb && tb >= ta - (2 * this.sigma) / Math.max(1e-9, g.edgeLength[ea])) continue;
      // Route ea (from ta) → path → eb (to tb).
      eng.begin('forward');
      eng.addSeed(g.edgeHead[ea], 0);
      const target = g.edgeTail[eb];
      let v = -2;
      while (v !== -1 && !eng.isSettled(target)) v = eng.settleNext();
      if (!eng.isSettled(target)) {
        curEntry = Number.NaN; // should not happen: the step found this route
        curEdge = eb;
        continue;
      }
      const path = eng.pathEdges(target);
      const legs: number[] = [ea, ...path, eb];
      const lens: number[] = [(1 - ta) * g.edgeLength[ea]];
      for (const e of path) lens.push(g.edgeLength[e]);
      lens.push(tb * g.edgeLength[eb]);
      let total = 0;
      for (const x of lens) total += x;
      const dt = b.time - a.time;
      let acc = 0;
      for (let k = 0; k < legs.length - 1; k++) {
        acc += lens[k];
        const boundary = a.time + (total > 0 ? (dt * acc) / total : dt);
        // Leaving legs[k] at `boundary`, entering legs[k + 1].
        if (legs[k] === curEdge && !Number.isNaN(curEntry))
          out.push({ edge: curEdge, entry: curEntry, exit: boundary });
        curEdge = legs[k + 1];
        curEntry = boundary;
      }
    }
  }
}
