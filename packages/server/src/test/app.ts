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
  /** Every org's id by its name, as the admin reads them. */
  orgIds(admin: string): Promise<Record<string, string>>;
  /**
   * Creates each user (username, roles, org name; password TEST_USER_PASSWORD) as the admin and
   * signs it in: each one's session cookie and id by username.
   */
  users(
    admin: string,
    specs: readonly (readonly [username: string, roles: readonly string[], orgName: string])[],
  ): Promise<Record<string, { cookie: string; id: string }>>;
  close(): Promise<void>;
}

/** The password of users made by TestApp.users. */
export const TEST_USER_PASSWORD = 'a-long-password';

/** A seeded app on a fresh test database (PGlite or PostgreSQL per the test project), clock controllable. */
export async function createTestApp(
  extraRoutes?: (app: ZodApp, ctx: AppHandle['ctx']) => void,
): Promise<TestApp> {
  const testDb = await createTestDb();
  let clock = Date.parse('2026-11-23T08:00:00Z');
  const config = {
    ...loadConfig({
      CITYWATCH_DEMO: 'off',
      // CITYWATCH_TEST_LOG_LEVEL=error shows a test app's server errors (e.g. what a fuzz-found 500 threw).
      LOG_LEVEL: process.env.CITYWATCH_TEST_LOG_LEVEL ?? 'silent',
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
  const login = async (username: string, password: string) => {
    const r = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
    if (r.statusCode !== 200) throw new Error(`login ${username} failed: ${r.statusCode} ${r.body}`);
    const cookie = r.cookies.find((c) => c.name === 'cw_session');
    if (!cookie) throw new Error('no session cookie');
    return `cw_session=${cookie.value}`;
  };
  const as = (cookie: string, options: InjectOptions) =>
    app.inject({ ...options, headers: { ...(options.headers ?? {}), cookie } });
  const orgIds = async (admin: string) => {
    const r = await as(admin, { method: 'GET', url: '/api/orgs' });
    return Object.fromEntries(
      (r.json().items as { id: string; name: string }[]).map((o) => [o.name, o.id]),
    ) as Record<string, string>;
  };
  return {
    app,
    ctx,
    testDb,
    advance: (ms) => {
      clock += ms;
    },
    login,
    as,
    orgIds,
    users: async (admin, specs) => {
      const orgs = await orgIds(admin);
      const made: Record<string, { cookie: string; id: string }> = {};
      for (const [username, roles, orgName] of specs) {
        if (!orgs[orgName]) throw new Error(`no org named ${orgName}`);
        const r = await as(admin, {
          method: 'POST',
          url: '/api/users',
          payload: {
            username,
            displayName: username,
            password: TEST_USER_PASSWORD,
            orgId: orgs[orgName],
            roles,
          },
        });
        if (r.statusCode !== 201) throw new Error(`creating ${username} failed: ${r.statusCode} ${r.body}`);
        made[username] = { id: r.json().id, cookie: await login(username, TEST_USER_PASSWORD) };
      }
      return made;
    },
    // The database goes even when stopping the app or the bus throws (else a run leaves it behind).
    close: async () => {
      try {
        await app.close();
        await bus.close();
      } finally {
        await testDb.drop();
      }
    },
  };
}
