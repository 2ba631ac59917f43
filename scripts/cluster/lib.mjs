// A citywatch cluster on one machine, with real parts, in a temp directory (issue 17, item 1):
//   - PostgreSQL 15 primary and a streaming-replication standby (initdb, pg_basebackup -R), on free
//     ports, never the machine's cluster on 5432;
//   - a three-node NATS JetStream cluster (nats-server, separate ports and store dirs), with the
//     event stream created replicated on all three (R3) before the API nodes start;
//   - HAProxy: the API nodes behind one port (health checks on /api/health, WebSockets pass
//     through), and PostgreSQL behind another (primary, the standby as backup: after a promotion
//     the nodes' new connections reach it without being reconfigured);
//   - two or three API nodes: the real server entry (packages/server/src/main.ts) on PostgreSQL
//     through HAProxy and NATS (all three URLs).
// stop() ends everything (SIGTERM, then SIGKILL after 8 s) and removes the temp directory.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const PG_BIN = process.env.CITYWATCH_PG_BIN ?? '/usr/lib/postgresql/15/bin';
export const ADMIN_PASSWORD = 'cluster-admin-password';
const STREAM = 'CITYWATCH';
const SUBJECT_PREFIX = 'citywatch.events';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const isRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary as the postgres user when we are root (initdb refuses root). */
function pgCmd(bin, args) {
  const exe = path.join(PG_BIN, bin);
  return isRoot ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
}

function pgRun(bin, args, opts = {}) {
  const [cmd, argv] = pgCmd(bin, args);
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 120_000, ...opts });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

function pidOf(dataDir) {
  try {
    return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return 0;
  }
}

function childrenOf(pid) {
  const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return (r.stdout || '')
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);
}

function alive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Thrown by a waitFor check to give up at once (a process that exited). */
class Fatal extends Error {}

async function waitFor(what, check, timeoutMs) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      if (error instanceof Fatal) throw error;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

class Postgres {
  constructor(name, dir, port) {
    this.name = name;
    this.dir = dir;
    this.port = port;
    this.log = `${dir}.log`;
  }
  get url() {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }
  start() {
    pgRun('pg_ctl', ['-D', this.dir, '-l', this.log, '-w', '-t', '60', 'start']);
    this.pid = pidOf(this.dir);
  }
  /** Fast shutdown (clients disconnected, a checkpoint). */
  stop(mode = 'fast') {
    if (!alive(pidOf(this.dir))) return;
    try {
      pgRun('pg_ctl', ['-D', this.dir, '-m', mode, '-w', '-t', '10', 'stop']);
    } catch {
      this.kill9();
    }
  }
  /** The machine dying: postmaster and every backend killed at once, nothing flushed. */
  kill9() {
    const pid = pidOf(this.dir) || this.pid;
    if (!alive(pid)) return;
    const kids = childrenOf(pid);
    for (const p of [pid, ...kids]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {}
    }
  }
  /** pg_ctl stop without blocking the event loop; killed after `graceMs`. */
  async stopAsync(mode = 'fast', graceMs = 5_000) {
    const pid = pidOf(this.dir) || this.pid;
    if (!alive(pid)) return;
    const [cmd, argv] = pgCmd('pg_ctl', ['-D', this.dir, '-m', mode, '-W', 'stop']);
    spawn(cmd, argv, { stdio: 'ignore' });
    const until = Date.now() + graceMs;
    while (alive(pid) && Date.now() < until) await sleep(100);
    if (alive(pid)) this.kill9();
    while (alive(pid)) await sleep(50);
  }
  promote() {
    pgRun('pg_ctl', ['-D', this.dir, '-w', '-t', '30', 'promote']);
  }
  psql(sql) {
    return execFileSync('psql', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-Atc', sql], {
      encoding: 'utf8',
      timeout: 30_000,
    }).trim();
  }
}

class Proc {
  constructor(name, cmd, args, opts, logFile) {
    this.name = name;
    this.logFile = logFile;
    this.child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    const sink = (d) => appendFileSync(logFile, d);
    this.child.stdout.on('data', sink);
    this.child.stderr.on('data', sink);
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    this.running = true;
    this.exited.then(() => {
      this.running = false;
    });
  }
  get pid() {
    return this.child.pid;
  }
  kill9() {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }
  async stop(graceMs = 8_000) {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }
  tail(n = 20) {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-n).join('\n');
    } catch {
      return '';
    }
  }
}

