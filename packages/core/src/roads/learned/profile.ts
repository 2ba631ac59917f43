/**
 * Travel times learned from the fleet: per edge and hour of week (168 hours, Monday 00:00 = 0),
 * from matched traversals, shrunk toward a prior where observations are few.
 *
 * Estimator (empirical Bayes, three levels, each a weighted mean with prior weight k):
 *  1. road class × hour ratio, how much slower than the speed table class c drives in hour h
 *     (xᵢ observed seconds, sₑ the edge's static seconds), itself shrunk in three steps:
 *     r[c] = (k · 1 + Σ xᵢ/sₑ) / (k + n[c]); r[c,hour of day, weekday or weekend] =
 *     (k · r[c] + Σ xᵢ/sₑ) / (k + n[c,d]); r[c,h] = (k · r[c,d] + Σ xᵢ/sₑ) / (k + n[c,h]);
 *  2. edge ratio: ρₑ = (k · 1 + Σ xᵢ / (sₑ r[c,hᵢ])) / (k + nₑ) over all the edge's traversals:
 *     how this street differs from its class, pooled over hours;
 *  3. edge × hour: t[e,h] = (k · sₑ r[c,h] ρₑ + Σ xᵢ) / (k + n[e,h]).
 * With no observations at all t = sₑ (the static time); with many, the cell's own mean.
 * Observations implying over 200 km/h or slower than 10× static + 120 s (a parked vehicle) are
 * rejected and counted.
 *
 * A profile is kept per driving mode: `normal`, and `emergency` (traversals by units with lights
 * and siren on, or sent to an urgent incident: see the eta service) learned separately, never
 * mixed: the normal profile sees no emergency traversal.
 *
 * Emergency estimator (`estimateEmergencyProfile`): emergency traversals are few, so they are
 * shrunk toward the normal learned time t[e,h] (itself shrunk toward static as above), scaled by
 * how much faster emergency driving is on the road class, again with prior weight k:
 *  1. q = (k · 1 + Σ xᵢ / t[eᵢ,hᵢ]) / (k + n) over all emergency traversals (the city's
 *     emergency-to-normal ratio, 1 with none); q[c] = (k · q + Σ_c xᵢ / t[eᵢ,hᵢ]) / (k + n[c]);
 *  2. t_em[e,h] = (k · t[e,h] · q[c] + Σ xᵢ) / (k + n_em[e,h]).
 * With no emergency traversal at all the emergency profile is the normal one.
 */
import type { RoadGraph } from '../graph';

export const HOURS_PER_WEEK = 168;

/** Hour of week, Monday 00:00 = 0, of a Unix time in seconds at a UTC offset (seconds). */
export function hourOfWeek(unixSeconds: number, utcOffsetS = 0): number {
  const local = unixSeconds + utcOffsetS;
  const hours = Math.floor(local / 3600);
  const day = Math.floor(hours / 24);
  // 1970-01-01 was a Thursday (Monday-based weekday 3).
  const weekday = (((day + 3) % 7) + 7) % 7;
  return weekday * 24 + (((hours % 24) + 24) % 24);
}

export interface ObservationCounts {
  accepted: number;
  tooFast: number;
  tooSlow: number;
  badEdge: number;
}

/** Sufficient statistics: count and sum of seconds per (edge, hour of week). */
export class TraversalStats {
  readonly edgeCount: number;
  readonly n: Uint32Array;
  readonly sum: Float64Array;
  readonly counts: ObservationCounts = { accepted: 0, tooFast: 0, tooSlow: 0, badEdge: 0 };

  constructor(
    readonly graph: RoadGraph,
    readonly utcOffsetS = 0,
  ) {
    this.edgeCount = graph.turns?.baseEdgeCount ?? graph.edgeCount;
    this.n = new Uint32Array(this.edgeCount * HOURS_PER_WEEK);
    this.sum = new Float64Array(this.edgeCount * HOURS_PER_WEEK);
  }

