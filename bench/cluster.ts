/**
 * Cluster benchmark (issue 17): the cluster of scripts/cluster/lib.mjs (API nodes behind HAProxy,
 * NATS JetStream ×3 with the stream R3, PostgreSQL primary + streaming standby), loaded through
 * HAProxy from this process:
 *   - `--units` units each reporting one AVL fix a second from its own AVL terminal (a device token
 *     bound to the unit; one POST /api/dispatch/avl per unit, spread over the second);
 *   - `--rate` calls a second (POST /api/dispatch/incidents), each followed by
 *     GET …/recommendations once answered;
 *   - `--consoles` console WebSockets on /api/live (HAProxy spreads them over the nodes, leastconn),
 *     subscribed to dispatch.incident_changed;
 * for `--seconds`, with API node 1 killed -9 at half time.
 *
 *   npx tsx bench/cluster.ts [--smoke] [--head] [--nodes 3] [--units 10000] [--rate 50]
 *                            [--consoles 200] [--seconds 120]
 *
 * Figures (one JSON line on stdout; progress on stderr):
 *   console_p99_ms            POST start → the event at a console, over every incident × console
 *                             pair where the console stayed connected (not the killed node's)
 *   recommend_p99_ms          GET …/recommendations as the client sees it
 *   avl_per_s                 fixes the nodes accepted / duration; avl_skipped: fixes not sent
 *                             because `MAX_IN_FLIGHT` requests were outstanding (the client or the
 *                             cluster could not keep up)
 *   errors                    non-2xx answers and failed requests (incidents, recommendations,
 *                             AVL) + events a connected console never received
 *   errors_during_failover    of those, the ones in the 10 s after the kill
 *   failover_s                kill → every console subscribed again (through HAProxy)
 *   events_missed_after_resume  events for incidents acknowledged while a console was away that
 *                             it never received after reconnecting
 *   acked_lost                acknowledged incidents missing from the database afterwards
 * `--follow`: the per-node cost of following every AVL fix (no cluster; see followCost).
 * `--smoke`: 2 nodes, 100 units, 4 calls/s, 12 consoles, 24 s (for npm test; < 90 s of load plus
 * the cluster's start). `--head` runs the nodes on a copy of the last commit. Exits 0 whether or
 * not targets are met, 1 on a crash.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

interface Acked {
  id: string;
  t0: number;
  tAck: number;
}
interface PgHandle {
  psql(sql: string): string;
}
interface Cluster {
  base: string;
  primary: PgHandle;
  parts: { api: { kill9(): Promise<unknown>; running: boolean }[] };
  stop(): Promise<void>;
}
interface ConsolesT {
  list: { readyAt: number; drops: number }[];
  latency: number[];
  postedAt: Map<string, number>;
  waitAllReady(timeoutMs?: number): Promise<boolean>;
  missed(
    acked: Acked[],
    graceMs?: number,
  ): { steady: number; steadyPairs: number; gap: number; gapPairs: number };
  close(): void;
}
interface Lib {
  startCluster(o: { nodes: number; head?: boolean; log?: (l: string) => void }): Promise<Cluster>;
  stopAll(): Promise<void>;
  login(base: string): Promise<string>;
}
interface Load {
  Consoles: new (base: string, cookie: string, n: number) => ConsolesT;
  p99(values: number[]): number | null;
  missingFromDb(pg: PgHandle, acked: Acked[]): Acked[];
}

const TARGETS = { console_p99_ms: 100, recommend_p99_ms: 20, errors: 0, events_missed_after_resume: 0 };
const MAX_IN_FLIGHT = 400;
const SETUP_CONCURRENCY = 16;

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const num = (name: string, fallback: number) => {
  const at = argv.indexOf(name);
  if (at < 0) return fallback;
  const n = Number(argv[at + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
};
const nodes = num('--nodes', smoke ? 2 : 3);
const unitsN = num('--units', smoke ? 100 : 10_000);
const rate = num('--rate', smoke ? 4 : 50);
const consolesN = num('--consoles', smoke ? 12 : 200);
const seconds = num('--seconds', smoke ? 24 : 120);
const log = (line: string) => process.stderr.write(`[bench:cluster] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number | null, d = 1) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);

const here = path.dirname(new URL(import.meta.url).pathname);
const libUrl = pathToFileURL(path.join(here, '../scripts/cluster/lib.mjs')).href;
const loadUrl = pathToFileURL(path.join(here, '../scripts/cluster/load.mjs')).href;
const lib = (await import(libUrl)) as Lib;
const load = (await import(loadUrl)) as Load;

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 9_500).unref();
    await lib.stopAll();
    process.exit(1);
  });
}

async function pool<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

async function main() {
  const t0 = performance.now();
  const cluster = await lib.startCluster({ nodes, head: argv.includes('--head'), log });
  try {
    const base = cluster.base;
    const cookie = await lib.login(base);
    const json = { cookie, 'content-type': 'application/json', origin: base };
    const map = (await (await fetch(`${base}/api/public/map`)).json()) as {
      center: { lon: number; lat: number };
      bounds: { minLon: number; minLat: number; maxLon: number; maxLat: number };
    };
    const { center } = map;

    // Units and their AVL terminals, through the API.
    const setupStart = performance.now();
    // Setup waits out 503s (Retry-After) rather than failing: it is not what is measured.
    const post = async (url: string, body: unknown) => {
      for (let attempt = 0; ; attempt++) {
        const r = await fetch(`${base}${url}`, { method: 'POST', headers: json, body: JSON.stringify(body) });
        if (r.status !== 503 || attempt >= 20) return r;
        await r.arrayBuffer();
        await sleep(1_000 * Number(r.headers.get('retry-after') ?? 1));
      }
    };
    const terminals = await pool(unitsN, SETUP_CONCURRENCY, async (i) => {
      const u = await post('/api/dispatch/units', {
        callSign: `集群${String(i + 1).padStart(5, '0')}`,
        kind: 'patrol_car',
      });
      if (u.status !== 201) throw new Error(`unit create failed: ${u.status} ${await u.text()}`);
      const unitId = ((await u.json()) as { id: string }).id;
      const d = await post('/api/devices', {
        kind: 'avl',
        name: `集群终端${String(i + 1).padStart(5, '0')}`,
        unitId,
      });
      if (d.status !== 201) throw new Error(`device issue failed: ${d.status} ${await d.text()}`);
      return { unitId, token: ((await d.json()) as { token: string }).token };
    });
    log(`${unitsN} units and terminals in ${round((performance.now() - setupStart) / 1000)} s`);

    const consoles = new load.Consoles(base, cookie, consolesN);
    if (!(await consoles.waitAllReady(120_000))) throw new Error('consoles did not all subscribe');

    // Load.
    let inFlight = 0;
    const acked: Acked[] = [];
    const recommend: number[] = [];
    const errorAt: number[] = [];
    const errorKinds: Record<string, number> = {};
    let avlAccepted = 0;
    let avlSkipped = 0;
    const noteError = (kind: string) => {
      errorAt.push(performance.now());
      errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
    };
    const lon = new Float64Array(unitsN).map(() => center.lon + (Math.random() - 0.5) * 0.03);
    const lat = new Float64Array(unitsN).map(() => center.lat + (Math.random() - 0.5) * 0.03);
    const sendFix = async (i: number) => {
      if (inFlight >= MAX_IN_FLIGHT) {
        avlSkipped++;
        return;
      }
      inFlight++;
      lon[i] += (Math.random() - 0.5) * 0.0002;
      lat[i] += (Math.random() - 0.5) * 0.0002;
      try {
        const r = await fetch(`${base}/api/dispatch/avl`, {
          method: 'POST',
          headers: { authorization: `Bearer ${terminals[i].token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            positions: [
              {
                unitId: terminals[i].unitId,
                at: new Date().toISOString(),
                lon: Math.round(lon[i] * 1e7) / 1e7,
                lat: Math.round(lat[i] * 1e7) / 1e7,
                heading: 90,
                speed: 10,
              },
            ],
          }),
        });
        const body = (await r.json().catch(() => null)) as { accepted?: number } | null;
        if (r.status >= 200 && r.status < 300) avlAccepted += body?.accepted ?? 0;
        else noteError(`avl ${r.status}`);
      } catch {
        noteError('avl network');
      } finally {
        inFlight--;
      }
    };
    const sendCall = async () => {
      if (inFlight >= MAX_IN_FLIGHT) {
        noteError('call skipped (in flight)');
        return;
      }
      inFlight++;
      const start = performance.now();
      try {
        const r = await fetch(`${base}/api/dispatch/incidents`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({
            category: 'public_order',
            subcategory: 'fight',
            priority: 'P2',
            lon: center.lon + (Math.random() - 0.5) * 0.02,
            lat: center.lat + (Math.random() - 0.5) * 0.02,
            narrative: '集群压测',
          }),
        });
        const text = await r.text();
        if (r.status !== 201) {
          noteError(`incident ${r.status}`);
          return;
        }
        const id = (JSON.parse(text) as { incident: { id: string } }).incident.id;
        consoles.postedAt.set(id, start);
        acked.push({ id, t0: start, tAck: performance.now() });
        const r0 = performance.now();
        const rec = await fetch(`${base}/api/dispatch/incidents/${id}/recommendations`, {
          headers: { cookie },
        });
        await rec.arrayBuffer();
        if (rec.status === 200) recommend.push(performance.now() - r0);
        else noteError(`recommendations ${rec.status}`);
      } catch {
        noteError('incident network');
      } finally {
        inFlight--;
      }
    };

    log(
      `load: ${unitsN} units at 1 fix/s, ${rate} calls/s, ${consolesN} consoles, ${seconds} s, ${nodes} nodes`,
    );
    const loadStart = performance.now();
    const slices = 10;
    let unitCursor = 0;
    const avlTimer = setInterval(() => {
      const n = Math.ceil(unitsN / slices);
      for (let k = 0; k < n && unitCursor < unitsN; k++) void sendFix(unitCursor++);
      if (unitCursor >= unitsN) unitCursor = 0;
    }, 1000 / slices);
    const callTimer = setInterval(() => void sendCall(), 1000 / rate);
    await sleep((seconds * 1000) / 2);
    const killAt = performance.now();
    await cluster.parts.api[0].kill9();
    log(`api-1 killed at ${round((killAt - loadStart) / 1000)} s`);
    const back = await consoles.waitAllReady((seconds * 1000) / 2);
    const backAt = performance.now();
    const remaining = (seconds * 1000) / 2 - (backAt - killAt);
    if (remaining > 0) await sleep(remaining);
    clearInterval(avlTimer);
    clearInterval(callTimer);
    const loadSeconds = (performance.now() - loadStart) / 1000;
    while (inFlight > 0) await sleep(50);
    await sleep(3_000);

    const m = consoles.missed(acked);
    const dropped = consoles.list.filter((c) => c.drops > 0).length;
    const lastReady = Math.max(...consoles.list.map((c) => c.readyAt));
    const lost = load.missingFromDb(cluster.primary, acked).length;
    const duringFailover = errorAt.filter((t) => t >= killAt && t <= killAt + 10_000).length;
    const errors = errorAt.length + m.steady;
    const result = {
      bench: 'cluster',
      smoke,
      nodes,
      units: unitsN,
      calls_per_s: rate,
      consoles: consolesN,
      seconds: round(loadSeconds),
      console_p99_ms: round(load.p99(consoles.latency)),
      recommend_p99_ms: round(load.p99(recommend)),
      avl_per_s: round(avlAccepted / loadSeconds),
      avl_skipped: avlSkipped,
      incidents_acked: acked.length,
      errors,
      error_kinds: errorKinds,
      errors_during_failover: duringFailover,
      events_missed_steady: m.steady,
      consoles_dropped: dropped,
      failover_s: back ? (dropped ? round((lastReady - killAt) / 1000) : 0) : null,
      events_missed_after_resume: m.gap,
      acked_lost: lost,
      load_average: (await import('node:os')).loadavg().map((x) => round(x, 2)),
      total_s: round((performance.now() - t0) / 1000),
      targets: TARGETS,
    };
    consoles.close();
    return result;
  } finally {
    await cluster.stop();
  }
}

/**
 * `--follow`: what following the AVL stream costs one node (PositionFollower, issue 17): every node
 * applies every fix (`dispatch.unit_changed` with fixAt) to its unit tracker. Here, in this process:
 * the bundled city on an embedded database, one tracker with `--units` units, and `--seconds` rounds
 * of one fix per unit delivered as the NATS bus does (JSON decoded, fanned out, applied). Figures:
 * CPU ms per 1,000 fixes and the share of one core a node spends at `--units` fixes a second.
 */