/**
 * A copy of the committed tree (git archive HEAD) under `dir`, with a node_modules of links to the
 * repository's packages except the workspaces, which point into the copy: the API nodes then run
 * the last commit, not files other people are editing in the shared working tree.
 */
export function snapshotHead(dir) {
  mkdirSync(dir, { recursive: true });
  execFileSync('bash', ['-c', `git -C "${ROOT}" archive HEAD | tar -x -C "${dir}"`]);
  const nm = path.join(dir, 'node_modules');
  mkdirSync(path.join(nm, '@citywatch'), { recursive: true });
  for (const entry of readdirSync(path.join(ROOT, 'node_modules'))) {
    if (entry === '@citywatch') continue;
    symlinkSync(path.join(ROOT, 'node_modules', entry), path.join(nm, entry));
  }
  for (const ws of ['core', 'server', 'web'])
    symlinkSync(path.join(dir, 'packages', ws), path.join(nm, '@citywatch', ws));
  // The bundled city's data sits beside the repository (../shared/data).
  const shared = path.join(ROOT, '..', 'shared');
  if (existsSync(shared) && !existsSync(path.join(dir, '..', 'shared')))
    symlinkSync(shared, path.join(dir, '..', 'shared'));
  return dir;
}

/**
 * Starts the cluster. Options: nodes (2 or 3, default 3), log (progress lines), apiEnv (extra env of
 * the API nodes). Returns a handle with urls, the parts, and stop().
 */
