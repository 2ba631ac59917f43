/**
 * The acceptance as written: an Open311 client's calls, made with plain HTTP (fetch), against the
 * server as `npm start` runs it (its own process, embedded database in a fresh data dir).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');

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

describe('an Open311 client against the started server', () => {
  let child: ChildProcess;
  let base = '';
  let dataDir = '';
  const output: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    dataDir = mkdtempSync(path.join(tmpdir(), 'citywatch-open311-'));
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        CITYWATCH_DATA_DIR: dataDir,
        CITYWATCH_ADMIN_PASSWORD: 'open311-Admin-Passw0rd',
        CITYWATCH_DEMO: 'off',
        CITYWATCH_SIMULATE: 'off',
        CITYWATCH_MQTT_PORT: '0',
        LOG_LEVEL: 'warn',
      },
    });
    child.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
    child.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
    const until = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited: ${output.join('')}`);
      try {
        if ((await fetch(`${base}/api/health`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > until) throw new Error(`server did not start: ${output.join('')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists services, takes a form-encoded request and answers its status', async () => {
    const services = await fetch(`${base}/open311/v2/services.json`);
    expect(services.status).toBe(200);
    const list = (await services.json()) as { service_code: string; service_name: string }[];
    expect(list.map((s) => s.service_code)).toContain('public_order');

    const post = await fetch(`${base}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        service_code: 'public_order',
        lat: '22.6955',
        long: '114.1955',
        description: '公园里每晚有人聚众赌博',
      }).toString(),
    });
    expect(post.status, await post.clone().text()).toBe(201);
    const [created] = (await post.json()) as { service_request_id: string; token: string }[];
    expect(created.service_request_id).toMatch(/^[0-9a-f-]{36}$/);

    const status = await fetch(`${base}/open311/v2/requests/${created.service_request_id}.json`);
    expect(status.status).toBe(200);
    const [request] = (await status.json()) as Record<string, unknown>[];
    expect(request).toMatchObject({
      service_request_id: created.service_request_id,
      status: 'open',
      service_code: 'public_order',
      description: '公园里每晚有人聚众赌博',
      lat: 22.6955,
      long: 114.1955,
    });
    for (const field of [
      'status_notes',
      'service_name',
      'agency_responsible',
      'requested_datetime',
      'updated_datetime',
      'expected_datetime',
      'address',
      'media_url',
    ])
      expect(request).toHaveProperty(field);

    const bad = await fetch(`${base}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'lat=22.6955&long=114.1955',
    });
    expect(bad.status).toBe(400);
    const errors = (await bad.json()) as { code: number; description: string }[];
    expect(errors[0].code).toBe(400);
    expect(errors[0].description).toContain('service_code');
  });
});
