/**
 * Dispatch benchmark (issue 4): the real app, in this process, on PGlite (a temp directory) and
 * then on PostgreSQL (a throw-away database on CITYWATCH_TEST_PG_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres, dropped afterwards), under
 *   - 1,000 units each reporting one AVL fix a second from its own AVL terminal (device token bound
 *     to the unit; POST /api/dispatch/avl, one request per unit, in 4 groups a second),
 *   - 20 incidents a second (POST /api/dispatch/incidents), each followed by
 *     GET /api/dispatch/incidents/:id/recommendations,
 *   - 50 console WebSockets on /api/live subscribed to dispatch.incident_changed,
 * for `--seconds` (default 60).
 *
 *   npx tsx bench/dispatch.ts [--seconds 60] [--smoke] [--backends pglite,postgres]
 *                             [--units 1000] [--consoles 50] [--rate 20] [--profile FILE]
 *                             [--sql-profile]
 *
 * `--smoke`: 5 seconds. The clients run in a worker thread (bench/dispatch/client.ts), so they do
 * not share the server's event loop. Figures, per back end:
 *   console_p50_ms / console_p99_ms  incident POST start → its dispatch.incident_changed event at a
 *                                    console, over every incident × console pair
 *   recommend_p99_ms                 GET …/recommendations as the client sees it (HTTP round trip)
 *   recommend_server_p99_ms          DispatchService.recommend inside the server during the run
 *                                    (database reads and graph search, under the load)
 *   recommend_compute_p99_ms         the graph part alone (the unit tracker's many-to-one search
 *                                    plus ranking), timed after the run on 500 random road points
 *   avl_per_s                        AVL fixes the server accepted / run duration
 *   errors                           non-2xx answers + failed requests + WebSocket errors +
 *                                    incident × console events not received within 5 s +
 *                                    scheduled requests not sent because 500 were in flight
 * The top-level figures are the worse of the two back ends. Prints one JSON line on stdout;
 * progress goes to stderr. Exits 0 whether or not targets are met, 1 on a crash.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { largestStronglyConnectedComponent } from '@citywatch/core/roads/ch';
import { buildApp } from '../packages/server/src/app';
import { createInProcessBus } from '../packages/server/src/bus/index';
import { loadConfig } from '../packages/server/src/config';
import { migrate } from '../packages/server/src/db/migrate';
import { ensureBundledCity } from '../packages/server/src/demo';
import type { UnitTracker } from '../packages/server/src/modules/dispatch/tracker';
import { seedIfEmpty } from '../packages/server/src/seed';
import { openThrowawayDb } from '../packages/server/src/test/db';
import {
  type ClientInput,
  type ClientReport,
  type Stats,
  stats,
  type WorkerMessage,
} from './dispatch/client';
import { formatSqlProfile, installSqlProfile, type SqlProfile } from './dispatch/sql-profile';

const ADMIN_PASSWORD = 'bench-dispatch-password';
const EVENT_TIMEOUT_MS = 5_000;
const MAX_IN_FLIGHT = 500;
const AVL_BATCHES = 4;
const COMPUTE_SAMPLES = 500;
const TARGETS = { console_p99_ms: 100, recommend_p99_ms: 5, errors: 0 };

type Backend = 'pglite' | 'postgres';

function log(message: string): void {
  process.stderr.write(`[bench:dispatch] ${message}\n`);
}

function option(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${value}`);
  return n;
}

/** A free port on 127.0.0.1: the app's own origin must be in its live allow-list, which is built from PORT. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface RunOptions {
  seconds: number;
  units: number;
  consoles: number;
  rate: number;
  profile: string | undefined;
  sql: SqlProfile | undefined;
}

interface BackendFigures {
  console_p50_ms: number;
  console_p99_ms: number;
  recommend_p99_ms: number;
  avl_per_s: number;
  errors: number;
  recommend_p50_ms: number;
  recommend_server_p50_ms: number;
  recommend_server_p99_ms: number;
  recommend_compute_p50_ms: number;
  recommend_compute_p99_ms: number;
  incident_post_p50_ms: number;
  incident_post_p99_ms: number;
  avl_post_p50_ms: number;
  avl_post_p99_ms: number;
  console_max_ms: number;
  incidents: number;
  console_events_missed: number;
  avl_rejected: number;
  avl_out_of_order: number;
  http_errors: ClientReport['httpErrors'];
  ws_errors: number;
  skipped_overload: number;
  client_lag_max_ms: number;
  recommendations_empty: number;
  duration_s: number;
  error_kinds: Record<string, number>;
  /** os.loadavg()[0] when the run ended: the machine is shared. */
  load_avg_1m: number;
}

