/**
 * SQL on units and their AVL history. No decisions here (units/service.ts and, for units on an
 * incident, incidents/service.ts decide). The units table belongs to dispatch: other modules reach
 * it only through DispatchService, which calls these; closure plans of perimeter control included.
 */
import { type Insertable, type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { type OrgScope, orgsUnder } from '../../scope.js';
import type { UnitsTable } from '../tables.js';

export type Queryable = Kysely<Database> | Transaction<Database>;

/** One AVL fix as the HTTP batch and MQTT ingest hand it over. */
export interface PositionFix {
  unitId: string;
  at: string;
  lon: number;
  lat: number;
  heading?: number;
  speed?: number;
  /** Lights and siren on (the learning keeps such driving as the emergency profile). */
  emergency?: boolean;
}

// ---- unit records

/** One unit; with a scope, only one whose home org lies in its subtree. */
export function findUnit(db: Queryable, id: string, scope: OrgScope | null = null) {
  let q = db.selectFrom('units').selectAll().where('id', '=', id);
  if (scope) q = q.where('home_org_id', 'in', orgsUnder(db, scope));
  return q.executeTakeFirst();
}

/** Whether the unit's home org lies in the scope's subtree (the units a person may send). */
export async function unitInScope(db: Queryable, id: string, scope: OrgScope): Promise<boolean> {
  const row = await db
    .selectFrom('units')
    .select('id')
    .where('id', '=', id)
    .where('home_org_id', 'in', orgsUnder(db, scope))
    .executeTakeFirst();
  return row !== undefined;
}

export function listUnits(db: Queryable) {
  return db.selectFrom('units').selectAll().orderBy('call_sign').execute();
}

/**
 * Every unit as a person sees it on the map: units of their subtree in full; other stations'
 * units with call sign, kind, status and position, but not the incident they serve
 * (`current_incident_id` null) — that incident is another station's to know.
 */
export function listUnitsSeenBy(db: Queryable, scope: OrgScope) {
  return db
    .selectFrom('units')
    .select((eb) => [
      'id',
      'call_sign',
      'kind',
      'capabilities',
      'status',
      'last_lon',
      'last_lat',
      'last_heading',
      'last_speed',
      'last_at',
      eb('home_org_id', 'in', orgsUnder(db, scope)).as('in_scope'),
      eb
        .case()
        .when('home_org_id', 'in', orgsUnder(db, scope))
        .then(eb.ref('current_incident_id'))
        .else(null)
        .end()
        .as('current_incident_id'),
    ])
    .orderBy('call_sign')
    .execute();
}

/** The root of the org tree (the city bureau): home of units created without an org by start-up tasks. */
export function rootOrg(db: Queryable) {
  return db
    .selectFrom('orgs')
    .select('id')
    .where('parent_id', 'is', null)
    .orderBy('path')
    .limit(1)
    .executeTakeFirst();
}

export function unitWithCallSign(db: Queryable, callSign: string) {
  return db.selectFrom('units').select('id').where('call_sign', '=', callSign).executeTakeFirst();
}

export function insertUnit(db: Queryable, row: Insertable<UnitsTable>) {
  return db.insertInto('units').values(row).execute();
}

/** A unit's own status report; leaving service or coming free also drops its incident. */
export function setUnitStatus(db: Queryable, id: string, status: string, releaseIncident: boolean) {
  return db
    .updateTable('units')
    .set({ status, ...(releaseIncident ? { current_incident_id: null } : {}) })
    .where('id', '=', id)
    .execute();
}

/** What a dispatch console shows of a unit, for the units given. */
export function unitsToAnnounce(db: Queryable, ids: readonly string[]) {
  return db
    .selectFrom('units')
    .select([
      'id',
      'call_sign',
      'status',
      'current_incident_id',
      'last_lon',
      'last_lat',
      'last_heading',
      'last_speed',
      'home_org_id',
    ])
    .where('id', 'in', [...ids])
    .execute();
}

// ---- positions

/** Every unit's live position, to seed a city's tracker. */
export function livePositions(db: Queryable) {
  return db
    .selectFrom('units')
    .select(['id', 'last_lon', 'last_lat', 'last_at', 'last_heading', 'last_speed'])
    .execute();
}

/** The units an AVL batch names, with what ingest needs to check and announce them. */
export function unitsForIngest(db: Queryable, ids: string[]) {
  return db
    .selectFrom('units')
    .select(['id', 'call_sign', 'status', 'current_incident_id', 'last_at', 'home_org_id'])
    .where('id', 'in', ids)
    .execute();
}

/**
 * Appends fixes to the history in one statement whatever their number (unnest), skipping ones
 * already stored. Returns the (unit, time in ms) of those that were new.
 */
export async function insertPositions(db: Queryable, fixes: readonly PositionFix[]): Promise<string[]> {
  const r = await sql<{ unit_id: string; at: Date | string }>`
    insert into unit_positions (unit_id, at, lon, lat, heading, speed, emergency)
    select * from unnest(
      ${fixes.map((p) => p.unitId)}::uuid[], ${fixes.map((p) => p.at)}::timestamptz[],
      ${fixes.map((p) => p.lon)}::float8[], ${fixes.map((p) => p.lat)}::float8[],
      ${fixes.map((p) => p.heading ?? null)}::float8[], ${fixes.map((p) => p.speed ?? null)}::float8[],
      ${fixes.map((p) => p.emergency ?? null)}::bool[])
    on conflict (unit_id, at) do nothing
    returning unit_id, at`.execute(db);
  return r.rows.map((row) => positionKey(row.unit_id, new Date(row.at).getTime()));
}

/** A stored fix's key: its unit and its time in ms. */
export function positionKey(unitId: string, atMs: number): string {
  return `${unitId} ${atMs}`;
}

/**
 * Makes each fix its unit's live position in one statement (unnest). Conditional on last_at so a
 * slower concurrent batch cannot move a unit back in time. Returns the ids of the units moved.
 */
export async function moveUnits(db: Queryable, latest: readonly PositionFix[]): Promise<string[]> {
  const r = await sql<{ id: string }>`
    update units as u set last_lon = v.lon, last_lat = v.lat, last_at = v.at, last_heading = v.heading, last_speed = v.speed
    from unnest(
      ${latest.map((p) => p.unitId)}::uuid[], ${latest.map((p) => p.lon)}::float8[],
      ${latest.map((p) => p.lat)}::float8[], ${latest.map((p) => p.at)}::timestamptz[],
      ${latest.map((p) => p.heading ?? null)}::float8[], ${latest.map((p) => p.speed ?? null)}::float8[]
    ) as v(id, lon, lat, at, heading, speed)
    where u.id = v.id and (u.last_at is null or u.last_at < v.at)
    returning u.id`.execute(db);
  return r.rows.map((row) => row.id);
}

/** Of the units given, those available (and in the scope's subtree), with what a recommendation shows. */
export function availableAmong(db: Queryable, ids: string[], scope: OrgScope | null) {
  let q = db
    .selectFrom('units')
    .select(['id', 'call_sign', 'kind', 'capabilities', 'last_at'])
    .where('id', 'in', ids)
    .where('status', '=', 'available');
  if (scope) q = q.where('home_org_id', 'in', orgsUnder(db, scope));
  return q.execute();
}

// ---- units on incidents (incidents/service.ts decides when)

/**
 * Sends a unit to an incident with a conditional update: it changes only while the unit is still
 * available and on no incident, so of two dispatchers clicking together exactly one succeeds.
 */
export async function takeUnitForIncident(
  trx: Transaction<Database>,
  unitId: string,
  incidentId: string,
  scope: OrgScope,
) {
  const taken = await trx
    .updateTable('units')
    .set({ status: 'dispatched', current_incident_id: incidentId })
    .where('id', '=', unitId)
    .where('home_org_id', 'in', orgsUnder(trx, scope))
    .where('status', '=', 'available')
    .where('current_incident_id', 'is', null)
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) === 1;
}

