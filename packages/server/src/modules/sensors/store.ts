/** SQL of the sensors module; no decisions here (service.ts decides). Every read is scoped in the query. */
import { type Insertable, type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type OrgScope, orgsUnder } from '../scope.js';
import type { SensorAlarmsTable, SensorCommunitiesTable } from './tables.js';

export type Q = Kysely<Database> | Transaction<Database>;

export function insertCommunity(q: Q, row: Insertable<SensorCommunitiesTable>) {
  return q.insertInto('sensor_communities').values(row).execute();
}

/** Communities of the scope's subtree with device and online counts and active alarms. */
export function listCommunities(q: Q, scope: OrgScope) {
  return q
    .selectFrom('sensor_communities as c')
    .select([
      'c.id',
      'c.name',
      'c.org_id',
      'c.ring',
      (eb) =>
        eb
          .selectFrom('sensor_devices as d')
          .select(eb.fn.countAll<string>().as('n'))
          .whereRef('d.community_id', '=', 'c.id')
          .as('devices'),
      (eb) =>
        eb
          .selectFrom('sensor_devices as d')
          .select(eb.fn.countAll<string>().as('n'))
          .whereRef('d.community_id', '=', 'c.id')
          .where('d.online', '=', true)
          .as('online'),
      (eb) =>
        eb
          .selectFrom('sensor_alarms as a')
          .select(eb.fn.countAll<string>().as('n'))
          .whereRef('a.community_id', '=', 'c.id')
          .where('a.status', 'in', ['active_unack', 'active_ack'])
          .as('active_alarms'),
    ])
    .where('c.org_id', 'in', orgsUnder(q, scope))
    .orderBy('c.name')
    .execute();
}

export function findCommunity(q: Q, id: string, scope: OrgScope) {
  return q
    .selectFrom('sensor_communities')
    .select(['id', 'org_id', 'name'])
    .where('id', '=', id)
    .where('org_id', 'in', orgsUnder(q, scope))
    .executeTakeFirst();
}

const DEVICE_COLUMNS = [
  'id',
  'community_id',
  'org_id',
  'kind',
  'name',
  'address',
  'lon',
  'lat',
  'stream_url',
  'inactivity_s',
  'online',
  'last_seen_at',
  'counts',
  'telemetry',
] as const;

export function listDevices(q: Q, scope: OrgScope, communityId?: string) {
  let query = q
    .selectFrom('sensor_devices')
    .select(DEVICE_COLUMNS)
    .where('org_id', 'in', orgsUnder(q, scope));
  if (communityId) query = query.where('community_id', '=', communityId);
  return query.orderBy('name').orderBy('id').execute();
}
export type DeviceRow = Awaited<ReturnType<typeof listDevices>>[number];

/** Every sensor (unscoped: the module's own tracker at start). */
export function allDevices(q: Q) {
  return q.selectFrom('sensor_devices').select(DEVICE_COLUMNS).execute();
}

export function findDevice(q: Q, id: string, scope: OrgScope | null) {
  let query = q.selectFrom('sensor_devices').select(DEVICE_COLUMNS).where('id', '=', id);
  if (scope) query = query.where('org_id', 'in', orgsUnder(q, scope));
  return query.executeTakeFirst();
}

/**
 * last_seen_at, online, counts and telemetry of many devices in one statement (counts and
 * telemetry as JSON text). last_seen_at never goes back.
 */
export async function flushSeen(
  q: Q,
  rows: { id: string; at: Date | null; online: boolean; counts: string; telemetry: string }[],
) {
  if (rows.length === 0) return;
  await sql`
    update sensor_devices as s
       set last_seen_at = greatest(s.last_seen_at, v.at),
           online = v.online,
           counts = v.counts,
           telemetry = v.telemetry
      from (select unnest(${rows.map((r) => r.id)}::uuid[]) as id,
                   unnest(${rows.map((r) => r.at?.toISOString() ?? null)}::timestamptz[]) as at,
                   unnest(${rows.map((r) => r.online)}::boolean[]) as online,
                   unnest(${rows.map((r) => r.counts)}::jsonb[]) as counts,
                   unnest(${rows.map((r) => r.telemetry)}::jsonb[]) as telemetry) as v
     where s.id = v.id`.execute(q);
}

// ---- alarms

