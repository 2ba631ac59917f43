import type { ActiveHotlistEntry } from '@citywatch/core/perimeter/hotlist';
import { type Insertable, type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type OrgScope, orgsUnder } from '../scope.js';
import type {
  CheckpointsTable,
  CheckpointVolumesTable,
  HotlistEntriesTable,
  HotlistHitsTable,
} from './tables.js';

export type HotlistEntryRow = Selectable<HotlistEntriesTable>;
export type CheckpointRow = Selectable<CheckpointsTable>;
type Queryable = Kysely<Database> | Transaction<Database>;

/** One entry (unscoped: the matcher's own refresh). */
export function findEntry(db: Queryable, id: string): Promise<HotlistEntryRow | undefined> {
  return db.selectFrom('hotlist_entries').selectAll().where('id', '=', id).executeTakeFirst();
}

/** An entry of the scope's subtree, locked until the transaction ends. */
export function findEntryForUpdate(
  trx: Transaction<Database>,
  id: string,
  scope: OrgScope,
): Promise<HotlistEntryRow | undefined> {
  return trx
    .selectFrom('hotlist_entries')
    .selectAll()
    .where('id', '=', id)
    .where('org_id', 'in', orgsUnder(trx, scope))
    .forUpdate()
    .executeTakeFirst();
}

export async function insertEntry(
  trx: Transaction<Database>,
  row: Omit<
    HotlistEntryRow,
    'renewals' | 'approved_by' | 'approved_at' | 'revoked_by' | 'revoked_at' | 'revoke_reason'
  >,
): Promise<HotlistEntryRow> {
  return trx.insertInto('hotlist_entries').values(row).returningAll().executeTakeFirstOrThrow();
}

export function updateEntry(
  trx: Transaction<Database>,
  id: string,
  changes: Partial<Omit<HotlistEntryRow, 'id' | 'created_by' | 'created_at'>>,
): Promise<HotlistEntryRow> {
  return trx
    .updateTable('hotlist_entries')
    .set(changes)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Entries of the scope's subtree, newest first. */
export function listEntries(
  db: Queryable,
  filter: {
    status?: HotlistEntryRow['status'];
    kind?: HotlistEntryRow['kind'];
    limit: number;
    offset: number;
  },
  scope: OrgScope,
): Promise<HotlistEntryRow[]> {
  let q = db.selectFrom('hotlist_entries').selectAll().where('org_id', 'in', orgsUnder(db, scope));
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.kind) q = q.where('kind', '=', filter.kind);
  return q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit)
    .offset(filter.offset)
    .execute();
}

/** Every approved, unexpired entry, in the shape the in-memory matcher holds. */
export async function loadActiveEntries(db: Queryable, now: Date): Promise<ActiveHotlistEntry[]> {
  const rows = await db
    .selectFrom('hotlist_entries')
    .select(['id', 'kind', 'value', 'category', 'approved_at', 'expires_at', 'org_id'])
    .where('status', '=', 'active')
    .where('expires_at', '>', now)
    .execute();
  return rows.map(toActiveEntry);
}

export function toActiveEntry(
  r: Pick<HotlistEntryRow, 'id' | 'kind' | 'value' | 'category' | 'approved_at' | 'expires_at' | 'org_id'>,
): ActiveHotlistEntry {
  return {
    id: r.id,
    orgId: r.org_id,
    kind: r.kind,
    value: r.value,
    category: r.category,
    activeFromMs: new Date(r.approved_at ?? r.expires_at).getTime(),
    expiresAtMs: new Date(r.expires_at).getTime(),
  };
}

export function listCheckpoints(db: Queryable): Promise<CheckpointRow[]> {
  return db.selectFrom('checkpoints').selectAll().orderBy('id').execute();
}

export async function insertHits(
  trx: Transaction<Database>,
  rows: Insertable<HotlistHitsTable>[],
): Promise<void> {
  if (rows.length > 0) await trx.insertInto('hotlist_hits').values(rows).execute();
}

/**
 * The ids of the hits a scope may see: a hit belongs to the org of the checkpoint it happened at,
 * and is seen as well by the org of the entry it matched (who asked for the vehicle or person).
 */
function hitsSeenBy(db: Queryable, scope: OrgScope) {
  return db
    .selectFrom('hotlist_hits as h')
    .leftJoin('checkpoints as c', 'c.id', 'h.checkpoint_id')
    .innerJoin('hotlist_entries as e', 'e.id', 'h.entry_id')
    .select('h.id')
    .where((eb) =>
      eb.or([eb('c.org_id', 'in', orgsUnder(db, scope)), eb('e.org_id', 'in', orgsUnder(db, scope))]),
    );
}

/** A hit with the kind of value it holds (its entry's: plate or resident ID). */
export type HitRow = Selectable<HotlistHitsTable> & { kind: 'plate' | 'resident_id' };

