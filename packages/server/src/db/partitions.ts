/**
 * Monthly range partitions of high-volume history tables (AVL fixes, …), on both back ends.
 *
 * A table partitioned by RANGE on its time column has one child per UTC calendar month, named
 * `<table>_pYYYY_MM` and covering [first instant of the month, first instant of the next), plus a
 * `<table>_default` partition so an insert never fails for lack of a month. Maintenance creates
 * the months around now ahead of time (moving any rows the default caught for them), and
 * retention drops whole months: dropping a partition costs nothing however many rows it holds,
 * where a DELETE rewrites and vacuums them. UTC months, not Asia/Shanghai ones: the boundaries
 * are then the same whatever the server's or session's time zone, and nothing reads by month.
 */
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: partition DDL serves any module's table.
type AnyDb = Kysely<any>;

export interface MonthlyPartition {
  name: string;
  /** First instant of the month (inclusive). */
  from: Date;
  /** First instant of the next month (exclusive). */
  to: Date;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function checkIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return name;
}

/** The first instant (UTC) of the month holding `at`, shifted by `months`. */
export function monthStart(at: Date, months = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + months, 1));
}

export function monthlyPartitionName(table: string, month: Date): string {
  const mm = String(month.getUTCMonth() + 1).padStart(2, '0');
  return `${checkIdentifier(table)}_p${month.getUTCFullYear()}_${mm}`;
}

export function defaultPartitionName(table: string): string {
  return `${checkIdentifier(table)}_default`;
}

/** The monthly partitions `table` has now (the default one left out), oldest first. */
export async function monthlyPartitions(db: AnyDb, table: string): Promise<MonthlyPartition[]> {
  const r = await sql<{ name: string }>`
    select c.relname as name
    from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    join pg_class p on p.oid = i.inhparent
    where p.relname = ${checkIdentifier(table)} and p.relnamespace = current_schema()::regnamespace`.execute(
    db,
  );
  const pattern = new RegExp(`^${table}_p(\\d{4})_(\\d{2})$`);
  const months: MonthlyPartition[] = [];
  for (const { name } of r.rows) {
    const match = pattern.exec(name);
    if (!match) continue;
    const from = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
    months.push({ name, from, to: monthStart(from, 1) });
  }
  return months.sort((a, b) => a.from.getTime() - b.from.getTime());
}

/**
 * Makes sure `table` has a partition for every month from the one holding `from` to the one
 * holding `to` (inclusive). Returns the names of the partitions created. Rows the default
 * partition holds for a new month move into it (PostgreSQL refuses to create a partition whose
 * rows sit in the default). Run by one node at a time (a migration, or an everyOnOneNode job).
 */
export async function ensureMonthlyPartitions(
  db: AnyDb,
  table: string,
  column: string,
  from: Date,
  to: Date,
): Promise<string[]> {
  checkIdentifier(column);
  const have = new Set((await monthlyPartitions(db, table)).map((p) => p.name));
  const created: string[] = [];
  for (let month = monthStart(from); month <= to; month = monthStart(month, 1)) {
    const name = monthlyPartitionName(table, month);
    if (have.has(name)) continue;
    await createMonth(db, table, column, name, month, monthStart(month, 1));
    created.push(name);
  }
  return created;
}

/**
 * Every table of this schema partitioned by RANGE on one column with a `<table>_default` partition
 * (this file's layout), found in the catalog: a module's new partitioned table needs no
 * registration here.
 */
export async function monthlyPartitionedTables(db: AnyDb): Promise<{ table: string; column: string }[]> {
  const r = await sql<{ table: string; column: string }>`
    select c.relname as table, a.attname as column
    from pg_partitioned_table pt
    join pg_class c on c.oid = pt.partrelid
    join pg_attribute a on a.attrelid = pt.partrelid and a.attnum = pt.partattrs[0]
    where pt.partstrat = 'r' and pt.partnatts = 1
      and c.relnamespace = current_schema()::regnamespace
      and exists (
        select 1 from pg_inherits i join pg_class d on d.oid = i.inhrelid
        where i.inhparent = pt.partrelid and d.relname = c.relname || '_default')
    order by c.relname`.execute(db);
  return r.rows;
}