const ALARM_COLUMNS = [
  'sensor_alarms.id',
  'sensor_alarms.originator',
  'sensor_alarms.device_id',
  'sensor_alarms.area_id',
  'sensor_alarms.community_id',
  'sensor_alarms.org_id',
  'sensor_alarms.type',
  'sensor_alarms.severity',
  'sensor_alarms.status',
  'sensor_alarms.started_at',
  'sensor_alarms.last_at',
  'sensor_alarms.repeats',
  'sensor_alarms.escalated',
  'sensor_alarms.acknowledged_at',
  'sensor_alarms.cleared_at',
  'sensor_alarms.incident_id',
  'sensor_alarms.ticket_id',
  'sensor_alarms.detail',
] as const;

function alarmQuery(q: Q) {
  return q
    .selectFrom('sensor_alarms')
    .leftJoin('users as ack', 'ack.id', 'sensor_alarms.acknowledged_by')
    .leftJoin('users as clr', 'clr.id', 'sensor_alarms.cleared_by')
    .select([...ALARM_COLUMNS, 'ack.username as acknowledged_by', 'clr.username as cleared_by']);
}

export function listAlarms(q: Q, scope: OrgScope, opts: { activeOnly: boolean; limit: number }) {
  let query = alarmQuery(q).where('sensor_alarms.org_id', 'in', orgsUnder(q, scope));
  if (opts.activeOnly) query = query.where('sensor_alarms.status', 'in', ['active_unack', 'active_ack']);
  return query.orderBy('sensor_alarms.last_at', 'desc').limit(opts.limit).execute();
}
export type AlarmRow = Awaited<ReturnType<typeof listAlarms>>[number];

export function findAlarm(q: Q, id: string, scope: OrgScope | null) {
  let query = alarmQuery(q).where('sensor_alarms.id', '=', id);
  if (scope) query = query.where('sensor_alarms.org_id', 'in', orgsUnder(q, scope));
  return query.executeTakeFirst();
}

/** One raise: a new active alarm of this originator and type, or its active one repeated. */
export interface AlarmRaise {
  id: string;
  originator: string;
  deviceId: string | null;
  areaId: string | null;
  communityId: string | null;
  orgId: string;
  type: string;
  severity: string;
  at: Date;
  detail: string;
}

/** What an upsert answers per raise (`created`: a new alarm, not a repeat). */
export type UpsertedAlarm = Pick<
  SensorAlarmsTable,
  'id' | 'originator' | 'device_id' | 'area_id' | 'community_id' | 'org_id' | 'type' | 'severity' | 'status'
> & { escalated: boolean; created: boolean };

/**
 * Raises alarms in one statement: per raise a new active alarm, or — when its originator already
 * has an active one of its type (the partial unique index) — that one repeated: one more repeat,
 * the last time, the higher severity. `created` tells which. The raises must name distinct
 * (originator, type) pairs (a statement may not touch a row twice); the answer is keyed by
 * `${originator}:${type}`.
 */
export async function upsertAlarms(q: Q, raises: AlarmRaise[]): Promise<Map<string, UpsertedAlarm>> {
  if (raises.length === 0) return new Map();
  const ranks = sql`array['indeterminate', 'warning', 'minor', 'major', 'critical']::text[]`;
  const values = sql.join(
    raises.map(
      (a) =>
        sql`(${a.id}, ${a.originator}, ${a.deviceId}, ${a.areaId}, ${a.communityId}, ${a.orgId}, ${a.type},
             ${a.severity}, 'active_unack', ${a.at}, ${a.at}, ${a.detail}::jsonb)`,
    ),
  );
  const r = await sql<UpsertedAlarm>`
    insert into sensor_alarms as s
      (id, originator, device_id, area_id, community_id, org_id, type, severity, status, started_at, last_at, detail)
    values ${values}
    on conflict (originator, type) where status in ('active_unack', 'active_ack')
    do update set repeats = s.repeats + 1,
                  last_at = excluded.last_at,
                  detail = excluded.detail,
                  severity = case when array_position(${ranks}, excluded.severity) > array_position(${ranks}, s.severity)
                                  then excluded.severity else s.severity end
    returning id, originator, device_id, area_id, community_id, org_id, type, severity, status, escalated,
              (xmax = 0) as created`.execute(q);
  return new Map(r.rows.map((row) => [`${row.originator}:${row.type}`, row]));
}

/** Active alarms of a type whose last raise is older than `before` (offline repeats). */
export function staleActive(q: Q, type: string, before: Date) {
  return q
    .selectFrom('sensor_alarms')
    .select(['id', 'originator'])
    .where('type', '=', type)
    .where('status', 'in', ['active_unack', 'active_ack'])
    .where('last_at', '<=', before)
    .execute();
}

