import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../test/db.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const MOSQUITTO = process.env.CITYWATCH_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const PASSWORD = 'crash-Test-Passw0rd';
const PLATE = '粤B7R5K2';
const READS = 200;
const KILL_AFTER = 60;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Kill -9 in the middle of a stream of plate reads published with QoS 1 to the bureau's broker
 * (Mosquitto): every read the broker acknowledged to the camera is in the database once the server
 * is back, because the server acknowledges a message only after processing it, on a persistent
 * session that the broker keeps (and fills) while the server is down. Every read is a hit, so each
 * is a stored row that can be counted (non-hits are only counted, never stored).
 */
describe(`a crash loses no acknowledged read (${process.env.CITYWATCH_TEST_DB})`, () => {
  const run = randomBytes(4).toString('hex');
  const checkpointId = `CP-CRASH-${run}`;
  const clientIdPrefix = `citywatch-crash-${run}`;
  let testDb: TestDb | undefined;
  let dataDir: string | undefined;
  let child: ChildProcess | undefined;
  let output = '';

  afterAll(async () => {
    child?.kill('SIGKILL');
    // The server's sessions are persistent: end them on the shared broker.
    for (const suffix of ['plates', 'avl']) {
      const c = await mqtt.connectAsync(MOSQUITTO, { clientId: `${clientIdPrefix}-${suffix}`, clean: true });
      await c.endAsync();
    }
    await testDb?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function startServer(port: number): Promise<string> {
    output = '';
    child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        CITYWATCH_DATA_DIR: dataDir,
        DATABASE_URL: testDb?.url ?? '',
        CITYWATCH_ADMIN_PASSWORD: PASSWORD,
        CITYWATCH_DEMO: 'on',
        CITYWATCH_SIMULATE: 'off',
        MQTT_URL: MOSQUITTO,
        MQTT_CLIENT_ID: clientIdPrefix,
        NATS_URL: '',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
      },
    });
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString('utf8');
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString('utf8');
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
      if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${output}`);
      try {
        if ((await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2_000) })).ok) return baseUrl;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`server not healthy in time:\n${output}`);
  }

  it('kill -9 mid-stream, restart: every acknowledged read is there', async () => {
    // PostgreSQL: a throw-away database; PGlite: the server's own files in a throw-away directory.
    if (process.env.CITYWATCH_TEST_DB === 'postgres') testDb = await createTestDb();
    dataDir = mkdtempSync(path.join(tmpdir(), 'citywatch-crash-'));
    const port = await freePort();
    let base = await startServer(port);

    const login = async (username: string, password: string) => {
      const r = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      expect(r.status, await r.clone().text()).toBe(200);
      return /cw_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')![0];
    };
    const api = async (cookie: string, method: string, url: string, body?: unknown) => {
      const r = await fetch(`${base}${url}`, {
        method,
        headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      if (!r.ok) throw new Error(`${method} ${url} → ${r.status}: ${text}`);
      return text ? JSON.parse(text) : undefined;
    };
    const admin = await login('admin', PASSWORD);
    const orgId = (await api(admin, 'GET', '/api/orgs')).items[0].id;
    for (const username of ['crash.cmd1', 'crash.cmd2']) {
      await api(admin, 'POST', '/api/users', {
        username,
        displayName: username,
        password: 'a-long-password',
        orgId,
        roles: ['commander'],
      });
    }
    await api(admin, 'POST', '/api/perimeter/checkpoints', {
      id: checkpointId,
      name: '崩溃测试卡口',
      kind: 'camera',
      orgId,
      lon: 114.2005,
      lat: 22.6805,
    });
    // The plate is hotlisted (four eyes), so every read of it is a stored hit.
    const cmd1 = await login('crash.cmd1', 'a-long-password');
    const cmd2 = await login('crash.cmd2', 'a-long-password');
    const entry = await api(cmd1, 'POST', '/api/perimeter/hotlist', {
      kind: 'plate',
      value: PLATE,
      category: 'stolen_vehicle',
      legalBasis: '崩溃测试',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    await api(cmd2, 'POST', `/api/perimeter/hotlist/${entry.id}/approve`);
    // A camera on the bureau's broker, QoS 1: each publish resolves on the broker's PUBACK.
    const camera = await mqtt.connectAsync(MOSQUITTO, { clientId: `crash-camera-${run}` });
    const start = Date.now() - 60_000;
    const sent: string[] = [];
    for (let i = 0; i < READS; i++) {
      const at = new Date(start + i).toISOString();
      if (i === KILL_AFTER) child!.kill('SIGKILL');
      await camera.publishAsync(
        `citywatch/plates/${checkpointId}`,
        JSON.stringify({ plate: PLATE, at, direction: 'in', confidence: 0.9 }),
        { qos: 1 },
      );
      sent.push(at);
    }
    await camera.endAsync();
    // Signalled: exitCode stays null, signalCode is set (and 'exit' may have fired already).
    const killed = child!;
    await new Promise<void>((resolve) =>
      killed.exitCode !== null || killed.signalCode !== null
        ? resolve()
        : killed.once('exit', () => resolve()),
    );
    expect(killed.signalCode).toBe('SIGKILL');

    base = await startServer(port);
    const commander = await login('crash.cmd1', 'a-long-password');
    let stored = new Set<string>();
    let rows = 0;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      const hits = (
        await api(commander, 'GET', `/api/perimeter/hits?checkpointId=${checkpointId}&limit=1000`)
      ).items as { readAt: string }[];
      rows = hits.length;
      stored = new Set(hits.map((h) => h.readAt));
      if (stored.size >= READS) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const lost = sent.filter((at) => !stored.has(at));
    expect(lost, `lost ${lost.length} of ${READS}; ${rows} hit rows\n${output}`).toEqual([]);
    // At least once: a read being processed when the process died may be there twice.
    expect(rows - stored.size).toBeLessThanOrEqual(2);
  }, 240_000);
});
