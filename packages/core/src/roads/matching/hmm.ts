/**
 * Map matching: a GPS trace becomes the road edges driven, with entry and exit times.
 *
 * A hidden Markov model in the manner of Newson & Krumm (2009, "Hidden Markov map matching
 * through noise and sparseness"):
 * - states: for each fix, the directed edges within `radiusM` (both directions of a two-way
 *   street; at most `maxCandidates`, nearest first);
 * - emission: Gaussian in the distance fix → road, log p = −½ (d / σ)², σ ≈ the GPS noise;
 * - transition: exponential in |route length − straight-line distance| between consecutive
 *   fixes, log p = −|Δ| / β, with β growing with the sampling interval (β = β₀ + β₁·Δt: at
 *   30 s a vehicle turning corners drives noticeably further than the straight line). Routes
 *   are shortest paths by length on the directed graph (one-way streets respected), searched
 *   from each candidate only as far as a plausible speed allows; an implied speed over
 *   `maxSpeedKmh` is impossible;
 * - Viterbi in log space, one layer per fix.
 *
 * Robustness: fixes are first screened and skipped, counted by reason (out of order, duplicate
 * time, teleport over 200 km/h from the last kept fix, no road within the radius). A fix that no
 * candidate of the previous fix can reach is taken for a GPS jump and skipped; two in a row, or a
 * gap longer than `maxGapS`, break the trace, and each piece is matched on its own. A trace in
 * which fewer than two fixes match is reported unmatchable and yields no traversals.
 *
 * Traversals: between consecutive matched fixes the route is re-traced and times interpolated by
 * distance; an edge is reported only when both its entry and its exit fall inside one matched
 * piece (the first and last edge of a piece are partial and not reported).
 *
 * The graph must be the base graph (no turn-restriction copies): edges are road positions.
 */
import { DijkstraEngine } from '../dijkstra';
import type { RoadGraph } from '../graph';
import { CandidateIndex } from './candidates';

export interface GpsFix {
  /** Seconds (Unix or any monotone clock). */
  time: number;
  lon: number;
  lat: number;
}

export type SkipReason =
  | 'invalid'
  | 'out_of_order'
  | 'duplicate'
  | 'teleport'
  | 'far_from_road'
  | 'unreachable'
  | 'isolated';

export const SKIP_REASONS: readonly SkipReason[] = [
  'invalid',
  'out_of_order',
  'duplicate',
  'teleport',
  'far_from_road',
  'unreachable',
  'isolated',
];

export interface Traversal {
  /** Base edge id. */
  edge: number;
  /** Seconds, same clock as the fixes. */
  entry: number;
  exit: number;
}

export interface MatchOptions {
  /** Candidate search radius, metres (default 75). */
  radiusM?: number;
  maxCandidates?: number;
  /** GPS noise σ, metres (default 10). */
  sigmaM?: number;
  /** β = betaBaseM + betaPerSecondM · Δt (defaults 5 m and 0.5 m/s). */
  betaBaseM?: number;
  betaPerSecondM?: number;
  /** Speed above which a step is impossible (default 200 km/h). */
  maxSpeedKmh?: number;
  /** A longer interval between kept fixes breaks the trace (default 180 s). */
  maxGapS?: number;
  /**
   * Route-length table (see `HmmMatcher`): searches asking no further than this many metres are
   * answered from it (default 2,500 m); further ones run on their own.
   */
  tableMaxBoundM?: number;
  /**
   * At most this many (node, length) slots are kept (default 4 M: 64 MB); a row that does not fit
   * is not kept, and a full table starts afresh only once searches off it have cost several times
   * what its rows did (see `rowWorthIt`).
   */
  tableMaxEntries?: number;
}

export interface MatchResult {
  points: number;
  /** Fixes placed on the road inside a matched piece of two or more fixes. */
  matched: number;
  skipped: Record<SkipReason, number>;
  /** Matched pieces (a break starts a new one). */
  pieces: number;
  unmatchable: boolean;
  /** Per input fix: the matched edge, or -1. */
  pointEdge: Int32Array;
  /** Per input fix: fraction along the matched edge. */
  pointT: Float64Array;
  traversals: Traversal[];
}

export function emptySkips(): Record<SkipReason, number> {
  return {
    invalid: 0,
    out_of_order: 0,
    duplicate: 0,
    teleport: 0,
    far_from_road: 0,
    unreachable: 0,
    isolated: 0,
  };
}