/** Hits the scope may see (see hitsSeenBy), newest first. */
export function listHits(
  db: Queryable,
  filter: { checkpointId?: string; since?: Date; limit: number },
  scope: OrgScope,
): Promise<HitRow[]> {
  let q = db
    .selectFrom('hotlist_hits as h')
    .innerJoin('hotlist_entries as e', 'e.id', 'h.entry_id')
    .selectAll('h')
    .select('e.kind')
    .where('h.id', 'in', hitsSeenBy(db, scope));
  if (filter.checkpointId) q = q.where('h.checkpoint_id', '=', filter.checkpointId);
  if (filter.since) q = q.where('h.read_at', '>=', filter.since);
  return q.orderBy('h.read_at', 'desc').orderBy('h.id', 'desc').limit(filter.limit).execute();
}

/**
 * Removes the plate or resident ID of hits read before `before` (the hit row stays, so counts and
 * actions remain); returns how many were removed.
 */
export async function purgeHitValues(db: Queryable, before: Date, now: Date): Promise<number> {
  const r = await db
    .updateTable('hotlist_hits')
    .set({ plate_or_id: null, value_purged_at: now })
    .where('plate_or_id', 'is not', null)
    .where('read_at', '<', before)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Records what was done about a hit the scope may see, and who did it; false when there is no such hit. */
export async function recordHitAction(
  db: Queryable,
  id: string,
  action: { action: string; by: string; at: Date },
  scope: OrgScope,
): Promise<boolean> {
  const r = await db
    .updateTable('hotlist_hits')
    .set({ action_taken: action.action, acknowledged_by: action.by, acknowledged_at: action.at })
    .where('id', '=', id)
    .where('id', 'in', hitsSeenBy(db, scope))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export type VolumeIncrement = Pick<
  Selectable<CheckpointVolumesTable>,
  'checkpoint_id' | 'direction' | 'reads' | 'hits' | 'invalid'
> & { hour: Date };

/** Adds counts to the hourly rows (creating them), in one statement. */
export async function addVolumes(db: Queryable, increments: VolumeIncrement[]): Promise<void> {
  if (increments.length === 0) return;
  await db
    .insertInto('checkpoint_volumes')
    .values(increments)
    .onConflict((oc) =>
      oc.columns(['checkpoint_id', 'direction', 'hour']).doUpdateSet({
        reads: sql<number>`checkpoint_volumes.reads + excluded.reads`,
        hits: sql<number>`checkpoint_volumes.hits + excluded.hits`,
        invalid: sql<number>`checkpoint_volumes.invalid + excluded.invalid`,
      }),
    )
    .execute();
}

/** Hourly volumes of the checkpoints of the scope's subtree. */
export function listVolumes(
  db: Queryable,
  filter: { checkpointId?: string; from: Date; to: Date },
  scope: OrgScope,
): Promise<Selectable<CheckpointVolumesTable>[]> {
  let q = db
    .selectFrom('checkpoint_volumes')
    .selectAll()
    .where(
      'checkpoint_id',
      'in',
      db.selectFrom('checkpoints').select('id').where('org_id', 'in', orgsUnder(db, scope)),
    )
    .where('hour', '>=', filter.from)
    .where('hour', '<', filter.to);
  if (filter.checkpointId) q = q.where('checkpoint_id', '=', filter.checkpointId);
  return q.orderBy('hour').orderBy('checkpoint_id').orderBy('direction').limit(10_000).execute();
}

/**
 * Proof of hit/no-hit: counts, over every text-like column of every table in the schema, the rows
 * containing any of the given strings. Used by tests and the benchmark with plates that hit nothing;
 * the answer must be 0. The values are read out column by column and searched here (a substring
 * index over the needles), since `like any` with thousands of patterns is far too slow in SQL.
 */
export async function countRowsContaining(db: Kysely<Database>, needles: string[]): Promise<number> {
  const wanted = new Set(needles.filter((n) => n.length > 0));
  if (wanted.size === 0) return 0;
  const lengths = [...new Set([...wanted].map((n) => n.length))];
  const firstChars = new Set([...wanted].map((n) => n[0]));
  const contains = (text: string): boolean => {
    for (let i = 0; i < text.length; i++) {
      if (!firstChars.has(text[i])) continue;
      for (const len of lengths) if (wanted.has(text.substr(i, len))) return true;
    }
    return false;
  };
  const columns = await sql<{ table_name: string; column_name: string }>`
    select c.table_name, c.column_name
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema()
      and t.table_type = 'BASE TABLE'
      and (c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY')
           or c.udt_name in ('text', 'varchar', 'bpchar', 'json', 'jsonb', '_text', '_varchar'))
    order by c.table_name, c.column_name`.execute(db);
  let total = 0;
  for (const { table_name, column_name } of columns.rows) {
    const result = await sql<{ v: string }>`
      select ${sql.ref(column_name)}::text as v from ${sql.table(table_name)}
      where ${sql.ref(column_name)} is not null`.execute(db);
    for (const row of result.rows) if (contains(row.v)) total++;
  }
  return total;
}
