/** SQL of the video module; no decisions here (service.ts decides). */
import type { Insertable, Kysely, Transaction, Updateable } from 'kysely';
import type { Database } from '../../db/schema.js';
import { type OrgScope, orgsUnder } from '../scope.js';
import type { CamerasTable } from './tables.js';

type Q = Kysely<Database> | Transaction<Database>;

/** Every column but the stream addresses: those leave only through an audited view. */
const CAMERA_COLUMNS = [
  'cameras.id',
  'cameras.code',
  'cameras.name',
  'cameras.lon',
  'cameras.lat',
  'cameras.height_m',
  'cameras.heading_deg',
  'cameras.fov_deg',
  'cameras.range_m',
  'cameras.owner',
  'cameras.agreement_ref',
  'cameras.shared',
  'cameras.webrtc_url',
  'cameras.rtsp_url',
  'cameras.org_id',
  'cameras.status',
  'cameras.offline_since',
  'cameras.fault_at',
  'cameras.last_probe_at',
] as const;

/**
 * Cameras a person may see: those of their org's subtree, and those shared into the network
 * (community and enterprise cameras under an agreement), inside the query.
 */
function visible(q: Q, scope: OrgScope) {
  return q
    .selectFrom('cameras')
    .select(CAMERA_COLUMNS)
    .select((eb) => [
      eb('cameras.hls_url', 'is not', null).as('has_hls'),
      eb('cameras.playback_template', 'is not', null).as('has_playback'),
    ])
    .where((eb) => eb.or([eb('cameras.org_id', 'in', orgsUnder(q, scope)), eb('cameras.shared', '=', true)]));
}

export interface CameraFilter {
  bbox?: [number, number, number, number];
  status?: CamerasTable['status'];
  limit: number;
  offset: number;
}

export function listCameras(q: Q, scope: OrgScope, f: CameraFilter) {
  let query = visible(q, scope);
  if (f.bbox) {
    const [w, s, e, n] = f.bbox;
    query = query
      .where('cameras.lon', '>=', w)
      .where('cameras.lon', '<=', e)
      .where('cameras.lat', '>=', s)
      .where('cameras.lat', '<=', n);
  }
  if (f.status) query = query.where('cameras.status', '=', f.status);
  return query.orderBy('cameras.code').limit(f.limit).offset(f.offset).execute();
}
export type CameraRow = Awaited<ReturnType<typeof listCameras>>[number];

/** Every camera the scope may see, positions and sectors only (coverage reads tens of thousands). */
export function visibleSectors(q: Q, scope: OrgScope) {
  return q
    .selectFrom('cameras')
    .select(['lon', 'lat', 'heading_deg', 'fov_deg', 'range_m'])
    .where((eb) => eb.or([eb('cameras.org_id', 'in', orgsUnder(q, scope)), eb('cameras.shared', '=', true)]))
    .execute();
}

/** The visible ones among these cameras (candidates found in memory, scoped here in the query). */
export function visibleAmong(q: Q, ids: string[], scope: OrgScope) {
  if (ids.length === 0) return Promise.resolve([]);
  return visible(q, scope).where('cameras.id', 'in', ids).execute();
}

export function findCamera(q: Q, id: string, scope: OrgScope) {
  return visible(q, scope).where('cameras.id', '=', id).executeTakeFirst();
}

/** A camera of the scope's own subtree (not merely shared with it): what may be changed. */
export function findOwnCamera(q: Q, id: string, scope: OrgScope) {
  return q
    .selectFrom('cameras')
    .select(['id', 'org_id'])
    .where('id', '=', id)
    .where('org_id', 'in', orgsUnder(q, scope))
    .executeTakeFirst();
}

/** The stream addresses of a visible camera (read only for an audited view or playback). */
export function cameraStreams(q: Q, id: string, scope: OrgScope) {
  return q
    .selectFrom('cameras')
    .select(['id', 'code', 'org_id', 'shared', 'hls_url', 'playback_template'])
    .where('id', '=', id)
    .where((eb) => eb.or([eb('cameras.org_id', 'in', orgsUnder(q, scope)), eb('cameras.shared', '=', true)]))
    .executeTakeFirst();
}

export async function insertCameras(q: Q, rows: Insertable<CamerasTable>[]) {
  for (let i = 0; i < rows.length; i += 1000) {
    await q
      .insertInto('cameras')
      .values(rows.slice(i, i + 1000))
      .execute();
  }
}

/** Which of these codes are registered already. */
export async function existingCodes(q: Q, codes: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < codes.length; i += 5000) {
    const rows = await q
      .selectFrom('cameras')
      .select('code')
      .where('code', 'in', codes.slice(i, i + 5000))
      .execute();
    for (const r of rows) out.add(r.code);
  }
  return out;
}

export function deleteCamera(q: Q, id: string) {
  return q.deleteFrom('cameras').where('id', '=', id).executeTakeFirst();
}

/** Cameras the probe checks: those with an HLS stream, least recently probed first. */
export function camerasToProbe(q: Q, limit: number) {
  return q
    .selectFrom('cameras')
    .select(['id', 'hls_url', 'status', 'offline_since', 'fault_at'])
    .where('hls_url', 'is not', null)
    .orderBy('last_probe_at', (ob) => ob.asc().nullsFirst())
    .orderBy('id')
    .limit(limit)
    .execute();
}

export function setCameraStatus(
  q: Q,
  id: string,
  status: Pick<Updateable<CamerasTable>, 'status' | 'offline_since' | 'fault_at' | 'last_probe_at'>,
) {
  return q.updateTable('cameras').set(status).where('id', '=', id).execute();
}

/** Orgs by their code (CSV `org_code`), and the root (city bureau) for imports naming none. */
export function orgByCode(q: Q, code: string) {
  return q.selectFrom('orgs').select(['id', 'path']).where('code', '=', code).executeTakeFirst();
}
export function rootOrg(q: Q) {
  return q
    .selectFrom('orgs')
    .select(['id', 'path'])
    .where('parent_id', 'is', null)
    .orderBy('created_at')
    .executeTakeFirst();
}
