/**
 * Smart-community devices over MQTT (bench:devices): 100,000 registered sensors; heartbeats and
 * events at 10,000 messages/s over MQTT for 60 s into
 *   - the embedded broker (closed: each device signs in with its id and token, publishes on its
 *     own topic citywatch/sensors/<id> only), and
 *   - Mosquitto (the production path: the bureau's broker at MQTT_URL): the run's own, started
 *     with docs/mosquitto.md's queue settings on a free port, or BENCH_MOSQUITTO_URL's; open, so
 *     devices sign in as anyone there (its ACL is the bureau's business),
 * with the platform's own sensors ingest (QoS 1, persistent session, acknowledged once taken).
 * Measured per broker: messages/s taken sustained; offline detection latency after devices stop
 * (from their last acknowledged message to the console-bound event; target ≤ timeout + 5 s, p99);
 * alarm-to-console (a tamper event published → its alarm on a /api/live WebSocket; target p99 ≤
 * 100 ms); lost acknowledged messages (PUBACKed to the device, never taken; must be 0).
 * --smoke: 1,000 devices, 50 connections, 1,000/s for 5 s, embedded broker only.
 * The publishers run in a child process (their own event loop and core), over CONNECTIONS
 * device connections (100,000 TCP connections do not fit one small machine); every registered
 * device is tracked by the server (sweeps and flushes run over all 100,000).
 *
 *   npm run bench:devices [-- --smoke] [--seconds N] [--rate N] [--devices N] [--connections N]
 *                         [--alarms N per s] [--broker embedded|mosquitto|both] [--ingest inprocess|tcp]
 *                         [--pglite-dir DIR]
 * Database: PGlite in a fresh directory under --pglite-dir (default the temp dir; /dev/shm is a
 * tmpfs), or with DATABASE_URL a throw-away database created on that PostgreSQL server and dropped
 * after the run. Every wait has a deadline (a broker that stops answering ends the run with an
 * error for that broker, reported next to the other's figures); on Mosquitto the run's persistent
 * ingest sessions are discarded whatever happened.
 *
 * Besides the targets it reports the server process's CPU per 1,000 messages and its event-loop
 * delay while publishing, and the machine's load average (the figures mean little on a loaded box).
 *
 * Prints exactly one JSON line on stdout; progress goes to stderr.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import WebSocket from 'ws';
import { buildApp } from '../packages/server/src/app';
import { createInProcessBus } from '../packages/server/src/bus/index';
import { loadConfig } from '../packages/server/src/config';
import { openDatabase } from '../packages/server/src/db/database';
import { migrate } from '../packages/server/src/db/migrate';
import {
  type EmbeddedBroker,
  type MqttConnection,
  startEmbeddedBroker,
} from '../packages/server/src/ingest/mqtt';
import { deviceBrokerAuthority } from '../packages/server/src/modules/devices/broker';
import { seedIfEmpty } from '../packages/server/src/seed';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const SMOKE = flag('smoke');
const SECONDS = Number(option('seconds', SMOKE ? '5' : '60'));
const RATE = Number(option('rate', SMOKE ? '1000' : '10000'));
const DEVICES = Number(option('devices', SMOKE ? '1000' : '100000'));
const CONNECTIONS = Number(option('connections', SMOKE ? '50' : '1000'));
/** The smoke runs the embedded broker only (CI need not run Mosquitto); the full run both. */
const BROKER = option('broker', SMOKE ? 'embedded' : 'both');
const BROKERS = BROKER === 'both' ? ['embedded', 'mosquitto'] : [BROKER];
/**
 * Embedded broker: the platform's ingest subscribes on the broker in process (`inprocess`, as
 * platform.ts runs it), or over loopback TCP as it did before (`tcp`, for comparison).
 */
const INGEST = option('ingest', 'inprocess');
/**
 * Without BENCH_MOSQUITTO_URL the run starts its own Mosquitto on a free loopback port, configured
 * as docs/mosquitto.md tells the bureau to (the ingest session's queue bounded by bytes, not by
 * Mosquitto's default 1,000 messages, beyond which it drops QoS 1 messages it has already
 * acknowledged to the device: 286,372 of them in a run against Debian's default configuration).
 */
