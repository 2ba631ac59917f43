import { createHash } from 'node:crypto';
import type { AuditAction, AuditEntry } from '@citywatch/core/identity/schemas';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  userId: string | null;
  username: string | null;
  action: AuditAction;
  /** What was touched, e.g. `POST /api/users` or `user:0190…`. */
  resource: string;
  /** Why, as the user stated it (required for personal-data reads). */
  purpose?: string | null;
  detail?: Record<string, unknown>;
}

/** JSON with object keys sorted at every depth: the same row always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

interface ChainedFields {
  seq: number;
  at: string;
  userId: string | null;
  username: string | null;
  action: string;
  resource: string;
  purpose: string | null;
  detail: Record<string, unknown>;
}

export function chainHash(prevHash: string, row: ChainedFields): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(row)).digest('hex');
}

// Any constant; serialises appends across API nodes sharing one PostgreSQL.
const AUDIT_LOCK_KEY = 5_550_110;

/**
 * Appends one row to the hash chain inside the caller's transaction, so the audited write and its
 * audit row commit or roll back together. The advisory lock orders concurrent appenders.
 */
export async function appendAudit(trx: Transaction<Database>, input: AuditInput, now: Date): Promise<void> {
  await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(trx);
  const last = await trx
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const seq = last ? Number(last.seq) + 1 : 1;
  const prevHash = last?.hash ?? GENESIS_HASH;
  const row: ChainedFields = {
    seq,
    at: now.toISOString(),
    userId: input.userId,
    username: input.username,
    action: input.action,
    resource: input.resource,
    purpose: input.purpose ?? null,
    // Round-trip through JSON so what we hash is exactly what jsonb will give back.
    detail: JSON.parse(JSON.stringify(input.detail ?? {})),
  };
  await trx
    .insertInto('audit_log')
    .values({
      seq,
      at: row.at,
      user_id: row.userId,
      username: row.username,
      action: row.action,
      resource: row.resource,
      purpose: row.purpose,
      detail: JSON.stringify(row.detail),
      prev_hash: prevHash,
      hash: chainHash(prevHash, row),
    })
    .execute();
}

/** Appends in a transaction of its own (for events with no other write: logins, denials, reads). */
export function recordAudit(db: Kysely<Database>, input: AuditInput, now: Date): Promise<void> {
  return db.transaction().execute((trx) => appendAudit(trx, input, now));
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  firstBadSeq: number | null;
  reason: string | null;
}

/**
 * Walks the chain from the first row: sequence numbers must be gap-free from 1, each row must point
 * at its predecessor's hash, and each hash must match the row's content.
 */
export async function verifyAuditChain(db: Kysely<Database>, batchSize = 5000): Promise<VerifyResult> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>=', expectedSeq)
      .orderBy('seq')
      .limit(batchSize)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== expectedSeq) {
        return { ok: false, checked, firstBadSeq: expectedSeq, reason: `row ${expectedSeq} is missing` };
      }
      if (r.prev_hash !== prevHash) {
        return {
          ok: false,
          checked,
          firstBadSeq: seq,
          reason: `row ${seq} does not point at row ${seq - 1}`,
        };
      }
      const recomputed = chainHash(prevHash, {
        seq,
        at: new Date(r.at).toISOString(),
        userId: r.user_id,
        username: r.username,
        action: r.action,
        resource: r.resource,
        purpose: r.purpose,
        detail: r.detail,
      });
      if (recomputed !== r.hash) {
        return { ok: false, checked, firstBadSeq: seq, reason: `row ${seq} was altered` };
      }
      prevHash = r.hash;
      expectedSeq = seq + 1;
      checked++;
    }
  }
  return { ok: true, checked, firstBadSeq: null, reason: null };
}

export function presentAuditRow(r: {
  seq: number;
  at: Date | string;
  user_id: string | null;
  username: string | null;
  action: string;
  resource: string;
  purpose: string | null;
  detail: Record<string, unknown>;
  hash: string;
}): AuditEntry {
  return {
    seq: Number(r.seq),
    at: new Date(r.at).toISOString(),
    userId: r.user_id,
    username: r.username,
    action: r.action as AuditAction,
    resource: r.resource,
    purpose: r.purpose,
    detail: r.detail,
    hash: r.hash,
  };
}
