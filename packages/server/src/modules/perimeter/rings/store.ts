/**
 * SQL for rings and their checkpoints placed on road segments. No decisions here (the services
 * decide); every query selects the columns it needs.
 */
import type { Insertable, Kysely, Transaction, Updateable } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { type OrgScope, orgsUnder } from '../../scope.js';
import type { CheckpointPlacementColumns, CheckpointsTable, RingsTable } from '../tables.js';

export type Queryable = Kysely<Database> | Transaction<Database>;

/*
 * Need to know: a ring belongs to the org of the commander who drew it, a checkpoint to its org.
 * Queries taking a scope match only rows of orgs in its subtree; a null scope is the module's own
 * unscoped work (a ring's own checkpoints for its analysis and plans, plan expiry).
 */

const RING_COLUMNS = [
  'id',
  'city_id',
  'org_id',
  'name',
  'level',
  'geometry',
  'created_at',
  'updated_at',
] as const;

export function listRings(db: Queryable, scope: OrgScope, cityId?: string) {
  let q = db.selectFrom('rings').select(RING_COLUMNS).where('org_id', 'in', orgsUnder(db, scope));
  if (cityId) q = q.where('city_id', '=', cityId);
  return q.orderBy('name').orderBy('id').execute();
}

export function findRing(db: Queryable, id: string, scope: OrgScope | null) {
  let q = db.selectFrom('rings').select(RING_COLUMNS).where('id', '=', id);
  if (scope) q = q.where('org_id', 'in', orgsUnder(db, scope));
  return q.executeTakeFirst();
}

export function insertRing(db: Queryable, row: Insertable<RingsTable>) {
  return db.insertInto('rings').values(row).returning(RING_COLUMNS).executeTakeFirstOrThrow();
}

export function updateRing(db: Queryable, id: string, changes: Updateable<RingsTable>, scope: OrgScope) {
  return db
    .updateTable('rings')
    .set(changes)
    .where('id', '=', id)
    .where('org_id', 'in', orgsUnder(db, scope))
    .returning(RING_COLUMNS)
    .executeTakeFirst();
}

export async function deleteRing(db: Queryable, id: string, scope: OrgScope): Promise<boolean> {
  const r = await db
    .deleteFrom('rings')
    .where('id', '=', id)
    .where('org_id', 'in', orgsUnder(db, scope))
    .executeTakeFirst();
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

export function listCheckpoints(
  db: Queryable,
  filter: { ringId?: string; cityId?: string },
  scope: OrgScope | null,
) {
  let q = db.selectFrom('checkpoints').select(CHECKPOINT_COLUMNS);
  if (scope) q = q.where('org_id', 'in', orgsUnder(db, scope));
  if (filter.ringId) q = q.where('ring_id', '=', filter.ringId);
  if (filter.cityId) q = q.where('city_id', '=', filter.cityId);
  return q.orderBy('id').execute();
}

export type CheckpointRecord = Awaited<ReturnType<typeof listCheckpoints>>[number];

export function findCheckpoint(db: Queryable, id: string, scope: OrgScope | null) {
  let q = db.selectFrom('checkpoints').select(CHECKPOINT_COLUMNS).where('id', '=', id);
  if (scope) q = q.where('org_id', 'in', orgsUnder(db, scope));
  return q.executeTakeFirst();
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
  scope: OrgScope,
) {
  return db
    .updateTable('checkpoints')
    .set(changes)
    .where('id', '=', id)
    .where('org_id', 'in', orgsUnder(db, scope))
    .returning(CHECKPOINT_COLUMNS)
    .executeTakeFirst();
}
