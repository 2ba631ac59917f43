/**
 * SQL of patrol plans, their versions and check-ins, and the AVL history read for compliance.
 * Plain functions over a Queryable; reads of plans are scoped to the actor's org subtree in the
 * query (modules/scope.ts).
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type OrgScope, orgsUnder } from '../scope.js';
import type { PatrolPlanVersionsTable } from './plans-tables.js';

type Queryable = Kysely<Database> | Transaction<Database>;

const PLAN_COLUMNS = [
  'patrol_plans.id',
  'patrol_plans.org_id',
  'patrol_plans.city',
  'patrol_plans.name',
  'patrol_plans.version',
  'patrol_plans.shift_start',
  'patrol_plans.shift_end',
  'patrol_plans.created_at',
  'patrol_plans.updated_at',
] as const;

export function findPlan(db: Queryable, id: string, scope: OrgScope) {
  return db
    .selectFrom('patrol_plans')
    .select(PLAN_COLUMNS)
    .where('patrol_plans.id', '=', id)
    .where('patrol_plans.org_id', 'in', orgsUnder(db, scope))
    .executeTakeFirst();
}

export function lockPlan(trx: Transaction<Database>, id: string, scope: OrgScope) {
  return trx
    .selectFrom('patrol_plans')
    .select(PLAN_COLUMNS)
    .where('patrol_plans.id', '=', id)
    .where('patrol_plans.org_id', 'in', orgsUnder(trx, scope))
    .forUpdate()
    .executeTakeFirst();
}

export function listPlans(db: Queryable, city: string, scope: OrgScope) {
  return db
    .selectFrom('patrol_plans')
    .innerJoin('patrol_plan_versions as v', (j) =>
      j.onRef('v.plan_id', '=', 'patrol_plans.id').onRef('v.version', '=', 'patrol_plans.version'),
    )
    .select([...PLAN_COLUMNS, 'v.body'])
    .where('patrol_plans.city', '=', city)
    .where('patrol_plans.org_id', 'in', orgsUnder(db, scope))
    .orderBy('patrol_plans.shift_start', 'desc')
    .limit(200)
    .execute();
}

export function findVersion(db: Queryable, planId: string, version: number) {
  return db
    .selectFrom('patrol_plan_versions')
    .select(['plan_id', 'version', 'body', 'schedule', 'unit_ids', 'created_at', 'created_by', 'note'])
    .where('plan_id', '=', planId)
    .where('version', '=', version)
    .executeTakeFirst();
}

export function listVersions(db: Queryable, planId: string) {
  return db
    .selectFrom('patrol_plan_versions')
    .select(['version', 'created_at', 'created_by', 'note'])
    .where('plan_id', '=', planId)
    .orderBy('version', 'desc')
    .execute();
}

export async function insertPlan(
  trx: Transaction<Database>,
  plan: { id: string; orgId: string; city: string; name: string; start: Date; end: Date; at: Date },
): Promise<void> {
  await trx
    .insertInto('patrol_plans')
    .values({
      id: plan.id,
      org_id: plan.orgId,
      city: plan.city,
      name: plan.name,
      version: 0,
      shift_start: plan.start,
      shift_end: plan.end,
      created_at: plan.at,
      updated_at: plan.at,
    })
    .execute();
}

export interface VersionRow {
  planId: string;
  version: number;
  body: unknown;
  schedule: unknown;
  unitIds: string[];
  at: Date;
  by: string | null;
  note: string | null;
}

export async function insertVersion(
  trx: Transaction<Database>,
  row: VersionRow,
  plan: { name: string; start: Date; end: Date },
): Promise<void> {
  const values: import('kysely').Insertable<PatrolPlanVersionsTable> = {
    plan_id: row.planId,
    version: row.version,
    body: JSON.stringify(row.body),
    schedule: JSON.stringify(row.schedule),
    unit_ids: row.unitIds,
    created_at: row.at,
    created_by: row.by,
    note: row.note,
  };
  await trx.insertInto('patrol_plan_versions').values(values).execute();
  await trx
    .updateTable('patrol_plans')
    .set({
      version: row.version,
      name: plan.name,
      shift_start: plan.start,
      shift_end: plan.end,
      updated_at: row.at,
    })
    .where('id', '=', row.planId)
    .execute();
}

/** The open sign-on of a person (not lapsed), with the unit's id. */
export function openSignOn(db: Queryable, userId: string, since: Date) {
  return db
    .selectFrom('unit_sign_ons')
    .select(['unit_id', 'signed_on_at'])
    .where('user_id', '=', userId)
    .where('signed_off_at', 'is', null)
    .where('signed_on_at', '>', since)
    .executeTakeFirst();
}

/** The current version of the plan whose shift holds `at` and that assigns the unit (latest shift first). */
export function planOfUnitAt(db: Queryable, unitId: string, at: Date) {
  return db
    .selectFrom('patrol_plans')
    .innerJoin('patrol_plan_versions as v', (j) =>
      j.onRef('v.plan_id', '=', 'patrol_plans.id').onRef('v.version', '=', 'patrol_plans.version'),
    )
    .select(['patrol_plans.id', 'patrol_plans.version'])
    .where('patrol_plans.shift_start', '<=', at)
    .where('patrol_plans.shift_end', '>', at)
    .where(sql<boolean>`${unitId} = any(v.unit_ids)`)
    .orderBy('patrol_plans.shift_start', 'desc')
    .executeTakeFirst();
}

/** Units by id with their home org, for the assignment scope check. */
export function unitsWithOrg(db: Queryable, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('units').select(['id', 'home_org_id', 'call_sign']).where('id', 'in', ids).execute();
}

export function insertCheckIn(db: Queryable, row: import('kysely').Insertable<Database['patrol_check_ins']>) {
  return db.insertInto('patrol_check_ins').values(row).execute();
}

export function checkIns(db: Queryable, planId: string, unitId?: string) {
  let q = db
    .selectFrom('patrol_check_ins')
    .select(['id', 'unit_id', 'target_key', 'at', 'accepted'])
    .where('plan_id', '=', planId);
  if (unitId) q = q.where('unit_id', '=', unitId);
  return q.orderBy('at').execute();
}

/** AVL history of the units in [from, to), ordered by unit then time (dispatch's unit_positions). */
export function positions(db: Queryable, unitIds: string[], from: Date, to: Date) {
  return db
    .selectFrom('unit_positions')
    .select(['unit_id', 'at', 'lon', 'lat'])
    .where('unit_id', 'in', unitIds)
    .where('at', '>=', from)
    .where('at', '<', to)
    .orderBy('unit_id')
    .orderBy('at')
    .execute();
}

/** Jurisdictions of the city held by the actor's org subtree (for zones from station areas). */
export function jurisdictionsInScope(db: Queryable, city: string, scope: OrgScope) {
  return db
    .selectFrom('jurisdictions')
    .innerJoin('cities', 'cities.id', 'jurisdictions.city_id')
    .select(['jurisdictions.id', 'jurisdictions.name', 'jurisdictions.org_id', 'jurisdictions.geometry'])
    .where('cities.name', '=', city)
    .where('jurisdictions.org_id', 'in', orgsUnder(db, scope))
    .orderBy('jurisdictions.name')
    .execute();
}
