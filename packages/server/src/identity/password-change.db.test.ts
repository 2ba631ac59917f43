import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedIfEmpty } from '../seed.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../test/app.js';
import { createTestDb } from '../test/db.js';
import { permissionTable } from './permissions.js';
import { IdentityService } from './service.js';

describe(`a password someone else chose must be changed by its owner (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let userId: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.login('admin', ADMIN_PASSWORD);
    const orgId = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items[0].id;
    const created = await t.as(admin, {
      method: 'POST',
      url: '/api/users',
      payload: {
        username: 'reset.me',
        displayName: '重置',
        password: 'chosen-by-admin',
        orgId,
        roles: ['dispatcher'],
      },
    });
    userId = created.json().id;
  });
  afterAll(() => t.close());

  it('holds a reset account to its own session routes until the owner sets a new password', async () => {
    const reset = await t.as(admin, {
      method: 'PATCH',
      url: `/api/users/${userId}`,
      payload: { password: 'reset-by-the-admin' },
    });
    expect(reset.statusCode, reset.body).toBe(200);
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'reset.me', password: 'reset-by-the-admin' },
    });
    expect(login.json().mustChangePassword).toBe(true);
    const cookie = `cw_session=${login.cookies.find((c) => c.name === 'cw_session')!.value}`;
    const held = await t.as(cookie, { method: 'GET', url: '/api/dispatch/incidents' });
    expect(held.statusCode).toBe(403);
    expect(held.json().type).toBe('/problems/password-change-required');
    expect((await t.as(cookie, { method: 'GET', url: '/api/auth/me' })).json().mustChangePassword).toBe(true);

    const wrong = await t.as(cookie, {
      method: 'POST',
      url: '/api/auth/password',
      payload: { currentPassword: 'not-it', newPassword: 'my-own-password-1' },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().errors[0]).toMatchObject({ field: 'currentPassword', rule: 'wrong_password' });
    const same = await t.as(cookie, {
      method: 'POST',
      url: '/api/auth/password',
      payload: { currentPassword: 'reset-by-the-admin', newPassword: 'reset-by-the-admin' },
    });
    expect(same.json().errors[0]).toMatchObject({ field: 'newPassword', rule: 'same_as_current' });
    const changed = await t.as(cookie, {
      method: 'POST',
      url: '/api/auth/password',
      payload: { currentPassword: 'reset-by-the-admin', newPassword: 'my-own-password-1' },
    });
    expect(changed.statusCode, changed.body).toBe(204);
    expect((await t.as(cookie, { method: 'GET', url: '/api/dispatch/incidents' })).statusCode).toBe(200);
    expect((await t.as(cookie, { method: 'GET', url: '/api/auth/me' })).json().mustChangePassword).toBe(
      false,
    );
    const rows = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select('detail')
      .where('resource', '=', `user:${userId}`)
      .execute();
    expect(rows.map((r) => (r.detail as { change?: string }).change)).toContain('change_own_password');
    expect(JSON.stringify(rows)).not.toContain('my-own-password-1');
  });

  it('makes the generated first admin change its password, and refuses a weak CITYWATCH_ADMIN_PASSWORD', async () => {
    const fresh = await createTestDb();
    try {
      const identity = new IdentityService(fresh.db.kysely, () => new Date(), permissionTable([]));
      await expect(seedIfEmpty(identity, 'short', () => {})).rejects.toThrow(/CITYWATCH_ADMIN_PASSWORD/);
      const printed: string[] = [];
      expect(await seedIfEmpty(identity, undefined, (line) => printed.push(line))).toBe(true);
      const password = /password: (\S+)/.exec(printed.join('\n'))?.[1];
      expect(password).toBeTruthy();
      const session = await identity.login('admin', password!, { ip: null, userAgent: null });
      expect(session.mustChangePassword).toBe(true);
    } finally {
      await fresh.drop();
    }
  });
});