async function runBackend(kind: Backend, options: RunOptions): Promise<BackendFigures> {
  log(`${kind}: opening database`);
  const { db, drop } = await openThrowawayDb(kind, { prefix: 'citywatch_bench', onDisk: true });
  const bus = createInProcessBus();
  let app: Awaited<ReturnType<typeof buildApp>>['app'] | undefined;
  try {
    await migrate(db);
    const port = await freePort();
    const config = {
      ...loadConfig({ CITYWATCH_DEMO: 'off', LOG_LEVEL: 'silent', PORT: String(port) } as NodeJS.ProcessEnv),
      webDist: '/nonexistent',
    };
    const built = await buildApp({ config, db, bus });
    app = built.app;
    const ctx = built.ctx;
    await seedIfEmpty(ctx.identity, ADMIN_PASSWORD, log);
    const importStarted = performance.now();
    await ensureBundledCity(ctx, (line) => log(`${kind}: ${line}`));
    log(`${kind}: city ready in ${Math.round(performance.now() - importStarted)} ms`);
    await built.start({});
    await app.listen({ port, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${port}`;

    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const token = /cw_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
    if (login.status !== 200 || !token)
      throw new Error(`login failed: ${login.status} ${await login.text()}`);
    const cookie = `cw_session=${token}`;

    // Units: the first ones through the API (one a call, as it takes them), the rest through the
    // service directly (setup, not what is measured: each API write also appends to the audit chain).
    const unitIds: string[] = new Array(options.units);
    const createStarted = performance.now();
    const viaApi = Math.min(options.units, 20);
    for (let i = 0; i < options.units; i++) {
      const callSign = `压测${String(i + 1).padStart(4, '0')}`;
      if (i < viaApi) {
        const r = await fetch(`${base}/api/dispatch/units`, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/json' },
          body: JSON.stringify({ callSign, kind: 'patrol_car' }),
        });
        if (r.status !== 201) throw new Error(`unit create failed: ${r.status} ${await r.text()}`);
        unitIds[i] = ((await r.json()) as { id: string }).id;
      } else unitIds[i] = (await ctx.dispatch.createUnit({ callSign, kind: 'patrol_car' })).id;
    }
    // Each unit's AVL terminal: a device token bound to it (positions come from devices only).
    const avlTokens: string[] = [];
    const rootOrg = (await ctx.identity.listOrgsUnscoped())[0].id;
    for (const [i, unitId] of unitIds.entries()) {
      const terminal = await ctx.devices.issueForPlatform(
        `压测终端${String(i + 1).padStart(4, '0')}`,
        { kind: 'avl', unitId },
        rootOrg,
      );
      avlTokens.push(terminal.token);
    }
    const createSeconds = (performance.now() - createStarted) / 1000;
    log(
      `${kind}: ${options.units} units created in ${createSeconds.toFixed(1)} s (${viaApi} through the API)`,
    );

    const city = await ctx.places.city(undefined);
    const graph = city.graph;
    const mask = largestStronglyConnectedComponent(graph);
    const main: number[] = [];
    for (let v = 0; v < graph.nodeCount; v++) if (mask[v]) main.push(v);
    log(
      `${kind}: ${city.name}: ${graph.nodeCount} nodes, ${graph.edgeCount} edges, ${main.length} in the main component`,
    );

    // Server side: time DispatchService.recommend as the route calls it (same instance).
    const serverRecommend: number[] = [];
    let measuring = false;
    const dispatch = ctx.dispatch;
    const original = dispatch.recommend.bind(dispatch);
    dispatch.recommend = async (id, limit) => {
      const t0 = performance.now();
      try {
        return await original(id, limit);
      } finally {
        if (measuring) serverRecommend.push(performance.now() - t0);
      }
    };

    const input: ClientInput = {
      base,
      origin: base,
      cookie,
      unitIds,
      avlTokens,
      nodeLon: graph.nodeLon,
      nodeLat: graph.nodeLat,
      firstOut: graph.firstOut,
      edgeTail: graph.edgeTail,
      edgeHead: graph.edgeHead,
      edgeLength: graph.edgeLength,
      mainNodes: Uint32Array.from(main),
      mainMask: mask,
      seconds: options.seconds,
      consoles: options.consoles,
      incidentsPerSecond: options.rate,
      avlBatches: AVL_BATCHES,
      seed: kind === 'pglite' ? 1 : 2,
      eventTimeoutMs: EVENT_TIMEOUT_MS,
      maxInFlight: MAX_IN_FLIGHT,
    };
    // The worker is TypeScript: register tsx's loader in it before importing the client.
    const clientUrl = new URL('./dispatch/client.ts', import.meta.url).href;
    const worker = new Worker(
      `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(clientUrl)}); });`,
      { eval: true, workerData: input },
    );
    const profiler = options.profile ? new Session() : null;
    let sqlTimer: NodeJS.Timeout | undefined;
    const report = await new Promise<ClientReport>((resolve, reject) => {
      worker.on('message', (m: WorkerMessage) => {
        if (m.kind === 'measuring') {
          measuring = true;
          if (options.sql) {
            const sqlProfile = options.sql;
            sqlProfile.byStatement.clear();
            sqlProfile.enabled = true;
            // Every 15 s, so a load that grows through the run shows where.
            let slice = 0;
            sqlTimer = setInterval(() => {
              slice++;
              log(`${kind}: [${(slice - 1) * 15}–${slice * 15} s] ${formatSqlProfile(sqlProfile, 15, 8)}`);
              sqlProfile.byStatement.clear();
            }, 15_000);
          }
          log(`${kind}: consoles connected, warm-up done; measuring ${options.seconds} s`);
          if (profiler) {
            profiler.connect();
            void profiler.post('Profiler.enable').then(() => profiler.post('Profiler.start'));
          }
        } else if (m.kind === 'done') resolve(m.report);
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`client worker exited (${code}) without a report`)));
    });
    measuring = false;
    if (sqlTimer) clearInterval(sqlTimer);
    if (options.sql) {
      options.sql.enabled = false;
      const rest = report.durationMs / 1000 - 15 * Math.floor(report.durationMs / 15_000);
      if (rest >= 1) log(`${kind}: [rest of the run] ${formatSqlProfile(options.sql, rest, 8)}`);
    }
    if (profiler && options.profile) {
      const { profile } = await profiler.post('Profiler.stop');
      const file = options.profile.replace(/(\.cpuprofile)?$/, `.${kind}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      profiler.disconnect();
      log(`${kind}: CPU profile of the server thread written to ${file}`);
    }
    await worker.terminate();

    // The graph part of a recommendation alone, on a quiet server: the tracker's many-to-one
    // search from every unit's live position, then ranking, as DispatchService.recommend does.
    const computeTimes: number[] = [];
    const trackers = (dispatch as unknown as { trackers: Map<string, Promise<UnitTracker>> }).trackers;
    const tracker = await trackers?.get(city.id);
    if (tracker) {
      let seed = 12345;
      const rnd = () => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed / 4294967296;
      };
      for (let i = 0; i < COMPUTE_SAMPLES + 50; i++) {
        const v = main[Math.floor(rnd() * main.length)];
        const t0 = performance.now();
        const times = tracker.timesTo(graph.nodeLon[v], graph.nodeLat[v]);
        if (times) {
          const ranked = [...times].filter((e) => Number.isFinite(e[1])).sort((a, b) => a[1] - b[1]);
          ranked.length = Math.min(10, ranked.length);
        }
        if (i >= 50) computeTimes.push(performance.now() - t0);
      }
    } else log(`${kind}: could not reach the unit tracker; recommend_compute_* left at 0`);

    const r = report;
    const server = stats(serverRecommend);
    const compute: Stats = stats(computeTimes);
    const errors =
      r.httpErrors.incident +
      r.httpErrors.recommend +
      r.httpErrors.avl +
      r.wsErrors +
      r.consoleMissed +
      r.skippedOverload;
    const figures: BackendFigures = {
      console_p50_ms: r.console.p50,
      console_p99_ms: r.console.p99,
      recommend_p99_ms: r.recommend.p99,
      avl_per_s: Math.round((r.avlAccepted / r.durationMs) * 1000),
      errors,
      recommend_p50_ms: r.recommend.p50,
      recommend_server_p50_ms: server.p50,
      recommend_server_p99_ms: server.p99,
      recommend_compute_p50_ms: compute.p50,
      recommend_compute_p99_ms: compute.p99,
      incident_post_p50_ms: r.incidentPost.p50,
      incident_post_p99_ms: r.incidentPost.p99,
      avl_post_p50_ms: r.avlPost.p50,
      avl_post_p99_ms: r.avlPost.p99,
      console_max_ms: r.console.max,
      incidents: r.incidentsCreated,
      console_events_missed: r.consoleMissed,
      avl_rejected: r.avlRejected,
      avl_out_of_order: r.avlOutOfOrder,
      http_errors: r.httpErrors,
      ws_errors: r.wsErrors,
      skipped_overload: r.skippedOverload,
      client_lag_max_ms: r.schedulerLagMaxMs,
      recommendations_empty: r.recommendationsEmpty,
      duration_s: Math.round(r.durationMs / 100) / 10,
      error_kinds: r.errorKinds,
      load_avg_1m: Math.round(os.loadavg()[0] * 10) / 10,
    };
    log(`${kind}: ${JSON.stringify(figures)}`);
    return figures;
  } finally {
    await app?.close();
    await bus.close();
    await drop();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const smoke = argv.includes('--smoke');
  const options: RunOptions = {
    seconds: positiveInt(option(argv, '--seconds'), smoke ? 5 : 60, '--seconds'),
    units: positiveInt(option(argv, '--units'), 1000, '--units'),
    consoles: positiveInt(option(argv, '--consoles'), 50, '--consoles'),
    rate: positiveInt(option(argv, '--rate'), 20, '--rate'),
    profile: option(argv, '--profile'),
    sql: argv.includes('--sql-profile') ? installSqlProfile() : undefined,
  };
  const backends = (option(argv, '--backends') ?? 'pglite,postgres').split(',').map((s) => s.trim());
  for (const b of backends)
    if (b !== 'pglite' && b !== 'postgres') throw new Error(`unknown back end ${b} (pglite, postgres)`);

  const results: Partial<Record<Backend, BackendFigures>> = {};
  for (const b of backends as Backend[]) results[b] = await runBackend(b, options);
  const all = Object.values(results) as BackendFigures[];
  const worst = (key: 'console_p50_ms' | 'console_p99_ms' | 'recommend_p99_ms' | 'errors') =>
    Math.max(...all.map((f) => f[key]));
  const line = {
    console_p50_ms: worst('console_p50_ms'),
    console_p99_ms: worst('console_p99_ms'),
    recommend_p99_ms: worst('recommend_p99_ms'),
    avl_per_s: Math.min(...all.map((f) => f.avl_per_s)),
    errors: worst('errors'),
    ...results,
    seconds: options.seconds,
    units: options.units,
    consoles: options.consoles,
    incidents_per_s: options.rate,
    targets: TARGETS,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[bench:dispatch] failed: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
