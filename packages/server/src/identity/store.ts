import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

type Q = Kysely<Database> | Transaction<Database>;

/** SQL only. Selects name the columns they need: a password hash never leaves this file by accident. */
const USER_PUBLIC_COLUMNS = [
  'users.id',
  'users.username',
  'users.display_name',
  'users.org_id',
  'users.roles',
  'users.active',
  'users.must_change_password',
  'users.created_at',
  'orgs.name as org_name',
  'orgs.path as org_path',
] as const;

export function findUserPublic(q: Q, id: string) {
  return q
    .selectFrom('users')
    .innerJoin('orgs', 'orgs.id', 'users.org_id')
    .select(USER_PUBLIC_COLUMNS)
    .where('users.id', '=', id)
    .executeTakeFirst();
}
export type UserRow = NonNullable<Awaited<ReturnType<typeof findUserPublic>>>;

export function listUsersInSubtree(q: Q, orgPathPrefix: string) {
  return q
    .selectFrom('users')
    .innerJoin('orgs', 'orgs.id', 'users.org_id')
    .select(USER_PUBLIC_COLUMNS)
    .where('orgs.path', 'like', `${orgPathPrefix}%`)
    .orderBy('users.username')
    .execute();
}

export function findLoginRecord(q: Q, username: string) {
  return q
    .selectFrom('users')
    .select(['id', 'username', 'password_hash', 'active', 'failed_logins', 'locked_until'])
    .where('username', '=', username)
    .executeTakeFirst();
}

export function insertUser(
  q: Q,
  u: {
    id: string;
    username: string;
    displayName: string;
    passwordHash: string;
    orgId: string;
    roles: string[];
    mustChangePassword?: boolean;
  },
) {
  return q
    .insertInto('users')
    .values({
      id: u.id,
      username: u.username,
      display_name: u.displayName,
      password_hash: u.passwordHash,
      org_id: u.orgId,
      roles: u.roles,
      locked_until: null,
      must_change_password: u.mustChangePassword ?? false,
    })
    .execute();
}

/** The row as it is before an update, locked so concurrent changes are audited in order. */
export function findUserForUpdate(q: Q, id: string) {
  return q
    .selectFrom('users')
    .select(['username', 'display_name', 'org_id', 'roles', 'active'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

export function updateUserColumns(
  q: Q,
  id: string,
  set: Partial<{
    must_change_password: boolean;
    display_name: string;
    password_hash: string;
    org_id: string;
    roles: string[];
    active: boolean;
  }>,
  now: Date,
) {
  return q
    .updateTable('users')
    .set({ ...set, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/**
 * Counts a failed login atomically (parallel wrong passwords each count) and locks the account
 * when the count reaches the threshold; returns the new count and whether it is now locked.
 */
export async function countFailedLogin(q: Q, id: string, threshold: number, lockUntil: Date) {
  const row = await q
    .updateTable('users')
    .set((eb) => ({ failed_logins: eb('failed_logins', '+', 1) }))
    .where('id', '=', id)
    .returning('failed_logins')
    .executeTakeFirstOrThrow();
  if (row.failed_logins < threshold) return { failed: row.failed_logins, locked: false };
  await q
    .updateTable('users')
    .set({ failed_logins: 0, locked_until: lockUntil })
    .where('id', '=', id)
    .execute();
  return { failed: row.failed_logins, locked: true };
}

export function clearFailedLogins(q: Q, id: string) {
  return q.updateTable('users').set({ failed_logins: 0, locked_until: null }).where('id', '=', id).execute();
}

export function countUsers(q: Q) {
  return q
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
}

// ---- orgs

export function listOrgsInSubtree(q: Q, orgPathPrefix: string) {
  return q
    .selectFrom('orgs')
    .select(['id', 'parent_id', 'kind', 'name', 'code', 'path'])
    .where('path', 'like', `${orgPathPrefix}%`)
    .orderBy('path')
    .execute();
}

export function findOrg(q: Q, id: string) {
  return q
    .selectFrom('orgs')
    .select(['id', 'parent_id', 'kind', 'name', 'code', 'path'])
    .where('id', '=', id)
    .executeTakeFirst();
}
export type OrgRow = NonNullable<Awaited<ReturnType<typeof findOrg>>>;

export function findOrgByCode(q: Q, code: string) {
  return q.selectFrom('orgs').select(['id']).where('code', '=', code).executeTakeFirst();
}

export function insertOrg(
  q: Q,
  o: {
    id: string;
    parentId: string | null;
    kind: string;
    name: string;
    code: string;
    path: string;
    lon?: number | null;
    lat?: number | null;
  },
) {
  return q
    .insertInto('orgs')
    .values({
      id: o.id,
      parent_id: o.parentId,
      kind: o.kind,
      name: o.name,
      code: o.code,
      path: o.path,
      lon: o.lon ?? null,
      lat: o.lat ?? null,
    })
    .execute();
}

// ---- sessions

export function insertSession(
  q: Q,
  s: {
    tokenHash: string;
    userId: string;
    now: Date;
    expiresAt: Date;
    ip: string | null;
    userAgent: string | null;
  },
) {
  return q
    .insertInto('sessions')
    .values({
      token_hash: s.tokenHash,
      user_id: s.userId,
      created_at: s.now,
      last_seen_at: s.now,
      expires_at: s.expiresAt,
      ended_at: null,
      ip: s.ip,
      user_agent: s.userAgent?.slice(0, 300) ?? null,
    })
    .execute();
}

export function findLiveSession(q: Q, tokenHash: string) {
  return q
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.token_hash',
      'sessions.user_id',
      'sessions.last_seen_at',
      'sessions.expires_at',
      'users.active',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.ended_at', 'is', null)
    .executeTakeFirst();
}

export function touchSession(q: Q, tokenHash: string, now: Date) {
  return q.updateTable('sessions').set({ last_seen_at: now }).where('token_hash', '=', tokenHash).execute();
}

export function endSession(q: Q, tokenHash: string, now: Date) {
  return q
    .updateTable('sessions')
    .set({ ended_at: now })
    .where('token_hash', '=', tokenHash)
    .where('ended_at', 'is', null)
    .execute();
}

export async function endSessionsOfUser(q: Q, userId: string, now: Date): Promise<number> {
  const r = await q
    .updateTable('sessions')
    .set({ ended_at: now })
    .where('user_id', '=', userId)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Ends every session of a user but the one given (a password change keeps the session making it). */
export async function endOtherSessionsOfUser(q: Q, userId: string, keepTokenHash: string, now: Date) {
  const r = await q
    .updateTable('sessions')
    .set({ ended_at: now })
    .where('user_id', '=', userId)
    .where('token_hash', '!=', keepTokenHash)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
