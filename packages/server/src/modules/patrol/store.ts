/**
 * The patrol module's SQL: incident history, imports and evaluations. Plain functions over a
 * Kysely handle or transaction, naming the columns they read. Need to know is applied in the
 * queries: a scope reads the rows of orgs in its subtree (`org_id in (orgs whose path starts with
 * the scope's)`); city-level staff also read rows filed under no org.
 */
import { type Kysely, type SelectQueryBuilder, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { PatrolIncidentsTable } from './tables.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/** Who reads, as far as need to know goes (an identity `Actor` is one). */
export interface OrgScope {
  orgId: string;
  orgPath: string;
}

function subtreePattern(scope: OrgScope): string {
  return `${scope.orgPath.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function cityLevel(scope: OrgScope): boolean {
  return scope.orgPath.split('/').filter(Boolean).length === 1;
}

/** A scope's need-to-know condition on patrol_incidents (null scope: everything, for the CLI). */
function scoped<O>(
  qb: SelectQueryBuilder<Database, 'patrol_incidents', O>,
  db: Queryable,
  scope: OrgScope | null,
): SelectQueryBuilder<Database, 'patrol_incidents', O> {
  if (!scope) return qb;
  const orgs = db.selectFrom('orgs').select('orgs.id').where('orgs.path', 'like', subtreePattern(scope));
  return qb.where((eb) =>
    cityLevel(scope)
      ? eb.or([eb('patrol_incidents.org_id', 'in', orgs), eb('patrol_incidents.org_id', 'is', null)])
      : eb('patrol_incidents.org_id', 'in', orgs),
  );
}

/** The root of the org tree (the city bureau), if there is an org tree. */
export async function rootOrgId(db: Queryable): Promise<string | null> {
  const row = await db
    .selectFrom('orgs')
    .select('id')
    .where('parent_id', 'is', null)
    .orderBy('path')
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}

/** The org each of the city's jurisdictions belongs to (jurisdictions without one left out). */
export async function jurisdictionOrgs(db: Queryable, city: string): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('jurisdictions')
    .innerJoin('cities', 'cities.id', 'jurisdictions.city_id')
    .select(['jurisdictions.id', 'jurisdictions.org_id'])
    .where('cities.name', '=', city)
    .execute();
  return new Map(rows.flatMap((r) => (r.org_id ? [[r.id, r.org_id] as const] : [])));
}

/** Whether the org lies in the scope's subtree. */
export async function orgInScope(db: Queryable, scope: OrgScope, orgId: string): Promise<boolean> {
  const row = await db
    .selectFrom('orgs')
    .select('id')
    .where('id', '=', orgId)
    .where('path', 'like', subtreePattern(scope))
    .executeTakeFirst();
  return row !== undefined;
}

/** The orgs of the scope's subtree (ids), for checking many rows at once. */
export async function orgsInScope(db: Queryable, scope: OrgScope): Promise<Set<string>> {
  const rows = await db
    .selectFrom('orgs')
    .select('id')
    .where('path', 'like', subtreePattern(scope))
    .execute();
  return new Set(rows.map((r) => r.id));
}

export interface ImportRow {
  id: string;
  city: string;
  file_name: string;
  format: string;
  tz: string;
  imported_at: Date;
  imported_by: string | null;
  rows_read: number;
  rows_imported: number;
  report: Record<string, unknown>;
}

export async function insertImport(db: Queryable, row: ImportRow): Promise<void> {
  await db
    .insertInto('patrol_imports')
    .values({ ...row, report: JSON.stringify(row.report) })
    .execute();
}

export async function finishImport(
  db: Queryable,
  id: string,
  rowsImported: number,
  report: Record<string, unknown>,
): Promise<void> {
  await db
    .updateTable('patrol_imports')
    .set({ rows_imported: rowsImported, report: JSON.stringify(report) })
    .where('id', '=', id)
    .execute();
}

export type IncidentRow = Omit<PatrolIncidentsTable, 'occurred_at'> & { occurred_at: Date };

/**
 * Inserts incidents in chunks; a row whose source id the city already holds is skipped. Returns
 * how many were inserted.
 */
export async function insertIncidents(db: Queryable, rows: readonly IncidentRow[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    const result = await db
      .insertInto('patrol_incidents')
      .values(chunk)
      .onConflict((oc) => oc.columns(['city', 'source_id']).where('source_id', 'is not', null).doNothing())
      .returning('id')
      .execute();
    inserted += result.length;
  }
  return inserted;
}

export interface HistoryColumns {
  lon: Float64Array;
  lat: Float64Array;
  time: Float64Array;
  category: string[];
}

/**
 * The city's history incidents in [from, to) the scope may see, optionally of some categories,
 * as columns (oldest first).
 */
export async function historyColumns(
  db: Queryable,
  city: string,
  scope: OrgScope | null,
  range: { from?: Date; to?: Date; categories?: readonly string[] } = {},
): Promise<HistoryColumns> {
  let q = db
    .selectFrom('patrol_incidents')
    .select(['lon', 'lat', 'occurred_at', 'category'])
    .where('city', '=', city);
  if (range.from) q = q.where('occurred_at', '>=', range.from);
  if (range.to) q = q.where('occurred_at', '<', range.to);
  if (range.categories && range.categories.length > 0) q = q.where('category', 'in', range.categories);
  q = scoped(q, db, scope);
  const rows = await q.orderBy('occurred_at').orderBy('id').execute();
  const n = rows.length;
  const out: HistoryColumns = {
    lon: new Float64Array(n),
    lat: new Float64Array(n),
    time: new Float64Array(n),
    category: new Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    out.lon[i] = r.lon;
    out.lat[i] = r.lat;
    out.time[i] = new Date(r.occurred_at).getTime();
    out.category[i] = r.category;
  }
  return out;
}

/** What the scope can see of the city's history: count, first and last time, categories. */
export async function historySummary(db: Queryable, city: string, scope: OrgScope | null) {
  const span = await scoped(
    db
      .selectFrom('patrol_incidents')
      .select([
        sql<number>`count(*)::int`.as('count'),
        sql<Date | null>`min(occurred_at)`.as('first'),
        sql<Date | null>`max(occurred_at)`.as('last'),
      ])
      .where('city', '=', city),
    db,
    scope,
  ).executeTakeFirstOrThrow();
  const categories = await scoped(
    db
      .selectFrom('patrol_incidents')
      .select(['category', sql<number>`count(*)::int`.as('count')])
      .where('city', '=', city),
    db,
    scope,
  )
    .groupBy('category')
    .orderBy(sql`count(*)`, 'desc')
    .orderBy('category')
    .limit(200)
    .execute();
  return {
    count: Number(span.count),
    first: span.first ? new Date(span.first) : null,
    last: span.last ? new Date(span.last) : null,
    categories: categories.map((c) => ({ category: c.category, count: Number(c.count) })),
  };
}

/** The time zone of the city's latest import (its wall-clock times were read in it). */
export async function latestTimeZone(db: Queryable, city: string): Promise<string | null> {
  const row = await db
    .selectFrom('patrol_imports')
    .select('tz')
    .where('city', '=', city)
    .orderBy('imported_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.tz ?? null;
}

export interface EvaluationRow {
  id: string;
  city: string;
  org_id: string | null;
  unit: string;
  created_at: Date;
  created_by: string | null;
  params: Record<string, unknown>;
  result: Record<string, unknown>;
}

export async function insertEvaluation(db: Queryable, row: EvaluationRow): Promise<void> {
  await db
    .insertInto('patrol_evaluations')
    .values({ ...row, params: JSON.stringify(row.params), result: JSON.stringify(row.result) })
    .execute();
}

/** The latest evaluation of the city run for exactly this org (optionally of one unit). */
export async function latestEvaluation(
  db: Queryable,
  city: string,
  orgId: string,
  unit?: string,
): Promise<EvaluationRow | undefined> {
  let q = db
    .selectFrom('patrol_evaluations')
    .select(['id', 'city', 'org_id', 'unit', 'created_at', 'created_by', 'params', 'result'])
    .where('city', '=', city)
    .where('org_id', '=', orgId);
  if (unit) q = q.where('unit', '=', unit);
  const row = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row ? { ...row, created_at: new Date(row.created_at) } : undefined;
}
