/**
 * What the ring services share: the stored rows as the API presents them, a ring looked up or a
 * 404, the city a ring lies in, and a ring's polygon issues as a 400.
 */
import type { RingGeometry, RingIssue } from '@citywatch/core/perimeter/ring';
import { ProblemError } from '../../../http/problem.js';
import type { Deps } from '../../module.js';
import type { CityRuntime } from '../../roads/registry.js';
import type { OrgScope } from '../../scope.js';
import { RING_DETAILS } from '../messages.js';
import * as store from './store.js';

export type RingRow = NonNullable<Awaited<ReturnType<typeof store.findRing>>>;
export type CheckpointRow = store.CheckpointRecord;

/** What the ring services get from the module's deps. */
export type RingDeps = Pick<
  Deps<'places' | 'dispatch' | 'workers' | 'cap' | 'eta'>,
  'db' | 'now' | 'publish' | 'transact' | 'places' | 'dispatch' | 'workers' | 'cap' | 'eta'
>;

export const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
export const finiteOrNull = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);

export function presentRing(r: RingRow) {
  return {
    id: r.id,
    cityId: r.city_id,
    orgId: r.org_id,
    name: r.name,
    level: r.level,
    geometry: r.geometry as RingGeometry,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export function presentCheckpoint(c: CheckpointRow) {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    cityId: c.city_id,
    orgId: c.org_id,
    ringId: c.ring_id,
    lon: c.lon,
    lat: c.lat,
    segment:
      c.edge_from_osm !== null && c.edge_to_osm !== null
        ? { fromOsmNode: Number(c.edge_from_osm), toOsmNode: Number(c.edge_to_osm) }
        : null,
    directions: c.directions,
    equipment: c.equipment,
    staffing: c.staffing,
    createdAt: iso(c.created_at),
  };
}

export function ringIssuesToProblem(issues: readonly RingIssue[]): ProblemError {
  return new ProblemError(
    'validation',
    RING_DETAILS.ringUnusable,
    issues.map((i) => ({ field: i.field, rule: i.rule, message: i.message })),
  );
}

/** The ring if it belongs to the scope's subtree (null: any ring), or 404. */
export async function ringOrNotFound(
  db: store.Queryable,
  id: string,
  scope: OrgScope | null,
): Promise<RingRow> {
  const ring = await store.findRing(db, id, scope);
  if (!ring) throw new ProblemError('not_found', RING_DETAILS.noSuchRing);
  return ring;
}

/** The loaded city a ring lies in. */
export async function cityOfRing(ctx: Pick<RingDeps, 'db' | 'places'>, ring: RingRow): Promise<CityRuntime> {
  const row = await store.cityName(ctx.db.kysely, ring.city_id);
  if (!row) throw new ProblemError('not_found', RING_DETAILS.noSuchCity);
  return ctx.places.city(row.name);
}
