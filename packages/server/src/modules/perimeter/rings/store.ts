/**
 * SQL for rings, placed checkpoints and closure plans. No decisions here (service.ts decides);
 * every query selects the columns it needs.
 */
import type { Insertable, Kysely, Transaction, Updateable } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type {
  CheckpointPlacementColumns,
  CheckpointsTable,
  ClosureAssignmentsTable,
  ClosurePlansTable,
  RingsTable,
} from '../tables.js';

type Queryable = Kysely<Database> | Transaction<Database>;

const RING_COLUMNS = ['id', 'city_id', 'name', 'level', 'geometry', 'created_at', 'updated_at'] as const;

export function listRings(db: Queryable, cityId?: string) {
  let q = db.selectFrom('rings').select(RING_COLUMNS);
  if (cityId) q = q.where('city_id', '=', cityId);
  return q.orderBy('name').orderBy('id').execute();
}

export function findRing(db: Queryable, id: string) {
  return db.selectFrom('rings').select(RING_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export function insertRing(db: Queryable, row: Insertable<RingsTable>) {
  return db.insertInto('rings').values(row).returning(RING_COLUMNS).executeTakeFirstOrThrow();
}

export function updateRing(db: Queryable, id: string, changes: Updateable<RingsTable>) {
  return db.updateTable('rings').set(changes).where('id', '=', id).returning(RING_COLUMNS).executeTakeFirst();
}

export async function deleteRing(db: Queryable, id: string): Promise<boolean> {
  const r = await db.deleteFrom('rings').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

export function cityName(db: Queryable, cityId: string) {
  return db.selectFrom('cities').select('name').where('id', '=', cityId).executeTakeFirst();
}

const CHECKPOINT_COLUMNS = [
  'id',
  'name',
  'kind',
  'city_id',
  'org_id',
  'ring_id',
  'lon',
  'lat',
  'edge_from_osm',
  'edge_to_osm',
  'directions',
  'equipment',
  'staffing',
  'created_at',
] as const;

export function listCheckpoints(db: Queryable, filter: { ringId?: string; cityId?: string } = {}) {
  let q = db.selectFrom('checkpoints').select(CHECKPOINT_COLUMNS);
  if (filter.ringId) q = q.where('ring_id', '=', filter.ringId);
  if (filter.cityId) q = q.where('city_id', '=', filter.cityId);
  return q.orderBy('id').execute();
}

export type CheckpointRecord = Awaited<ReturnType<typeof listCheckpoints>>[number];

export function findCheckpoint(db: Queryable, id: string) {
  return db.selectFrom('checkpoints').select(CHECKPOINT_COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** Inserts unless the id is taken (then undefined). */
export function insertCheckpoint(
  db: Queryable,
  row: Insertable<CheckpointsTable> & Insertable<CheckpointPlacementColumns>,
) {
  return db
    .insertInto('checkpoints')
    .values(row)
    .onConflict((oc) => oc.column('id').doNothing())
    .returning(CHECKPOINT_COLUMNS)
    .executeTakeFirst();
}

export function updateCheckpoint(
  db: Queryable,
  id: string,
  changes: Updateable<CheckpointsTable> & Updateable<CheckpointPlacementColumns>,
) {
  return db
    .updateTable('checkpoints')
    .set(changes)
    .where('id', '=', id)
    .returning(CHECKPOINT_COLUMNS)
    .executeTakeFirst();
}

export function insertPlan(trx: Transaction<Database>, row: Insertable<ClosurePlansTable>) {
  return trx.insertInto('closure_plans').values(row).execute();
}

export function insertAssignments(trx: Transaction<Database>, rows: Insertable<ClosureAssignmentsTable>[]) {
  return rows.length > 0 ? trx.insertInto('closure_assignments').values(rows).execute() : Promise.resolve();
}

const PLAN_COLUMNS = [
  'id',
  'ring_id',
  'status',
  'reason',
  'activated_by',
  'activated_at',
  'expires_at',
  'ended_at',
  'ended_by',
] as const;

export function findPlan(db: Queryable, id: string) {
  return db.selectFrom('closure_plans').select(PLAN_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export function activePlanOfRing(db: Queryable, ringId: string) {
  return db
    .selectFrom('closure_plans')
    .select(PLAN_COLUMNS)
    .where('ring_id', '=', ringId)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

export function listPlans(db: Queryable, filter: { ringId?: string; status?: 'active' }) {
  let q = db.selectFrom('closure_plans').select(PLAN_COLUMNS);
  if (filter.ringId) q = q.where('ring_id', '=', filter.ringId);
  if (filter.status) q = q.where('status', '=', filter.status);
  return q.orderBy('activated_at', 'desc').limit(200).execute();
}

export function duePlans(db: Queryable, now: Date) {
  return db
    .selectFrom('closure_plans')
    .select(['id', 'ring_id', 'expires_at'])
    .where('status', '=', 'active')
    .where('expires_at', '<=', now)
    .execute();
}

/** Ends an active plan; false when it was no longer active (someone else ended it first). */
export async function closePlan(
  trx: Transaction<Database>,
  id: string,
  status: 'ended' | 'expired',
  at: Date,
  endedBy: string | null,
): Promise<boolean> {
  const r = await trx
    .updateTable('closure_plans')
    .set({ status, ended_at: at, ended_by: endedBy })
    .where('id', '=', id)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export function planAssignments(db: Queryable, planId: string) {
  return db
    .selectFrom('closure_assignments as a')
    .innerJoin('checkpoints as c', 'c.id', 'a.checkpoint_id')
    .leftJoin('units as u', 'u.id', 'a.unit_id')
    .select([
      'a.checkpoint_id',
      'a.unit_id',
      'a.eta_seconds',
      'a.status',
      'a.arrived_at',
      'c.name as checkpoint_name',
      'c.kind as checkpoint_kind',
      'c.lon as checkpoint_lon',
      'c.lat as checkpoint_lat',
      'u.call_sign',
      'u.last_lon',
      'u.last_lat',
      'u.status as unit_status',
    ])
    .where('a.plan_id', '=', planId)
    .orderBy('a.checkpoint_id')
    .execute();
}

/** Marks an assignment arrived unless it already is (returns whether this call did it). */
export async function markArrived(db: Queryable, planId: string, checkpointId: string, at: Date) {
  const r = await db
    .updateTable('closure_assignments')
    .set({ status: 'arrived', arrived_at: at })
    .where('plan_id', '=', planId)
    .where('checkpoint_id', '=', checkpointId)
    .where('status', '=', 'assigned')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
