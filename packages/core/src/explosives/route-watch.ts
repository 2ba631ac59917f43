/**
 * Transport watch (issue 12 §4): an explosives vehicle's AVL fixes against its permitted route.
 * Leaving the route by more than `maxOffRouteM` (for at least `minOffRouteFixes` fixes in a row,
 * so one bad GPS fix is not an alarm), or standing still (moving less than `stopRadiusM`) for
 * longer than `maxStopMin`, each raises one alarm per episode.
 *
 * Distances are on a local equirectangular projection around each segment: metres-accurate over
 * the few kilometres a segment spans. The route is the permit's polyline [lon, lat] (on the road
 * graph when the permit's route was drawn on it).
 */

export interface Fix {
  /** ms since epoch. */
  at: number;
  lon: number;
  lat: number;
}

export interface RouteWatchOptions {
  maxOffRouteM: number;
  maxStopMin: number;
  /** Consecutive fixes beyond the distance before it counts (default 2). */
  minOffRouteFixes?: number;
  /** Movement within this radius counts as standing still (default 50 m). */
  stopRadiusM?: number;
}

export type RouteAlarm =
  | { kind: 'route_deviation'; from: number; to: number; maxDistanceM: number; lon: number; lat: number }
  | { kind: 'long_stop'; from: number; to: number; minutes: number; lon: number; lat: number };

const EARTH_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** Metres from a point to a segment (local equirectangular projection). */
export function pointToSegmentM(p: [number, number], a: [number, number], b: [number, number]): number {
  const lat0 = ((a[1] + b[1]) / 2) * RAD;
  const kx = Math.cos(lat0) * RAD * EARTH_M;
  const ky = RAD * EARTH_M;
  const ax = 0;
  const ay = 0;
  const bx = (b[0] - a[0]) * kx;
  const by = (b[1] - a[1]) * ky;
  const px = (p[0] - a[0]) * kx;
  const py = (p[1] - a[1]) * ky;
  const len2 = bx * bx + by * by;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * bx + (py - ay) * by) / len2));
  return Math.hypot(px - t * bx, py - t * by);
}

/** Metres from a point to the nearest part of a polyline. */
export function distanceToRouteM(p: [number, number], route: readonly [number, number][]): number {
  if (route.length === 1)
    return pointToSegmentM(p, route[0] as [number, number], route[0] as [number, number]);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 1; i < route.length; i++) {
    best = Math.min(best, pointToSegmentM(p, route[i - 1] as [number, number], route[i] as [number, number]));
  }
  return best;
}

function metres(a: Fix, b: Fix): number {
  return pointToSegmentM([b.lon, b.lat], [a.lon, a.lat], [a.lon, a.lat]);
}

/** The alarms a track raises against its route (fixes in any order; sorted by time here). */
export function watchRoute(
  route: readonly [number, number][],
  track: readonly Fix[],
  options: RouteWatchOptions,
): RouteAlarm[] {
  if (route.length === 0) throw new Error('a route needs at least one point');
  const fixes = [...track].sort((a, b) => a.at - b.at);
  const minOff = options.minOffRouteFixes ?? 2;
  const stopRadius = options.stopRadiusM ?? 50;
  const alarms: RouteAlarm[] = [];

  // Off-route episodes.
  let run: { fixes: Fix[]; max: number; far: Fix } | null = null;
  const closeRun = () => {
    if (run && run.fixes.length >= minOff) {
      alarms.push({
        kind: 'route_deviation',
        from: (run.fixes[0] as Fix).at,
        to: (run.fixes[run.fixes.length - 1] as Fix).at,
        maxDistanceM: Math.round(run.max),
        lon: run.far.lon,
        lat: run.far.lat,
      });
    }
    run = null;
  };
  for (const f of fixes) {
    const d = distanceToRouteM([f.lon, f.lat], route);
    if (d > options.maxOffRouteM) {
      if (!run) run = { fixes: [], max: 0, far: f };
      run.fixes.push(f);
      if (d > run.max) {
        run.max = d;
        run.far = f;
      }
    } else closeRun();
  }
  closeRun();

  // Stops: a stretch whose fixes all lie within stopRadius of its first fix.
  let anchor: Fix | undefined;
  let last: Fix | undefined;
  const closeStop = () => {
    if (anchor && last) {
      const minutes = (last.at - anchor.at) / 60_000;
      if (minutes > options.maxStopMin) {
        alarms.push({
          kind: 'long_stop',
          from: anchor.at,
          to: last.at,
          minutes: Math.round(minutes),
          lon: anchor.lon,
          lat: anchor.lat,
        });
      }
    }
  };
  for (const f of fixes) {
    if (anchor && metres(anchor, f) <= stopRadius) {
      last = f;
      continue;
    }
    closeStop();
    anchor = f;
    last = f;
  }
  closeStop();
  return alarms.sort((a, b) => a.from - b.from);
}
