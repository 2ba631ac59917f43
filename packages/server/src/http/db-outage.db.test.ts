import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { createInProcessBus } from '../bus/index.js';
import { loadConfig } from '../config.js';
import { type Db, openDatabase } from '../db/database.js';
import { seedIfEmpty } from '../seed.js';
import { createTestDb, type TestDb } from '../test/db.js';
import { databaseUnavailable } from './db-errors.js';

/**
 * PostgreSQL stops under a running API node (a restart, a failover): requests are answered 503
 * with Retry-After, not 500; the node recovers by itself when the database is back. The database is
 * "stopped" by cutting a TCP relay between the node and the shared test server (stopping the server
 * itself would stop every other test).
 */
class Relay {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  async open(port = 0) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(5432, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async cut() {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
    this.server = null;
  }
}

const onPostgres = process.env.CITYWATCH_TEST_DB === 'postgres';

describe('database outage', () => {
  if (!onPostgres) {
    // The embedded database lives in the process: it cannot be unreachable. The mapping is checked
    // against the error a refused connection really raises.
    it('recognises a refused connection as the database being unreachable', async () => {
      const closed = net.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as net.AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const db = await openDatabase({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/x` });
      const error = await db.kysely
        .selectNoFrom((eb) => eb.val(1).as('one'))
        .execute()
        .catch((e: unknown) => e);
      await db.close();
      expect(databaseUnavailable(error)).toBe(true);
      expect(databaseUnavailable(Object.assign(new Error('dup'), { code: '23505' }))).toBe(false);
    });
    return;
  }

  let t: TestDb;
  let db: Db;
  const relay = new Relay();
  let app: Awaited<ReturnType<typeof buildApp>>['app'];
  const bus = createInProcessBus();
  beforeAll(async () => {
    t = await createTestDb();
    await relay.open();
    db = await openDatabase({ databaseUrl: (t.url as string).replace(':5432/', `:${relay.port}/`) });
    const config = {
      ...loadConfig({ CITYWATCH_DEMO: 'off', LOG_LEVEL: 'silent', LOG_FORMAT: 'json' } as NodeJS.ProcessEnv),
      webDist: '/nonexistent',
    };
    const built = await buildApp({ config, db, bus });
    app = built.app;
    await seedIfEmpty(built.ctx.identity, 'correct-horse-battery', () => {});
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await db?.close();
    await bus.close();
    await relay.cut().catch(() => {});
    await t?.drop();
  });

  it('answers 503 with Retry-After while PostgreSQL is unreachable, and recovers by itself', async () => {
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'admin', password: 'correct-horse-battery' },
    });
    expect(login.statusCode).toBe(200);
    const cookie = `cw_session=${login.cookies.find((c) => c.name === 'cw_session')?.value}`;
    const incidents = () =>
      app.inject({ method: 'GET', url: '/api/dispatch/incidents', headers: { cookie } });
    expect((await incidents()).statusCode).toBe(200);

    const port = relay.port;
    await relay.cut();
    for (const request of [
      incidents,
      () => app.inject({ method: 'GET', url: '/api/health' }),
      () =>
        app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: 'admin', password: 'correct-horse-battery' },
        }),
    ]) {
      const r = await request();
      expect(r.statusCode, r.body).toBe(503);
      expect(r.headers['retry-after']).toBe('5');
    }
    const refused = await incidents();
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json().type).toBe('/problems/unavailable');

    await relay.open(port);
    let back = 0;
    for (let i = 0; i < 50 && back !== 200; i++) {
      back = (await incidents()).statusCode;
      if (back !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(back).toBe(200);
  });
});