async function followCost() {
  const { buildApp } = await import('../packages/server/src/app');
  const { createInProcessBus } = await import('../packages/server/src/bus/index');
  const { parseDomainEvent, createEvent } = await import('@citywatch/core/events/bus');
  const { loadConfig } = await import('../packages/server/src/config');
  const { migrate } = await import('../packages/server/src/db/migrate');
  const { ensureBundledCity } = await import('../packages/server/src/demo');
  const { UnitTracker } = await import('../packages/server/src/modules/dispatch/tracker');
  const { PositionFollower } = await import('../packages/server/src/modules/dispatch/tracker-follow');
  const { openThrowawayDb } = await import('../packages/server/src/test/db');
  const { largestStronglyConnectedComponent } = await import('@citywatch/core/roads/ch');
  const units = argv.includes('--units') ? unitsN : 10_000;
  const rounds = argv.includes('--seconds') ? seconds : 5;
  const { db, drop } = await openThrowawayDb('pglite');
  try {
    await migrate(db);
    const config = {
      ...loadConfig({ CITYWATCH_DEMO: 'off', LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv),
      webDist: '/nonexistent',
    };
    const bus = createInProcessBus();
    const built = await buildApp({ config, db, bus });
    await ensureBundledCity(built.ctx, log);
    const city = await built.ctx.places.city(undefined);
    const graph = city.graph;
    const mask = largestStronglyConnectedComponent(graph);
    const nodesOnMain: number[] = [];
    for (let v = 0; v < graph.nodeCount; v++) if (mask[v]) nodesOnMain.push(v);
    const tracker = new UnitTracker(city);
    const follower = new PositionFollower(new Map([['city', Promise.resolve(tracker)]]));
    const stop = follower.follow(bus);
    const at = (v: number) => [graph.nodeLon[v], graph.nodeLat[v]] as const;
    const pick = () => nodesOnMain[Math.floor(Math.random() * nodesOnMain.length)];
    const unitIds = Array.from(
      { length: units },
      (_, i) => `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`,
    );
    for (const id of unitIds) tracker.setPosition(id, ...at(pick()));
    log(`follow: ${city.name}, ${graph.nodeCount} nodes; ${units} units on one tracker; ${rounds} rounds`);
    const perRound: number[] = [];
    let t = Date.now();
    for (let r = 0; r < rounds; r++) {
      // The messages as NATS hands them over: JSON text, one per fix (made before the clock starts).
      const messages = unitIds.map((unitId) => {
        const [lon, lat] = at(pick());
        t += 1;
        return JSON.stringify(
          createEvent(
            'dispatch.unit_changed',
            null,
            {
              unitId,
              callSign: 'x',
              status: 'available',
              incidentId: null,
              lon,
              lat,
              heading: null,
              fixAt: new Date(t).toISOString(),
            },
            { id: crypto.randomUUID(), at: new Date(t) },
          ),
        );
      });
      const cpu0 = process.cpuUsage();
      for (const text of messages) {
        const event = parseDomainEvent(JSON.parse(text));
        if (event) await bus.publish(event);
      }
      await new Promise((resolve) => setImmediate(resolve)); // the trackers' promise callbacks
      const cpu = process.cpuUsage(cpu0);
      perRound.push((cpu.user + cpu.system) / 1000);
    }
    stop();
    // The same messages with nobody following: what decoding and fan-out alone cost.
    const bare: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const messages = unitIds.map((unitId) => {
        t += 1;
        return JSON.stringify(
          createEvent(
            'dispatch.unit_changed',
            null,
            {
              unitId,
              callSign: 'x',
              status: 'available',
              incidentId: null,
              lon: 0,
              lat: 0,
              heading: null,
              fixAt: new Date(t).toISOString(),
            },
            { id: crypto.randomUUID(), at: new Date(t) },
          ),
        );
      });
      const cpu0 = process.cpuUsage();
      for (const text of messages) {
        const event = parseDomainEvent(JSON.parse(text));
        if (event) await bus.publish(event);
      }
      const cpu = process.cpuUsage(cpu0);
      bare.push((cpu.user + cpu.system) / 1000);
    }
    await built.app.close();
    const sorted = [...perRound].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const bareMedian = [...bare].sort((a, b) => a - b)[Math.floor(bare.length / 2)];
    return {
      bench: 'cluster-follow',
      city: city.name,
      units,
      rounds,
      applied: follower.applied,
      ignored: follower.ignored,
      cpu_ms_per_1000_fixes: round((median / units) * 1000, 2),
      core_share_at_units_per_s: round(median / 1000, 3),
      decode_fanout_cpu_ms_per_1000_fixes: round((bareMedian / units) * 1000, 2),
      cpu_ms_per_round: perRound.map((x) => round(x, 0)),
      load_avg_1m: round((await import('node:os')).loadavg()[0], 1),
    };
  } finally {
    await drop();
  }
}

try {
  const result = argv.includes('--follow') ? await followCost() : await main();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} catch (error) {
  log(`failed: ${(error as Error).stack ?? error}`);
  await lib.stopAll();
  process.exit(1);
}
