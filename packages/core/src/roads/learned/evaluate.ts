/**
 * ETA evaluation on traces: how much better learned travel times predict held-out trips than
 * the static speed table.
 *
 * Traces (CSV `vehicle_id,time,lon,lat`, time ISO 8601 or Unix seconds) are split into trips: a
 * stop of 5 minutes or more (no fix for 5 min, or staying within 50 m for 5 min) ends a trip. The
 * latest `testShare` of trips by start time are held out. The rest are map-matched and their
 * traversals learned (profile.ts). Each held-out trip is matched too; its observed duration is
 * the time between its first and last matched fix, and each model predicts it as the fastest
 * route between those two road positions at the departure hour (static times, or the learned
 * hour profile). Reported: MAPE and MAE of both, and the share of all fixes matched.
 */
import { DijkstraEngine } from '../dijkstra';
import type { RoadGraph } from '../graph';
import {
  type GpsFix,
  HmmMatcher,
  type MatchOptions,
  type MatchResult,
  SKIP_REASONS,
  type SkipReason,
} from '../matching/hmm';
import {
  estimateProfile,
  hourOfWeek,
  type LearnedProfile,
  profileHour,
  TraversalStats,
  withEdgeTimes,
} from './profile';

export interface TraceRow {
  vehicle: string;
  time: number;
  lon: number;
  lat: number;
}

export interface CsvReadResult {
  rows: TraceRow[];
  badRows: number;
}

/** Parses `vehicle_id,time,lon,lat` (a header line is recognised and skipped). */
export function parseTraceCsv(text: string): CsvReadResult {
  const rows: TraceRow[] = [];
  let badRows = 0;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const parts = line.split(',');
    if (i === 0 && /vehicle/i.test(parts[0] ?? '')) continue;
    if (parts.length < 4) {
      badRows++;
      continue;
    }
    const time = parseTime(parts[1].trim());
    const lon = Number(parts[2]);
    const lat = Number(parts[3]);
    if (time === null || !Number.isFinite(lon) || !Number.isFinite(lat)) {
      badRows++;
      continue;
    }
    rows.push({ vehicle: parts[0].trim(), time, lon, lat });
  }
  return { rows, badRows };
}

/** Unix seconds from ISO 8601 or a number of seconds; null if neither. */
export function parseTime(raw: string): number | null {
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  const ms = Date.parse(raw);
  return Number.isFinite(ms) ? ms / 1000 : null;
}

export interface Trip {
  vehicle: string;
  start: number;
  fixes: GpsFix[];
}

const STOP_S = 300;
const STOP_RADIUS_M = 50;

function metres(a: GpsFix, b: GpsFix): number {
  const dx = (a.lon - b.lon) * 111_320 * Math.cos((a.lat * Math.PI) / 180);
  const dy = (a.lat - b.lat) * 110_574;
  return Math.hypot(dx, dy);
}

/** Splits each vehicle's fixes (sorted by time here) into trips at stops of 5 minutes or more. */
export function splitTrips(rows: readonly TraceRow[], minFixes = 5): Trip[] {
  const byVehicle = new Map<string, GpsFix[]>();
  for (const r of rows) {
    let list = byVehicle.get(r.vehicle);
    if (!list) {
      list = [];
      byVehicle.set(r.vehicle, list);
    }
    list.push({ time: r.time, lon: r.lon, lat: r.lat });
  }
  const trips: Trip[] = [];
  for (const [vehicle, fixes] of byVehicle) {
    fixes.sort((a, b) => a.time - b.time);
    let current: GpsFix[] = [];
    let anchor = 0; // index in current of the start of the present dwell
    let dwell: GpsFix | null = null; // where the vehicle stopped; fixes near it are not a trip
    const close = () => {
      // Drop the dwell at the end (the stop itself is not driving).
      if (current.length >= minFixes) trips.push({ vehicle, start: current[0].time, fixes: current });
      current = [];
      anchor = 0;
    };
    for (const f of fixes) {
      if (dwell) {
        if (metres(dwell, f) <= STOP_RADIUS_M) continue;
        dwell = null;
      }
      const prev = current[current.length - 1];
      if (prev && f.time - prev.time >= STOP_S) close();
      current.push(f);
      while (anchor < current.length - 1 && metres(current[anchor], f) > STOP_RADIUS_M) anchor++;
      if (current.length - 1 > anchor && f.time - current[anchor].time >= STOP_S) {
        // Stayed within 50 m for 5 min: the trip ended at the dwell's start.
        dwell = current[anchor];
        current = current.slice(0, anchor + 1);
        close();
      }
    }
    close();
  }
  trips.sort((a, b) => a.start - b.start || (a.vehicle < b.vehicle ? -1 : 1));
  return trips;
}

export interface ModelError {
  mape: number;
  mae_s: number;
}

export interface EtaEvaluation {
  trips_train: number;
  trips_test: number;
  static: ModelError;
  learned: ModelError;
  matched_share: number;
  /** Extra detail (not part of the one-line contract's required keys). */
  unmatchable_trips: number;
  skipped: Record<SkipReason, number>;
  traversals: number;
  test_evaluated: number;
}

export interface EvaluateOptions {
  testShare?: number;
  utcOffsetS?: number;
  priorWeight?: number;
  match?: MatchOptions;
  /** Held-out trips shorter than this (matched span, seconds) are not scored (default 60). */
  minTestSeconds?: number;
}