export function unitStatus(db: Queryable, id: string) {
  return db.selectFrom('units').select('status').where('id', '=', id).executeTakeFirst();
}

export async function unitIdsOnIncident(db: Queryable, incidentId: string): Promise<string[]> {
  return (
    await db.selectFrom('units').select('id').where('current_incident_id', '=', incidentId).execute()
  ).map((u) => u.id);
}

/** The units on any of the incidents, by call sign. */
export function unitsOnIncidents(db: Queryable, incidentIds: string[]) {
  return db
    .selectFrom('units')
    .select(['id', 'call_sign', 'status', 'current_incident_id'])
    .where('current_incident_id', 'in', incidentIds)
    .orderBy('call_sign')
    .execute();
}

/** The incident's units take its status (en route, on scene). */
export function unitsFollowIncident(trx: Transaction<Database>, incidentId: string, status: string) {
  return trx.updateTable('units').set({ status }).where('current_incident_id', '=', incidentId).execute();
}

/** The incident's units are free again (it was cleared, called off, merged or closed). */
export function releaseIncidentUnits(trx: Transaction<Database>, incidentId: string) {
  return trx
    .updateTable('units')
    .set({ status: 'available', current_incident_id: null })
    .where('current_incident_id', '=', incidentId)
    .execute();
}

