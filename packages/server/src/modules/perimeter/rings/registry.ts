/**
 * Rings (圈层) and checkpoints: a ring is a polygon on a city's roads; a checkpoint is placed on
 * the road segment nearest where it was clicked and may belong to a ring. A checkpoint created or
 * changed (or detached by its ring's deletion) is announced as `perimeter.checkpoints_changed`.
 */

import { type Datum, readArea } from '@citywatch/core/geo/geojson';
import { RING_LEVELS, type RingGeometry, type RingLevel } from '@citywatch/core/perimeter/ring';
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { StagePublish } from '../../../bus/outbox.js';
import type { Database } from '../../../db/schema.js';
import { ProblemError } from '../../../http/problem.js';
import type { CityRuntime } from '../../roads/registry.js';
import { assertOrgInScope, type OrgScope } from '../../scope.js';
import { RING_DETAILS, RING_NOT_IN_CITY } from '../messages.js';
import {
  cityOfRing,
  presentCheckpoint,
  presentRing,
  type RingDeps,
  ringIssuesToProblem,
  ringOrNotFound,
} from './common.js';
import * as store from './store.js';
import { CHECKPOINT_SNAP_LIMIT_M } from './travel.js';

export type CheckpointKind = 'station' | 'post' | 'camera';
export type CheckpointDirections = 'inbound' | 'outbound' | 'both';

/**
 * A ring as posted: the area as a Geometry, a Feature or a FeatureCollection (core/geo/geojson),
 * in `datum` (default WGS-84). Name and level fall back to the feature's properties.
 */
export interface RingInput {
  city?: string;
  name?: string;
  level?: RingLevel;
  geometry: unknown;
  datum?: Datum;
}

export interface CheckpointInput {
  id: string;
  name: string;
  kind: CheckpointKind;
  city?: string;
  orgId?: string | null;
  ringId?: string | null;
  lon: number;
  lat: number;
  directions?: CheckpointDirections;
  equipment?: string[];
  staffing?: number;
}

export type CheckpointChanges = Partial<Omit<CheckpointInput, 'id' | 'city'>>;

/** What deleting a ring asks of the closure plans. */
export interface RingPlanGuard {
  /** Ends the plans past their expiry first, so that an expired plan does not hold the ring. */
  expireDuePlans(): Promise<unknown>;
  hasActivePlan(ringId: string): Promise<boolean>;
}

const checkpointNotFound = () => new ProblemError('not_found', RING_DETAILS.noSuchCheckpoint);

export class RingRegistry {
  private readonly db: Kysely<Database>;

  constructor(
    private readonly ctx: RingDeps,
    private readonly plans: RingPlanGuard,
  ) {
    this.db = ctx.db.kysely;
  }

  // ---- rings

  /**
   * The area read at the edge (wrapper, crs, size limits, structure; datum to WGS-84; right-hand
   * rule: linear and cheap); then self-intersection, holes and "is there any road inside" on the
   * ring's city, on a worker thread.
   */
  private async checkGeometry(city: CityRuntime, input: unknown, datum: Datum | undefined) {
    const read = readArea(input, { datum, structureOnly: true });
    if (read.area === null) throw ringIssuesToProblem(read.issues);
    const geometry = read.area.geometry;
    const { issues, insideNodes } = await this.ctx.workers.run('ring.check', { geometry }, { city });
    if (issues.length > 0) throw ringIssuesToProblem(issues);
    if (insideNodes === 0) {
      throw ringIssuesToProblem([
        {
          field: 'geometry',
          rule: 'no_road_inside',
          message: `no drivable road of ${city.name} lies inside the ring`,
        },
      ]);
    }
    return read.area;
  }

  /** A ring belongs to the org of the commander who draws it. */
  async createRing(input: RingInput, actor: OrgScope) {
    const city = await this.ctx.places.city(input.city);
    const area = await this.checkGeometry(city, input.geometry, input.datum);
    const name = input.name?.trim() || area.name;
    const level = input.level ?? area.level;
    const missing = [
      ...(name
        ? []
        : [{ field: 'name', rule: 'required', message: 'give name, or a feature property name' }]),
      ...(level === null
        ? [{ field: 'level', rule: 'required', message: 'give level, or a feature property level' }]
        : (RING_LEVELS as readonly string[]).includes(level)
          ? []
          : [
              {
                field: 'level',
                rule: 'invalid_level',
                message: `level must be one of ${RING_LEVELS.join(', ')}`,
              },
            ]),
    ];
    if (missing.length > 0) throw new ProblemError('validation', RING_DETAILS.ringUnusable, missing);
    const now = this.ctx.now();
    const row = await store.insertRing(this.db, {
      id: uuidv7(),
      city_id: city.id,
      org_id: actor.orgId,
      name: (name as string).slice(0, 200),
      level: level as RingLevel,
      geometry: JSON.stringify(area.geometry satisfies RingGeometry),
      created_at: now,
      updated_at: now,
    });
    return presentRing(row);
  }

