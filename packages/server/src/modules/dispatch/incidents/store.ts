/**
 * SQL on incidents, their numbering and their timeline. No decisions here (incidents/service.ts
 * decides). Units on incidents are in units/store.ts, diversions in diversions/store.ts.
 */
import { type Insertable, type Kysely, sql, type Transaction, type Updateable } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { type OrgScope, orgsUnder } from '../../scope.js';
import type { IncidentsTable } from '../tables.js';

type Queryable = Kysely<Database> | Transaction<Database>;

/**
 * Every read and write below that names incidents takes the asker's scope: only incidents of an
 * org in that subtree match (null: unscoped, for the module's own tasks such as a unit's report
 * moving its incident along).
 */

/** The org a jurisdiction belongs to (the owner of incidents inside it). */
export function jurisdictionOrg(db: Queryable, jurisdictionId: string) {
  return db.selectFrom('jurisdictions').select('org_id').where('id', '=', jurisdictionId).executeTakeFirst();
}

/** The next number of the local day's incident sequence (taken inside the creating transaction). */
export async function nextIncidentSeq(trx: Transaction<Database>, day: string): Promise<number> {
  const counter = await trx
    .insertInto('incident_counters')
    .values({ day, seq: 1 })
    .onConflict((oc) => oc.column('day').doUpdateSet({ seq: sql`incident_counters.seq + 1` }))
    .returning('seq')
    .executeTakeFirstOrThrow();
  return counter.seq;
}

export function insertIncident(trx: Transaction<Database>, row: Insertable<IncidentsTable>) {
  return trx.insertInto('incidents').values(row).execute();
}

/** One entry of an incident's timeline. */
export function insertEvent(
  trx: Transaction<Database>,
  e: {
    incidentId: string;
    at: Date;
    kind: string;
    from: string | null;
    to: string | null;
    userId: string | null;
    unitId: string | null;
    detail: Record<string, unknown>;
    id: string;
  },
) {
  return trx
    .insertInto('incident_events')
    .values({
      id: e.id,
      incident_id: e.incidentId,
      at: e.at,
      kind: e.kind,
      from_status: e.from,
      to_status: e.to,
      user_id: e.userId,
      unit_id: e.unitId,
      detail: JSON.stringify(e.detail),
    })
    .execute();
}

/**
 * Open or cleared incidents of a category received within the window, inside a lon/lat box
 * (the exact distance is the service's to check).
 */
export function duplicateCandidates(
  db: Queryable,
  q: {
    excludeId: string;
    category: string;
    statuses: string[];
    from: Date;
    to: Date;
    lon: number;
    lat: number;
    box: number;
  },
  scope: OrgScope,
) {
  return db
    .selectFrom('incidents')
    .select(['id', 'lon', 'lat'])
    .where('org_id', 'in', orgsUnder(db, scope))
    .where('id', '!=', q.excludeId)
    .where('category', '=', q.category)
    .where('status', 'in', q.statuses)
    .where('received_at', '>=', q.from)
    .where('received_at', '<=', q.to)
    .where('lon', '>=', q.lon - q.box)
    .where('lon', '<=', q.lon + q.box)
    .where('lat', '>=', q.lat - q.box)
    .where('lat', '<=', q.lat + q.box)
    .execute();
}

/** Incidents with their jurisdiction and owning org's path (for scoping), one query. */
function incidentQuery(db: Queryable) {
  return db
    .selectFrom('incidents')
    .leftJoin('jurisdictions', 'jurisdictions.id', 'incidents.jurisdiction_id')
    .leftJoin('orgs as owner', 'owner.id', 'incidents.org_id')
    .select([
      'incidents.id',
      'incidents.number',
      'incidents.org_id',
      'incidents.category',
      'incidents.subcategory',
      'incidents.priority',
      'incidents.status',
      'incidents.police',
      'incidents.narrative',
      'incidents.lon',
      'incidents.lat',
      'incidents.address_label',
      'incidents.received_at',
      'incidents.dispatched_at',
      'incidents.arrived_at',
      'incidents.cleared_at',
      'incidents.closed_at',
      'incidents.merged_into',
      'jurisdictions.id as jurisdiction_id',
      'jurisdictions.name as jurisdiction_name',
      'owner.path as owner_path',
      sql<boolean>`incidents.caller_phone is not null`.as('has_caller'),
    ]);
}