/** Accumulates matched traversals of trips into stats; unmatchable trips add nothing. */
export function learnFromTrips(
  matcher: HmmMatcher,
  trips: readonly Trip[],
  stats: TraversalStats,
  tally?: { points: number; matched: number; unmatchable: number; skipped: Record<SkipReason, number> },
): number {
  let traversals = 0;
  for (const trip of trips) {
    const r = matcher.match(trip.fixes);
    if (tally) addTally(tally, r);
    if (r.unmatchable) continue;
    for (const t of r.traversals) if (stats.add(t.edge, t.entry, t.exit)) traversals++;
  }
  return traversals;
}

function addTally(
  tally: { points: number; matched: number; unmatchable: number; skipped: Record<SkipReason, number> },
  r: MatchResult,
): void {
  tally.points += r.points;
  tally.matched += r.matched;
  if (r.unmatchable) tally.unmatchable++;
  for (const k of SKIP_REASONS) tally.skipped[k] += r.skipped[k];
}

/** Routes between road positions with per-hour engines built lazily. */
export class HourlyRouter {
  private readonly engines = new Map<number, DijkstraEngine>();
  private readonly staticEngine: DijkstraEngine;
  constructor(
    readonly graph: RoadGraph,
    readonly profile: LearnedProfile | null,
  ) {
    this.staticEngine = new DijkstraEngine(graph);
  }

  engine(how: number | null): DijkstraEngine {
    if (how === null || this.profile === null) return this.staticEngine;
    let e = this.engines.get(how);
    if (!e) {
      e = new DijkstraEngine(withEdgeTimes(this.graph, profileHour(this.profile, how)));
      this.engines.set(how, e);
    }
    return e;
  }

  /** Fastest time from (edgeA, tA) to (edgeB, tB); Infinity if unreachable. */
  time(how: number | null, edgeA: number, tA: number, edgeB: number, tB: number): number {
    const eng = this.engine(how);
    const times = eng.graph.edgeTime;
    if (edgeA === edgeB && tB >= tA) return (tB - tA) * times[edgeA];
    const g = this.graph;
    const r = eng.route(
      [{ node: g.edgeHead[edgeA], cost: (1 - tA) * times[edgeA] }],
      [{ node: g.edgeTail[edgeB], cost: tB * times[edgeB] }],
    );
    return r ? r.time : Number.POSITIVE_INFINITY;
  }
}

export function evaluateEta(
  graph: RoadGraph,
  rows: readonly TraceRow[],
  options: EvaluateOptions = {},
): EtaEvaluation {
  const testShare = options.testShare ?? 0.2;
  const offset = options.utcOffsetS ?? 0;
  const minTest = options.minTestSeconds ?? 60;
  const trips = splitTrips(rows);
  const nTest = Math.round(trips.length * testShare);
  const train = trips.slice(0, trips.length - nTest);
  const test = trips.slice(trips.length - nTest);
  const matcher = new HmmMatcher(graph, options.match);
  const tally = { points: 0, matched: 0, unmatchable: 0, skipped: emptySkipsLocal() };
  const stats = new TraversalStats(graph, offset);
  const traversals = learnFromTrips(matcher, train, stats, tally);
  const profile = estimateProfile(stats, options.priorWeight ?? 5);
  const router = new HourlyRouter(graph, profile);
  const err = { s: { ape: 0, ae: 0 }, l: { ape: 0, ae: 0 } };
  let evaluated = 0;
  for (const trip of test) {
    const r = matcher.match(trip.fixes);
    addTally(tally, r);
    if (r.unmatchable) continue;
    let first = -1;
    let last = -1;
    for (let i = 0; i < trip.fixes.length; i++) {
      if (r.pointEdge[i] < 0) continue;
      if (first < 0) first = i;
      last = i;
    }
    const actual = trip.fixes[last].time - trip.fixes[first].time;
    if (actual < minTest) continue;
    const how = hourOfWeek(trip.fixes[first].time, offset);
    const args = [r.pointEdge[first], r.pointT[first], r.pointEdge[last], r.pointT[last]] as const;
    const ts = router.time(null, ...args);
    const tl = router.time(how, ...args);
    if (!Number.isFinite(ts) || !Number.isFinite(tl)) continue;
    evaluated++;
    err.s.ape += Math.abs(ts - actual) / actual;
    err.s.ae += Math.abs(ts - actual);
    err.l.ape += Math.abs(tl - actual) / actual;
    err.l.ae += Math.abs(tl - actual);
  }
  const d = Math.max(1, evaluated);
  const round = (x: number, k: number) => Math.round(x * 10 ** k) / 10 ** k;
  return {
    trips_train: train.length,
    trips_test: test.length,
    static: { mape: round(err.s.ape / d, 4), mae_s: round(err.s.ae / d, 1) },
    learned: { mape: round(err.l.ape / d, 4), mae_s: round(err.l.ae / d, 1) },
    matched_share: round(tally.points > 0 ? tally.matched / tally.points : 0, 4),
    unmatchable_trips: tally.unmatchable,
    skipped: tally.skipped,
    traversals,
    test_evaluated: evaluated,
  };
}

function emptySkipsLocal(): Record<SkipReason, number> {
  const o = {} as Record<SkipReason, number>;
  for (const k of SKIP_REASONS) o[k] = 0;
  return o;
}
