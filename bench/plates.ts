/**
 * Plate-read benchmark, hit/no-hit:
 *   1. in-process matching against a 100,000-entry hotlist (target ≥ 1,000,000 reads/s);
 *   2. batched HTTP ingest into a real app on 127.0.0.1 for 60 s (--smoke: 3 s) from concurrent
 *      clients in a worker thread (target ≥ 100,000 reads/s sustained), while a console on
 *      /api/live measures the time from sending a hit read to its alert (target p99 ≤ 50 ms);
 *   3. afterwards, a scan of every text column of every table for non-hit plates sent during the
 *      run (must be 0).
 *
 *   npm run bench:plates [-- --smoke] [--seconds N] [--clients N] [--batch N] [--rate READS_PER_S]
 *
 * By default the clients send as fast as the server answers (saturation: the throughput figure).
 * --rate paces them to that many reads/s in all (e.g. --rate 100000, the throughput target), so the
 * hit latency is measured at a stated load rather than in the queue of a saturated server.
 *
 * Database: with DATABASE_URL a throw-away database on that PostgreSQL server, dropped after the run;
 * else PGlite in a fresh directory that is kept and printed (`data_dir`) with a sample non-hit
 * plate, so the database can be searched by hand.
 * BENCH_PROFILE=FILE.cpuprofile writes a CPU profile of the server thread during the HTTP phase.
 * Prints exactly one JSON line on stdout; progress goes to stderr.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { type ActiveHotlistEntry, HotlistMatcher } from '@citywatch/core/perimeter/hotlist';
import { normalisePlate, PROVINCE_ABBREVIATIONS } from '@citywatch/core/perimeter/plates';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import WebSocket from 'ws';
import { buildApp } from '../packages/server/src/app';
import { createInProcessBus } from '../packages/server/src/bus/index';
import { loadConfig } from '../packages/server/src/config';
import { openDatabase } from '../packages/server/src/db/database';
import { migrate } from '../packages/server/src/db/migrate';
import { countRowsContaining } from '../packages/server/src/modules/perimeter/hotlist-store';
import { seedIfEmpty } from '../packages/server/src/seed';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SMOKE = flag('smoke');
const HOTLIST_SIZE = 100_000;
const INPROCESS_READS = SMOKE ? 1_000_000 : 5_000_000;
const HTTP_SECONDS = option('seconds', SMOKE ? 3 : 60);
const CLIENTS = option('clients', 4);
const BATCH = option('batch', 5_000);
/** Reads/s the clients are paced to in all; 0: as fast as the server answers. */
const RATE = option('rate', 0);
const NONHIT_POOL = 100_000;
const CHECKPOINTS = 21;
const HIT_INTERVAL_MS = 100;
const ADMIN_PASSWORD = 'bench-admin-password';

const benchStart = performance.now();
const log = (line: string) =>
  process.stderr.write(`[${((performance.now() - benchStart) / 1000).toFixed(1)} s] ${line}\n`);

// ---- synthetic plates (valid GA 36 forms; never real registrations on purpose: random)