let mosquittoUrl = process.env.BENCH_MOSQUITTO_URL ?? '';
/**
 * Where PGlite's data directory goes (without DATABASE_URL): `--pglite-dir /dev/shm` puts it on
 * a tmpfs, so that a slow or busy disk is taken out of the figures.
 */
const PGLITE_DIR = option('pglite-dir', tmpdir());
/** Inactivity timeout of the bench's devices (the smallest a sensor may have). */
const TIMEOUT_S = 10;
/** Devices that stop at the end of the run (their offline detection is timed). */
const STOPPING = SMOKE ? 10 : 100;
/** Tamper events (each raises or repeats an alarm) per second, among the heartbeats. */
const ALARMS_PER_S = Number(option('alarms', '20'));
const ADMIN_PASSWORD = 'bench-admin-password';

const t0 = Date.now();
const log = (line: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${line}\n`);
const now = () => performance.timeOrigin + performance.now();
function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
/**
 * A wait with a deadline: true when `p` settled in time, false when the deadline passed first (it
 * is left to settle on its own). Nothing in the run may wait forever: a device client's endAsync()
 * on a dropped connection waited for acknowledgements that never came, and the Mosquitto run hung.
 */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
/** Ends an MQTT client gracefully within `ms`, then by force (its in-flight messages dropped). */
async function endWithin(c: mqtt.MqttClient, ms: number): Promise<boolean> {
  if (await within(c.endAsync(), ms)) return true;
  await within(c.endAsync(true), 1_000);
  return false;
}
const END_MS = 5_000;

// ---- the publishers (child process)

interface PublisherPlan {
  url: string;
  devices: { id: string; token: string }[];
  rate: number;
  seconds: number;
  alarmsPerS: number;
  stopping: number;
  timeoutS: number;
}
type FromPublisher =
  | { kind: 'ready' }
  | { kind: 'alarm'; deviceId: string; at: number }
  | { kind: 'stopped'; lastAck: Record<string, number> }
  | {
      kind: 'done';
      sent: number;
      acked: number;
      errors: number;
      firstError: string | null;
      seconds: number;
      /** Publishes neither acknowledged nor failed when the publisher gave up waiting for them. */
      unsettled: number;
      /** Device clients whose graceful end passed its deadline (ended by force). */
      forcedEnds: number;
    };

async function publisher(plan: PublisherPlan) {
  const send = (m: FromPublisher) => process.send?.(m);
  const clients: mqtt.MqttClient[] = [];
  for (let i = 0; i < plan.devices.length; i += 50) {
    clients.push(
      ...(await Promise.all(
        plan.devices.slice(i, i + 50).map((d) =>
          mqtt.connectAsync(plan.url, {
            clientId: `${d.id}-bench`,
            username: d.id,
            password: d.token,
            reconnectPeriod: 0,
            clean: true,
            protocolVersion: 4,
            // A CONNACK that never comes fails the run instead of hanging it.
            connectTimeout: 30_000,
          }),
        ),
      )),
    );
  }
  let forcedEnds = 0;
  const end = async (c: mqtt.MqttClient) => {
    if (!(await endWithin(c, END_MS))) forcedEnds++;
  };
  send({ kind: 'ready' });
  let sent = 0;
  let acked = 0;
  let errors = 0;
  let firstError: string | null = null;
  const lastAck = new Map<string, number>();
  const publish = (k: number, body: string, onAck?: () => void) => {
    const d = plan.devices[k];
    sent++;
    clients[k].publish(`citywatch/sensors/${d.id}`, body, { qos: 1 }, (error) => {
      if (error) {
        errors++;
        firstError ??= String(error.message);
        return;
      }
      acked++;
      lastAck.set(d.id, now());
      onAck?.();
    });
  };
  const heartbeat = '{"type":"heartbeat"}';
  const door = '{"type":"event","event":"open","count":1}';
  const tamper = '{"type":"event","event":"tamper","count":1}';
  const start = now();
  const tickMs = 10;
  let next = 0;
  let alarmNext = 0;
  let alarmDevice = plan.stopping; // the stopping devices never alarm (their last ack is theirs)
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = now() - start;
      if (elapsed >= plan.seconds * 1000) {
        clearInterval(timer);
        return resolve();
      }
      // Catch up to the rate, spread round-robin over the connections.
      const due = Math.floor((elapsed / 1000) * plan.rate) - sent;
      for (let j = 0; j < due; j++) {
        const k = next++ % clients.length;
        publish(k, j % 10 === 0 ? door : heartbeat);
      }
      const alarmsDue = Math.floor((elapsed / 1000) * plan.alarmsPerS) - alarmNext;
      for (let j = 0; j < alarmsDue; j++, alarmNext++) {
        const k = plan.stopping + (alarmDevice++ % (clients.length - plan.stopping));
        const at = now();
        publish(k, tamper);
        send({ kind: 'alarm', deviceId: plan.devices[k].id, at });
      }
    }, tickMs);
  });
  // The first `stopping` devices stop now (gracefully: no last will); the others keep a heartbeat
  // every 2 s so that only the stopped ones go offline.
  const stoppedAt = now();
  const stopped: Record<string, number> = {};
  await Promise.all(
    clients.slice(0, plan.stopping).map(async (c, k) => {
      await end(c);
      stopped[plan.devices[k].id] = lastAck.get(plan.devices[k].id) ?? stoppedAt;
    }),
  );
  send({ kind: 'stopped', lastAck: stopped });
  const keepAlive = setInterval(() => {
    for (let k = plan.stopping; k < clients.length; k++) publish(k, heartbeat);
  }, 2_000);
  // Long enough for the target (timeout + 5 s) and a little more.
  await new Promise((r) => setTimeout(r, (plan.timeoutS + 6) * 1000));
  clearInterval(keepAlive);
  // Everything sent is acknowledged or failed before the count is given.
  for (let i = 0; i < 300 && acked + errors < sent; i++) await new Promise((r) => setTimeout(r, 100));
  const unsettled = sent - acked - errors;
  await Promise.all(clients.slice(plan.stopping).map(end));
  // Exit only once the last note is handed to the IPC channel: process.exit right after send()
  // dropped it when the server read its channel slowly (a loaded machine), and the run waited forever.
  await new Promise<void>((resolve, reject) =>
    process.send?.(
      {
        kind: 'done',
        sent,
        acked,
        errors,
        firstError,
        seconds: plan.seconds,
        unsettled,
        forcedEnds,
      } satisfies FromPublisher,
      undefined,
      {},
      (error) => (error ? reject(error) : resolve()),
    ),
  );
}

// ---- the server side

/** Cleanup steps of a run, undone in reverse whatever happened (each with a deadline). */
type Cleanups = { what: string; run: () => Promise<unknown> }[];

async function runOne(brokerKind: string) {
  const cleanups: Cleanups = [];
  try {
    return await measure(brokerKind, cleanups);
  } finally {
    for (const c of cleanups.reverse()) {
      const ok = await within(
        c.run().catch((error: unknown) => log(`${brokerKind}: cleanup ${c.what}: ${String(error)}`)),
        20_000,
      );
      if (!ok) log(`${brokerKind}: cleanup ${c.what} passed its 20 s deadline (left)`);
    }
  }
}

/**
 * The database of a run. PostgreSQL (DATABASE_URL): a throw-away database created on that server
 * for the run and dropped after it (the server's own databases are not touched). PGlite: a fresh
 * directory under --pglite-dir (e.g. /dev/shm, a tmpfs: no disk under the WAL) or the temp dir.
 */
async function openRunDatabase(cleanups: Cleanups) {
  const adminUrl = process.env.DATABASE_URL || undefined;
  if (adminUrl) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    const name = `citywatch_bench_devices_${process.pid}_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${name}`);
    cleanups.push({
      what: `drop database ${name}`,
      run: async () => {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
    });
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const db = await openDatabase({ databaseUrl: url.toString() });
    cleanups.push({ what: 'close database', run: () => db.close() });
    return { db, database: 'postgres' as const, location: `${url.host}/${name}` };
  }
  const dataDir = mkdtempSync(path.join(PGLITE_DIR, 'citywatch-bench-devices-'));
  cleanups.push({
    what: 'remove PGlite dir',
    run: async () => rmSync(dataDir, { recursive: true, force: true }),
  });
  const db = await openDatabase({ dataDir });
  cleanups.push({ what: 'close database', run: () => db.close() });
  return { db, database: 'pglite' as const, location: dataDir };
}

async function measure(brokerKind: string, cleanups: Cleanups) {
  const { db, database, location } = await openRunDatabase(cleanups);
  log(`${brokerKind}: database ${database} at ${location}`);
  await migrate(db);
  // The app logs to stdout: only errors, so that the one JSON line stays alone there (an ingest that
  // falls behind logs its reconnections as warnings).
  const config = loadConfig({ CITYWATCH_DEMO: 'off', LOG_LEVEL: 'error' } as NodeJS.ProcessEnv);
  const bus = createInProcessBus();
  const prefix = `citywatch-bench-${randomBytes(4).toString('hex')}`;
  if (brokerKind === 'mosquitto') {
    // Leave no persistent sessions of this run behind on the shared broker (the platform's ingest
    // clients use fixed ids on clean: false sessions): each id signs in once more on a clean
    // session, which discards the stored one. Runs after the app closed, whatever happened.
    cleanups.push({ what: 'Mosquitto sessions', run: () => discardSessions(prefix) });
  }
  const { app, ctx, start } = await buildApp({ config, db, bus });
  let broker: EmbeddedBroker | null = null;
  cleanups.push({
    what: 'close app and broker',
    run: async () => {
      await app.close();
      await broker?.close();
    },
  });
  await seedIfEmpty(ctx.identity, ADMIN_PASSWORD, () => {});
  const k = db.kysely;
  const admin = await k
    .selectFrom('users')
    .select(['id', 'org_id'])
    .where('username', '=', 'admin')
    .executeTakeFirstOrThrow();

  // A community and DEVICES sensors, written in bulk (issuing one by one through the API would
  // time the audit chain, not the ingest); tokens stored as their sha256 as the devices module does.
  log(`${brokerKind}: registering ${DEVICES} devices`);
  const communityId = uuidv7();
  const created = new Date();
  await k
    .insertInto('sensor_communities')
    .values({ id: communityId, name: '基准社区', org_id: admin.org_id, ring: null, created_at: created })
    .execute();
  const kinds = ['door', 'gate', 'smoke', 'alarm_button', 'camera'] as const;
  const devices: { id: string; token: string }[] = [];
  for (let i = 0; i < DEVICES; i += 2_000) {
    const batch = Array.from({ length: Math.min(2_000, DEVICES - i) }, () => {
      const id = uuidv7();
      const token = `cwd_${randomBytes(24).toString('base64url')}`;
      devices.push({ id, token });
      return { id, token };
    });
    await k
      .insertInto('devices')
      .values(
        batch.map((d, j) => ({
          id: d.id,
          name: `bench sensor ${i + j}`,
          kind: 'sensor' as const,
          checkpoint_id: null,
          unit_id: null,
          org_id: admin.org_id,
          token_hash: createHash('sha256').update(d.token).digest('hex'),
          created_by: null,
          created_at: created,
          revoked_at: null,
          revoked_by: null,
          revoke_reason: null,
          last_seen_at: null,
        })),
      )
      .execute();
    await k
      .insertInto('sensor_devices')
      .values(
        batch.map((d, j) => ({
          id: d.id,
          community_id: communityId,
          org_id: admin.org_id,
          // The publishing devices are doors (events counted, no rule beyond tamper).
          kind: i + j < CONNECTIONS ? 'door' : kinds[(i + j) % kinds.length],
          name: `bench sensor ${i + j}`,
          address: `基准地址 ${i + j}`,
          lon: 114.2,
          lat: 22.7,
          stream_url: null,
          inactivity_s: TIMEOUT_S,
          created_at: created,
        })),
      )
      .execute();
  }

  let connection: MqttConnection;
  if (brokerKind === 'embedded') {
    const server = { username: 'citywatch-server', password: randomBytes(24).toString('base64url') };
    broker = await startEmbeddedBroker(0, { authority: deviceBrokerAuthority(ctx.devices, server) });
    // As the platform connects to its embedded broker (platform.ts).
    connection = {
      // The same broker under another host name is not the in-process one: over loopback TCP.
      url: INGEST === 'tcp' ? broker.url.replace('127.0.0.1', 'localhost') : broker.url,
      ...server,
      clientIdPrefix: prefix,
      protocolVersion: 4,
      inProcess: true,
    };
  } else {
    if (!mosquittoUrl) mosquittoUrl = await startOwnMosquitto(cleanups);
    connection = { url: mosquittoUrl, clientIdPrefix: prefix };
  }
  await app.ready();
  await start({ mqtt: connection });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  if (login.status !== 200) throw new Error(`login failed: ${login.status}`);

  // The console: alarms and device states live, as the command centre's screen gets them.
  const sentAlarms = new Map<string, number[]>();
  const alarmLatencies: number[] = [];
  /** From the server's ingest taking a tamper event to the console (the rest is MQTT delivery). */
  const takeToConsole: number[] = [];
  /** Console arrivals of alarms whose send time had not come over IPC yet, per device. */
  const earlyAlarms = new Map<string, number[]>();
  let alarmsMatchedLate = 0;
  const offlineAt = new Map<string, number>();
  /** Offline events before the devices stopped: a device still publishing declared offline. */
  let falseOffline = 0;
  let stoppedAtMs: number | null = null;
  /** Why the console's socket closed during the run, if it did (1013: too slow, dropped). */
  let consoleClosed: string | null = null;
  const console_ = new WebSocket(`ws://127.0.0.1:${port}/api/live`, { headers: { cookie } });
  console_.on('message', (data) => {
    const at = now();
    const frame = JSON.parse(String(data)) as {
      kind: string;
      event?: {
        type: string;
        payload: { deviceId: string; type?: string; online?: boolean; triggeredAtMs?: number };
      };
    };
    const e = frame.event;
    if (frame.kind !== 'event' || !e) return;
    if (e.type === 'sensors.alarm_changed' && e.payload.type === 'tamper') {
      // The server's part: from the moment its ingest took the event to the console.
      if (e.payload.triggeredAtMs) takeToConsole.push(at - e.payload.triggeredAtMs);
      const t = sentAlarms.get(e.payload.deviceId)?.shift();
      if (t !== undefined) alarmLatencies.push(at - t);
      else {
        // Seen before the publisher's note of it came over IPC (the child's messages to this
        // process can be slower than its MQTT path to the console): matched when the note comes.
        // Without this, such an alarm was counted as sent and never seen (Mosquitto: 2 of 1,199).
        const list = earlyAlarms.get(e.payload.deviceId) ?? [];
        list.push(at);
        earlyAlarms.set(e.payload.deviceId, list);
      }
    } else if (e.type === 'sensors.device_changed' && e.payload.online === false) {
      if (stoppedAtMs === null) falseOffline++;
      else if (!offlineAt.has(e.payload.deviceId)) offlineAt.set(e.payload.deviceId, at);
    }
  });
  let closingConsole = false;
  console_.on('close', (code, reason) => {
    if (!closingConsole) consoleClosed ??= `${code} ${String(reason)}`;
  });
  await new Promise<void>((resolve, reject) => {
    console_.once('open', () => resolve());
    console_.once('error', reject);
  });
  console_.send(
    JSON.stringify({ kind: 'subscribe', types: ['sensors.alarm_changed', 'sensors.device_changed'] }),
  );

  const publishing = devices.slice(0, CONNECTIONS);
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--publisher'], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  cleanups.push({
    what: 'stop publisher',
    run: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  });
  cleanups.push({
    what: 'close console',
    run: async () => {
      closingConsole = true;
      console_.close();
    },
  });
  const stats = ctx.sensors.stats;
  // The server process's event loop (broker, ingest, API and console on one loop when embedded):
  // how late its timers ran while the devices published.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  let loadAtStart: number[] = [];
  let cpuAtStart = process.cpuUsage();
  let cpuUsedUs = 0;
  let loadAtEnd: number[] = [];
  // Counted as written: taken, committed with its batch and acknowledged to the broker.
  let windowStart = { at: 0, messages: 0 };
  let windowEnd = { at: 0, messages: 0 };
  let stopped: Record<string, number> = {};
  const progress = setInterval(
    () =>
      log(
        `${brokerKind}: taken ${stats.messages}, written ${stats.acknowledged}, alarms seen ${alarmLatencies.length}`,
      ),
    5_000,
  );
  const done = await new Promise<Extract<FromPublisher, { kind: 'done' }>>((resolve, reject) => {
    child.on('message', (m: FromPublisher) => {
      if (m.kind === 'ready') {
        log(
          `${brokerKind}: ${publishing.length} device connections up; publishing ${RATE}/s for ${SECONDS} s`,
        );
        windowStart = { at: now(), messages: stats.acknowledged };
        loadAtStart = loadavg();
        cpuAtStart = process.cpuUsage();
        loopDelay.enable();
      } else if (m.kind === 'alarm') {
        const seenAt = earlyAlarms.get(m.deviceId)?.shift();
        if (seenAt !== undefined) {
          alarmLatencies.push(seenAt - m.at);
          alarmsMatchedLate++;
          return;
        }
        const list = sentAlarms.get(m.deviceId) ?? [];
        list.push(m.at);
        sentAlarms.set(m.deviceId, list);
      } else if (m.kind === 'stopped') {
        windowEnd = { at: now(), messages: stats.acknowledged };
        loopDelay.disable();
        loadAtEnd = loadavg();
        const cpu = process.cpuUsage(cpuAtStart);
        cpuUsedUs = cpu.user + cpu.system;
        stopped = m.lastAck;
        stoppedAtMs = now();
        log(`${brokerKind}: ${Object.keys(stopped).length} devices stopped; waiting for offline detection`);
      } else if (m.kind === 'done') resolve(m);
    });
    // Closed (exited, its channel read to the end) without 'done': the run has no counts to give.
    child.on('close', (code) => reject(new Error(`publisher exited ${code} without its counts`)));
    // The publisher has deadlines of its own; this one is the last resort (a child that hangs
    // anyway is killed and the run reports that instead of waiting forever).
    const deadlineS = 300 + SECONDS + TIMEOUT_S + 120;
    const deadline = setTimeout(() => {
      reject(new Error(`publisher gave no counts within ${deadlineS} s (killed)`));
      child.kill('SIGKILL');
    }, deadlineS * 1000);
    deadline.unref();
    child.once('close', () => clearTimeout(deadline));
    child.send({
      url: connection.url,
      devices: publishing,
      rate: RATE,
      seconds: SECONDS,
      alarmsPerS: ALARMS_PER_S,
      stopping: STOPPING,
      timeoutS: TIMEOUT_S,
    } satisfies PublisherPlan);
  });
  // Drain: every message the broker acknowledged to a device written, or nothing more for 3 s.
  let last = -1;
  for (let quiet = 0; quiet < 30 && stats.acknowledged < done.acked; ) {
    await new Promise((r) => setTimeout(r, 100));
    quiet = stats.acknowledged === last ? quiet + 1 : 0;
    last = stats.acknowledged;
  }
  clearInterval(progress);
  const offlineLatencies = Object.entries(stopped).map(([id, lastAckAt]) =>
    offlineAt.has(id) ? offlineAt.get(id)! - lastAckAt : Number.POSITIVE_INFINITY,
  );
  const result = {
    broker: brokerKind,
    messages_per_s: Math.round(
      ((windowEnd.messages - windowStart.messages) * 1000) / (windowEnd.at - windowStart.at),
    ),
    published: done.sent,
    acked: done.acked,
    taken: stats.messages,
    written: stats.acknowledged,
    lost_acked: Math.max(0, done.acked - stats.acknowledged),
    publish_errors: done.errors,
    first_error: done.firstError,
    dropped: { ...stats.dropped },
    offline_detected: offlineLatencies.filter(Number.isFinite).length,
    false_offline: falseOffline,
    console_closed: consoleClosed,
    offline_stopped: offlineLatencies.length,
    offline_p50_s: round(percentile(offlineLatencies, 50) / 1000, 2),
    offline_p99_s: round(percentile(offlineLatencies, 99) / 1000, 2),
    alarms_sent: [...sentAlarms.values()].reduce((s, l) => s + l.length, 0) + alarmLatencies.length,
    alarms_seen: alarmLatencies.length,
    /** Seen on the console before the publisher's IPC note of the send arrived (matched then). */
    alarms_seen_before_note: alarmsMatchedLate,
    alarm_to_console_p50_ms: round(percentile(alarmLatencies, 50), 2),
    alarm_to_console_p99_ms: round(percentile(alarmLatencies, 99), 2),
    take_to_console_p50_ms: round(percentile(takeToConsole, 50), 2),
    take_to_console_p99_ms: round(percentile(takeToConsole, 99), 2),
    /** Alarm raises and the upsert statements they took (raises at the same moment share one). */
    alarms_raised: stats.alarmsRaised,
    alarm_statements: stats.alarmStatements,
    /** Devices the offline sweeps visited (those whose deadline had passed), over the whole run. */
    sweep_visits: stats.sweepVisits,
    ingest: brokerKind === 'embedded' ? INGEST : 'tcp',
    database,
    /** Publishes the publisher stopped waiting for (neither acknowledged nor failed). */
    unsettled: done.unsettled,
    /** Device clients whose graceful end passed its deadline and were ended by force. */
    forced_ends: done.forcedEnds,
    /** The server process's CPU (user + system) per 1,000 messages written while publishing. */
    server_cpu_ms_per_1000: round(
      cpuUsedUs / 1000 / (Math.max(1, windowEnd.messages - windowStart.messages) / 1000),
      1,
    ),
    event_loop_delay_p99_ms: round(loopDelay.percentile(99) / 1e6, 1),
    event_loop_delay_max_ms: round(loopDelay.max / 1e6, 1),
    /** 1, 5 and 15 min load averages of the machine as publishing began and ended. */
    load_avg_start: loadAtStart.map((x) => round(x, 2)),
    load_avg_end: loadAtEnd.map((x) => round(x, 2)),
  };
  log(`${brokerKind}: ${JSON.stringify(result)}`);
  return result;
}

