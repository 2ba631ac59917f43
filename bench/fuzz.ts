/**
 * The long fuzz run: requests generated from the OpenAPI document (packages/server/src/test/fuzz.ts)
 * against the real app with the bundled city, on PGlite (in memory) and/or PostgreSQL (a
 * throw-away database on CITYWATCH_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres,
 * dropped afterwards).
 *
 *   npm run fuzz -- [--requests 10000] [--seed 1] [--db pglite|postgres|both] [--show 20]
 *
 * `--requests` is per database. Prints one JSON line on stdout: requests sent, counts by status
 * class, the operations that answered 5xx (with counts; empty when none did) and the audit chain's
 * verification afterwards, summed over the databases, then the same per database. `--show N`
 * writes up to N failing requests with their answers to stderr (progress goes there too). Exits 0
 * when no answer was a 5xx or a malformed problem and the audit chain holds, 1 otherwise.
 */
import { parseArgs } from 'node:util';
import { verifyAuditChain } from '../packages/server/src/identity/audit.js';
import { createTestApp } from '../packages/server/src/test/app.js';
import { type FuzzReport, prepareFuzzTarget, runFuzz } from '../packages/server/src/test/fuzz.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    db: { type: 'string', default: 'both' },
    show: { type: 'string', default: '10' },
  },
});
const requests = Number(values.requests);
const seed = Number(values.seed);
const show = Number(values.show);
if (!Number.isInteger(requests) || requests < 1) throw new Error('--requests must be a positive integer');
if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
const databases = values.db === 'both' ? ['pglite', 'postgres'] : [values.db ?? 'pglite'];
for (const d of databases) {
  if (d !== 'pglite' && d !== 'postgres') throw new Error(`--db must be pglite, postgres or both, not ${d}`);
}

interface DbResult {
  requests: number;
  byClass: FuzzReport['byClass'];
  fiveHundreds: Record<string, number>;
  malformedProblems: number;
  audit: { ok: boolean; checked: number; problems: unknown[] };
  seconds: number;
}

async function runOn(database: string): Promise<DbResult> {
  process.env.CITYWATCH_TEST_DB = database;
  const started = performance.now();
  const t = await createTestApp();
  try {
    const target = await prepareFuzzTarget(t);
    let last = 0;
    const report = await runFuzz(target, {
      seed,
      requests,
      keepFailures: Math.max(show, 1),
      onProgress: (n) => {
        if (n - last >= 1000 || n === requests) {
          last = n;
          process.stderr.write(`fuzz ${database}: ${n}/${requests}\n`);
        }
      },
    });
    for (const f of report.failures.slice(0, show)) {
      process.stderr.write(
        `FAIL ${database} ${f.operation} [${f.fuzzClass}] ${f.reason}\n  ${f.request}\n  → ${f.response}\n`,
      );
    }
    const audit = await verifyAuditChain(t.ctx.db.kysely);
    return {
      requests: report.requests,
      byClass: report.byClass,
      fiveHundreds: report.fiveHundreds,
      malformedProblems: report.malformedProblems,
      audit: { ok: audit.ok, checked: audit.checked, problems: audit.problems },
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    await t.close();
  }
}

const results: Record<string, DbResult> = {};
for (const database of databases) results[database] = await runOn(database);

const all = Object.values(results);
const fiveHundreds: Record<string, number> = {};
for (const r of all) {
  for (const [op, n] of Object.entries(r.fiveHundreds)) fiveHundreds[op] = (fiveHundreds[op] ?? 0) + n;
}
const sum = (pick: (r: DbResult) => number) => all.reduce((a, r) => a + pick(r), 0);
const line = {
  seed,
  databases,
  requests: sum((r) => r.requests),
  byClass: {
    '2xx': sum((r) => r.byClass['2xx']),
    '3xx': sum((r) => r.byClass['3xx']),
    '4xx': sum((r) => r.byClass['4xx']),
    '5xx': sum((r) => r.byClass['5xx']),
  },
  fiveHundreds,
  malformedProblems: sum((r) => r.malformedProblems),
  audit: {
    ok: all.every((r) => r.audit.ok),
    checked: sum((r) => r.audit.checked),
    problems: all.flatMap((r) => r.audit.problems),
  },
  perDatabase: results,
};
console.log(JSON.stringify(line));
process.exitCode = line.byClass['5xx'] === 0 && line.malformedProblems === 0 && line.audit.ok ? 0 : 1;
