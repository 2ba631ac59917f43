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

// biome-ignore lint/suspicious/noControlCharactersInRegex: characters PostgreSQL cannot store
const UNSTORABLE = /[\u0000]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text as PostgreSQL will give it back: NUL (refused by text and jsonb) and lone surrogates
 * (stored as U+FFFD) are replaced before hashing, so the hash is over exactly what is stored.
 * Requests cannot carry either (the text rule refuses them at the edge); this keeps the chain
 * whole whatever reaches it from elsewhere.
 */
export function storable<T>(value: T): T {
  if (typeof value === 'string') return value.replace(UNSTORABLE, '\uFFFD') as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[storable(k)] = storable(v);
    return out as T;
  }
  return value;
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
 * The canonical JSON of a chained row split around its sequence number: `head + seq + tail` is
 * `canonicalJson(row)` (the keys are fixed and sorted, so `seq` has one place among them).
 */
export function canonicalAroundSeq(row: Omit<ChainedFields, 'seq'>): [head: string, tail: string] {
  const entries = Object.entries({ ...row, seq: 0 })
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const at = entries.findIndex(([k]) => k === 'seq');
  const text = (list: [string, unknown][]) =>
    list.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',');
  const before = text(entries.slice(0, at));
  const after = text(entries.slice(at + 1));
  return [`{${before}${before ? ',' : ''}"seq":`, `${after ? ',' : ''}${after}}`];
}

/**
 * Appends rows to the hash chain inside the caller's transaction, so the audited write and its
 * audit rows commit or roll back together. The advisory lock orders concurrent appenders.
 *
 * The lock is held from here until the caller's commit, and every appender in the city waits for
 * it: each round trip made under it is a turn of a busy node's event loop that all of them wait
 * through (issue 17: on PostgreSQL, hits queued behind each other's audit rows). So under the lock
 * each row costs one statement: it reads the chain's last row itself (a statement after the lock's
 * own, so its snapshot sees the previous holder's commit) and computes seq and hash in SQL
 * (sha256 over the same text chainHash hashes). Callers append last, just before they commit.
 */
export async function appendAudits(
  trx: Transaction<Database>,
  inputs: readonly AuditInput[],
  now: Date,
): Promise<void> {
  if (inputs.length === 0) return;
  await sql`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`.execute(trx);
  for (const input of inputs) {
    const row: Omit<ChainedFields, 'seq'> = {
      at: now.toISOString(),
      userId: input.userId,
      username: storable(input.username),
      action: input.action,
      resource: storable(input.resource),
      purpose: storable(input.purpose ?? null),
      // Round-trip through JSON so what we hash is exactly what jsonb will give back.
      detail: storable(JSON.parse(JSON.stringify(input.detail ?? {}))),
    };
    const [head, tail] = canonicalAroundSeq(row);
    await sql`
      with last as (select seq, hash from audit_log order by seq desc limit 1),
           prev as (select coalesce((select seq from last), 0) + 1 as seq,
                           coalesce((select hash from last), ${GENESIS_HASH}::text) as hash)
      insert into audit_log (seq, at, user_id, username, action, resource, purpose, detail, prev_hash, hash)
      select prev.seq, ${row.at}::timestamptz, ${row.userId}::uuid, ${row.username}::text,
             ${row.action}::text, ${row.resource}::text, ${row.purpose}::text,
             ${JSON.stringify(row.detail)}::jsonb, prev.hash,
             encode(sha256(convert_to(prev.hash || ${`\n${head}`}::text || prev.seq::text || ${tail}::text,
                                      'UTF8')), 'hex')
        from prev`.execute(trx);
  }
}

/** Appends one row to the hash chain inside the caller's transaction (see appendAudits). */
export function appendAudit(trx: Transaction<Database>, input: AuditInput, now: Date): Promise<void> {
  return appendAudits(trx, [input], now);
}

/** Appends in a transaction of its own (for events with no other write: logins, denials, reads). */
export function recordAudit(db: Kysely<Database>, input: AuditInput, now: Date): Promise<void> {
  return db.transaction().execute((trx) => appendAudit(trx, input, now));
}

export type AuditBreak = 'altered' | 'missing' | 'reordered' | 'relinked';

export interface AuditProblem {
  seq: number;
  kind: AuditBreak;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Rows whose content and link both verified. */
  checked: number;
  /** The first bad row and why (null when intact); every bad row is in `problems`. */
  firstBadSeq: number | null;
  reason: string | null;
  problems: AuditProblem[];
}

/** Reported problems stop being collected past this many (the count of rows checked goes on). */
const MAX_PROBLEMS = 1000;

/**
 * Walks the whole chain and reports every bad row, not only the first, with the kind of break:
 * - altered: the row's hash does not match its content (an UPDATE behind the trigger's back);
 * - missing: sequence numbers skip (a DELETE); the row after a gap is judged from its own link;
 * - reordered: a row points at the hash of another row than its predecessor (rows moved);
 * - relinked: a row points at a hash no row has (its predecessor's hash was rewritten).
 * Each row is checked against its own stored predecessor link, so one bad row does not hide the
 * rows after it.
 */
export async function verifyAuditChain(db: Kysely<Database>, batchSize = 5000): Promise<VerifyResult> {
  const problems: AuditProblem[] = [];
  const report = (p: AuditProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const seqOfHash = new Map<string, number>();
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  let afterSeq = 0;
  for (;;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(batchSize)
      .execute();
    if (rows.length === 0) break;
    for (const r of rows) {
      const seq = Number(r.seq);
      afterSeq = seq;
      let bad = false;
      if (seq !== expectedSeq) {
        const last = seq - 1;
        report({
          seq: expectedSeq,
          kind: 'missing',
          reason:
            last === expectedSeq
              ? `row ${expectedSeq} is missing`
              : `rows ${expectedSeq}–${last} are missing`,
        });
      } else if (r.prev_hash !== prevHash) {
        const pointsAt = seqOfHash.get(r.prev_hash);
        report(
          pointsAt !== undefined
            ? { seq, kind: 'reordered', reason: `row ${seq} points at row ${pointsAt}, not row ${seq - 1}` }
            : { seq, kind: 'relinked', reason: `row ${seq} does not point at row ${seq - 1}` },
        );
        bad = true;
      }
      const recomputed = chainHash(r.prev_hash, {
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
        report({ seq, kind: 'altered', reason: `row ${seq} was altered` });
        bad = true;
      }
      if (!bad) checked++;
      seqOfHash.set(r.hash, seq);
      prevHash = r.hash;
      expectedSeq = seq + 1;
    }
  }
  const first = problems[0];
  return {
    ok: problems.length === 0,
    checked,
    firstBadSeq: first?.seq ?? null,
    reason: first?.reason ?? null,
    problems,
  };
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