  /** Adds one traversal (entry time decides the hour); false if rejected. */
  add(edge: number, entry: number, exit: number): boolean {
    if (!(edge >= 0 && edge < this.edgeCount)) {
      this.counts.badEdge++;
      return false;
    }
    const x = exit - entry;
    const len = this.graph.edgeLength[edge];
    if (!(x > 0) || len / x > 200 / 3.6) {
      this.counts.tooFast++;
      return false;
    }
    if (x > 10 * this.graph.edgeTime[edge] + 120) {
      this.counts.tooSlow++;
      return false;
    }
    const cell = edge * HOURS_PER_WEEK + hourOfWeek(entry, this.utcOffsetS);
    this.n[cell]++;
    this.sum[cell] += x;
    this.counts.accepted++;
    return true;
  }

  /** Adds stored cells (e.g. loaded from the database). */
  addCell(edge: number, how: number, n: number, sum: number): void {
    if (!(edge >= 0 && edge < this.edgeCount) || !(how >= 0 && how < HOURS_PER_WEEK)) {
      this.counts.badEdge += n;
      return;
    }
    const cell = edge * HOURS_PER_WEEK + how;
    this.n[cell] += n;
    this.sum[cell] += sum;
    this.counts.accepted += n;
  }

  /** Non-empty cells, for storage. */
  *cells(): Generator<{ edge: number; how: number; n: number; sum: number }> {
    for (let c = 0; c < this.n.length; c++) {
      if (this.n[c] === 0) continue;
      yield { edge: Math.floor(c / HOURS_PER_WEEK), how: c % HOURS_PER_WEEK, n: this.n[c], sum: this.sum[c] };
    }
  }
}

export interface LearnedProfile {
  readonly edgeCount: number;
  /** Seconds per (edge, hour of week): times[e * 168 + h]. */
  readonly times: Float32Array;
  /** Cells with at least one observation. */
  readonly observedCells: number;
  readonly observations: number;
  readonly priorWeight: number;
}

/** Each edge's road class (its way's highway tag) as a small index, and how many classes there are. */
function roadClasses(
  g: TraversalStats['graph'],
  edgeCount: number,
): { edgeClass: Uint16Array; classes: number } {
  const classOf = new Map<string, number>();
  const edgeClass = new Uint16Array(edgeCount);
  for (let e = 0; e < edgeCount; e++) {
    const hw = g.ways[g.edgeWay[e]].highway;
    let c = classOf.get(hw);
    if (c === undefined) {
      c = classOf.size;
      classOf.set(hw, c);
    }
    edgeClass[e] = c;
  }
  return { edgeClass, classes: classOf.size };
}

/** The estimator in the file comment, with prior weight k (default 5 traversals). */
export function estimateProfile(stats: TraversalStats, priorWeight = 5): LearnedProfile {
  const g = stats.graph;
  const E = stats.edgeCount;
  const H = HOURS_PER_WEEK;
  const k = priorWeight;
  const { edgeClass, classes: C } = roadClasses(g, E);
  // 1. class × hour ratios.
  const ratioSum = new Float64Array(C * H);
  const ratioN = new Float64Array(C * H);
  let observedCells = 0;
  let observations = 0;
  for (let e = 0; e < E; e++) {
    const s = g.edgeTime[e];
    if (!(s > 0)) continue;
    const base = e * H;
    const cb = edgeClass[e] * H;
    for (let h = 0; h < H; h++) {
      const n = stats.n[base + h];
      if (n === 0) continue;
      observedCells++;
      observations += n;
      ratioSum[cb + h] += stats.sum[base + h] / s;
      ratioN[cb + h] += n;
    }
  }
  // Class, then class × hour of day (weekday or weekend), then class × hour of week.
  const r = new Float64Array(C * H);
  for (let c = 0; c < C; c++) {
    let all = 0;
    let allN = 0;
    const daySum = new Float64Array(48);
    const dayN = new Float64Array(48);
    for (let h = 0; h < H; h++) {
      const i = c * H + h;
      all += ratioSum[i];
      allN += ratioN[i];
      const d = (h >= 120 ? 24 : 0) + (h % 24);
      daySum[d] += ratioSum[i];
      dayN[d] += ratioN[i];
    }
    const rc = (k + all) / (k + allN);
    for (let h = 0; h < H; h++) {
      const i = c * H + h;
      const d = (h >= 120 ? 24 : 0) + (h % 24);
      const rd = (k * rc + daySum[d]) / (k + dayN[d]);
      r[i] = (k * rd + ratioSum[i]) / (k + ratioN[i]);
    }
  }
  // 2 and 3.
  const times = new Float32Array(E * H);
  for (let e = 0; e < E; e++) {
    const s = g.edgeTime[e];
    const base = e * H;
    const cb = edgeClass[e] * H;
    let rhoSum = 0;
    let rhoN = 0;
    for (let h = 0; h < H; h++) {
      const n = stats.n[base + h];
      if (n === 0 || !(s > 0)) continue;
      rhoSum += stats.sum[base + h] / (s * r[cb + h]);
      rhoN += n;
    }
    const rho = (k + rhoSum) / (k + rhoN);
    for (let h = 0; h < H; h++) {
      const prior = s * r[cb + h] * rho;
      times[base + h] = (k * prior + stats.sum[base + h]) / (k + stats.n[base + h]);
    }
  }
  return { edgeCount: E, times, observedCells, observations, priorWeight: k };
}

