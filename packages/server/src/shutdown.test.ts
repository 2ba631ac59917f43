import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const PASSWORD = 'shutdown-Test-Passw0rd';

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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

interface Running {
  child: ChildProcess;
  baseUrl: string;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

const started: { child: ChildProcess; dataDir: string }[] = [];

/** The platform as `npm start` runs it: bundled city, simulator at 60×, embedded broker on a free port. */
async function startPlatform(command: string[]): Promise<Running> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'citywatch-shutdown-'));
  const child = spawn(process.execPath, command, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      CITYWATCH_DATA_DIR: dataDir,
      CITYWATCH_ADMIN_PASSWORD: PASSWORD,
      CITYWATCH_DEMO: 'on',
      CITYWATCH_SIMULATE: 'on',
      CITYWATCH_SIMULATE_SPEED: '60',
      CITYWATCH_MQTT_PORT: '0',
      DATABASE_URL: '',
      NATS_URL: '',
      MQTT_URL: '',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      CITYWATCH_WEB_BUILD: 'off',
    },
  });
  started.push({ child, dataDir });
  let text = '';
  child.stdout?.on('data', (d: Buffer) => {
    text += d.toString('utf8');
  });
  child.stderr?.on('data', (d: Buffer) => {
    text += d.toString('utf8');
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`platform exited early (${child.exitCode}):\n${text}`);
    try {
      if ((await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2_000) })).ok) {
        return { child, baseUrl, output: () => text, exit };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`platform not healthy in time:\n${text}`);
}

/** Signs in as admin and opens a console's live socket; resolves once the socket has carried an event. */
async function openConsole(baseUrl: string): Promise<{ socket: WebSocket; closed: Promise<number> }> {
  const login = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  });
  expect(login.status).toBe(200);
  const cookie = /cw_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0];
  expect(cookie).toBeTruthy();
  const socket = new WebSocket(`${baseUrl.replace('http', 'ws')}/api/live`, {
    headers: { cookie: cookie!, origin: baseUrl },
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  // The simulator moves units every second: an event arrives soon after the socket opens.
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('message', () => resolve());
  });
  return { socket, closed };
}

afterEach(() => {
  // Whatever a failed test left: nothing of the project may stay running.
  for (const { child, dataDir } of started.splice(0)) {
    for (const pid of [...childrenOf(child.pid!), child.pid!]) {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe('a clean stop on SIGTERM', () => {
  it('exits 0 within 10 s with a console connected and the simulator running', async () => {
    const platform = await startPlatform(['--import', 'tsx', 'packages/server/src/main.ts']);
    const console_ = await openConsole(platform.baseUrl);
    const sentAt = Date.now();
    platform.child.kill('SIGTERM');
    const { code, signal, at } = await platform.exit;
    expect({ code, signal }, platform.output()).toEqual({ code: 0, signal: null });
    expect(at - sentAt).toBeLessThan(10_000);
    // The console learns the server is going (1012: reconnect), not a close without a code.
    expect(await console_.closed).toBe(1012);
  }, 240_000);

  it('`npm start` forwards SIGTERM to the server and exits with it, leaving nothing running', async () => {
    const wrapper = await startPlatform(['scripts/start.mjs']);
    const servers = childrenOf(wrapper.child.pid!);
    expect(servers.length).toBe(1);
    await openConsole(wrapper.baseUrl);
    const sentAt = Date.now();
    wrapper.child.kill('SIGTERM');
    const { code, at } = await wrapper.exit;
    expect(code, wrapper.output()).toBe(0);
    expect(at - sentAt).toBeLessThan(10_000);
    for (const pid of servers) expect(alive(pid)).toBe(false);
  }, 240_000);
});
