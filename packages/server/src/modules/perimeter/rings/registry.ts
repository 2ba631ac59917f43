/**
 * Rings (圈层) and checkpoints: a ring is a polygon on a city's roads; a checkpoint is placed on
 * the road segment nearest where it was clicked and may belong to a ring. A checkpoint created or
 * changed (or detached by its ring's deletion) is announced as `perimeter.checkpoints_changed`.
 */
import { type RingGeometry, type RingLevel, ringLimitIssues } from '@citywatch/core/perimeter/ring';
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../../db/schema.js';
import { ProblemError } from '../../../http/problem.js';
import type { CityRuntime } from '../../roads/registry.js';
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

export interface RingInput {
  city?: string;
  name: string;
  level: RingLevel;
  geometry: unknown;
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

/** A Feature is accepted for convenience (files drawn in QGIS/geojson.io are Features). */
function unwrapGeometry(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Feature') {
    return (value as { geometry?: unknown }).geometry;
  }
  return value;
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
   * Size limits at once; then structure, self-intersection and "is there any road inside" on the
   * ring's city, on a worker thread.
   */
  private async checkGeometry(city: CityRuntime, input: unknown): Promise<RingGeometry> {
    const geometry = unwrapGeometry(input);
    const limits = ringLimitIssues(geometry);
    if (limits.length > 0) throw ringIssuesToProblem(limits);
    const { issues, insideNodes } = await this.ctx.workers.run('ring.check', { geometry }, { city });
    if (issues.length > 0) throw ringIssuesToProblem(issues);
    const ring = geometry as RingGeometry;
    if (insideNodes === 0) {
      throw ringIssuesToProblem([
        {
          field: 'geometry',
          rule: 'no_road_inside',
          message: `no drivable road of ${city.name} lies inside the ring`,
        },
      ]);
    }
    return ring;
  }

  async createRing(input: RingInput) {
    const city = await this.ctx.places.city(input.city);
    const geometry = await this.checkGeometry(city, input.geometry);
    const now = this.ctx.now();
    const row = await store.insertRing(this.db, {
      id: uuidv7(),
      city_id: city.id,
      name: input.name.trim(),
      level: input.level,
      geometry: JSON.stringify(geometry),
      created_at: now,
      updated_at: now,
    });
    return presentRing(row);
  }

  async rings(cityName?: string) {
    const cityId = cityName ? (await this.ctx.places.city(cityName)).id : undefined;
    return (await store.listRings(this.db, cityId)).map(presentRing);
  }

  async ring(id: string) {
    return presentRing(await ringOrNotFound(this.db, id));
  }

  async updateRing(id: string, changes: Partial<Omit<RingInput, 'city'>>) {
    const ring = await ringOrNotFound(this.db, id);
    const geometry =
      changes.geometry === undefined
        ? undefined
        : JSON.stringify(await this.checkGeometry(await cityOfRing(this.ctx, ring), changes.geometry));
    const row = await store.updateRing(this.db, id, {
      ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
      ...(changes.level !== undefined ? { level: changes.level } : {}),
      ...(geometry !== undefined ? { geometry } : {}),
      updated_at: this.ctx.now(),
    });
    if (!row) throw new ProblemError('not_found', RING_DETAILS.noSuchRing);
    return presentRing(row);
  }

  /** Refused while a closure plan holds the ring; its checkpoints stay, detached from it. */
  async deleteRing(id: string): Promise<void> {
    await this.plans.expireDuePlans();
    await ringOrNotFound(this.db, id);
    if (await this.plans.hasActivePlan(id)) {
      throw new ProblemError('conflict', RING_DETAILS.ringHasActivePlan, [
        { field: 'id', rule: 'plan_active', message: '' },
      ]);
    }
    await store.deleteRing(this.db, id);
    // Its checkpoints stay, now in no ring.
    this.checkpointsChanged(id);
  }

  // ---- checkpoints

  /**
   * Tells every node that checkpoints changed (the plate ingest re-reads its checkpoint registry;
   * consoles showing the ring refresh).
   */
  private checkpointsChanged(ringId: string | null): void {
    this.ctx.publish('perimeter.checkpoints_changed', null, { ringId });
  }

  private async checkRingInCity(ringId: string, cityId: string): Promise<void> {
    const ring = await store.findRing(this.db, ringId);
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

  async createCheckpoint(input: CheckpointInput) {
    const city = await this.ctx.places.city(input.city);
    if (input.ringId) await this.checkRingInCity(input.ringId, city.id);
    const { placement, snapDistanceM } = this.placeOnRoad(city, input.lon, input.lat);
    const row = await store.insertCheckpoint(this.db, {
      id: input.id,
      name: input.name.trim(),
      kind: input.kind,
      city_id: city.id,
      org_id: input.orgId ?? null,
      ring_id: input.ringId ?? null,
      ...placement,
      directions: input.directions ?? 'both',
      equipment: input.equipment ?? [],
      staffing: input.staffing ?? 0,
    });
    if (!row) {
      throw new ProblemError('conflict', RING_DETAILS.checkpointExists(input.id), [
        { field: 'id', rule: 'unique', message: '' },
      ]);
    }
    this.checkpointsChanged(row.ring_id);
    return { ...presentCheckpoint(row), snapDistanceM };
  }

  async checkpoints(filter: { ringId?: string; city?: string }) {
    const cityId = filter.city ? (await this.ctx.places.city(filter.city)).id : undefined;
    return (await store.listCheckpoints(this.db, { ringId: filter.ringId, cityId })).map(presentCheckpoint);
  }

  async checkpoint(id: string) {
    const row = await store.findCheckpoint(this.db, id);
    if (!row) throw checkpointNotFound();
    return presentCheckpoint(row);
  }

  async updateCheckpoint(id: string, changes: CheckpointChanges) {
    const current = await store.findCheckpoint(this.db, id);
    if (!current) throw checkpointNotFound();
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
    if (city && changes.ringId) await this.checkRingInCity(changes.ringId, city.id);
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
    const row = await store.updateCheckpoint(this.db, id, {
      ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
      ...(changes.kind !== undefined ? { kind: changes.kind } : {}),
      ...(changes.orgId !== undefined ? { org_id: changes.orgId } : {}),
      ...(changes.ringId !== undefined ? { ring_id: changes.ringId } : {}),
      ...(changes.directions !== undefined ? { directions: changes.directions } : {}),
      ...(changes.equipment !== undefined ? { equipment: changes.equipment } : {}),
      ...(changes.staffing !== undefined ? { staffing: changes.staffing } : {}),
      ...(placement ?? {}),
    });
    if (!row) throw checkpointNotFound();
    this.checkpointsChanged(row.ring_id);
    if (current.ring_id !== row.ring_id && current.ring_id !== null) this.checkpointsChanged(current.ring_id);
    return presentCheckpoint(row);
  }
}