  /** The rings of the scope's subtree. */
  async rings(scope: OrgScope, cityName?: string) {
    const cityId = cityName ? (await this.ctx.places.city(cityName)).id : undefined;
    return (await store.listRings(this.db, scope, cityId)).map(presentRing);
  }

  async ring(id: string, scope: OrgScope) {
    return presentRing(await ringOrNotFound(this.db, id, scope));
  }

  async updateRing(id: string, changes: Partial<Omit<RingInput, 'city'>>, scope: OrgScope) {
    const ring = await ringOrNotFound(this.db, id, scope);
    const geometry =
      changes.geometry === undefined
        ? undefined
        : JSON.stringify(
            (await this.checkGeometry(await cityOfRing(this.ctx, ring), changes.geometry, changes.datum))
              .geometry,
          );
    const row = await store.updateRing(
      this.db,
      id,
      {
        ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
        ...(changes.level !== undefined ? { level: changes.level } : {}),
        ...(geometry !== undefined ? { geometry } : {}),
        updated_at: this.ctx.now(),
      },
      scope,
    );
    if (!row) throw new ProblemError('not_found', RING_DETAILS.noSuchRing);
    return presentRing(row);
  }

  /** Refused while a closure plan holds the ring; its checkpoints stay, detached from it. */
  async deleteRing(id: string, scope: OrgScope): Promise<void> {
    await this.plans.expireDuePlans();
    await ringOrNotFound(this.db, id, scope);
    if (await this.plans.hasActivePlan(id)) {
      throw new ProblemError('conflict', RING_DETAILS.ringHasActivePlan, [
        { field: 'id', rule: 'plan_active', message: '' },
      ]);
    }
    await this.ctx.transact(async (trx, publish) => {
      if (!(await store.deleteRing(trx, id, scope)))
        throw new ProblemError('not_found', RING_DETAILS.noSuchRing);
      // Its checkpoints stay, now in no ring.
      await checkpointsChanged(publish, id);
    });
  }

  // ---- checkpoints

  /** A checkpoint joins a ring of the same city that the actor may see (another's is as good as missing). */
  private async checkRingInCity(ringId: string, cityId: string, scope: OrgScope): Promise<void> {
    const ring = await store.findRing(this.db, ringId, scope);
    if (!ring || ring.city_id !== cityId) {
      throw new ProblemError('validation', undefined, [
        { field: 'ringId', rule: 'not_found', message: RING_NOT_IN_CITY.en },
      ]);
    }
  }

  /** The nearest road segment to a clicked point, as its snapped point and OSM end nodes. */
  private placeOnRoad(city: CityRuntime, lon: number, lat: number) {
    const snap = city.snapper.snap(lon, lat, CHECKPOINT_SNAP_LIMIT_M);
    if (!snap) {
      const message = `no road within ${CHECKPOINT_SNAP_LIMIT_M} m`;
      throw new ProblemError('validation', RING_DETAILS.noRoadNearPoint, [
        { field: 'lon', rule: 'off_road', message },
        { field: 'lat', rule: 'off_road', message },
      ]);
    }
    const graph = city.graph;
    return {
      placement: {
        lon: snap.lon,
        lat: snap.lat,
        edge_from_osm: graph.nodeOsmId[graph.edgeTail[snap.edge]],
        edge_to_osm: graph.nodeOsmId[graph.edgeHead[snap.edge]],
      },
      snapDistanceM: Math.round(snap.distanceM * 10) / 10,
    };
  }

  /**
   * A checkpoint of `orgId` (in the actor's subtree; by default the actor's own org). Its id is the
   * bureau's own code: one taken inside the actor's subtree is a 409, one taken by an org outside
   * it a 403 (the id cannot be had, but nothing of that checkpoint is shown).
   */
  async createCheckpoint(input: CheckpointInput, actor: OrgScope) {
    if (input.orgId) await assertOrgInScope(this.db, actor, input.orgId, 'orgId');
    const city = await this.ctx.places.city(input.city);
    if (input.ringId) await this.checkRingInCity(input.ringId, city.id, actor);
    const { placement, snapDistanceM } = this.placeOnRoad(city, input.lon, input.lat);
    const row = await this.ctx.transact(async (trx, publish) => {
      const inserted = await store.insertCheckpoint(trx, {
        id: input.id,
        name: input.name.trim(),
        kind: input.kind,
        city_id: city.id,
        org_id: input.orgId ?? actor.orgId,
        ring_id: input.ringId ?? null,
        ...placement,
        directions: input.directions ?? 'both',
        equipment: input.equipment ?? [],
        staffing: input.staffing ?? 0,
      });
      if (inserted) await checkpointsChanged(publish, inserted.ring_id);
      return inserted;
    });
    if (!row) {
      if (!(await store.findCheckpoint(this.db, input.id, actor))) {
        throw new ProblemError('forbidden', RING_DETAILS.checkpointIdElsewhere(input.id), [
          { field: 'id', rule: 'unique', message: '' },
        ]);
      }
      throw new ProblemError('conflict', RING_DETAILS.checkpointExists(input.id), [
        { field: 'id', rule: 'unique', message: '' },
      ]);
    }
    return { ...presentCheckpoint(row), snapDistanceM };
  }

