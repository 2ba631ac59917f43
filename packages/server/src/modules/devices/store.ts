/** SQL on devices; no decisions here (service.ts decides). */
import { type Insertable, type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { DevicesTable } from './tables.js';

type Q = Kysely<Database> | Transaction<Database>;

/** Who asks, as far as need-to-know goes (an identity `Actor` is one). */
export interface OrgScope {
  orgPath: string;
}

/** The ids of the orgs in the scope's subtree, for `where org_id in (…)` (scoping in the query). */
function orgsUnder(q: Q, scope: OrgScope) {
  const pattern = `${scope.orgPath.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return q.selectFrom('orgs').select('orgs.id').where('orgs.path', 'like', pattern);
}

/** Every column but the token hash: the hash never leaves this file except to authenticate. */
const DEVICE_COLUMNS = [
  'devices.id',
  'devices.name',
  'devices.kind',
  'devices.checkpoint_id',
  'devices.unit_id',
  'devices.org_id',
  'devices.created_by',
  'devices.created_at',
  'devices.revoked_at',
  'devices.revoked_by',
  'devices.revoke_reason',
  'devices.last_seen_at',
] as const;

export function insertDevice(q: Q, row: Insertable<DevicesTable>) {
  return q.insertInto('devices').values(row).execute();
}

/** The devices of the scope's orgs, newest first. */
export function listDevices(q: Q, scope: OrgScope) {
  return q
    .selectFrom('devices')
    .leftJoin('users', 'users.id', 'devices.created_by')
    .select([...DEVICE_COLUMNS, 'users.username as created_by_username'])
    .where('devices.org_id', 'in', orgsUnder(q, scope))
    .orderBy('devices.created_at', 'desc')
    .orderBy('devices.id', 'desc')
    .execute();
}

/** One device of the scope's orgs (undefined outside it: indistinguishable from missing). */
export function findDevice(q: Q, id: string, scope: OrgScope | null) {
  let query = q
    .selectFrom('devices')
    .leftJoin('users', 'users.id', 'devices.created_by')
    .select([...DEVICE_COLUMNS, 'users.username as created_by_username'])
    .where('devices.id', '=', id);
  if (scope) query = query.where('devices.org_id', 'in', orgsUnder(q, scope));
  return query.executeTakeFirst();
}
export type DeviceRow = NonNullable<Awaited<ReturnType<typeof findDevice>>>;

/** The live devices among these token hashes, with what a principal carries (one statement). */
export function findActiveByTokenHashes(q: Q, tokenHashes: string[]) {
  return q
    .selectFrom('devices')
    .select(['id', 'name', 'kind', 'checkpoint_id', 'unit_id', 'org_id', 'token_hash'])
    .where('token_hash', 'in', tokenHashes)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Which of these devices are still live (the MQTT broker's re-checks while devices stay connected). */
export async function activeAmong(q: Q, ids: string[]): Promise<Set<string>> {
  const rows = await q
    .selectFrom('devices')
    .select('id')
    .where('id', 'in', ids)
    .where('revoked_at', 'is', null)
    .execute();
  return new Set(rows.map((r) => r.id));
}

/** Revokes a live device; false when it was already revoked (a second revoke changes nothing). */
export async function revokeDevice(
  q: Q,
  id: string,
  by: string | null,
  reason: string,
  now: Date,
): Promise<boolean> {
  const r = await q
    .updateTable('devices')
    .set({ revoked_at: now, revoked_by: by, revoke_reason: reason })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A new token for a live device (the old one stops working at once). */
export async function replaceToken(q: Q, id: string, tokenHash: string): Promise<boolean> {
  const r = await q
    .updateTable('devices')
    .set({ token_hash: tokenHash })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Last seen of several devices, each at its own time (one statement). */
export function touchDevices(q: Q, seen: { id: string; at: Date }[]) {
  return sql`
    update devices set last_seen_at = v.at
      from unnest(${seen.map((s) => s.id)}::uuid[], ${seen.map((s) => s.at.toISOString())}::timestamptz[])
        as v(id, at)
     where devices.id = v.id`.execute(q);
}

/** Live devices the platform issued itself under this name (the demo's simulator re-uses them). */
export function findSystemDevice(q: Q, name: string) {
  return q
    .selectFrom('devices')
    .select(['id', 'kind', 'checkpoint_id', 'unit_id'])
    .where('name', '=', name)
    .where('created_by', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Whether an org lies in the scope's subtree. */
export async function orgInScope(q: Q, orgId: string, scope: OrgScope): Promise<boolean> {
  const row = await q
    .selectFrom('orgs')
    .select('orgs.id')
    .where('orgs.id', '=', orgId)
    .where('orgs.id', 'in', orgsUnder(q, scope))
    .executeTakeFirst();
  return row !== undefined;
}
