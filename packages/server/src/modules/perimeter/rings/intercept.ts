/**
 * The interception advisor: where a vehicle fleeing a scene can be by now, and which checkpoints
 * to man before it gets there, with the nearest available unit for each.
 */
import { type SnapResult, sameSegmentTime, sourceSeeds, targetSeeds } from '@citywatch/core/roads/snap';
import { ProblemError } from '../../../http/problem.js';
import type { CityRuntime } from '../../roads/registry.js';
import type { OrgScope } from '../../scope.js';
import { RING_DETAILS } from '../messages.js';
import { finiteOrNull, type RingDeps, ringOrNotFound } from './common.js';
import * as store from './store.js';
import { checkpointSnap, ETA_HORIZON_SECONDS, travelTimes, unitRoute, unitSnaps } from './travel.js';

/** How far ahead the interception advisor follows the fleeing vehicle. */
export const INTERCEPT_HORIZON_SECONDS = 7200;
const SCENE_SNAP_LIMIT_M = 1000;

export interface InterceptRequest {
  lon: number;
  lat: number;
  minutes: number;
  city?: string;
  ringId?: string;
}

export class InterceptionAdvisor {
  constructor(private readonly ctx: Pick<RingDeps, 'db' | 'places' | 'dispatch' | 'workers' | 'eta'>) {}

  /**
   * Where a vehicle fleeing the scene `minutes` ago could be (isochrone at road speeds), and the
   * checkpoints it cannot have passed yet, soonest first, each with the vehicle's earliest arrival
   * (seconds from the incident) and the nearest available unit's ETA from now and road there. All
   * on the city's turn-restricted graph. Units are timed (and their roads drawn) with the travel
   * times of the hour now, learned when the eta module has learned any, as closure plans and
   * dispatch time them; `profile` says which (static before anything is learned). The fleeing
   * vehicle's reach stays on the static times (a driver fleeing does not keep the traffic's
   * pace). Need to know: the
   * checkpoints and units of the scope's subtree (the ones its commander may man and send); a
   * ring asked for must be of that subtree too (else 404).
   */
  async intercept(request: InterceptRequest, scope: OrgScope) {
    if (request.ringId) await ringOrNotFound(this.ctx.db.kysely, request.ringId, scope);
    const city = await this.ctx.places.city(request.city);
    const scene = city.snapper.snap(request.lon, request.lat, SCENE_SNAP_LIMIT_M);
    if (!scene) {
      const message = `no road within ${SCENE_SNAP_LIMIT_M} m`;
      throw new ProblemError('validation', RING_DETAILS.noRoadNearScene, [
        { field: 'lon', rule: 'off_road', message },
        { field: 'lat', rule: 'off_road', message },
      ]);
    }
    const elapsed = request.minutes * 60;
    const checkpoints = await store.listCheckpoints(
      this.ctx.db.kysely,
      { cityId: city.id, ringId: request.ringId },
      scope,
    );
    const snaps = checkpoints.map((c) => checkpointSnap(city, c));
    // The vehicle's earliest arrival at every checkpoint: one forward search from the scene.
    const arrivals = vehicleArrivals(city, scene, snaps);
    const area = await this.ctx.workers.run(
      'isochrone.area',
      { origin: scene, limitSeconds: elapsed },
      { city: city.turnRouting().poolCity },
    );

    const ahead: number[] = [];
    const passed: number[] = [];
    const unreachable: number[] = [];
    arrivals.forEach((t, j) => {
      if (!Number.isFinite(t)) unreachable.push(j);
      else if (t <= elapsed) passed.push(j);
      else ahead.push(j);
    });
    ahead.sort((a, b) => arrivals[a] - arrivals[b]);
    passed.sort((a, b) => arrivals[a] - arrivals[b]);

    const units = await this.ctx.dispatch.availableUnits(scope);
    const fromSnaps = unitSnaps(city, units);
    const routing = await this.ctx.eta.routing(city, 'learned');
    const etas = travelTimes(
      city,
      fromSnaps,
      ahead.map((j) => snaps[j]),
      ETA_HORIZON_SECONDS,
      routing,
    );
    const describe = (j: number) => ({
      checkpointId: checkpoints[j].id,
      name: checkpoints[j].name,
      kind: checkpoints[j].kind,
      ringId: checkpoints[j].ring_id,
      lon: checkpoints[j].lon,
      lat: checkpoints[j].lat,
      vehicleArrivalSeconds: finiteOrNull(arrivals[j]),
    });
    return {
      scene: { lon: scene.lon, lat: scene.lat },
      minutes: request.minutes,
      profile: routing.label,
      isochrone: area,
      activateNow: ahead.map((j, k) => {
        let nearest = -1;
        units.forEach((_, i) => {
          if (etas[i][k] < (nearest < 0 ? Number.POSITIVE_INFINITY : etas[nearest][k])) nearest = i;
        });
        const secondsLeft = arrivals[j] - elapsed;
        const unitEta = nearest < 0 ? Number.POSITIVE_INFINITY : etas[nearest][k];
        return {
          ...describe(j),
          vehicleSecondsLeft: finiteOrNull(secondsLeft),
          nearestUnit:
            nearest < 0
              ? null
              : {
                  unitId: units[nearest].id,
                  callSign: units[nearest].call_sign,
                  etaSeconds: finiteOrNull(unitEta),
                  // The road the ETA drives (turn-restricted), drawn on the map; see plans.ts routesNow.
                  route: Number.isFinite(unitEta)
                    ? unitRoute(city, fromSnaps[nearest], snaps[j], routing)
                    : null,
                },
          unitBeatsVehicle: unitEta < secondsLeft,
        };
      }),
      possiblyPassed: passed.map(describe),
      unreachable: unreachable.map((j) => checkpoints[j].id),
    };
  }
}

/** Earliest time (s) the vehicle can reach each checkpoint from the scene, Infinity beyond the horizon. */
function vehicleArrivals(city: CityRuntime, scene: SnapResult, to: readonly (SnapResult | null)[]): number[] {
  const { graph, dijkstra: engine } = city.turnRouting();
  engine.travelTimeField(sourceSeeds(graph, city.snapper, scene), INTERCEPT_HORIZON_SECONDS, 'forward');
  return to.map((target) => {
    if (!target) return Number.POSITIVE_INFINITY;
    let best = sameSegmentTime(graph, city.snapper, scene, target);
    for (const seed of targetSeeds(graph, city.snapper, target)) {
      if (engine.isSettled(seed.node)) best = Math.min(best, engine.costOf(seed.node) + seed.cost);
    }
    return best <= INTERCEPT_HORIZON_SECONDS ? best : Number.POSITIVE_INFINITY;
  });
}
