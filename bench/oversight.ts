/**
 * Oversight benchmark (issue 12): the explosives ledger.
 *
 *   npx tsx bench/oversight.ts [--smoke] [--postings 30000] [--batch 1000] [--single 3000]
 *       [--concurrency 8] [--crews 320] [--backends pglite,postgres]
 *
 * 1. Postings per second through the service's posting transaction (LedgerPoster, as the server's
 *    POST /api/explosives/movements runs it), each posting a transfer of 20 detonator codes: a third
 *    receipts from the supplier, a third issues to crews, a third firings. Postings are sent
 *    `--batch` to a transaction (the route takes up to 1,000 a request); each is still decided and
 *    refused on its own. On PGlite and on PostgreSQL (a throw-away database on
 *    CITYWATCH_TEST_PG_URL, dropped afterwards). Then `--single` postings each in its own
 *    transaction (one request with one movement), one after the other and `--concurrency` books
 *    at once; with the statements each transaction sent (the machine's load average is printed
 *    beside: the figures are wall-clock on a shared machine).
 * 2. Reconciliation of a generated year (`--crews 320` ≈ 1,004,000 movements, planted faults): the
 *    reconcile command's path (CSV text → in-memory PGlite → the service), seconds and peak RSS,
 *    and whether the report equals the planted one; the same walk over the in-memory core book.
 *
 * `--smoke` runs 3,000 postings and a 20-day year. One JSON line on stdout; progress on stderr.
 */
