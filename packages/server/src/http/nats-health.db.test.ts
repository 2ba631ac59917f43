import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { createInProcessBus } from '../bus/index.js';
import { loadConfig } from '../config.js';
import { createTestDb, type TestDb } from '../test/db.js';
import { createNatsProbe, type NatsProbe } from './nats-probe.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function startNats(port: number): Promise<ChildProcess> {
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    const until = Date.now() + 10_000;
    const poll = () => {
      const s = createServer();
      s.once('error', () => resolve(child)); // port taken: the server listens
      s.listen(port, '127.0.0.1', () => {
        s.close();
        if (Date.now() > until) reject(new Error('nats-server did not start'));
        else setTimeout(poll, 100);
      });
    };
    poll();
  });
}

// /api/health on a node with NATS (issue 17): 503 while no NATS server answers, so HAProxy takes
// the node out; 200 again once NATS is back. A real nats-server, stopped and restarted.
describe('health with a NATS probe', () => {
  let testDb: TestDb;
  let nats: ChildProcess | undefined;
  let probe: NatsProbe;
  let port: number;
  beforeAll(async () => {
    testDb = await createTestDb();
    port = await freePort();
    nats = await startNats(port);
    probe = await createNatsProbe(`nats://127.0.0.1:${port}`);
  }, 180_000);
  afterAll(async () => {
    await probe?.close();
    nats?.kill('SIGKILL');
    await testDb?.drop();
  });

  it('answers 503 with Retry-After and bus unreachable while NATS is down, 200 when back', async () => {
    const config = {
      ...loadConfig({ CITYWATCH_DEMO: 'off', LOG_LEVEL: 'silent', LOG_FORMAT: 'json' } as NodeJS.ProcessEnv),
      webDist: '/nonexistent',
    };
    const { app } = await buildApp({
      config,
      db: testDb.db,
      bus: createInProcessBus(),
      busProbe: () => probe.check(),
    });
    try {
      const up = await app.inject({ method: 'GET', url: '/api/health' });
      expect(up.statusCode).toBe(200);
      expect(up.json()).toMatchObject({ status: 'ok', bus: 'ok' });

      const stopped = nats!;
      await new Promise((r) => {
        stopped.once('exit', r);
        stopped.kill('SIGKILL');
      });
      const down = await app.inject({ method: 'GET', url: '/api/health' });
      expect(down.statusCode).toBe(503);
      expect(down.headers['retry-after']).toBeDefined();
      expect(down.json()).toMatchObject({ status: 'unavailable', bus: 'unreachable' });

      nats = await startNats(port);
      let back = 0;
      for (let i = 0; i < 50 && back !== 200; i++) {
        await new Promise((r) => setTimeout(r, 200));
        back = (await app.inject({ method: 'GET', url: '/api/health' })).statusCode;
      }
      expect(back).toBe(200);
    } finally {
      await app.close();
    }
  }, 60_000);
});
