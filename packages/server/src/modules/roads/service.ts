import { motionOf } from '@citywatch/core/roads/heading';
import { roadRoute } from '@citywatch/core/roads/route';
import { ProblemError } from '../../http/problem.js';
import { type Crs, fromWgs84, type PlacesService, toWgs84 } from '../places/service.js';
import { messages } from './messages.js';

// Farther than this from any road, a point is refused rather than routed from somewhere else.
const SNAP_LIMIT_M = 1000;

export interface RouteQuery {
  from: [number, number];
  to: [number, number];
  at?: string;
  /** The vehicle's heading (°) and speed (m/s) at `from`, when it is moving. */
  heading?: number;
  speed?: number;
  city?: string;
  crs: Crs;
}

export class RoadsService {
  constructor(private readonly places: PlacesService) {}

  /**
   * The fastest drivable route obeying the city's turn restrictions, as a GeoJSON Feature with a
   * LineString; times are the static ones (road class and maxspeed) whatever `at` says, until
   * travel times learned per hour exist (issue 16 item 4): `profile` names which were used.
   */
  async route(q: RouteQuery) {
    const city = await this.places.city(q.city);
    const from = toWgs84(q.from[0], q.from[1], q.crs);
    const to = toWgs84(q.to[0], q.to[1], q.crs);
    const fromSnap = city.snapper.snap(from[0], from[1], SNAP_LIMIT_M);
    if (!fromSnap) {
      throw new ProblemError('validation', messages.noRoadNearFrom, [
        { field: 'from', rule: 'no_road_nearby', message: '' },
      ]);
    }
    const toSnap = city.snapper.snap(to[0], to[1], SNAP_LIMIT_M);
    if (!toSnap) {
      throw new ProblemError('validation', messages.noRoadNearTo, [
        { field: 'to', rule: 'no_road_nearby', message: '' },
      ]);
    }
    const routing = city.turnRouting();
    const route = roadRoute(
      routing.dijkstra,
      city.snapper,
      fromSnap,
      toSnap,
      routing.stored,
      motionOf(q.heading, q.speed),
    );
    if (!route) {
      throw new ProblemError('validation', messages.noRoute, [
        { field: 'to', rule: 'unreachable', message: '' },
      ]);
    }
    const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
    const out = (p: readonly number[]) => fromWgs84(p[0], p[1], q.crs).map((x) => round(x, 7));
    return {
      type: 'Feature' as const,
      geometry: { type: 'LineString' as const, coordinates: route.coordinates.map(out) },
      properties: {
        city: city.name,
        crs: q.crs,
        at: q.at ?? null,
        profile: 'static' as const,
        timeS: round(route.timeS, 1),
        lengthM: round(route.lengthM, 1),
        from: { snapped: out([fromSnap.lon, fromSnap.lat]), distanceM: round(fromSnap.distanceM, 1) },
        to: { snapped: out([toSnap.lon, toSnap.lat]), distanceM: round(toSnap.distanceM, 1) },
        segments: route.segments.map((s) => ({
          name: s.name,
          highway: s.highway,
          wayOsmId: s.wayOsmId,
          lengthM: round(s.lengthM, 1),
          timeS: round(s.timeS, 1),
          startS: round(s.startS, 1),
          from: s.from,
          to: s.to,
        })),
        restrictions: {
          /** Restriction relations applied in the city (0 on a city imported before they were). */
          applied: new Set(routing.stored.osmIds).size,
          obeyed: route.restrictionsObeyed,
          stored: routing.restrictionsStored,
        },
        uTurns: { count: route.uTurns, secondsEach: routing.graph.turns.uTurnSeconds },
      },
    };
  }
}