// ---- units for closure plans (perimeter control, through DispatchService)

/**
 * Units free to be sent anywhere: available, on no incident or plan, with a known position; with a
 * scope, only those whose home org lies in its subtree (the units that person may send).
 */
export function availableUnits(db: Queryable, scope: OrgScope | null) {
  let q = db.selectFrom('units').select(['id', 'call_sign', 'kind', 'last_lon', 'last_lat', 'last_at']);
  if (scope) q = q.where('home_org_id', 'in', orgsUnder(db, scope));
  return q
    .where('status', '=', 'available')
    .where('current_incident_id', 'is', null)
    .where('current_plan_id', 'is', null)
    .where('last_lon', 'is not', null)
    .where('last_lat', 'is not', null)
    .orderBy('call_sign')
    .execute();
}

/**
 * Takes a unit for a plan with the conditional update dispatch uses: it changes only while the
 * unit is still available and on nothing else, so a dispatcher and a commander cannot both get it.
 */
export async function takeUnitForPlan(trx: Transaction<Database>, unitId: string, planId: string) {
  const r = await trx
    .updateTable('units')
    .set({ status: 'dispatched', current_plan_id: planId })
    .where('id', '=', unitId)
    .where('status', '=', 'available')
    .where('current_incident_id', 'is', null)
    .where('current_plan_id', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/**
 * Frees the plan's units. A unit still busy for the plan alone goes back to available; one that
 * has meanwhile been put on an incident or changed its own status keeps that status.
 */
export async function releasePlanUnits(trx: Transaction<Database>, planId: string): Promise<string[]> {
  const freed = await trx
    .updateTable('units')
    .set({ status: 'available', current_plan_id: null })
    .where('current_plan_id', '=', planId)
    .where('current_incident_id', 'is', null)
    .where('status', 'in', ['dispatched', 'en_route', 'on_scene'])
    .returning('id')
    .execute();
  await trx
    .updateTable('units')
    .set({ current_plan_id: null })
    .where('current_plan_id', '=', planId)
    .execute();
  return freed.map((u) => u.id);
}

/** Of the units given, those the demo created (so demo and real units never serve each other's calls). */
export async function demoUnitIds(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('units')
    .select('id')
    .where('id', 'in', [...ids])
    .where('demo', '=', true)
    .execute();
  return new Set(rows.map((r) => r.id));
}