let seed = 0x9e3779b9;
function random(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x1_0000_0000;
}
const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const ALNUM = `0123456789${LETTERS}`;
const pick = (s: string) => s[Math.floor(random() * s.length)];
function syntheticPlate(): string {
  const head = pick(PROVINCE_ABBREVIATIONS) + pick(LETTERS);
  const r = random();
  if (r < 0.8) return head + pick(ALNUM) + pick(ALNUM) + pick(ALNUM) + pick(ALNUM) + pick(ALNUM);
  const digits = () => String(Math.floor(random() * 10_000)).padStart(4, '0');
  if (r < 0.95) return `${head}${pick('DF')}${pick(ALNUM)}${digits()}`;
  return `${head}${digits()}${pick('0123456789')}${pick('DF')}`;
}
function distinctPlates(n: number, exclude: Set<string>): string[] {
  const out = new Set<string>();
  while (out.size < n) {
    const p = syntheticPlate();
    if (!exclude.has(p)) out.add(p);
  }
  return [...out];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

// ---- 1. in-process matching

function inProcessBench(hotlistPlates: string[], nonHits: string[]) {
  const nowMs = Date.now();
  const entries: ActiveHotlistEntry[] = hotlistPlates.map((value, i) => ({
    id: `e${i}`,
    kind: 'plate',
    value,
    category: 'stolen_vehicle',
    activeFromMs: nowMs - 1000,
    expiresAtMs: nowMs + 86_400_000,
  }));
  const matcher = new HotlistMatcher(entries);
  // One read in a thousand hits, as on a real network (most vehicles are on no list).
  const reads = nonHits.slice();
  for (let i = 0; i < reads.length; i += 1000) reads[i] = hotlistPlates[i % hotlistPlates.length];
  const rawReads = reads.map((p, i) => (i % 3 === 0 ? `${p.slice(0, 2)}·${p.slice(2)}` : p));

  let hits = 0;
  for (let i = 0; i < 200_000; i++) hits += matcher.match(reads[i % reads.length], nowMs).length; // warm-up
  hits = 0;
  let start = performance.now();
  for (let i = 0; i < INPROCESS_READS; i++) hits += matcher.match(reads[i % reads.length], nowMs).length;
  const matchSeconds = (performance.now() - start) / 1000;

  const normaliseReads = Math.floor(INPROCESS_READS / 5);
  let normalisedHits = 0;
  start = performance.now();
  for (let i = 0; i < normaliseReads; i++) {
    const r = normalisePlate(rawReads[i % rawReads.length]);
    if (r.ok) normalisedHits += matcher.match(r.plate, nowMs).length;
  }
  const normaliseSeconds = (performance.now() - start) / 1000;
  return {
    inprocess_reads_per_s: Math.round(INPROCESS_READS / matchSeconds),
    inprocess_normalise_and_match_per_s: Math.round(normaliseReads / normaliseSeconds),
    inprocess_hits: hits,
    inprocess_normalised_hits: normalisedHits,
  };
}

// ---- 2. HTTP clients (plain JS in a worker thread, so they do not share the server's event loop)

const CLIENT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, bodies, concurrency, seconds, intervalMs } = workerData;
let reads = 0, requests = 0, errors = 0, firstError = null;
const deadline = Date.now() + seconds * 1000;
async function loop(k) {
  let i = k;
  // Paced: each client sends one batch every intervalMs (staggered), late ones at once.
  let due = Date.now() + (intervalMs * k) / concurrency;
  while (Date.now() < deadline) {
    if (intervalMs > 0) {
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      due += intervalMs;
      if (Date.now() >= deadline) break;
    }
    const [token, body] = bodies[i++ % bodies.length];
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token }, body });
      const json = await res.json();
      if (res.status !== 200) { errors++; firstError ??= res.status + ' ' + JSON.stringify(json).slice(0, 300); continue; }
      reads += json.accepted;
      requests++;
    } catch (e) { errors++; firstError ??= String(e); }
  }
}
const start = Date.now();
Promise.all(Array.from({ length: concurrency }, (_, k) => loop(k))).then(() =>
  parentPort.postMessage({ reads, requests, errors, firstError, elapsedMs: Date.now() - start }));
`;

interface ClientReport {
  reads: number;
  requests: number;
  errors: number;
  firstError: string | null;
  elapsedMs: number;
}

/**
 * With DATABASE_URL, a throw-away database created on that server for the run and dropped after it:
 * the server's own database is never migrated into, and a second run does not find the first
 * run's 100,000 hotlist entries (they used to pile up there, run after run).
 */
async function throwawayPostgres(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const name = `citywatch_bench_plates_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