export function findIncident(db: Queryable, id: string, scope: OrgScope | null) {
  let q = incidentQuery(db).where('incidents.id', '=', id);
  if (scope) q = q.where('incidents.org_id', 'in', orgsUnder(db, scope));
  return q.executeTakeFirst();
}

export type IncidentRecord = NonNullable<Awaited<ReturnType<typeof findIncident>>>;

export function findIncidents(db: Queryable, ids: string[], scope: OrgScope) {
  return incidentQuery(db)
    .where('incidents.id', 'in', ids)
    .where('incidents.org_id', 'in', orgsUnder(db, scope))
    .execute();
}

/** The open incidents of the orgs in the scope's subtree, by priority, then oldest first. */
export function openIncidents(db: Queryable, scope: OrgScope, statuses: string[]) {
  return incidentQuery(db)
    .where('incidents.status', 'in', statuses)
    .where('incidents.org_id', 'in', orgsUnder(db, scope))
    .orderBy('incidents.priority')
    .orderBy('incidents.received_at')
    .limit(500)
    .execute();
}

export function timeline(db: Queryable, incidentId: string) {
  return db
    .selectFrom('incident_events')
    .leftJoin('users', 'users.id', 'incident_events.user_id')
    .leftJoin('units', 'units.id', 'incident_events.unit_id')
    .select([
      'incident_events.at',
      'incident_events.kind',
      'incident_events.from_status',
      'incident_events.to_status',
      'incident_events.detail',
      'users.username',
      'units.call_sign',
    ])
    .where('incident_events.incident_id', '=', incidentId)
    .orderBy('incident_events.at')
    .orderBy('incident_events.id')
    .execute();
}

export function callerPhone(db: Queryable, id: string, scope: OrgScope) {
  return db
    .selectFrom('incidents')
    .select('caller_phone')
    .where('id', '=', id)
    .where('org_id', 'in', orgsUnder(db, scope))
    .executeTakeFirst();
}

/** Where an incident is and what it is (for recommendations). */
export function incidentPlace(db: Queryable, id: string, scope: OrgScope) {
  return db
    .selectFrom('incidents')
    .select(['lon', 'lat', 'category', 'demo', 'priority'])
    .where('id', '=', id)
    .where('org_id', 'in', orgsUnder(db, scope))
    .executeTakeFirst();
}

/** Where an incident is, whoever's it is (the dispatch checks scope in its transaction). */
export function incidentPlaceAny(db: Queryable, id: string) {
  return db
    .selectFrom('incidents')
    .select(['lon', 'lat', 'priority'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export function incidentExists(db: Queryable, id: string, scope: OrgScope | null) {
  let q = db.selectFrom('incidents').select('id').where('id', '=', id);
  if (scope) q = q.where('org_id', 'in', orgsUnder(db, scope));
  return q.executeTakeFirst();
}

/** The incident's status, its row locked until the transaction ends (one change at a time). */
export function lockIncidentStatus(trx: Transaction<Database>, id: string, scope: OrgScope | null) {
  let q = trx.selectFrom('incidents').select(['status', 'org_id', 'demo']).where('id', '=', id);
  if (scope) q = q.where('org_id', 'in', orgsUnder(trx, scope));
  return q.forUpdate().executeTakeFirst();
}

export function updateIncident(trx: Transaction<Database>, id: string, changes: Updateable<IncidentsTable>) {
  return trx.updateTable('incidents').set(changes).where('id', '=', id).execute();
}
