/**
 * Bench-only: time every SQL statement the server runs, grouped by statement text, by wrapping
 * PGlite.prototype.query and pg.Client.prototype.query in this process. On PGlite the statements
 * run one at a time (one session behind a mutex), so their summed time is the database's busy time.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export interface SqlProfile {
  /** Statement (whitespace collapsed, first 110 characters) → count and total ms. */
  byStatement: Map<string, { count: number; ms: number }>;
  enabled: boolean;
}

export function installSqlProfile(): SqlProfile {
  const profile: SqlProfile = { byStatement: new Map(), enabled: false };
  const note = (text: unknown, ms: number) => {
    if (!profile.enabled) return;
    const key = String(typeof text === 'object' && text ? (text as { text?: string }).text : text)
      .replace(/\s+/g, ' ')
      .slice(0, 110);
    const entry = profile.byStatement.get(key) ?? { count: 0, ms: 0 };
    entry.count++;
    entry.ms += ms;
    profile.byStatement.set(key, entry);
  };
  const wrap = (proto: { query: (...args: unknown[]) => unknown }) => {
    const original = proto.query;
    proto.query = function (this: unknown, ...args: unknown[]) {
      const t0 = performance.now();
      const result = original.apply(this, args);
      if (result && typeof (result as Promise<unknown>).then === 'function')
        (result as Promise<unknown>).then(
          () => note(args[0], performance.now() - t0),
          () => note(args[0], performance.now() - t0),
        );
      return result;
    };
  };
  wrap(PGlite.prototype as unknown as { query: (...args: unknown[]) => unknown });
  wrap(pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown });
  return profile;
}

export function formatSqlProfile(profile: SqlProfile, seconds: number, top = 15): string {
  const rows = [...profile.byStatement].sort((a, b) => b[1].ms - a[1].ms).slice(0, top);
  const total = [...profile.byStatement.values()].reduce((s, e) => s + e.ms, 0);
  const lines = [
    `SQL: ${Math.round(total)} ms summed over ${seconds} s (per statement: count/s, mean ms, share)`,
  ];
  for (const [sql, e] of rows)
    lines.push(
      `  ${(e.count / seconds).toFixed(0).padStart(6)}/s ${(e.ms / e.count).toFixed(2).padStart(7)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  ${sql}`,
    );
  return lines.join('\n');
}