/** The emergency estimator in the file comment: `emergency` statistics shrunk toward `normal`. */
export function estimateEmergencyProfile(
  emergency: TraversalStats,
  normal: LearnedProfile,
  priorWeight = normal.priorWeight,
): LearnedProfile {
  const g = emergency.graph;
  const E = emergency.edgeCount;
  const H = HOURS_PER_WEEK;
  const k = priorWeight;
  if (normal.edgeCount !== E) throw new Error('normal profile of another graph');
  const { edgeClass, classes: C } = roadClasses(g, E);
  const ratioSum = new Float64Array(C);
  const ratioN = new Float64Array(C);
  let observedCells = 0;
  let observations = 0;
  for (let e = 0; e < E; e++) {
    for (let h = 0; h < H; h++) {
      const cell = e * H + h;
      const n = emergency.n[cell];
      if (n === 0 || !(normal.times[cell] > 0)) continue;
      observedCells++;
      observations += n;
      ratioSum[edgeClass[e]] += emergency.sum[cell] / normal.times[cell];
      ratioN[edgeClass[e]] += n;
    }
  }
  let all = 0;
  let allN = 0;
  for (let c = 0; c < C; c++) {
    all += ratioSum[c];
    allN += ratioN[c];
  }
  const q = (k + all) / (k + allN);
  const qc = new Float64Array(C);
  for (let c = 0; c < C; c++) qc[c] = (k * q + ratioSum[c]) / (k + ratioN[c]);
  const times = new Float32Array(E * H);
  for (let e = 0; e < E; e++) {
    const qe = qc[edgeClass[e]];
    for (let h = 0; h < H; h++) {
      const cell = e * H + h;
      const prior = normal.times[cell] * qe;
      times[cell] = (k * prior + emergency.sum[cell]) / (k + emergency.n[cell]);
    }
  }
  return { edgeCount: E, times, observedCells, observations, priorWeight: k };
}

/** Base-edge times of one hour of week. */
export function profileHour(profile: LearnedProfile, how: number): Float64Array {
  const out = new Float64Array(profile.edgeCount);
  for (let e = 0; e < profile.edgeCount; e++) out[e] = profile.times[e * HOURS_PER_WEEK + how];
  return out;
}

/**
 * The same graph with other edge times (structure shared, not copied). On a turn-restricted
 * graph every junction copy of an edge takes its base edge's time, plus its U-turn penalty. Build a new contraction
 * hierarchy on the result to route with it.
 */
export function withEdgeTimes<G extends RoadGraph>(graph: G, baseTimes: Float64Array): G {
  const edgeTime = new Float64Array(graph.edgeCount);
  const map = graph.turns?.edgeBase;
  const penalty = graph.turns?.edgePenalty;
  for (let e = 0; e < graph.edgeCount; e++)
    edgeTime[e] = baseTimes[map ? map[e] : e] + (penalty ? penalty[e] : 0);
  return { ...graph, edgeTime };
}
