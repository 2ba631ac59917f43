import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { type AppHandle, buildApp } from '../app.js';
import { createInProcessBus } from '../bus/index.js';
import { loadConfig } from '../config.js';
import type { ZodApp } from '../modules/module.js';
import { seedIfEmpty } from '../seed.js';
import { createTestDb, type TestDb } from './db.js';

export const ADMIN_PASSWORD = 'correct-horse-battery';

export interface TestApp {
  app: FastifyInstance;
  ctx: AppHandle['ctx'];
  testDb: TestDb;
  /** Moves the app's clock. */
  advance(ms: number): void;
  login(username: string, password: string): Promise<string>;
  /** inject() with the session cookie. */
  as(cookie: string, options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** A seeded app on a fresh test database (PGlite or PostgreSQL per the test project), clock controllable. */
export async function createTestApp(
  extraRoutes?: (app: ZodApp, ctx: AppHandle['ctx']) => void,
): Promise<TestApp> {
  const testDb = await createTestDb();
  let clock = Date.parse('2026-11-23T08:00:00Z');
  const config = {
    ...loadConfig({
      CITYWATCH_DEMO: 'off',
      LOG_LEVEL: 'silent',
      LOG_FORMAT: 'json',
      // Tests sign in many times from one address; the throttle has a test of its own.
      CITYWATCH_LOGIN_FAILURES_PER_ADDRESS: '1000',
    } as NodeJS.ProcessEnv),
    webDist: '/nonexistent',
  };
  const bus = createInProcessBus();
  const { app, ctx, start } = await buildApp({
    config,
    db: testDb.db,
    bus,
    now: () => new Date(clock),
    extraRoutes,
  });
  await seedIfEmpty(ctx.identity, ADMIN_PASSWORD, () => {});
  await app.ready();
  // Modules start as in the platform (timers, subscriptions), without MQTT; app.close() stops them.
  await start({});
  return {
    app,
    ctx,
    testDb,
    advance: (ms) => {
      clock += ms;
    },
    login: async (username, password) => {
      const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
      if (r.statusCode !== 200) throw new Error(`login ${username} failed: ${r.statusCode} ${r.body}`);
      const cookie = r.cookies.find((c) => c.name === 'cw_session');
      if (!cookie) throw new Error('no session cookie');
      return `cw_session=${cookie.value}`;
    },
    as: (cookie, options) => app.inject({ ...options, headers: { ...(options.headers ?? {}), cookie } }),
    close: async () => {
      await app.close();
      await bus.close();
      await testDb.drop();
    },
  };
}
