/**
 * SQL for closure plans and their assignments (a unit, or none, per checkpoint of the ring). No
 * decisions here (plans.ts decides); every query selects the columns it needs. Units are read
 * through the dispatch service, which owns them.
 */
import type { Insertable, Transaction } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { type OrgScope, orgsUnder } from '../../scope.js';
import type { ClosureAssignmentsTable, ClosurePlansTable } from '../tables.js';
import type { Queryable } from './store.js';

export function insertPlan(trx: Transaction<Database>, row: Insertable<ClosurePlansTable>) {
  return trx.insertInto('closure_plans').values(row).execute();
}

export function insertAssignments(trx: Transaction<Database>, rows: Insertable<ClosureAssignmentsTable>[]) {
  return rows.length > 0 ? trx.insertInto('closure_assignments').values(rows).execute() : Promise.resolve();
}

const PLAN_COLUMNS = [
  'id',
  'ring_id',
  'org_id',
  'status',
  'reason',
  'activated_by',
  'activated_at',
  'expires_at',
  'ended_at',
  'ended_by',
] as const;

/** A plan; with a scope, only one of an org in its subtree (a plan belongs to its ring's org). */
export function findPlan(db: Queryable, id: string, scope: OrgScope | null) {
  let q = db.selectFrom('closure_plans').select(PLAN_COLUMNS).where('id', '=', id);
  if (scope) q = q.where('org_id', 'in', orgsUnder(db, scope));
  return q.executeTakeFirst();
}

export function activePlanOfRing(db: Queryable, ringId: string) {
  return db
    .selectFrom('closure_plans')
    .select(PLAN_COLUMNS)
    .where('ring_id', '=', ringId)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

export function listPlans(db: Queryable, filter: { ringId?: string; status?: 'active' }, scope: OrgScope) {
  let q = db.selectFrom('closure_plans').select(PLAN_COLUMNS).where('org_id', 'in', orgsUnder(db, scope));
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

/**
 * Ends an active plan (of the scope's subtree; null: any, for expiry); false when it was no longer
 * active (someone else ended it first).
 */
export async function closePlan(
  trx: Transaction<Database>,
  id: string,
  status: 'ended' | 'expired',
  at: Date,
  endedBy: string | null,
  scope: OrgScope | null,
): Promise<boolean> {
  let q = trx
    .updateTable('closure_plans')
    .set({ status, ended_at: at, ended_by: endedBy })
    .where('id', '=', id)
    .where('status', '=', 'active');
  if (scope) q = q.where('org_id', 'in', orgsUnder(trx, scope));
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export function planAssignments(db: Queryable, planId: string) {
  return db
    .selectFrom('closure_assignments as a')
    .innerJoin('checkpoints as c', 'c.id', 'a.checkpoint_id')
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
      'c.edge_from_osm as checkpoint_edge_from_osm',
      'c.edge_to_osm as checkpoint_edge_to_osm',
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