/** Active unacknowledged alarms not escalated yet, started before `before`. */
export function dueEscalation(q: Q, before: Date) {
  return q
    .selectFrom('sensor_alarms')
    .select(['id', 'severity'])
    .where('status', '=', 'active_unack')
    .where('escalated', '=', false)
    .where('started_at', '<=', before)
    .execute();
}

// ---- crowd

const AREA_COLUMNS = [
  'id',
  'name',
  'org_id',
  'ring',
  'area_m2',
  'centroid_lon',
  'centroid_lat',
  'warn_density',
  'alarm_density',
  'capacity',
  'expires_at',
  'last_count',
  'last_density',
  'level',
  'counted_at',
] as const;

export function listAreas(q: Q, scope: OrgScope) {
  return q
    .selectFrom('crowd_areas')
    .select(AREA_COLUMNS)
    .where('org_id', 'in', orgsUnder(q, scope))
    .orderBy('name')
    .execute();
}
export type AreaRow = Awaited<ReturnType<typeof listAreas>>[number];

export function findArea(q: Q, id: string, scope: OrgScope) {
  return q
    .selectFrom('crowd_areas')
    .select(AREA_COLUMNS)
    .where('id', '=', id)
    .where('org_id', 'in', orgsUnder(q, scope))
    .executeTakeFirst();
}

export function counts(q: Q, areaId: string, from: Date) {
  return q
    .selectFrom('crowd_counts')
    .select(['at', 'count', 'density', 'source', 'flag'])
    .where('area_id', '=', areaId)
    .where('at', '>=', from)
    .orderBy('at')
    .limit(5000)
    .execute();
}

/** Deletes areas past their day with their counts; their alarms are cleared by the service. */
export function deleteExpiredAreas(q: Q, now: Date) {
  return q.deleteFrom('crowd_areas').where('expires_at', '<=', now).returning('id').execute();
}

// ---- fault tickets

function ticketQuery(q: Q) {
  return q
    .selectFrom('sensor_tickets as t')
    .innerJoin('sensor_devices as d', 'd.id', 't.device_id')
    .innerJoin('sensor_communities as c', 'c.id', 'd.community_id')
    .leftJoin('users as ack', 'ack.id', 't.acknowledged_by')
    .leftJoin('users as clo', 'clo.id', 't.closed_by')
    .select([
      't.id',
      't.device_id',
      't.org_id',
      't.reason',
      't.opened_at',
      't.acknowledged_at',
      't.ack_note',
      't.closed_at',
      't.close_note',
      'ack.username as acknowledged_by',
      'clo.username as closed_by',
      'd.name as device_name',
      'd.kind as device_kind',
      'd.address',
      'd.online as device_online',
      'd.community_id',
      'c.name as community_name',
    ]);
}

/** Tickets of the scope's subtree, newest first; open ones only unless `all`. */
export function listTickets(q: Q, scope: OrgScope, opts: { openOnly: boolean; limit: number }) {
  let query = ticketQuery(q).where('t.org_id', 'in', orgsUnder(q, scope));
  if (opts.openOnly) query = query.where('t.closed_at', 'is', null);
  return query.orderBy('t.opened_at', 'desc').orderBy('t.id', 'desc').limit(opts.limit).execute();
}
export type TicketRow = Awaited<ReturnType<typeof listTickets>>[number];

export function findTicket(q: Q, id: string, scope: OrgScope) {
  return ticketQuery(q)
    .where('t.id', '=', id)
    .where('t.org_id', 'in', orgsUnder(q, scope))
    .executeTakeFirst();
}

/** Acknowledges an open ticket not acknowledged yet; the number of rows changed (0: it was not). */
export async function acknowledgeTicket(q: Q, id: string, by: string, at: Date, note: string | null) {
  const r = await q
    .updateTable('sensor_tickets')
    .set({ acknowledged_at: at, acknowledged_by: by, ack_note: note })
    .where('id', '=', id)
    .where('closed_at', 'is', null)
    .where('acknowledged_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Closes an open ticket; the number of rows changed (0: it was closed already). */
export async function closeTicket(q: Q, id: string, by: string, at: Date, note: string) {
  const r = await q
    .updateTable('sensor_tickets')
    .set({ closed_at: at, closed_by: by, close_note: note })
    .where('id', '=', id)
    .where('closed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
