import type { FieldError } from './problem.js';

/**
 * A database refusal that a client caused (a constraint the service did not check first) becomes a
 * 4xx naming the constraint in plain words, never a 500. Services check what they can before the
 * write (ids exist and lie in scope); this is the net under them, for both PGlite and PostgreSQL,
 * which report the same SQLSTATE codes.
 */
export interface ClientDbError {
  status: 400 | 409 | 422;
  code: 'conflict' | 'validation';
  detail: { zh: string; en: string };
  errors: FieldError[];
}

interface PgLikeError {
  code?: unknown;
  constraint?: unknown;
  column?: unknown;
  table?: unknown;
}

/** `checkpoints_org_id_fkey` on table `checkpoints` → `orgId`. */
function fieldOf(table: string | undefined, constraint: string | undefined, column: string | undefined) {
  let name = column;
  if (!name && constraint) {
    name = constraint.replace(/_(fkey|key|check|pkey|not_null)$/, '');
    if (table && name.startsWith(`${table}_`)) name = name.slice(table.length + 1);
  }
  return (name ?? '(body)').replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function clientDbError(error: unknown): ClientDbError | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as PgLikeError;
  const sqlState = typeof e.code === 'string' ? e.code : '';
  const constraint = typeof e.constraint === 'string' ? e.constraint : undefined;
  const table = typeof e.table === 'string' ? e.table : undefined;
  const column = typeof e.column === 'string' ? e.column : undefined;
  const field = fieldOf(table, constraint, column);
  const named = constraint ?? column ?? '';
  switch (sqlState) {
    case '23505':
      return {
        status: 409,
        code: 'conflict',
        detail: { zh: `与现有数据重复（${named}）`, en: `Duplicates existing data (${named})` },
        errors: [{ field, rule: 'unique', message: '' }],
      };
    case '23503':
      return {
        status: 422,
        code: 'validation',
        detail: {
          zh: `引用的数据不存在或仍被引用（${named}）`,
          en: `Refers to something that does not exist, or is still referred to (${named})`,
        },
        errors: [{ field, rule: 'reference', message: '' }],
      };
    case '23514':
    case '23502':
      return {
        status: 422,
        code: 'validation',
        detail: { zh: `不符合数据规则（${named}）`, en: `Breaks a data rule (${named})` },
        errors: [{ field, rule: sqlState === '23502' ? 'required' : 'constraint', message: '' }],
      };
    case '22P02': // invalid text representation (a malformed uuid, number…)
    case '22001': // string too long for its column
    case '22003': // numeric value out of range
    case '22007': // invalid datetime format
    case '22008': // datetime field overflow
    case '22021': // character not in repertoire
    case '22P05': // untranslatable character (NUL)
    case '54000': // program limit exceeded (e.g. an index row too large)
      return {
        status: 400,
        code: 'validation',
        detail: {
          zh: '数据格式或大小不被接受',
          en: 'A value has a form or size the database does not accept',
        },
        errors: [{ field, rule: 'invalid_value', message: '' }],
      };
    default:
      return null;
  }
}

/**
 * The database cannot be reached right now (stopped, restarting, failing over, out of
 * connections): the request is answered 503 with Retry-After, never 500. A write cut before its
 * commit is rolled back by the server. (A commit whose answer was lost in the cut may have
 * landed: the 503 does not claim otherwise.) The pool replaces dead connections by itself, so
 * service resumes when the database is back.
 */
export function databaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    // Node socket errors while connecting or talking to the server.
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code))
      return true;
    // SQLSTATE class 08 (connection exception); 57P01–57P03 (admin/crash shutdown, cannot connect
    // now: a server starting, stopping or in recovery); 53300 (too many connections); 25006 (a
    // write reached a hot standby: the primary is gone and the standby not yet promoted).
    if (code.startsWith('08') || ['57P01', '57P02', '57P03', '53300', '25006'].includes(code)) return true;
  }
  // node-postgres reports a connection lost mid-query, or a pool that could not connect in time,
  // with a plain Error and no code.
  const message = (error as { message?: unknown }).message;
  return (
    typeof message === 'string' &&
    /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)/.test(
      message,
    )
  );
}

/** Seconds a client is asked to wait before retrying while the database is unreachable. */
export const DATABASE_RETRY_AFTER_S = 5;
