/**
 * A fleet simulator for testing map matching and learned travel times: vehicles drive shortest
 * routes on a real road graph with hidden per-edge travel times that vary by hour of week, and
 * report positions like a phone (Gaussian noise of 5–15 m, occasional jumps of 80–300 m,
 * sampling every 1–30 s). The truth (edges driven, entry and exit times) comes with each trip,
 * so tests can check what the matcher and the learner recover.
 */
import { largestStronglyConnectedComponent } from '../ch';
import { DijkstraEngine } from '../dijkstra';
import type { RoadGraph } from '../graph';
import { hourOfWeek } from '../learned/profile';
import type { GpsFix, Traversal } from './hmm';

export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rng: () => number): number {
  const u = Math.max(1e-12, rng());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * Hidden travel times: static time × a per-edge factor (0.9–1.6: the static speed table is
 * optimistic, by an amount that differs per street) × an hour-of-week congestion term (morning
 * and evening peaks on weekdays, strongest on arterials; nights run near free flow).
 */
export class HiddenTimes {
  private readonly factor: Float64Array;
  private readonly sensitivity: Float64Array;
  constructor(
    readonly graph: RoadGraph,
    seed = 1,
  ) {
    const rng = prng(seed);
    const m = graph.edgeCount;
    this.factor = new Float64Array(m);
    this.sensitivity = new Float64Array(m);
    const arterial = new Set(['motorway', 'trunk', 'primary', 'secondary', 'tertiary']);
    for (let e = 0; e < m; e++) {
      this.factor[e] = 0.9 + 0.7 * rng();
      const major = arterial.has(graph.ways[graph.edgeWay[e]].highway);
      this.sensitivity[e] = (major ? 0.6 : 0.25) + 0.5 * rng();
    }
  }

  /** Congestion multiplier term for an hour of week (Monday 00:00 = 0). */
  static peak(how: number): number {
    const day = Math.floor(how / 24);
    const h = how % 24;
    const weekday = day < 5 ? 1 : 0.35;
    return (
      weekday * (Math.exp(-((h - 8) ** 2) / 2) + 0.9 * Math.exp(-((h - 18) ** 2) / 3)) +
      0.15 * (h >= 10 && h <= 16 ? 1 : 0)
    );
  }

  private readonly engines = new Map<number, DijkstraEngine>();

  /** A router on the hidden times of one hour (drivers know the traffic: they take its fastest route). */
  engine(how: number): DijkstraEngine {
    let e = this.engines.get(how);
    if (!e) {
      const edgeTime = new Float64Array(this.graph.edgeCount);
      for (let i = 0; i < edgeTime.length; i++) edgeTime[i] = this.time(i, how);
      e = new DijkstraEngine({ ...this.graph, edgeTime });
      this.engines.set(how, e);
    }
    return e;
  }

  /** Seconds to drive edge e when entering it in hour of week `how`. */
  time(e: number, how: number): number {
    return this.graph.edgeTime[e] * this.factor[e] * (1 + this.sensitivity[e] * HiddenTimes.peak(how));
  }
}

export interface SimTrip {
  vehicle: string;
  fixes: GpsFix[];
  /** The edge each fix was really on (-1 for injected jumps). */
  trueEdge: Int32Array;
  /** True traversals of every edge driven (first and last partial ones included). */
  truth: Traversal[];
  /** Start → end travel time, seconds. */
  duration: number;
}

export interface SimOptions {
  /** Sampling interval range, seconds (default 1–30). */
  intervalS?: [number, number];
  /** GPS noise σ range, metres (default 5–15). */
  noiseM?: [number, number];
  /** Probability that a fix is a jump of 80–300 m (default 0.02). */
  jumpShare?: number;
  /** Minimum straight-line trip length, metres (default 800). */
  minTripM?: number;
  /** UTC offset of the hours the hidden times follow, seconds (default 0). */
  utcOffsetS?: number;
}

/**
 * Drives one trip departing at `start` (Unix seconds) between random nodes of `nodes` (e.g. the
 * largest strongly connected component), along the fastest route by the hidden times of the
 * departure hour (or by `engine`'s times), driven at the hidden times. Null when no route of the minimum length was found in a few tries.
 */
export function simulateTrip(
  graph: RoadGraph,
  hidden: HiddenTimes,
  /** Route choice: null = the fastest by hidden times at departure, else this engine's. */
  engine: DijkstraEngine | null,
  nodes: Uint32Array,
  rng: () => number,
  vehicle: string,
  start: number,
  options: SimOptions = {},
): SimTrip | null {
  const [i0, i1] = options.intervalS ?? [1, 30];
  const [n0, n1] = options.noiseM ?? [5, 15];
  const jumpShare = options.jumpShare ?? 0.02;
  const minTrip = options.minTripM ?? 800;
  const offset = options.utcOffsetS ?? 0;
  for (let attempt = 0; attempt < 20; attempt++) {
    const a = nodes[Math.floor(rng() * nodes.length)];
    const b = nodes[Math.floor(rng() * nodes.length)];
    const dx = (graph.nodeLon[a] - graph.nodeLon[b]) * 111_320 * Math.cos((graph.nodeLat[a] * Math.PI) / 180);
    const dy = (graph.nodeLat[a] - graph.nodeLat[b]) * 110_574;
    if (Math.hypot(dx, dy) < minTrip) continue;
    const router = engine ?? hidden.engine(hourOfWeek(start, offset));
    const r = router.route([{ node: a, cost: 0 }], [{ node: b, cost: 0 }]);
    if (!r || r.edges.length < 3) continue;
    // True timeline.
    const truth: Traversal[] = [];
    let t = start;
    for (const e of r.edges) {
      const dur = hidden.time(e, hourOfWeek(t, offset));
      truth.push({ edge: e, entry: t, exit: t + dur });
      t += dur;
    }
    const interval = i0 + (i1 - i0) * rng();
    const sigma = n0 + (n1 - n0) * rng();
    const fixes: GpsFix[] = [];
    const trueEdge: number[] = [];
    let k = 0;
    const mLat = 110_574;
    const mLon = 111_320 * Math.cos((graph.nodeLat[a] * Math.PI) / 180);
    for (let time = start; time <= t; time += interval * (0.8 + 0.4 * rng())) {
      while (k < truth.length - 1 && truth[k].exit < time) k++;
      const tr = truth[k];
      const f = Math.min(1, Math.max(0, (time - tr.entry) / (tr.exit - tr.entry)));
      const u = graph.edgeTail[tr.edge];
      const v = graph.edgeHead[tr.edge];
      let lon = graph.nodeLon[u] + f * (graph.nodeLon[v] - graph.nodeLon[u]);
      let lat = graph.nodeLat[u] + f * (graph.nodeLat[v] - graph.nodeLat[u]);
      let edge = tr.edge;
      if (rng() < jumpShare) {
        const dist = 80 + 220 * rng();
        const ang = 2 * Math.PI * rng();
        lon += (dist * Math.cos(ang)) / mLon;
        lat += (dist * Math.sin(ang)) / mLat;
        edge = -1;
      } else {
        lon += (sigma * gaussian(rng)) / mLon;
        lat += (sigma * gaussian(rng)) / mLat;
      }
      fixes.push({ time: Math.round(time * 1000) / 1000, lon, lat });
      trueEdge.push(edge);
    }
    return { vehicle, fixes, trueEdge: Int32Array.from(trueEdge), truth, duration: t - start };
  }
  return null;
}

/** The nodes of the largest strongly connected component, as a list. */
export function componentNodes(mask: Uint8Array): Uint32Array {
  const out: number[] = [];
  for (let v = 0; v < mask.length; v++) if (mask[v]) out.push(v);
  return Uint32Array.from(out);
}

export interface FleetOptions extends SimOptions {
  vehicles: number;
  /** Days simulated from `start` (Unix seconds, default Monday 2026-11-23 00:00 UTC). */
  days: number;
  start?: number;
  seed?: number;
}

/**
 * A fleet's traces: each vehicle drives trips one after another, resting 6–40 minutes between
 * them (so a 5-minute stop splits trips), mostly in the daytime. Rows sorted by vehicle and time.
 */
export function simulateFleet(
  graph: RoadGraph,
  options: FleetOptions,
): {
  hidden: HiddenTimes;
  trips: SimTrip[];
  rows: Array<{ vehicle: string; time: number; lon: number; lat: number }>;
} {
  const seed = options.seed ?? 1;
  const hidden = new HiddenTimes(graph, seed);
  const nodes = componentNodes(largestStronglyConnectedComponent(graph));
  const rng = prng(seed + 101);
  const start = options.start ?? Date.UTC(2026, 10, 23) / 1000;
  const end = start + options.days * 86400;
  const trips: SimTrip[] = [];
  const rows: Array<{ vehicle: string; time: number; lon: number; lat: number }> = [];
  for (let v = 0; v < options.vehicles; v++) {
    const vehicle = `unit-${v + 1}`;
    let t = start + rng() * 3600 * 6;
    while (t < end) {
      const trip = simulateTrip(graph, hidden, null, nodes, rng, vehicle, t, options);
      if (!trip) break;
      trips.push(trip);
      for (const f of trip.fixes) rows.push({ vehicle, time: f.time, lon: f.lon, lat: f.lat });
      t += trip.duration + 360 + rng() * 2040;
    }
  }
  return { hidden, trips, rows };
}
