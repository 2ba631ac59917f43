import { type Insertable, type Kysely, sql, type Transaction, type Updateable } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { PlacesService } from '../places/service.js';
import { isCityLevel, type OrgScope, orgsUnder } from '../scope.js';
import type { CommunityReportsTable } from './tables.js';

export type Queryable = Kysely<Database> | Transaction<Database>;

/** The columns a report is read with (never the token, address or fingerprint hashes). */
const REPORT_COLUMNS = [
  'r.id',
  'r.number',
  'r.source',
  'r.category',
  'r.description',
  'r.lon',
  'r.lat',
  'r.position_source',
  'r.address',
  'r.org_id',
  'orgs.name as org_name',
  'r.status',
  'r.status_notes',
  'r.closed',
  'r.media_file',
  'r.media_type',
  'r.media_bytes',
  'r.exif_taken_at',
  'r.exif_lon',
  'r.exif_lat',
  'r.media_url',
  'r.received_at',
  'r.expected_at',
  'r.updated_at',
  'r.incident_id',
  'r.case_id',
] as const;

function reports(db: Queryable, scope: OrgScope | null) {
  let q = db
    .selectFrom('community_reports as r')
    .innerJoin('orgs', 'orgs.id', 'r.org_id')
    .select(REPORT_COLUMNS);
  if (scope && !isCityLevel(scope)) q = q.where('r.org_id', 'in', orgsUnder(db, scope));
  return q;
}
export type ReportRow = Awaited<ReturnType<ReturnType<typeof reports>['executeTakeFirstOrThrow']>>;

/** Reports of the scope's subtree, newest first; a status filter for the intake queue. */
export function listReports(db: Queryable, scope: OrgScope, status: string | undefined, limit: number) {
  let q = reports(db, scope);
  if (status) q = q.where('r.status', '=', status as CommunityReportsTable['status']);
  return q.orderBy('r.received_at', 'desc').limit(limit).execute();
}

/** Reports of the scope's subtree with an attachment, within a lon/lat box, newest first. */
export function reportsWithMediaIn(
  db: Queryable,
  scope: OrgScope,
  box: { minLon: number; minLat: number; maxLon: number; maxLat: number },
  limit: number,
) {
  return reports(db, scope)
    .where('r.media_file', 'is not', null)
    .where('r.lon', '>=', box.minLon)
    .where('r.lon', '<=', box.maxLon)
    .where('r.lat', '>=', box.minLat)
    .where('r.lat', '<=', box.maxLat)
    .orderBy('r.received_at', 'desc')
    .limit(limit)
    .execute();
}

/** One report of the scope's subtree (null scope: any). */
export function findReport(db: Queryable, id: string, scope: OrgScope | null) {
  return reports(db, scope).where('r.id', '=', id).executeTakeFirst();
}

export function findReports(db: Queryable, ids: string[]) {
  return reports(db, null).where('r.id', 'in', ids).orderBy('r.received_at').orderBy('r.number').execute();
}

export function findReportByToken(db: Queryable, tokenHash: string) {
  return reports(db, null).where('r.token_hash', '=', tokenHash).executeTakeFirst();
}

export async function insertReport(
  trx: Transaction<Database>,
  day: string,
  row: Omit<Insertable<CommunityReportsTable>, 'number'>,
  number: (seq: number) => string,
): Promise<string> {
  const counter = await trx
    .insertInto('community_report_counters')
    .values({ day, seq: 1 })
    .onConflict((oc) => oc.column('day').doUpdateSet({ seq: sql`community_report_counters.seq + 1` }))
    .returning('seq')
    .executeTakeFirstOrThrow();
  const n = number(counter.seq);
  await trx
    .insertInto('community_reports')
    .values({ ...row, number: n })
    .execute();
  return n;
}

/** Reports since `from` from one client address or one device fingerprint. */
export async function recentCounts(
  db: Queryable,
  addressHash: string,
  fingerprintHash: string | null,
  from: Date,
) {
  const row = await db
    .selectFrom('community_reports')
    .select([
      sql<number>`count(*) filter (where address_hash = ${addressHash})`.as('by_address'),
      sql<number>`count(*) filter (where fingerprint_hash = ${fingerprintHash})`.as('by_fingerprint'),
    ])
    .where('received_at', '>=', from)
    .where((eb) =>
      fingerprintHash
        ? eb.or([eb('address_hash', '=', addressHash), eb('fingerprint_hash', '=', fingerprintHash)])
        : eb('address_hash', '=', addressHash),
    )
    .executeTakeFirstOrThrow();
  return { byAddress: Number(row.by_address), byFingerprint: Number(row.by_fingerprint) };
}

/** Records a decision on a report still in the queue; false when someone decided it meanwhile. */
export async function decideReport(
  trx: Transaction<Database>,
  id: string,
  change: Updateable<CommunityReportsTable>,
): Promise<boolean> {
  const r = await trx
    .updateTable('community_reports')
    .set(change)
    .where('id', '=', id)
    .where('status', '=', 'received')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Closes the reports that became this incident or case (when it is closed). */
export async function closeReportsOf(
  db: Queryable,
  link: { incidentId?: string; caseId?: string },
  at: Date,
) {
  let q = db
    .updateTable('community_reports')
    .set({ closed: true, updated_at: at })
    .where('closed', '=', false);
  if (link.incidentId) q = q.where('incident_id', '=', link.incidentId);
  else if (link.caseId) q = q.where('case_id', '=', link.caseId);
  else return 0;
  return Number((await q.executeTakeFirst()).numUpdatedRows);
}

/** The org of a jurisdiction, if a station holds it. */
export function jurisdictionOrg(db: Queryable, jurisdictionId: string) {
  return db.selectFrom('jurisdictions').select('org_id').where('id', '=', jurisdictionId).executeTakeFirst();
}

/** The city bureau: the root of the org tree. */
export function rootOrg(db: Queryable) {
  return db
    .selectFrom('orgs')
    .select(['id', 'name'])
    .where('parent_id', 'is', null)
    .orderBy('created_at')
    .executeTakeFirst();
}

/** The org of the station whose jurisdiction holds the point (default city), else the city bureau. */
export async function orgAt(
  db: Queryable,
  places: Pick<PlacesService, 'cities'>,
  lon: number,
  lat: number,
): Promise<string> {
  const city = await places.cities.get(undefined);
  const jurisdiction = city?.jurisdictionAt(lon, lat);
  const held = jurisdiction ? await jurisdictionOrg(db, jurisdiction.id) : undefined;
  if (held?.org_id) return held.org_id;
  const root = await rootOrg(db);
  if (!root) throw new Error('no org tree');
  return root.id;
}