async function main() {
  const adminUrl = process.env.DATABASE_URL || undefined;
  const throwaway = adminUrl ? await throwawayPostgres(adminUrl) : undefined;
  const databaseUrl = throwaway?.url;
  const dataDir = databaseUrl ? undefined : mkdtempSync(path.join(tmpdir(), 'citywatch-bench-plates-'));
  log(
    `database: ${databaseUrl ? `postgres (throw-away ${new URL(databaseUrl).pathname})` : `pglite at ${dataDir}`}`,
  );

  const hotlistPlates = distinctPlates(HOTLIST_SIZE, new Set());
  const hotset = new Set(hotlistPlates);
  const nonHits = distinctPlates(NONHIT_POOL, hotset);

  log(`in-process: ${INPROCESS_READS} matches against ${HOTLIST_SIZE} entries`);
  const inProcess = inProcessBench(hotlistPlates, nonHits);
  log(`  ${inProcess.inprocess_reads_per_s} matches/s`);

  const db = await openDatabase({ databaseUrl, dataDir });
  await migrate(db);
  const config = { ...loadConfig({ CITYWATCH_DEMO: 'off', LOG_LEVEL: 'warn' } as NodeJS.ProcessEnv) };
  const bus = createInProcessBus();
  const { app, ctx, start } = await buildApp({ config, db, bus });
  await seedIfEmpty(ctx.identity, ADMIN_PASSWORD, () => {});
  const k = db.kysely;
  const admin = await k
    .selectFrom('users')
    .select(['id', 'org_id'])
    .where('username', '=', 'admin')
    .executeTakeFirstOrThrow();
  const approverName = `bench.approver.${Date.now()}`;
  await ctx.identity.createInitialUser({
    username: approverName,
    displayName: '基准审批人',
    password: 'bench-approver-password',
    orgId: admin.org_id,
    roles: ['commander'],
  });
  const approver = await k
    .selectFrom('users')
    .select('id')
    .where('username', '=', approverName)
    .executeTakeFirstOrThrow();

  log(`loading ${HOTLIST_SIZE} hotlist entries into the database`);
  const now = new Date();
  const expires = new Date(now.getTime() + 7 * 86_400_000);
  for (let i = 0; i < hotlistPlates.length; i += 2_000) {
    await k
      .insertInto('hotlist_entries')
      .values(
        hotlistPlates.slice(i, i + 2_000).map((value) => ({
          id: uuidv7(),
          kind: 'plate' as const,
          value,
          category: 'stolen_vehicle' as const,
          legal_basis: '基准测试（合成数据）',
          warrant_ref: null,
          org_id: admin.org_id,
          created_by: admin.id,
          approved_by: approver.id,
          status: 'active' as const,
          expires_at: expires,
          created_at: now,
          approved_at: now,
        })),
      )
      .execute();
  }
  const checkpointIds = Array.from(
    { length: CHECKPOINTS },
    (_, i) => `BENCH-CP-${String(i + 1).padStart(2, '0')}`,
  );
  await k
    .insertInto('checkpoints')
    .values(
      checkpointIds.map((id) => ({
        id,
        name: `${id} 检查站`,
        kind: 'station' as const,
        org_id: admin.org_id,
        city_id: null,
        lon: null,
        lat: null,
      })),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();

  log('hotlist and checkpoints written');
  await app.ready();
  await start({});
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const base = `http://127.0.0.1:${port}`;

  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  const setCookie = login.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0];
  if (login.status !== 200 || !cookie.startsWith('cw_session='))
    throw new Error(`login failed: ${login.status}`);

  // Each checkpoint's camera posts with its own device token (issued through the devices service).
  const cameraTokens: string[] = [];
  for (const checkpointId of checkpointIds) {
    const camera = await ctx.devices.issueForPlatform(
      `bench camera ${checkpointId}`,
      { kind: 'camera', checkpointId },
      admin.org_id,
    );
    cameraTokens.push(camera.token);
  }
  const postReads = async (checkpoint: number, reads: unknown[]) => {
    const r = await fetch(`${base}/api/perimeter/reads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${cameraTokens[checkpoint]}` },
      body: JSON.stringify({ reads }),
    });
    if (r.status !== 200) throw new Error(`ingest answered ${r.status}: ${await r.text()}`);
    return (await r.json()) as { accepted: number; hits: number };
  };

  // The entries were written behind the service's back: tell every node to reload, then wait
  // until a hotlisted plate hits.
  ctx.publish('perimeter.hotlist_changed', null, { entryId: '*', status: 'active' });
  let warmHotlistIndex = HOTLIST_SIZE - 1;
  for (let tries = 0; ; tries++) {
    const r = await postReads(0, [
      {
        plate: hotlistPlates[warmHotlistIndex--],
        at: new Date().toISOString(),
        checkpointId: checkpointIds[0],
        direction: 'in',
        confidence: 1,
      },
    ]);
    if (r.hits > 0) break;
    if (tries > 200) throw new Error('hotlist never loaded');
    await new Promise((r) => setTimeout(r, 50));
  }

  log('hotlist loaded by the app');
  // The console: a WebSocket on /api/live, as a command-centre screen has.
  const console_ = new WebSocket(`ws://127.0.0.1:${port}/api/live`, { headers: { cookie } });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  /** [ms into the HTTP phase, latency ms] of hits slower than 50 ms, for diagnosis on stderr. */
  const slowHits: [number, number][] = [];
  let httpStart = performance.now();
  console_.on('message', (data) => {
    const frame = JSON.parse(String(data)) as {
      kind: string;
      event?: { type: string; payload: { value: string } };
    };
    if (frame.kind !== 'event' || frame.event?.type !== 'perimeter.hotlist_hit') return;
    const t0 = sentAt.get(frame.event.payload.value);
    if (t0 !== undefined) {
      latencies.push(performance.now() - t0);
      if (performance.now() - t0 > 50)
        slowHits.push([Math.round(t0 - httpStart), Math.round(performance.now() - t0)]);
      sentAt.delete(frame.event.payload.value);
    }
  });
  await new Promise<void>((resolve, reject) => {
    console_.once('open', () => resolve());
    console_.once('error', reject);
  });
  console_.send(JSON.stringify({ kind: 'subscribe', types: ['perimeter.hotlist_hit'] }));

  // Request bodies, built once; their reads stay well inside the accepted time window for the run.
  const at = new Date(Date.now() - 1000).toISOString();
  // One camera's batch each: [its token, the body]; the checkpoint comes from the token.
  const bodies: [string, string][] = [];
  for (let offset = 0, b = 0; offset < nonHits.length; offset += BATCH, b++) {
    const reads = nonHits.slice(offset, offset + BATCH).map((plate, i) => ({
      plate,
      at,
      direction: i % 2 === 0 ? 'in' : 'out',
      confidence: 0.9,
    }));
    bodies.push([cameraTokens[b % CHECKPOINTS], JSON.stringify({ reads })]);
  }

  log(
    `HTTP: ${CLIENTS} concurrent clients, ${BATCH} reads a batch, ${HTTP_SECONDS} s${RATE > 0 ? `, paced to ${RATE} reads/s` : ''}`,
  );
  httpStart = performance.now();
  const worker = new Worker(CLIENT_WORKER, {
    eval: true,
    workerData: {
      url: `${base}/api/perimeter/reads`,
      bodies,
      concurrency: CLIENTS,
      seconds: HTTP_SECONDS,
      intervalMs: RATE > 0 ? (1000 * BATCH * CLIENTS) / RATE : 0,
    },
  });
  // BENCH_PROFILE=file.cpuprofile: a CPU profile of the server's thread during the HTTP phase.
  const profiler = process.env.BENCH_PROFILE ? new Session() : null;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const report = new Promise<ClientReport>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });

  // Known hits, injected now and then while the clients run.
  let injected = 0;
  const responseLatencies: number[] = [];
  let hitIndex = 0;
  const deadline = Date.now() + HTTP_SECONDS * 1000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, HIT_INTERVAL_MS));
    const plate = hotlistPlates[hitIndex++];
    sentAt.set(plate, performance.now());
    injected++;
    const t0 = performance.now();
    postReads(hitIndex % CHECKPOINTS, [
      {
        plate,
        at: new Date().toISOString(),
        checkpointId: checkpointIds[hitIndex % CHECKPOINTS],
        direction: 'in',
        confidence: 0.95,
      },
    ])
      .then(() => responseLatencies.push(performance.now() - t0))
      .catch((error: unknown) => log(`hit injection failed: ${(error as Error).message}`));
  }
  const clients = await report;
  if (profiler && process.env.BENCH_PROFILE) {
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(process.env.BENCH_PROFILE, JSON.stringify(profile));
    profiler.disconnect();
  }
  await worker.terminate();
  for (let i = 0; i < 100 && sentAt.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
  console_.close();
  if (clients.errors > 0) log(`client errors: ${clients.errors}, first: ${clients.firstError}`);
  if (slowHits.length > 0)
    log(`hits slower than 50 ms [at ms, latency ms]: ${JSON.stringify(slowHits.slice(0, 40))}`);
  latencies.sort((a, b) => a - b);
  responseLatencies.sort((a, b) => a - b);

  // Shutdown flushes the hourly counters; then look for the non-hit plates everywhere.
  await app.close();
  const volumes = await k
    .selectFrom('checkpoint_volumes')
    .select((eb) => [eb.fn.sum<number>('reads').as('reads'), eb.fn.sum<number>('hits').as('hits')])
    .executeTakeFirstOrThrow();
  const hitRows = await k
    .selectFrom('hotlist_hits')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  // Every non-hit plate of the pool (the bodies sent were cut from it), plus none of the hits.
  const sample = nonHits;
  log(`scanning every text column for ${sample.length} non-hit plates`);
  const storedNonhits = await countRowsContaining(k, sample);
  log('scan done');
  const storedHitsFound = await countRowsContaining(k, [hotlistPlates[0]]);
  await bus.close();
  await db.close();
  await throwaway?.drop();

  const result = {
    bench: 'plates',
    smoke: SMOKE,
    database: db.kind,
    hotlist_entries: HOTLIST_SIZE,
    ...inProcess,
    http_reads_per_s: Math.round(clients.reads / (clients.elapsedMs / 1000)),
    http_rate_paced: RATE > 0 ? RATE : null,
    http_seconds: round(clients.elapsedMs / 1000, 2),
    http_reads: clients.reads,
    http_requests: clients.requests,
    http_errors: clients.errors,
    http_clients: CLIENTS,
    batch_size: BATCH,
    hits_injected: injected,
    hits_alerted: latencies.length,
    hit_to_console_p50_ms: round(percentile(latencies, 50), 2),
    hit_to_console_p99_ms: round(percentile(latencies, 99), 2),
    hit_response_p99_ms: round(percentile(responseLatencies, 99), 2),
    hit_to_console_max_ms: round(latencies[latencies.length - 1] ?? Number.NaN, 2),
    volume_reads_counted: Number(volumes.reads ?? 0),
    volume_hits_counted: Number(volumes.hits ?? 0),
    hit_rows: Number(hitRows.n),
    stored_nonhits: storedNonhits,
    nonhit_plates_scanned: sample.length,
    scan_finds_hit_plate: storedHitsFound > 0,
    sample_nonhit_plate: sample[0],
    data_dir: dataDir ?? null,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // A smoke run leaves nothing behind; a full run keeps its database for searching by hand.
  if (SMOKE && dataDir) rmSync(dataDir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:plates failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