export async function startCluster(options = {}) {
  const nodes = options.nodes ?? 3;
  // head: the API nodes run a copy of the last commit (snapshotHead), else the working tree.
  const log = options.log ?? ((line) => process.stderr.write(`[cluster] ${line}\n`));
  const tmp = mkdtempSync(path.join(tempRoot(), 'citywatch-cluster-'));
  const parts = { tmp, pg: [], nats: [], api: [], haproxy: null };
  const cluster = {
    tmp,
    base: undefined,
    parts,
    stopped: false,
    async stop() {
      if (cluster.stopped) return cluster.stopping;
      cluster.stopped = true;
      cluster.stopping = stopParts();
      return cluster.stopping;
    },
  };
  const stopParts = async () => {
    const t0 = Date.now();
    const timed = async (name, promise) => {
      await promise;
      if (process.env.CITYWATCH_CLUSTER_DEBUG) log(`${name} stopped at ${Date.now() - t0} ms`);
    };
    // API nodes first, while NATS and PostgreSQL still answer (their stop drains the bus).
    await Promise.all(parts.api.map((p) => timed(p?.name, p?.stop(5_000))));
    await Promise.all([
      timed('haproxy', parts.haproxy?.stop(1_000)),
      ...parts.nats.map((p) => timed(p.name, p.stop(2_000))),
    ]);
    // The cluster's data is thrown away: no shutdown checkpoint to wait for.
    await Promise.all(parts.pg.map((pg) => timed(pg.name, pg.stopAsync('immediate', 2_000))));
    // CITYWATCH_CLUSTER_KEEP_LOGS=dir: the parts' logs are copied there first.
    const keep = process.env.CITYWATCH_CLUSTER_KEEP_LOGS;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      for (const f of readdirSync(tmp).filter((f) => f.endsWith('.log')))
        writeFileSync(path.join(keep, f), readFileSync(path.join(tmp, f)));
    }
    rmSync(tmp, { recursive: true, force: true });
    active.delete(cluster);
    log(`stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${tmp} removed`);
  };
  active.add(cluster);
  const step = () => {
    if (cluster.stopped) throw new Fatal('cluster stopped while starting');
  };
  try {
    if (isRoot) {
      // runuser postgres needs to enter the directory.
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(tmp, uid, gid);
    }

    // PostgreSQL primary, then the standby from a base backup of it (-R writes primary_conninfo
    // and standby.signal).
    const [pgPort1, pgPort2] = [await freePort(), await freePort()];
    const primary = new Postgres('pg-primary', path.join(tmp, 'pg-primary'), pgPort1);
    pgRun('initdb', ['-D', primary.dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
    appendFileSync(
      path.join(primary.dir, 'postgresql.conf'),
      [
        `port = ${pgPort1}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${tmp}'`,
        'wal_level = replica',
        'max_wal_senders = 5',
        'hot_standby = on',
        'max_connections = 200',
        'shared_buffers = 64MB',
        'synchronous_commit = on',
        // Segments in the data dir (removed with it), not /dev/shm files left by a kill -9.
        'dynamic_shared_memory_type = mmap',
        '',
      ].join('\n'),
    );
    step();
    parts.pg.push(primary);
    primary.start();
    const standby = new Postgres('pg-standby', path.join(tmp, 'pg-standby'), pgPort2);
    pgRun('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(pgPort1),
      '-U',
      'postgres',
      '-D',
      standby.dir,
      '-R',
      '-X',
      'stream',
    ]);
    appendFileSync(path.join(standby.dir, 'postgresql.conf'), `port = ${pgPort2}\n`);
    step();
    parts.pg.push(standby);
    standby.start();
    await waitFor(
      'the standby streaming',
      () => primary.psql('select count(*) from pg_stat_replication') === '1',
      30_000,
    );
    log(`PostgreSQL primary :${pgPort1}, standby :${pgPort2} (streaming)`);

    // NATS: three servers in one cluster, JetStream on each.
    const natsPorts = [];
    const natsConfs = [];
    for (let i = 0; i < 3; i++)
      natsPorts.push({ client: await freePort(), cluster: await freePort(), http: await freePort() });
    step();
    for (let i = 0; i < 3; i++) {
      const dir = path.join(tmp, `nats-${i + 1}`);
      mkdirSync(dir);
      const conf = path.join(dir, 'nats.conf');
      writeFileSync(
        conf,
        [
          `server_name: n${i + 1}`,
          `listen: 127.0.0.1:${natsPorts[i].client}`,
          `http: 127.0.0.1:${natsPorts[i].http}`,
          `jetstream { store_dir: "${dir}/js", max_memory_store: 64MB, max_file_store: 1GB }`,
          'cluster {',
          '  name: citywatch',
          `  listen: 127.0.0.1:${natsPorts[i].cluster}`,
          `  routes: [${natsPorts.map((p) => `nats://127.0.0.1:${p.cluster}`).join(', ')}]`,
          '}',
          '',
        ].join('\n'),
      );
      parts.nats.push(new Proc(`nats-${i + 1}`, 'nats-server', ['-c', conf], {}, `${dir}.log`));
      natsConfs.push(conf);
    }
    cluster.restartNats = (i) => {
      parts.nats[i] = new Proc(
        `nats-${i + 1}`,
        'nats-server',
        ['-c', natsConfs[i]],
        {},
        `${natsConfs[i]}.log`,
      );
    };
    cluster.natsMonitor = natsPorts.map((p) => `http://127.0.0.1:${p.http}`);
    const natsUrl = natsPorts.map((p) => `nats://127.0.0.1:${p.client}`).join(',');
    await createReplicatedStream(natsUrl);
    log(`NATS JetStream cluster ${natsUrl}, stream ${STREAM} R3`);

    // HAProxy: API port and PostgreSQL port.
    const apiPorts = [];
    for (let i = 0; i < nodes; i++) apiPorts.push(await freePort());
    const [lbPort, pgLbPort] = [await freePort(), await freePort()];
    const haConf = path.join(tmp, 'haproxy.cfg');
    writeFileSync(
      haConf,
      [
        'global',
        '  maxconn 4000',
        `  stats socket ${tmp}/haproxy.sock mode 600 level admin`,
        'defaults',
        '  timeout connect 2s',
        '  timeout client 1h',
        '  timeout server 1h',
        '  timeout tunnel 1h',
        '  retries 2',
        'frontend api',
        '  mode http',
        `  bind 127.0.0.1:${lbPort}`,
        '  option forwardfor',
        '  default_backend api_nodes',
        'backend api_nodes',
        '  mode http',
        // Consoles hold WebSockets for hours: spread them by connection count, not turns.
        '  balance leastconn',
        '  option redispatch',
        '  option httpchk GET /api/health',
        '  http-check expect status 200',
        // Requests in flight on a node marked down (PostgreSQL unreachable) finish there: its own
        // answer is a 503 with Retry-After; a killed node's sockets close by themselves.
        // A node's event loop under load answers late: 3 s and three misses before it is out
        // (at load 30 on this machine, 1 s and two misses took every node out at once).
        '  timeout check 3s',
        '  default-server inter 1s fall 3 rise 2',
        // Every node down (PostgreSQL or NATS unreachable from all): HAProxy answers like a node,
        // 503 problem+json with Retry-After, not its HTML page.
        `  http-error status 503 content-type application/problem+json hdr retry-after 5 string '${JSON.stringify(
          {
            type: 'about:blank',
            title: '服务暂不可用 / Service unavailable',
            status: 503,
            detail: '没有可用的服务节点，请稍后重试 / No API node is available; retry later',
          },
        )}'`,
        ...apiPorts.map((p, i) => `  server api${i + 1} 127.0.0.1:${p} check`),
        'listen postgres',
        '  mode tcp',
        `  bind 127.0.0.1:${pgLbPort}`,
        '  option tcp-check',
        '  default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions',
        `  server primary 127.0.0.1:${pgPort1} check on-marked-up shutdown-backup-sessions`,
        `  server standby 127.0.0.1:${pgPort2} check backup`,
        '',
      ].join('\n'),
    );
    step();
    parts.haproxy = new Proc('haproxy', 'haproxy', ['-f', haConf, '-db'], {}, path.join(tmp, 'haproxy.log'));
    const base = `http://127.0.0.1:${lbPort}`;
    const databaseUrl = `postgres://postgres@127.0.0.1:${pgLbPort}/postgres`;

    const src = options.head ? snapshotHead(path.join(tmp, 'src')) : ROOT;
    // API nodes: the first one migrates and loads the bundled city; then the others.
    const envOf = (i) => ({
      ...process.env,
      PORT: String(apiPorts[i]),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      NATS_URL: natsUrl,
      CITYWATCH_DEMO: 'on',
      CITYWATCH_SIMULATE: 'off',
      CITYWATCH_ADMIN_PASSWORD: ADMIN_PASSWORD,
      CITYWATCH_DATA_DIR: path.join(tmp, `api-${i + 1}`),
      // The commit-kill drill creates this file: the node then kills itself right after its next
      // commit with events, before publishing them (app.ts; the outbox relay of another node must).
      CITYWATCH_DRILL_KILL_AFTER_COMMIT: path.join(tmp, `api-${i + 1}.kill-after-commit`),
      CITYWATCH_MQTT_PORT: '0',
      MQTT_CLIENT_ID: `citywatch-api${i + 1}`,
      CITYWATCH_ALLOWED_ORIGINS: base,
      CITYWATCH_WEB_DIST: process.env.CITYWATCH_WEB_DIST ?? path.join(ROOT, 'packages/web/dist'),
      LOG_FORMAT: 'json',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      ...(options.apiEnv ?? {}),
    });
    const startNode = async (i) => {
      rmSync(path.join(tmp, `api-${i + 1}.kill-after-commit`), { force: true });
      const proc = new Proc(
        `api-${i + 1}`,
        process.execPath,
        ['--import', 'tsx', path.join(src, 'packages/server/src/main.ts')],
        { cwd: src, env: envOf(i) },
        path.join(tmp, `api-${i + 1}.log`),
      );
      proc.port = apiPorts[i];
      proc.killFile = path.join(tmp, `api-${i + 1}.kill-after-commit`);
      proc.url = `http://127.0.0.1:${apiPorts[i]}`;
      parts.api[i] = proc;
      await waitFor(
        `api-${i + 1} healthy`,
        async () => {
          if (!proc.running) throw new Fatal(`api-${i + 1} exited:\n${proc.tail()}`);
          if (cluster.stopped) throw new Fatal('cluster stopped while starting');
          return (await fetch(`${proc.url}/api/health`)).status === 200;
        },
        300_000,
      ).catch((e) => {
        throw new Error(`${e.message}\n${proc.tail()}`);
      });
    };
    cluster.restartNode = startNode;
    const t0 = Date.now();
    await startNode(0);
    await Promise.all(Array.from({ length: nodes - 1 }, (_, k) => startNode(k + 1)));
    await waitFor(
      'HAProxy sees every node up',
      () => {
        if (!parts.haproxy.running) throw new Fatal(`haproxy exited:\n${parts.haproxy.tail()}`);
        return haproxyUp(tmp, nodes);
      },
      30_000,
    );
    log(`${nodes} API nodes up in ${((Date.now() - t0) / 1000).toFixed(1)} s; HAProxy ${base}`);
    Object.assign(cluster, {
      base,
      databaseUrl,
      natsUrl,
      primary,
      standby,
      haproxySocket: `${tmp}/haproxy.sock`,
    });
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

const active = new Set();

/** Stops every cluster of this process, also one still starting (the CLI's signal handlers). */
export function stopAll() {
  return Promise.all([...active].map((c) => c.stop()));
}

/** Servers of backend api_nodes that HAProxy marks UP, via its stats socket. */
export async function haproxyUp(tmp, expected) {
  const csv = await haproxyCommand(`${tmp}/haproxy.sock`, 'show stat');
  const up = csv.split('\n').filter((l) => l.startsWith('api_nodes,api') && l.split(',')[17] === 'UP').length;
  return expected === undefined ? up : up === expected;
}

export function haproxyCommand(socketPath, command) {
  return new Promise((resolve, reject) => {
    import('node:net').then(({ createConnection }) => {
      const s = createConnection(socketPath);
      let out = '';
      s.on('data', (d) => {
        out += d;
      });
      s.on('end', () => resolve(out));
      s.on('error', reject);
      s.write(`${command}\n`);
    });
  });
}

async function createReplicatedStream(natsUrl) {
  const { connect, nanos } = await import('@nats-io/transport-node');
  const { jetstreamManager, RetentionPolicy, StorageType, DiscardPolicy } = await import(
    '@nats-io/jetstream'
  );
  let nc;
  await waitFor(
    'NATS cluster',
    async () => {
      nc = await connect({ servers: natsUrl.split(','), timeout: 2_000 });
      return true;
    },
    30_000,
  );
  try {
    // JetStream needs its meta leader elected before a stream can be added.
    await waitFor(
      'JetStream stream R3',
      async () => {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.add({
          name: STREAM,
          subjects: [`${SUBJECT_PREFIX}.>`],
          retention: RetentionPolicy.Limits,
          storage: StorageType.File,
          discard: DiscardPolicy.Old,
          max_age: nanos(24 * 3600_000),
          duplicate_window: nanos(120_000),
          num_replicas: 3,
        });
        return true;
      },
      60_000,
    );
  } finally {
    await nc.close();
  }
}

/**
 * Where the temp dir goes: CITYWATCH_CLUSTER_DIR, else /dev/shm (tmpfs) when present, else the OS
 * temp dir. On tmpfs the teardown's removal of ~3,000 files takes milliseconds instead of 10 s on
 * this machine's disk under load. A process killed -9 loses nothing in the page cache either way:
 * the drills kill processes, not the machine's power (which is not drilled here).
 */
export function tempRoot() {
  if (process.env.CITYWATCH_CLUSTER_DIR) return process.env.CITYWATCH_CLUSTER_DIR;
  return existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
}

/** Temp dirs of clusters from earlier runs killed before they could clean up (for the smoke test). */
export function staleClusterDirs() {
  return readdirSync(tempRoot())
    .filter((d) => d.startsWith('citywatch-cluster-'))
    .map((d) => path.join(tempRoot(), d))
    .filter((d) => existsSync(d));
}

/** Signs in as admin through the load balancer; returns the session cookie. */
export async function login(base) {
  const r = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  const token = /cw_session=([^;]+)/.exec(r.headers.get('set-cookie') ?? '')?.[1];
  if (r.status !== 200 || !token) throw new Error(`login failed: ${r.status} ${await r.text()}`);
  return `cw_session=${token}`;
}
