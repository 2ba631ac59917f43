import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { createInProcessBus } from '../bus/index.js';
import { loadConfig, parseTrustProxy } from '../config.js';
import { seedIfEmpty } from '../seed.js';
import { createTestDb, type TestDb } from '../test/db.js';

/**
 * HAProxy in front of the API nodes: X-Forwarded-For names the client only when CITYWATCH_TRUST_PROXY
 * says the peer is a proxy. Otherwise any client could pick its address and walk around the login
 * throttle (and write whatever it likes into the audit log's ip).
 */
describe('CITYWATCH_TRUST_PROXY', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function appWith(trustProxy: string | undefined) {
    const t: TestDb = await createTestDb();
    const bus = createInProcessBus();
    const config = {
      ...loadConfig({
        CITYWATCH_DEMO: 'off',
        LOG_LEVEL: 'silent',
        LOG_FORMAT: 'json',
        CITYWATCH_LOGIN_FAILURES_PER_ADDRESS: '2',
        ...(trustProxy === undefined ? {} : { CITYWATCH_TRUST_PROXY: trustProxy }),
      } as NodeJS.ProcessEnv),
      webDist: '/nonexistent',
    };
    const built = await buildApp({ config, db: t.db, bus });
    await seedIfEmpty(built.ctx.identity, 'correct-horse-battery', () => {});
    await built.app.ready();
    cleanups.push(async () => {
      await built.app.close();
      await bus.close();
      await t.drop();
    });
    const login = (password: string, forwardedFor: string) =>
      built.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: '10.0.0.5', // the proxy
        headers: { 'x-forwarded-for': forwardedFor },
        payload: { username: 'admin', password },
      });
    const loginIps = async () =>
      (
        await t.db.kysely
          .selectFrom('audit_log')
          .select('detail')
          .where('action', '=', 'login')
          .orderBy('seq')
          .execute()
      ).map((r) => (r.detail as { ip?: string } | null)?.ip);
    return { login, loginIps };
  }

  it('parses off, on, hop counts and address lists, and refuses anything else', () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy('off')).toBe(false);
    expect(parseTrustProxy('on')).toBe(true);
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('10.0.0.5, 10.0.1.0/24')).toEqual(['10.0.0.5', '10.0.1.0/24']);
    expect(() => parseTrustProxy('haproxy.local')).toThrow(/CITYWATCH_TRUST_PROXY/);
  });

  it('off (default): the proxy is the client; X-Forwarded-For is ignored by the throttle and the audit', async () => {
    const { login, loginIps } = await appWith(undefined);
    expect((await login('correct-horse-battery', '203.0.113.7')).statusCode).toBe(200);
    expect(await loginIps()).toEqual(['10.0.0.5']);
    expect((await login('wrong-password-1', '203.0.113.7')).statusCode).toBe(401);
    expect((await login('wrong-password-2', '203.0.113.7')).statusCode).toBe(401);
    // A "different" client behind the same peer is throttled: the header is not believed.
    expect((await login('correct-horse-battery', '198.51.100.9')).statusCode).toBe(429);
  });

  it('configured: the forwarded client is throttled and audited, not the proxy', async () => {
    const { login, loginIps } = await appWith('10.0.0.5');
    expect((await login('wrong-password-1', '203.0.113.7')).statusCode).toBe(401);
    expect((await login('wrong-password-2', '203.0.113.7')).statusCode).toBe(401);
    expect((await login('correct-horse-battery', '203.0.113.7')).statusCode).toBe(429);
    // Another client behind the same proxy is not held back by the first one's failures.
    expect((await login('correct-horse-battery', '198.51.100.9')).statusCode).toBe(200);
    expect(await loginIps()).toContain('198.51.100.9');
    expect(await loginIps()).not.toContain('10.0.0.5');
  });
});