function haversine(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const r = Math.PI / 180;
  const dLat = (lat2 - lat1) * r;
  const dLon = (lon2 - lon1) * r;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Multiplier of the table's hash (Fibonacci hashing: the top bits of node · 2^32/φ). */
const HASH_MUL = 0x9e3779b1 | 0;

/** A full route-length table starts afresh once searches off it have cost this many times its rows. */
const RESET_RATIO = 8;

/** At most this many layers are kept for reuse between traces. */
const MAX_POOLED_LAYERS = 100_000;

/** One Viterbi layer: the candidates of one kept fix (`count` of them; arrays may be longer). */
interface Layer {
  count: number;
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

/**
 * Transition searches reuse a route-length table, filled as traces are matched (in the manner of
 * FMM's upper-bounded origin-destination table, Yang & Gidófalvi 2018, but lazily and per start
 * node): for a start node, every node within a bound B by road length, with its length, from one
 * plain Dijkstra by length run to B. A search asking bound b ≤ B is answered from the row: a node
 * settles iff its length ≤ b, with the length the search would find (Dijkstra yields the least
 * left-to-right sum over all routes whatever order it relaxes them in, so a row run further gives
 * the same lengths). A row asked further than it reaches is rebuilt further (bounds double); past
 * `tableMaxBoundM`, and for start nodes without a row (see `rowWorthIt`), the A* search runs instead. The table lives with the matcher (one per
 * graph), so consecutive transitions and other traces over the same streets share it.
 */
export class HmmMatcher {
  readonly graph: RoadGraph;
  /** Route-length table counters: rows built (or rebuilt further), fresh starts, searches off it. */
  readonly tableStats = { rowsBuilt: 0, resets: 0, offTable: 0, slots: 0 };
  readonly index: CandidateIndex;
  private readonly engine: DijkstraEngine;
  private readonly sigma: number;
  private readonly betaBase: number;
  private readonly betaPerS: number;
  private readonly maxSpeed: number;
  private readonly maxGap: number;
  private readonly radius: number;
  // Per-step scratch, reused across steps and traces (grown when a layer is larger).
  private dist: Float64Array;
  private best: Float64Array;
  private back: Int32Array;
  /** Per previous candidate: its search slot (-1: needs no search) and its own bound. */
  private slotOf: Int32Array;
  private boundOf: Float64Array;
  /** Per search slot: the start node and the largest bound asked of it. */
  private slotNode: Int32Array;
  private slotBound: Float64Array;
  /** Per search slot: its candidates' best score; the slots in decreasing order of it. */
  private slotScore: Float64Array;
  private slotOrder: Int32Array;
  /** Per next candidate: a lower bound of its best score, from the transitions known so far. */
  private lowBest: Float64Array;
  /** Per distinct tail: a lower bound of the road length to it from the current slot's node. */
  private tailLb: Float64Array;
  /** Route length from slot s's start node to next candidate j's tail: slotCost[s · kn + j]. */
  private slotCost: Float64Array;
  /** Per node: `tailStamp[v] === generation` marks a tail of the next layer's candidates. */
  private readonly tailStamp: Uint32Array;
  /** Per node: `headStamp[v] === generation` when v starts a search of this step (slot headSlot[v]). */
  private readonly headStamp: Uint32Array;
  private readonly headSlot: Int32Array;
  private generation = 0;
  // The transition search's own A* (by length, toward the next candidates; see `search`).
  /** Lower bound of road length per metre of straight line in the index's plane (over all edges). */
  private readonly lengthPerPlaneM: number;
  private readonly sDist: Float64Array;
  /** Heap key: the length for a row build, length plus lower bound to the nearest tail for a search. */
  private readonly sKey: Float64Array;
  private readonly sEpochOf: Uint32Array;
  /** Heap position, or -1 once settled. */
  private readonly sPos: Int32Array;
  private readonly sHeap: Int32Array;
  private sSize = 0;
  private sEpoch = 0;
  /** Per node, for this step: the search's heuristic (`lowerBound`). */
  private readonly hStamp: Uint32Array;
  private readonly hVal: Float64Array;
  private tailX: Float64Array;
  private tailY: Float64Array;
  /** Per distinct tail: the least length from it along its candidates' edges to their positions. */
  private tailM: Float64Array;
  private tailCount = 0;
  /** Layers of the trace being matched (layers[0 .. layersUsed)), reused from trace to trace. */
  private readonly layers: Layer[] = [];
  private layersUsed = 0;
  // The route-length table: per start node, the nodes within rowBound[v] and their lengths, an
  // open-addressing hash (node → length; 2^(32 − rowShift[v]) slots, at most half full), a slot
  // being a node (-1: empty) and its length side by side, so that a look-up reads one cache line.
  private readonly tableMaxBound: number;
  private readonly tableMaxEntries: number;
  private readonly rows: (Float64Array | undefined)[];
  private readonly rowShift: Uint8Array;
  /** Per start node: nodes its searches off the table settled since the table last started afresh. */
  private readonly rowSpent: Float64Array;
  /** Nodes settled by all row builds, and their count: a row's expected price. */
  private rowWork = 0;
  private rowBuilds = 0;
  private readonly rowBound: Float64Array;
  private tableEntries = 0;
  /** Set when a row did not fit: no row is built until a fresh start is due (resetDue). */
  private tableFull = false;
  /** Since the table last started afresh: nodes settled by searches off it and by row builds. */
  private offWork = 0;
  private buildWork = 0;
  /** The row just built (kept in the table or not) and its hash shift. */
  private builtRow: Float64Array = new Float64Array(0);
  private builtShift = 0;
  /** Nodes settled by the row being built, in order. */
  private readonly settled: Int32Array;
  /** Per next candidate: the index of its tail among the distinct ones (tailNode, tailCost). */
  private tailOf: Int32Array;
  private tailNode: Int32Array;
  private tailCost: Float64Array;
  /** Per node marked by tailStamp: its index among the distinct tails. */
  private readonly tailIndex: Int32Array;

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
    this.best = new Float64Array(64);
    this.back = new Int32Array(64);
    this.slotOf = new Int32Array(64);
    this.boundOf = new Float64Array(64);
    this.slotNode = new Int32Array(64);
    this.slotBound = new Float64Array(64);
    this.slotScore = new Float64Array(64);
    this.slotOrder = new Int32Array(64);
    this.lowBest = new Float64Array(64);
    this.tailLb = new Float64Array(64);
    this.slotCost = new Float64Array(64 * 64);
    this.tailStamp = new Uint32Array(graph.nodeCount);
    this.headStamp = new Uint32Array(graph.nodeCount);
    this.headSlot = new Int32Array(graph.nodeCount);
    const n = graph.nodeCount;
    this.sDist = new Float64Array(n);
    this.sKey = new Float64Array(n);
    this.sEpochOf = new Uint32Array(n);
    this.sPos = new Int32Array(n);
    this.sHeap = new Int32Array(n);
    this.hStamp = new Uint32Array(n);
    this.hVal = new Float64Array(n);
    this.tailX = new Float64Array(64);
    this.tailY = new Float64Array(64);
    this.tailM = new Float64Array(64);
    this.tailOf = new Int32Array(64);
    this.tailNode = new Int32Array(64);
    this.tailCost = new Float64Array(64);
    this.tailIndex = new Int32Array(n);
    this.tableMaxBound = options.tableMaxBoundM ?? 2500;
    this.tableMaxEntries = options.tableMaxEntries ?? 4_000_000;
    this.rows = new Array(n).fill(undefined);
    this.rowBound = new Float64Array(n).fill(-1);
    this.rowSpent = new Float64Array(n);
    this.rowShift = new Uint8Array(n);
    this.settled = new Int32Array(n);
    let ratio = Number.POSITIVE_INFINITY;
    const { nodeX, nodeY } = this.index;
    for (let e = 0; e < graph.edgeCount; e++) {
      const a = graph.edgeTail[e];
      const b = graph.edgeHead[e];
      const plane = Math.hypot(nodeX[b] - nodeX[a], nodeY[b] - nodeY[a]);
      if (plane > 0) ratio = Math.min(ratio, graph.edgeLength[e] / plane);
    }
    // A margin for rounding; 0 (no goal bound) if some edge is shorter than its straight line allows.
    this.lengthPerPlaneM = Number.isFinite(ratio) && ratio > 0 ? ratio * 0.999 : 0;
  }

  match(fixes: readonly GpsFix[]): MatchResult {
    this.layersUsed = 0;
    try {
      return this.matchTrace(fixes);
    } finally {
      // Layers of a very long trace are not kept for the next one.
      if (this.layers.length > MAX_POOLED_LAYERS) this.layers.length = MAX_POOLED_LAYERS;
    }
  }

  private matchTrace(fixes: readonly GpsFix[]): MatchResult {
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
    // Layers live until the trace is matched; their arrays are reused by the next traces.
    let layer = this.layers[this.layersUsed];
    if (layer === undefined) {
      const m = this.index.maxCandidates;
      layer = {
        count: 0,
        point: 0,
        time: 0,
        x: 0,
        y: 0,
        edge: new Int32Array(m),
        t: new Float64Array(m),
        emission: new Float64Array(m),
        score: new Float64Array(m),
        back: new Int32Array(m),
      };
      this.layers.push(layer);
    }
    this.layersUsed++;
    layer.count = k;
    layer.point = point;
    layer.time = f.time;
    layer.x = this.index.x(f.lon);
    layer.y = this.index.y(f.lat);
    const { edge, t, emission, score, back } = layer;
    const inv = 1 / this.sigma;
    for (let j = 0; j < k; j++) {
      const z = c.distance[j] * inv;
      const e = -0.5 * z * z;
      emission[j] = e;
      score[j] = e;
      edge[j] = c.edge[j];
      t[j] = c.t[j];
      back[j] = -1;
    }
    return layer;
  }

  /**
   * Viterbi step prev → next; false (next untouched) when no candidate of next is reachable.
   *
   * Transitions need the route length from the head of each previous candidate to the tail of
   * each next one. Previous candidates often share a head (edges converging on a junction), so one
   * bounded search runs per distinct head, as far as the largest bound any of them asks, and its
   * lengths are kept; each candidate then reads only those within its own bound. A search settles
   * nodes in the same order whatever its bound, and a node settles iff its length is within the
   * bound, so the result is exactly that of one search per candidate with its own bound.
   */
  private step(prev: Layer, next: Layer): boolean {
    const g = this.graph;
    const dt = next.time - prev.time;
    const gc = Math.hypot(next.x - prev.x, next.y - prev.y);
    const beta = this.betaBase + this.betaPerS * dt;
    const invBeta = 1 / beta;
    const maxRoute = Math.min(3 * gc + 2 * this.radius + 300, this.maxSpeed * dt + 2 * this.radius);
    const backTolerance = 2 * this.sigma;
    const kn = next.count;
    const kp = prev.count;
    this.reserve(kp, kn);
    const { best, back, dist, slotOf, boundOf, slotNode, slotBound, slotCost } = this;
    best.fill(Number.NEGATIVE_INFINITY, 0, kn);
    back.fill(-1, 0, kn);

    // The previous candidates that need a search (not every next candidate lies ahead on their
    // own edge), grouped by the node the search starts from.
    const gen = this.nextGeneration();
    let slots = 0;
    for (let i = 0; i < kp; i++) {
      slotOf[i] = -1;
      if (prev.score[i] === Number.NEGATIVE_INFINITY) continue;
      const ei = prev.edge[i];
      const li = g.edgeLength[ei];
      let needs = false;
      for (let j = 0; j < kn && !needs; j++)
        needs = next.edge[j] !== ei || !((next.t[j] - prev.t[i]) * li >= -backTolerance);
      if (!needs) continue;
      const bound = maxRoute - (1 - prev.t[i]) * li;
      boundOf[i] = bound;
      const h = g.edgeHead[ei];
      let s: number;
      if (this.headStamp[h] === gen) {
        s = this.headSlot[h];
        if (bound > slotBound[s]) slotBound[s] = bound;
        if (prev.score[i] > this.slotScore[s]) this.slotScore[s] = prev.score[i];
      } else {
        s = slots++;
        this.headStamp[h] = gen;
        this.headSlot[h] = s;
        slotNode[s] = h;
        slotBound[s] = bound;
        this.slotScore[s] = prev.score[i];
      }
      slotOf[i] = s;
    }
    if (slots > 0) {
      // The next candidates' distinct tails (candidates around a junction share it), marked once
      // for every search of this step; tailOf[j]: candidate j's among them.
      const { tailOf, tailNode } = this;
      let tails = 0;
      const tailM = this.tailM;
      for (let j = 0; j < kn; j++) {
        const ej = next.edge[j];
        const v = g.edgeTail[ej];
        const along = next.t[j] * g.edgeLength[ej];
        if (this.tailStamp[v] !== gen) {
          this.tailStamp[v] = gen;
          this.tailIndex[v] = tails;
          tailNode[tails] = v;
          this.tailX[tails] = this.index.nodeX[v];
          this.tailY[tails] = this.index.nodeY[v];
          tailM[tails] = along;
          tails++;
        } else if (along < tailM[this.tailIndex[v]]) tailM[this.tailIndex[v]] = along;
        tailOf[j] = this.tailIndex[v];
      }
      this.tailCount = tails;
      // Slots whose rows reach their bound are answered at once. The others need a search (or a
      // row build): before them, the transitions known so far (along the same edge, from rows)
      // give each next candidate a lower bound of its best score, and they run best first, each
      // only as far as a transition could still matter (slotReach).
      const order = this.slotOrder;
      let pending = 0;
      for (let s = 0; s < slots; s++) {
        const bound = slotBound[s];
        const v = slotNode[s];
        if (bound < 0 || (bound <= this.tableMaxBound && this.rowBound[v] >= bound)) {
          this.answer(s, bound, kn, gen);
          continue;
        }
        let k = pending++;
        while (k > 0 && this.slotScore[order[k - 1]] < this.slotScore[s]) {
          order[k] = order[k - 1];
          k--;
        }
        order[k] = s;
      }
      if (pending > 0) {
        const lowBest = this.lowBest;
        lowBest.fill(Number.NEGATIVE_INFINITY, 0, kn);
        for (let i = 0; i < kp; i++) {
          const si = prev.score[i];
          if (si === Number.NEGATIVE_INFINITY) continue;
          const ei = prev.edge[i];
          const li = g.edgeLength[ei];
          for (let j = 0; j < kn; j++) {
            if (next.edge[j] !== ei) continue;
            const along = (next.t[j] - prev.t[i]) * li;
            if (!(along >= -backTolerance)) continue;
            const d = Math.max(along, 0);
            if (d > maxRoute) continue;
            const sc = si - Math.abs(d - gc) * invBeta;
            if (sc > lowBest[j]) lowBest[j] = sc;
          }
        }
        for (let s = 0; s < slots; s++) {
          let waiting = false;
          for (let o = 0; o < pending && !waiting; o++) waiting = order[o] === s;
          if (!waiting) this.raise(s, prev, next, gc, invBeta, maxRoute, backTolerance);
        }
        for (let o = 0; o < pending; o++) {
          const s = order[o];
          this.answer(s, this.slotReach(s, prev, next, gc, beta, invBeta, backTolerance), kn, gen);
          if (o + 1 < pending) this.raise(s, prev, next, gc, invBeta, maxRoute, backTolerance);
        }
      }
    }

    for (let i = 0; i < kp; i++) {
      const si = prev.score[i];
      if (si === Number.NEGATIVE_INFINITY) continue;
      const ei = prev.edge[i];
      const li = g.edgeLength[ei];
      const rest = (1 - prev.t[i]) * li;
      const s = slotOf[i];
      const row = s * kn;
      const bound = boundOf[i];
      for (let j = 0; j < kn; j++) {
        const ej = next.edge[j];
        let d = Number.POSITIVE_INFINITY;
        if (ej === ei) {
          const along = (next.t[j] - prev.t[i]) * li;
          if (along >= -backTolerance) d = Math.max(along, 0);
        }
        if (d === Number.POSITIVE_INFINITY && s >= 0) {
          // Settled within this candidate's own bound (the shared search may have gone further).
          const cost = slotCost[row + j];
          if (cost <= bound) d = rest + cost + next.t[j] * g.edgeLength[ej];
        }
        dist[j] = d;
      }
      for (let j = 0; j < kn; j++) {
        const d = dist[j];
        if (d > maxRoute) continue;
        const sc = si - Math.abs(d - gc) * invBeta;
        if (sc > best[j]) {
          best[j] = sc;
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

  /**
   * Route lengths from slot s's node to the next candidates' tails within `bound` (the search's
   * bound; negative: none), into slotCost[s · kn + j]: from the slot's row when it reaches the
   * bound or is worth building (rowWorthIt), else by a search.
   */
  private answer(s: number, bound: number, kn: number, gen: number): void {
    const { slotCost, tailNode, tailCost, tailOf } = this;
    const tails = this.tailCount;
    const row = s * kn;
    if (bound < 0) {
      // Not even the start node lies within the bound.
      for (let j = 0; j < kn; j++) slotCost[row + j] = Number.POSITIVE_INFINITY;
      return;
    }
    const v = this.slotNode[s];
    if (bound <= this.tableMaxBound && (this.rowBound[v] >= bound || this.rowWorthIt(v))) {
      let table: Float64Array;
      let shift: number;
      if (this.rowBound[v] >= bound) {
        table = this.rows[v] as Float64Array;
        shift = this.rowShift[v];
      } else {
        this.buildRow(v, bound);
        table = this.builtRow;
        shift = this.builtShift;
      }
      const mask = (table.length >> 1) - 1;
      for (let t = 0; t < tails; t++) {
        const tail = tailNode[t];
        let cost = Number.POSITIVE_INFINITY;
        for (let h = Math.imul(tail, HASH_MUL) >>> shift; ; h = (h + 1) & mask) {
          const u = table[2 * h];
          if (u === tail) {
            const len = table[2 * h + 1];
            if (len <= bound) cost = len;
            break;
          }
          if (u === -1) break;
        }
        tailCost[t] = cost;
      }
    } else {
      this.tableStats.offTable++;
      const work = this.search(v, bound, tails, gen);
      if (bound <= this.tableMaxBound) {
        this.rowSpent[v] += work;
        this.offWork += work;
      }
      for (let t = 0; t < tails; t++) {
        const tail = tailNode[t];
        tailCost[t] =
          this.sEpochOf[tail] === this.sEpoch && this.sPos[tail] === -1 && this.sDist[tail] <= bound
            ? this.sDist[tail]
            : Number.POSITIVE_INFINITY;
      }
    }
    for (let j = 0; j < kn; j++) slotCost[row + j] = tailCost[tailOf[j]];
  }

  /** Raises lowBest by slot s's transitions, computed exactly as the step's final pass does. */
  private raise(
    s: number,
    prev: Layer,
    next: Layer,
    gc: number,
    invBeta: number,
    maxRoute: number,
    backTolerance: number,
  ): void {
    const g = this.graph;
    const { slotOf, boundOf, slotCost, lowBest } = this;
    const kn = next.count;
    const row = s * kn;
    for (let i = 0; i < prev.count; i++) {
      if (slotOf[i] !== s) continue;
      const si = prev.score[i];
      const ei = prev.edge[i];
      const li = g.edgeLength[ei];
      const rest = (1 - prev.t[i]) * li;
      const bi = boundOf[i];
      for (let j = 0; j < kn; j++) {
        const ej = next.edge[j];
        // A transition along the same edge is taken as such, not by the route.
        if (ej === ei && (next.t[j] - prev.t[i]) * li >= -backTolerance) continue;
        const cost = slotCost[row + j];
        if (!(cost <= bi)) continue;
        const d = rest + cost + next.t[j] * g.edgeLength[ej];
        if (d > maxRoute) continue;
        const sc = si - Math.abs(d - gc) * invBeta;
        if (sc > lowBest[j]) lowBest[j] = sc;
      }
    }
  }

  /**
   * How far slot s's search must reach, in the search's terms (length to a next candidate's tail
   * plus t_j·len_j): as far as a transition could still be at least as good as the best one known
   * for its next candidate (lowBest). Transition (i, j) scores score_i − |d − gc| / β with
   * d = rest_i + length + t_j·len_j, so it cannot reach lowBest[j] once d > gc + (score_i −
   * lowBest[j])·β, nor at all when even the least possible d (the straight-line lower bound of the
   * length, tailLb) is too long; it then cannot be the best (nor tie with it), and leaving its
   * length unknown changes nothing. A pair whose same-edge distance is known needs no length. The
   * result is at most slotBound[s]; a margin of 1e-6 keeps rounding on the safe side. Negative:
   * nothing needed.
   */
  private slotReach(
    s: number,
    prev: Layer,
    next: Layer,
    gc: number,
    beta: number,
    invBeta: number,
    backTolerance: number,
  ): number {
    const g = this.graph;
    const { slotOf, boundOf, lowBest, tailLb, tailOf, tailX, tailY } = this;
    const v = this.slotNode[s];
    const hx = this.index.nodeX[v];
    const hy = this.index.nodeY[v];
    for (let k = 0; k < this.tailCount; k++)
      tailLb[k] = Math.hypot(tailX[k] - hx, tailY[k] - hy) * this.lengthPerPlaneM;
    const kn = next.count;
    let reach = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < prev.count; i++) {
      if (slotOf[i] !== s) continue;
      const si = prev.score[i];
      const ei = prev.edge[i];
      const li = g.edgeLength[ei];
      const rest = (1 - prev.t[i]) * li;
      const bi = boundOf[i];
      for (let j = 0; j < kn; j++) {
        const ej = next.edge[j];
        if (ej === ei && (next.t[j] - prev.t[i]) * li >= -backTolerance) continue;
        const lb = lowBest[j];
        if (lb === Number.NEGATIVE_INFINITY) return this.slotBound[s];
        const along = next.t[j] * g.edgeLength[ej];
        const least = rest + tailLb[tailOf[j]] + along;
        if (si - Math.max(0, least - gc) * invBeta < lb - 1e-9 * (1 + Math.abs(lb))) continue;
        // In the terms of the search's bound: length + t_j·len_j (see `search`), not the length alone.
        const need = gc + (si - lb) * beta - rest;
        const r = Math.min(bi, need + 1e-6 * (1 + Math.abs(need)));
        if (r > reach) reach = r;
        if (reach >= this.slotBound[s]) return this.slotBound[s];
      }
    }
    return reach;
  }

  /** A fresh search from `source`: a new epoch (wrapping safely), an empty heap holding the source. */
  private startSearch(source: number): number {
    this.sEpoch++;
    if (this.sEpoch === 0xffffffff) {
      this.sEpochOf.fill(0);
      this.sEpoch = 1;
    }
    this.sSize = 0;
    this.push(source, 0, 0);
    return this.sEpoch;
  }

  /**
   * A* by length from `source` until all `tails` marked nodes (tailStamp === gen) settle or no
   * queued node can lead to a tail the step can use. The heuristic h(v) (`lowerBound`) is, over the
   * tails k, the least of: a lower bound of the road length v → k (straight line in the plane
   * times the graph's smallest length-per-plane-metre ratio, less 0.1 %) plus m_k, the least
   * length from k along its candidates' edges to their positions (tailM). Each term is consistent
   * (it changes by at most 0.999 × an edge's length across that edge; m_k is a constant), so their
   * minimum is, and a node leaves the queue with its least length: the same left-to-right sum,
   * minimised over the same routes, as the plain Dijkstra finds. Nodes leave in order of length +
   * h; a node with length + h over the bound is not queued, and the search stops when the queue's
   * least key passes the bound (a margin of 1e-6·(1 + bound) keeps rounding on the safe side).
   * A tail k the search leaves unsettled thus has length + m_k over the bound, so for every next
   * candidate j on it, rest + length + t_j·len_j exceeds maxRoute and the step discards the
   * transition, exactly as when the plain search settled k just within the bound; a tail settled
   * beyond the bound is read as unreachable, as before. Returns the number of nodes settled.
   */
  private search(source: number, bound: number, tails: number, gen: number): number {
    const g = this.graph;
    const epoch = this.startSearch(source);
    const dist = this.sDist;
    const key = this.sKey;
    const hVal = this.hVal;
    const pos = this.sPos;
    const epochOf = this.sEpochOf;
    const stamp = this.tailStamp;
    if (bound < 0) return 0;
    const limit = bound + 1e-6 * (1 + bound);
    let remaining = tails;
    let settled = 0;
    while (remaining > 0 && this.sSize > 0 && key[this.sHeap[0]] <= limit) {
      const v = this.pop();
      settled++;
      if (stamp[v] === gen) remaining--;
      const base = dist[v];
      const end = g.firstOut[v + 1];
      for (let e = g.firstOut[v]; e < end; e++) {
        const w = g.edgeHead[e];
        const c = base + g.edgeLength[e];
        if (epochOf[w] === epoch) {
          if (pos[w] < 0 || c >= dist[w]) continue;
          dist[w] = c;
          // hVal[w] was set when w was queued (this step's generation).
          key[w] = c + hVal[w];
          this.siftUp(pos[w]);
          continue;
        }
        const f = c + this.lowerBound(w, gen);
        if (f > limit) continue;
        this.push(w, c, f);
      }
    }
    return settled;
  }

  /**
   * Whether to build (or extend) start node v's row, in the manner of renting before buying: a
   * row costs a search to its bound (hundreds of nodes on a dense grid) while an A* search from v
   * settles some tens, so a row is built once the searches from v since the table last started
   * afresh have settled as many nodes as a row does on average (rowWork / rowBuilds); a node
   * searched once from a rarely driven street never gets one. A row that does not fit is used
   * once and not kept, and the table counts as full: no row is built until the searches it could
   * not answer have cost RESET_RATIO times the rows it holds, when the next row starts it afresh
   * (a drifting workload still gets a table of its own). Before, a row that did not fit emptied
   * the table, and every node asked twice before got its row again at once: on Baltimore (12,548
   * nodes) at 1–30 s the table started afresh 68 times in 300,000 fixes, rebuilding 284,000 rows.
   */
  private rowWorthIt(v: number): boolean {
    if (this.tableMaxEntries <= 0 || (this.tableFull && !this.resetDue())) return false;
    return (
      this.rows[v] !== undefined ||
      this.rowSpent[v] >= (this.rowBuilds > 0 ? this.rowWork / this.rowBuilds : 0)
    );
  }

  /** A full table starts afresh once the searches it could not answer cost RESET_RATIO times its rows. */
  private resetDue(): boolean {
    return this.offWork >= RESET_RATIO * this.buildWork;
  }

  /**
   * The table row of start node `source`, rebuilt to reach at least `bound` (≤ tableMaxBound): a
   * plain Dijkstra by length settling every node within the row's bound.
   */
  private buildRow(source: number, bound: number): void {
    const g = this.graph;
    const old = this.rowBound[source];
    const reach = Math.min(this.tableMaxBound, Math.max(bound, 2 * old, 400));
    const oldRow = this.rows[source];
    if (oldRow) this.tableEntries -= oldRow.length >> 1;
    const epoch = this.startSearch(source);
    const dist = this.sDist;
    const pos = this.sPos;
    const epochOf = this.sEpochOf;
    const settled = this.settled;
    let count = 0;
    while (this.sSize > 0 && dist[this.sHeap[0]] <= reach) {
      const v = this.pop();
      settled[count++] = v;
      const base = dist[v];
      const end = g.firstOut[v + 1];
      for (let e = g.firstOut[v]; e < end; e++) {
        const w = g.edgeHead[e];
        const c = base + g.edgeLength[e];
        if (epochOf[w] === epoch) {
          if (pos[w] < 0 || c >= dist[w]) continue;
          dist[w] = c;
          this.sKey[w] = c;
          this.siftUp(pos[w]);
          continue;
        }
        if (c > reach) continue;
        this.push(w, c, c);
      }
    }
    let shift = 30;
    while (1 << (32 - shift) < 2 * count) shift--;
    const size = 1 << (32 - shift);
    this.rowWork += count;
    this.rowBuilds++;
    this.buildWork += count;
    this.tableStats.rowsBuilt++;
    let keep = true;
    if (this.tableEntries + size > this.tableMaxEntries) {
      if (size <= this.tableMaxEntries && this.resetDue()) {
        // Over budget: start afresh (the rows are a cache; results do not depend on them).
        this.rows.fill(undefined);
        this.rowBound.fill(-1);
        this.tableEntries = 0;
        this.tableStats.resets++;
        this.tableStats.slots = 0;
        this.rowSpent.fill(0);
        this.offWork = 0;
        this.buildWork = count;
        this.tableFull = false;
      } else {
        keep = false;
        this.tableFull = true;
        if (oldRow) this.tableEntries += oldRow.length >> 1;
      }
    }
    const table = new Float64Array(2 * size).fill(-1);
    const mask = size - 1;
    for (let k = 0; k < count; k++) {
      const v = settled[k];
      let h = Math.imul(v, HASH_MUL) >>> shift;
      while (table[2 * h] !== -1) h = (h + 1) & mask;
      table[2 * h] = v;
      table[2 * h + 1] = dist[v];
    }
    this.builtRow = table;
    this.builtShift = shift;
    if (!keep) return;
    this.rows[source] = table;
    this.rowShift[source] = shift;
    this.rowBound[source] = reach;
    this.tableEntries += size;
    this.tableStats.slots = this.tableEntries;
  }

  /** The search's heuristic at v: over this step's tails k, the least lower bound of length(v → k) + m_k. */
  private lowerBound(v: number, gen: number): number {
    if (this.hStamp[v] === gen) return this.hVal[v];
    const x = this.index.nodeX[v];
    const y = this.index.nodeY[v];
    const ratio = this.lengthPerPlaneM;
    const { tailX, tailY, tailM } = this;
    let h = Number.POSITIVE_INFINITY;
    for (let k = 0; k < this.tailCount; k++) {
      const dx = tailX[k] - x;
      const dy = tailY[k] - y;
      const hk = Math.sqrt(dx * dx + dy * dy) * ratio + tailM[k];
      if (hk < h) h = hk;
    }
    this.hStamp[v] = gen;
    this.hVal[v] = h;
    return h;
  }

  private push(v: number, cost: number, key: number): void {
    this.sEpochOf[v] = this.sEpoch;
    this.sDist[v] = cost;
    this.sKey[v] = key;
    const i = this.sSize++;
    this.sHeap[i] = v;
    this.sPos[v] = i;
    this.siftUp(i);
  }

  private pop(): number {
    const heap = this.sHeap;
    const top = heap[0];
    this.sPos[top] = -1;
    const last = heap[--this.sSize];
    if (this.sSize > 0) {
      heap[0] = last;
      this.sPos[last] = 0;
      this.siftDown(0);
    }
    return top;
  }

  private siftUp(start: number): void {
    const heap = this.sHeap;
    const pos = this.sPos;
    const dist = this.sKey;
    let i = start;
    const v = heap[i];
    const c = dist[v];
    while (i > 0) {
      const p = (i - 1) >> 1;
      const u = heap[p];
      if (dist[u] <= c) break;
      heap[i] = u;
      pos[u] = i;
      i = p;
    }
    heap[i] = v;
    pos[v] = i;
  }

  private siftDown(start: number): void {
    const heap = this.sHeap;
    const pos = this.sPos;
    const dist = this.sKey;
    const size = this.sSize;
    let i = start;
    const v = heap[i];
    const c = dist[v];
    for (;;) {
      let m = 2 * i + 1;
      if (m >= size) break;
      if (m + 1 < size && dist[heap[m + 1]] < dist[heap[m]]) m++;
      if (dist[heap[m]] >= c) break;
      heap[i] = heap[m];
      pos[heap[i]] = i;
      i = m;
    }
    heap[i] = v;
    pos[v] = i;
  }

  /** A fresh mark for the node stamp arrays (cleared once if the counter wraps). */
  private nextGeneration(): number {
    this.generation++;
    if (this.generation === 0xffffffff) {
      this.tailStamp.fill(0);
      this.headStamp.fill(0);
      this.hStamp.fill(0);
      this.generation = 1;
    }
    return this.generation;
  }

  /** Grows the step buffers to kp previous and kn next candidates. */
  private reserve(kp: number, kn: number): void {
    if (kn > this.dist.length) {
      this.dist = new Float64Array(kn);
      this.tailX = new Float64Array(kn);
      this.tailY = new Float64Array(kn);
      this.tailM = new Float64Array(kn);
      this.tailOf = new Int32Array(kn);
      this.tailNode = new Int32Array(kn);
      this.tailCost = new Float64Array(kn);
      this.lowBest = new Float64Array(kn);
      this.tailLb = new Float64Array(kn);
      this.best = new Float64Array(kn);
      this.back = new Int32Array(kn);
    }
    if (kp > this.slotOf.length) {
      this.slotOf = new Int32Array(kp);
      this.boundOf = new Float64Array(kp);
      this.slotNode = new Int32Array(kp);
      this.slotBound = new Float64Array(kp);
      this.slotScore = new Float64Array(kp);
      this.slotOrder = new Int32Array(kp);
    }
    if (kp * kn > this.slotCost.length) this.slotCost = new Float64Array(kp * kn);
  }

  /** Best state sequence of a piece; records per-fix positions and the traversals. */
  private backtrack(piece: Layer[], pointEdge: Int32Array, pointT: Float64Array, out: Traversal[]): void {
    const g = this.graph;
    const last = piece[piece.length - 1];
    let j = 0;
    for (let c = 1; c < last.count; c++) if (last.score[c] > last.score[j]) j = c;
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