/** A Mosquitto of this run (production queue settings, no persistence), stopped at clean-up. */
async function startOwnMosquitto(cleanups: Cleanups): Promise<string> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-mosquitto-'));
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'max_queued_messages 0',
      'max_queued_bytes 1000000000',
      'max_inflight_messages 20',
      'persistence false',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  const broker = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => broker.once('exit', () => resolve()));
  broker.once('error', (error) => log(`mosquitto: ${String(error)}`));
  cleanups.unshift({
    what: 'own Mosquitto',
    run: async () => {
      broker.kill('SIGTERM');
      const killed = setTimeout(() => broker.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killed);
      rmSync(dir, { recursive: true, force: true });
    },
  });
  const url = `mqtt://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await endWithin(await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 1_000 }), END_MS);
      log(`mosquitto: own broker at ${url} (${conf})`);
      return url;
    } catch (error) {
      if (i >= 50 || broker.exitCode !== null)
        throw new Error(`own Mosquitto did not start: ${String(error)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The platform's ingest sessions of a run discarded on Mosquitto (a clean sign-in per client id). */
async function discardSessions(prefix: string) {
  for (const suffix of ['sensors', 'avl', 'plates']) {
    const c = await mqtt.connectAsync(mosquittoUrl, {
      clientId: `${prefix}-${suffix}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    });
    await endWithin(c, END_MS);
  }
}

async function main() {
  const results: Record<string, Awaited<ReturnType<typeof runOne>> | { broker: string; error: string }> = {};
  const all: Awaited<ReturnType<typeof runOne>>[] = [];
  for (const b of BROKERS) {
    try {
      const r = await runOne(b);
      results[b] = r;
      all.push(r);
    } catch (error) {
      // One broker's failure is reported with the other's figures, not instead of them.
      log(`${b}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      results[b] = { broker: b, error: error instanceof Error ? error.message : String(error) };
    }
  }
  if (all.length === 0) throw new Error(`no run finished: ${JSON.stringify(results)}`);
  process.stdout.write(
    `${JSON.stringify({
      devices: DEVICES,
      connections: CONNECTIONS,
      rate_per_s: RATE,
      seconds: SECONDS,
      timeout_s: TIMEOUT_S,
      messages_per_s: Math.min(...all.map((r) => r.messages_per_s)),
      offline_p99_s: Math.max(...all.map((r) => r.offline_p99_s)),
      offline_target_s: TIMEOUT_S + 5,
      alarm_to_console_p99_ms: Math.max(...all.map((r) => r.alarm_to_console_p99_ms)),
      alarm_target_ms: 100,
      lost: all.reduce((s, r) => s + r.lost_acked, 0),
      failed: BROKERS.filter((b) => 'error' in results[b]),
      ...results,
    })}\n`,
  );
}

if (flag('publisher')) {
  process.once('message', (plan: PublisherPlan) => {
    publisher(plan).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`publisher: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
} else {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