/**
 * Creates the months from last month to `monthsAhead` ahead for every monthly-partitioned table,
 * so that rows keep landing in their month (and reads keep being pruned) however long the
 * platform runs. Returns the partitions created per table. An hourly job on one node (app.ts).
 */
export async function ensureMonthsAroundNow(
  db: AnyDb,
  now: Date,
  monthsAhead = 2,
): Promise<Record<string, string[]>> {
  const created: Record<string, string[]> = {};
  for (const { table, column } of await monthlyPartitionedTables(db)) {
    const made = await ensureMonthlyPartitions(
      db,
      table,
      column,
      monthStart(now, -1),
      monthStart(now, monthsAhead),
    );
    if (made.length > 0) created[table] = made;
  }
  return created;
}

async function createMonth(db: AnyDb, table: string, column: string, name: string, from: Date, to: Date) {
  const parent = sql.id(table);
  const child = sql.id(name);
  const fallback = sql.id(defaultPartitionName(table));
  const bounds = sql.raw(`from ('${from.toISOString()}') to ('${to.toISOString()}')`);
  await db.transaction().execute(async (trx) => {
    // Holds inserts off the default while its rows for this month move out (else the attach fails).
    await sql`lock table ${fallback} in share row exclusive mode`.execute(trx);
    const caught = await sql<{ n: string }>`
      select count(*)::text as n from ${fallback}
      where ${sql.id(column)} >= ${from} and ${sql.id(column)} < ${to}`.execute(trx);
    if (Number(caught.rows[0].n) === 0) {
      await sql`create table ${child} partition of ${parent} for values ${bounds}`.execute(trx);
    } else {
      await sql`create table ${child} (like ${parent} including defaults including constraints)`.execute(trx);
      await sql`insert into ${child} select * from ${fallback}
        where ${sql.id(column)} >= ${from} and ${sql.id(column)} < ${to}`.execute(trx);
      // A move, not a removal: an append-only table's own triggers (the audit log's) would refuse the
      // delete. They are off only inside this transaction, which holds the default locked meanwhile.
      await sql`alter table ${fallback} disable trigger user`.execute(trx);
      await sql`delete from ${fallback} where ${sql.id(column)} >= ${from} and ${sql.id(column)} < ${to}`.execute(
        trx,
      );
      await sql`alter table ${fallback} enable trigger user`.execute(trx);
      await sql`alter table ${parent} attach partition ${child} for values ${bounds}`.execute(trx);
    }
    await copyTruncateTriggers(trx, table, name);
  });
}

/**
 * PostgreSQL clones row triggers onto a new partition but not statement triggers: a TRUNCATE of the
 * partition itself would skip the parent's refusal (the audit log's). The parent's truncate
 * triggers are created on the partition too.
 */
async function copyTruncateTriggers(db: AnyDb, table: string, partition: string): Promise<void> {
  const triggers = await sql<{ name: string; fn: string }>`
    select t.tgname as name, t.tgfoid::regproc::text as fn
    from pg_trigger t
    where t.tgrelid = ${checkIdentifier(table)}::regclass and not t.tgisinternal and (t.tgtype & 32) <> 0`.execute(
    db,
  );
  for (const { name, fn } of triggers.rows) {
    await sql`create trigger ${sql.id(name)} before truncate on ${sql.id(partition)}
      for each statement execute function ${sql.raw(checkIdentifier(fn))}()`.execute(db);
  }
}

/**
 * Drops every monthly partition of `table` that ends at or before `before` (all its rows are
 * older). Returns the partitions dropped with the rows each held (counted first, for the audit).
 */
export async function dropMonthlyPartitionsBefore(
  db: AnyDb,
  table: string,
  before: Date,
): Promise<{ name: string; rows: number }[]> {
  const dropped: { name: string; rows: number }[] = [];
  for (const p of await monthlyPartitions(db, table)) {
    if (p.to.getTime() > before.getTime()) continue;
    const rows = await db.transaction().execute(async (trx) => {
      await sql`lock table ${sql.id(p.name)} in access exclusive mode`.execute(trx);
      const counted = await sql<{ n: string }>`select count(*)::text as n from ${sql.id(p.name)}`.execute(
        trx,
      );
      await sql`drop table ${sql.id(p.name)}`.execute(trx);
      return Number(counted.rows[0].n);
    });
    dropped.push({ name: p.name, rows });
  }
  return dropped;
}
