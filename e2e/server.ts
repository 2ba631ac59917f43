import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WEB_DIST = path.join(REPO_ROOT, 'packages/web/dist');

export type TestServer = {
  baseUrl: string;
  port: number;
  adminPassword: string;
  dataDir: string;
  /** The server's recent output, for failure messages. */
  output: () => string;
  stop: () => Promise<void>;
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('no port'));
        return;
      }
      const { port } = addr;
      srv.close(() => resolve(port));
    });
  });
}

/** The server serves packages/web/dist; build it when a run starts without one. */
export function ensureWebBuilt(): void {
  if (existsSync(path.join(WEB_DIST, 'index.html'))) return;
  const res = spawnSync('npm', ['run', 'build', '-w', 'packages/web'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    env: process.env,
  });
  if (res.status !== 0) throw new Error(`building packages/web failed (exit ${res.status})`);
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || exited(child)) return;
  try {
    // detached: the child leads its own process group; end everything in it.
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Starts the real server (embedded database in a fresh temp dir, no demo city) and waits until it is healthy. */
export async function startServer(
  opts: { timeoutMs?: number; demo?: boolean; generatedAdminPassword?: boolean } = {},
): Promise<TestServer> {
  ensureWebBuilt();
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'citywatch-e2e-'));
  const adminPassword = 'e2e-Admin-Passw0rd!';
  const baseUrl = `http://127.0.0.1:${port}`;
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(line);
    if (lines.length > 400) lines.splice(0, lines.length - 400);
  };

  // node itself, not npx → tsx → node: the child is the server, so its exit is the server's exit.
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      CITYWATCH_DATA_DIR: dataDir,
      // Without it, the server generates the first admin's password, prints it, and asks for a new one.
      ...(opts.generatedAdminPassword ? {} : { CITYWATCH_ADMIN_PASSWORD: adminPassword }),
      // The map test needs the bundled city; the others start faster without it.
      CITYWATCH_DEMO: opts.demo ? 'on' : 'off',
      // No simulated units or calls: the browser tests drive the console themselves.
      CITYWATCH_SIMULATE: 'off',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    },
  });
  // If the test process dies first, don't leave the server running.
  const onExit = () => signalGroup(child, 'SIGKILL');
  process.once('exit', onExit);
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const output = () => lines.join('\n');

  const stop = async () => {
    process.off('exit', onExit);
    signalGroup(child, 'SIGTERM');
    if (!(await waitForExit(child, 10_000))) {
      signalGroup(child, 'SIGKILL');
      await waitForExit(child, 5_000);
    }
    // Anything the server started in its process group goes with it.
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is already empty
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    if (exited(child)) {
      await stop();
      throw new Error(
        `server exited early (code ${child.exitCode}, signal ${child.signalCode}):\n${output()}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) {
        const printed = opts.generatedAdminPassword ? /password: (\S+)/.exec(output())?.[1] : adminPassword;
        if (!printed) throw new Error(`no admin password printed:\n${output()}`);
        return { baseUrl, port, adminPassword: printed, dataDir, output, stop };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`server not healthy within ${opts.timeoutMs ?? 90_000} ms:\n${output()}`);
}
