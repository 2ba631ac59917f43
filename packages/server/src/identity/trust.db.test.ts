import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../test/app.js';
import { IdentityService, LOCKOUT_THRESHOLD } from './service.js';

describe(`identity that holds against admins and attackers (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let orgId: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.login('admin', ADMIN_PASSWORD);
    orgId = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items[0].id;
  });
  afterAll(() => t.close());

  const createUser = (username: string, roles: string[]) =>
    t.as(admin, {
      method: 'POST',
      url: '/api/users',
      payload: { username, displayName: username, password: 'a-long-password', orgId, roles },
    });

  it('counts parallel wrong passwords atomically: the lock-out cannot be raced', async () => {
    expect((await createUser('racer', ['dispatcher'])).statusCode).toBe(201);
    const attempts = await Promise.all(
      Array.from({ length: LOCKOUT_THRESHOLD * 2 }, () =>
        t.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: 'racer', password: 'wrong' },
        }),
      ),
    );
    expect(attempts.every((r) => r.statusCode === 401 || r.statusCode === 423)).toBe(true);
    const right = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'racer', password: 'a-long-password' },
    });
    expect(right.statusCode).toBe(423);
  });

  it('throttles one address trying many accounts, with Retry-After', async () => {
    const identity = new IdentityService(t.ctx.db.kysely, t.ctx.now, t.ctx.permissions, {
      loginFailuresPerAddress: 3,
    });
    const client = { ip: '203.0.113.9', userAgent: null };
    for (const name of ['a1', 'a2', 'a3']) {
      await expect(identity.login(name, 'guess', client)).rejects.toMatchObject({ code: 'bad_credentials' });
    }
    const refused = await identity.login('admin', ADMIN_PASSWORD, client).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'rate_limited' });
    expect(Number((refused as { headers: Record<string, string> }).headers['retry-after'])).toBeGreaterThan(
      0,
    );
    // Another address is not held back by it.
    await expect(
      identity.login('admin', ADMIN_PASSWORD, { ip: '198.51.100.1', userAgent: null }),
    ).resolves.toBeTruthy();
  });

  it('does not record what was typed as an unknown username', async () => {
    const typed = 'my-Secret-Passw0rd';
    await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: typed, password: 'x' },
    });
    const rows = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['username', 'detail'])
      .where('action', '=', 'login_failed')
      .execute();
    expect(JSON.stringify(rows)).not.toContain(typed);
    expect(
      rows.some((r) => r.username === null && (r.detail as { reason?: string }).reason === 'unknown_user'),
    ).toBe(true);
  });

  it('refuses one account holding both account management and hotlist approval', async () => {
    const r = await createUser('both', ['admin', 'commander']);
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().errors[0]).toMatchObject({ field: 'roles', rule: 'separation_of_duties' });
    const commander = await createUser('later.admin', ['commander']);
    const promoted = await t.as(admin, {
      method: 'PATCH',
      url: `/api/users/${commander.json().id}`,
      payload: { roles: ['commander', 'admin'] },
    });
    expect(promoted.statusCode).toBe(400);
  });

  it('the two-account trick fails: an admin can neither file nor approve a hotlist entry', async () => {
    const entry = {
      kind: 'plate',
      value: '粤B12345',
      category: 'stolen_vehicle',
      legalBasis: '盗抢车辆立案 2026-118',
      expiresAt: new Date(t.ctx.now().getTime() + 86_400_000).toISOString(),
    };
    const filed = await t.as(admin, { method: 'POST', url: '/api/perimeter/hotlist', payload: entry });
    expect(filed.statusCode).toBe(403);
    // The admin mints a commander, files as it, and tries to approve as itself.
    await createUser('puppet', ['commander']);
    const puppet = await t.login('puppet', 'a-long-password');
    const byPuppet = await t.as(puppet, { method: 'POST', url: '/api/perimeter/hotlist', payload: entry });
    expect(byPuppet.statusCode, byPuppet.body).toBe(201);
    const approved = await t.as(admin, {
      method: 'POST',
      url: `/api/perimeter/hotlist/${byPuppet.json().id}/approve`,
    });
    expect(approved.statusCode).toBe(403);
  });

  it('audits every identity change in its transaction, with before and after, never a password', async () => {
    const created = await createUser('audited', ['dispatcher']);
    const id = created.json().id;
    const changed = await t.as(admin, {
      method: 'PATCH',
      url: `/api/users/${id}`,
      payload: { roles: ['dispatcher', 'patrol_officer'], password: 'another-long-password' },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    const rows = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['resource', 'detail'])
      .where('resource', '=', `user:${id}`)
      .orderBy('seq')
      .execute();
    const changes = rows.map((r) => r.detail as { change?: string; before?: unknown; after?: unknown });
    expect(changes.find((d) => d.change === 'create_user')?.after).toMatchObject({ roles: ['dispatcher'] });
    expect(changes.find((d) => d.change === 'update_user')).toMatchObject({
      before: { roles: ['dispatcher'] },
      after: { roles: ['dispatcher', 'patrol_officer'], passwordReset: true },
    });
    expect(JSON.stringify(rows)).not.toContain('another-long-password');
    expect(JSON.stringify(rows)).not.toContain('argon2');
  });
});