  /**
   * Checkpoints of the scope's subtree; those of one ring: every checkpoint of a ring the scope
   * sees (404 for another's ring), whichever org each belongs to, as its analysis counts them.
   */
  async checkpoints(filter: { ringId?: string; city?: string }, scope: OrgScope, ofRing = false) {
    const cityId = filter.city ? (await this.ctx.places.city(filter.city)).id : undefined;
    if (ofRing && filter.ringId) await ringOrNotFound(this.db, filter.ringId, scope);
    return (
      await store.listCheckpoints(this.db, { ringId: filter.ringId, cityId }, ofRing ? null : scope)
    ).map(presentCheckpoint);
  }

  /** A checkpoint of the scope's subtree (else 404); null: any (other modules that check scope themselves). */
  async checkpoint(id: string, scope: OrgScope | null = null) {
    const row = await store.findCheckpoint(this.db, id, scope);
    if (!row) throw checkpointNotFound();
    return presentCheckpoint(row);
  }

  /** A checkpoint of the actor's subtree (else 404); a new org must lie in that subtree too. */
  async updateCheckpoint(id: string, changes: CheckpointChanges, actor: OrgScope) {
    const current = await store.findCheckpoint(this.db, id, actor);
    if (!current) throw checkpointNotFound();
    if (changes.orgId === null) {
      throw new ProblemError('validation', undefined, [{ field: 'orgId', rule: 'required', message: '' }]);
    }
    if (changes.orgId !== undefined) await assertOrgInScope(this.db, actor, changes.orgId, 'orgId');
    const moves = changes.lon !== undefined || changes.lat !== undefined;
    const needsCity = moves || (changes.ringId !== undefined && changes.ringId !== null);
    let city: CityRuntime | undefined;
    if (needsCity) {
      if (!current.city_id) {
        throw new ProblemError('validation', undefined, [
          { field: 'lon', rule: 'no_city', message: 'the checkpoint belongs to no city' },
        ]);
      }
      const name = await store.cityName(this.db, current.city_id);
      city = await this.ctx.places.city(name?.name);
    }
    if (city && changes.ringId) await this.checkRingInCity(changes.ringId, city.id, actor);
    let placement: ReturnType<RingRegistry['placeOnRoad']>['placement'] | undefined;
    if (moves && city) {
      const lon = changes.lon ?? current.lon;
      const lat = changes.lat ?? current.lat;
      if (lon === null || lat === null) {
        throw new ProblemError('validation', undefined, [
          { field: lon === null ? 'lon' : 'lat', rule: 'required', message: '' },
        ]);
      }
      placement = this.placeOnRoad(city, lon, lat).placement;
    }
    const set = {
      ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
      ...(changes.kind !== undefined ? { kind: changes.kind } : {}),
      ...(changes.orgId !== undefined ? { org_id: changes.orgId } : {}),
      ...(changes.ringId !== undefined ? { ring_id: changes.ringId } : {}),
      ...(changes.directions !== undefined ? { directions: changes.directions } : {}),
      ...(changes.equipment !== undefined ? { equipment: changes.equipment } : {}),
      ...(changes.staffing !== undefined ? { staffing: changes.staffing } : {}),
      ...(placement ?? {}),
    };
    const row = await this.ctx.transact(async (trx, publish) => {
      const updated = await store.updateCheckpoint(trx, id, set, actor);
      if (!updated) throw checkpointNotFound();
      await checkpointsChanged(publish, updated.ring_id);
      if (current.ring_id !== updated.ring_id && current.ring_id !== null)
        await checkpointsChanged(publish, current.ring_id);
      return updated;
    });
    return presentCheckpoint(row);
  }
}

/**
 * Tells every node that checkpoints changed (the plate ingest re-reads its checkpoint registry;
 * consoles showing the ring refresh): staged in the change's transaction (outbox), so a node dying
 * after the commit still tells the others.
 */
function checkpointsChanged(publish: StagePublish, ringId: string | null): Promise<void> {
  return publish('perimeter.checkpoints_changed', null, { ringId });
}