import { loadavg } from 'node:os';
import { formatCountsCsv, formatMovementsCsv } from '@citywatch/core/explosives/csv';
import { generateYear } from '@citywatch/core/explosives/generator';
import type { MovementInput } from '@citywatch/core/explosives/ledger';
import { MemoryBook, type ReconcileReport, reconcile } from '@citywatch/core/explosives/reconcile';
import type { QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { transactWithoutOutbox } from '../packages/server/src/bus/outbox.js';
import type { Db } from '../packages/server/src/db/database';
import { migrate } from '../packages/server/src/db/migrate';
import { identityModule } from '../packages/server/src/identity/module';
import { reconcileFiles } from '../packages/server/src/modules/explosives/cli';
import { explosivesModule } from '../packages/server/src/modules/explosives/module';
import { ExplosivesService } from '../packages/server/src/modules/explosives/service';
import { openThrowawayDb } from '../packages/server/src/test/db';

const TARGET_PER_S = 5_000;

function log(message: string): void {
  process.stderr.write(`[bench:oversight] ${message}\n`);
}
function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
sampler.unref();

/** Receipts, issues and firings of 20 codes each, in that order per lot (`prefix` keeps streams' codes apart). */
function postings(n: number, prefix = '9'): MovementInput[] {
  const out: MovementInput[] = [];
  const time = '2026-11-28T09:00:00+08:00';
  for (let lot = 0; out.length < n; lot++) {
    const codes = Array.from(
      { length: 20 },
      (_, i) =>
        `${prefix}${(lot * 20 + i)
          .toString(36)
          .toUpperCase()
          .padStart(13 - prefix.length, '0')}`,
    );
    const crew = `crew:C${lot % 50}`;
    const base = { time, product: 'EDET-8M', quantity: 20, serials: codes };
    out.push({ ...base, id: `r${lot}`, from: 'supplier:ACME', to: `magazine:M${lot % 4}` });
    out.push({ ...base, id: `i${lot}`, from: `magazine:M${lot % 4}`, to: crew });
    out.push({ ...base, id: `f${lot}`, from: crew, to: `consumed:SITE-${lot % 7}` });
  }
  return out.slice(0, n);
}

/** Counts the statements the service sends (BEGIN and COMMIT are not seen by Kysely's plugins). */
function statementCounter() {
  const counter = {
    statements: 0,
    plugin: {
      transformQuery: (args: { node: RootOperationNode }) => {
        counter.statements++;
        return args.node;
      },
      transformResult: async (args: { result: QueryResult<UnknownRow> }) => args.result,
    },
  };
  return counter;
}

/**
 * Postings through the service: `batch` postings per transaction (1: each its own, as one request
 * with one movement), `concurrency` streams at once, each in a book of its own (as many
 * enterprises posting at the same time do; within a book, postings over the same accounts queue
 * on their row locks).
 */
async function postingRate(kind: 'pglite' | 'postgres', n: number, batch: number, concurrency: number) {
  const { db, drop } = await openThrowawayDb(kind, { prefix: 'citywatch_bench' });
  try {
    await migrate(db, [identityModule.migrations, explosivesModule.migrations] as string[]);
    const orgId = uuidv7();
    await db.kysely
      .insertInto('orgs')
      .values({
        id: orgId,
        parent_id: null,
        kind: 'city_bureau',
        name: 'bench',
        code: 'BENCH',
        path: `/${orgId}/`,
      })
      .execute();
    const counter = statementCounter();
    const counted = { ...db, kysely: db.kysely.withPlugin(counter.plugin) } as Db;
    const service = new ExplosivesService({
      db: counted,
      now: () => new Date(),
      publish: () => {},
      transact: transactWithoutOutbox(counted, () => {}),
    });
    await service.putProduct({ code: 'EDET-8M', name: 'electronic detonator', kind: 'itemised' });
    const per = Math.ceil(n / concurrency);
    const streams = Array.from({ length: concurrency }, (_, s) => ({
      book: { enterpriseId: `bench-${s}`, orgId },
      all: postings(
        Math.min(per, n - s * per),
        `${'9ABCDEFGHJKLMNPQRSTUVWXYZ'[s % 25]}${Math.floor(s / 25)}`,
      ),
    }));
    let posted = 0;
    counter.statements = 0;
    const started = performance.now();
    await Promise.all(
      streams.map(async ({ book, all }) => {
        for (let i = 0; i < all.length; i += batch) {
          const out = await service.post(null, book, all.slice(i, i + batch), false);
          posted += out.posted.length;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const transactions = streams.reduce((t, s) => t + Math.ceil(s.all.length / batch), 0);
    let balanced = true;
    for (const s of streams) balanced &&= await service.balanced(s.book);
    log(`${kind}: ${posted} postings (batch ${batch}, ${concurrency} at once) in ${seconds.toFixed(2)} s`);
    return {
      postings: posted,
      batch,
      concurrency,
      seconds: round(seconds),
      per_s: Math.round(posted / seconds),
      // Kysely statements plus BEGIN and COMMIT, per transaction.
      statements_per_transaction: round(counter.statements / transactions + 2, 1),
      balanced,
    };
  } finally {
    await drop();
  }
}

function round(x: number, digits = 2) {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

function sameReport(a: ReconcileReport, b: ReconcileReport): boolean {
  const norm = (r: ReconcileReport) =>
    JSON.stringify({
      ...r,
      refused: [...r.refused].sort((x, y) => x.id.localeCompare(y.id)),
      variances: [...r.variances].sort((x, y) =>
        `${x.date}${x.account}${x.product}`.localeCompare(`${y.date}${y.account}${y.product}`),
      ),
      serial_anomalies: [...r.serial_anomalies].sort((x, y) => x.serial.localeCompare(y.serial)),
      overdue_transit: [...r.overdue_transit].sort((x, y) => x.id.localeCompare(y.id)),
    });
  return norm(a) === norm(b);
}

async function main() {
  const smoke = process.argv.includes('--smoke');
  const n = Number(option('--postings') ?? (smoke ? 3_000 : 30_000));
  const single = Number(option('--single') ?? (smoke ? 300 : 3_000));
  const batch = Number(option('--batch') ?? 1_000);
  const concurrency = Number(option('--concurrency') ?? 8);
  const backends = (option('--backends') ?? 'pglite,postgres').split(',');
  const result: Record<string, unknown> = { serials_per_posting: 20, batch, target_per_s: TARGET_PER_S };
  for (const b of backends) {
    if (b !== 'pglite' && b !== 'postgres') throw new Error(`unknown back end ${b}`);
    // Batched (the figure the target is held to), then single postings one by one and concurrently.
    result[b] = {
      ...(await postingRate(b, n, batch, 1)),
      single: await postingRate(b, single, 1, 1),
      single_concurrent: await postingRate(b, single, 1, concurrency),
    };
  }
  result.load_average_1m = round(loadavg()[0] ?? 0, 1);

  const crews = Number(option('--crews') ?? (smoke ? 2 : 320));
  const days = smoke ? 20 : 365;
  log(`generating ${days} days with ${crews} crews`);
  const year = generateYear({ seed: 2026, days, crews, faults: smoke ? 1 : 5 });
  const movementsCsv = formatMovementsCsv(year.movements);
  const countsCsv = formatCountsCsv(year.counts);
  const now = new Date('2026-11-29T12:00:00Z');
  log(`${year.movements.length} movements; reconciling in memory`);
  const memStarted = performance.now();
  const memReport = await reconcile(year.movements, year.counts, new MemoryBook(), { now });
  const memorySeconds = (performance.now() - memStarted) / 1000;
  log(`in memory: ${memorySeconds.toFixed(1)} s; reconciling through the service on PGlite`);
  year.movements.length = 0; // the command reads its own copy from the CSV text
  const rssBefore = process.memoryUsage().rss;
  peakRss = rssBefore;
  const run = await reconcileFiles(movementsCsv, countsCsv, { now, batch: 5_000 });
  result.reconcile = {
    // The command's default walk: batches across days, counts checked from the journal at the end
    // (`--daily` is the day-by-day walk).
    walk: 'bulk',
    movements: run.report.movements,
    seconds: round(run.seconds, 1),
    peak_rss_mb: Math.round(peakRss / 1_048_576),
    found_planted_only: sameReport(run.report, year.expected),
    balanced: run.report.balanced,
    refused: run.report.refused.length,
    variances: run.report.variances.length,
    serial_anomalies: run.report.serial_anomalies.length,
    overdue_transit: run.report.overdue_transit.length,
    in_memory_seconds: round(memorySeconds, 1),
    in_memory_found_planted_only: sameReport(memReport, year.expected),
  };
  result.postings_per_s_min = Math.min(...backends.map((b) => (result[b] as { per_s: number }).per_s));
  result.within_target = (result.postings_per_s_min as number) >= TARGET_PER_S;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
