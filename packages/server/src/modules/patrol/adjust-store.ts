/**
 * SQL of smart adjustment (patrol_adjustments). Need to know in the queries: a scope reads and
 * decides the proposals of orgs in its subtree; city-level staff also those filed under no org.
 */
import {
  type Insertable,
  type Kysely,
  type Selectable,
  type SelectQueryBuilder,
  sql,
  type Transaction,
} from 'kysely';
import type { Database } from '../../db/schema.js';
import type { PatrolAdjustmentsTable } from './adjust-tables.js';
import type { OrgScope } from './store.js';

type Queryable = Kysely<Database> | Transaction<Database>;
export type AdjustmentRow = Selectable<PatrolAdjustmentsTable>;
export type NewAdjustment = Insertable<PatrolAdjustmentsTable>;

function inScope<O>(
  qb: SelectQueryBuilder<Database, 'patrol_adjustments', O>,
  db: Queryable,
  scope: OrgScope,
): SelectQueryBuilder<Database, 'patrol_adjustments', O> {
  const pattern = `${scope.orgPath.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const orgs = db.selectFrom('orgs').select('orgs.id').where('orgs.path', 'like', pattern);
  const cityLevel = scope.orgPath.split('/').filter(Boolean).length === 1;
  return qb.where((eb) =>
    cityLevel
      ? eb.or([eb('patrol_adjustments.org_id', 'in', orgs), eb('patrol_adjustments.org_id', 'is', null)])
      : eb('patrol_adjustments.org_id', 'in', orgs),
  );
}

export async function insertAdjustment(db: Queryable, row: NewAdjustment): Promise<void> {
  await db.insertInto('patrol_adjustments').values(row).execute();
}

/** Cells of the city proposed (in any org, whatever became of it) since `since`. */
export async function recentlyProposedCells(db: Queryable, city: string, since: Date): Promise<Set<string>> {
  const rows = await db
    .selectFrom('patrol_adjustments')
    .select('cell')
    .where('city', '=', city)
    .where('created_at', '>=', since)
    .execute();
  return new Set(rows.map((r) => r.cell));
}

export function listAdjustments(db: Queryable, city: string, scope: OrgScope, since: Date) {
  return inScope(
    db.selectFrom('patrol_adjustments').selectAll().where('city', '=', city).where('created_at', '>=', since),
    db,
    scope,
  )
    .orderBy('created_at', 'desc')
    .orderBy('p_value')
    .limit(200)
    .execute();
}

export function findAdjustment(db: Queryable, id: string, scope: OrgScope) {
  return inScope(db.selectFrom('patrol_adjustments').selectAll().where('id', '=', id), db, scope)
    .forUpdate()
    .executeTakeFirst();
}

export async function decideAdjustment(
  trx: Transaction<Database>,
  id: string,
  changes: Pick<
    NewAdjustment,
    'status' | 'decided_at' | 'decided_by' | 'note' | 'plan_id' | 'plan_version' | 'plan_note'
  >,
): Promise<boolean> {
  const r = await trx
    .updateTable('patrol_adjustments')
    .set(changes)
    .where('id', '=', id)
    .where('status', '=', 'proposed')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Display names of users, for who decided. */
export async function userNames(db: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('users')
    .select(['id', sql<string>`display_name`.as('name')])
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}
