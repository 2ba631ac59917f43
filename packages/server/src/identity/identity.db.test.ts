import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../test/app.js';
import { verifyAuditChain } from './audit.js';

const backend = process.env.CITYWATCH_TEST_DB;

describe(`identity and sessions (${backend})`, () => {
  let t: TestApp;
  let admin: string;
  let orgs: { id: string; kind: string; name: string; parentId: string | null }[];

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.login('admin', ADMIN_PASSWORD);
    orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items;
  });
  afterAll(() => t.close());

  const stationNamed = (name: string) => orgs.find((o) => o.name === name)!.id;

  async function createUser(username: string, orgName: string, roles: string[]) {
    // The tests move the clock by hours, so the admin signs in afresh each time.
    admin = await t.login('admin', ADMIN_PASSWORD);
    const r = await t.as(admin, {
      method: 'POST',
      url: '/api/users',
      payload: {
        username,
        displayName: username,
        password: 'a-long-password',
        orgId: stationNamed(orgName),
        roles,
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json();
  }

  it('answers 401 problem+json without a session', async () => {
    const r = await t.app.inject({ method: 'GET', url: '/api/users' });
    expect(r.statusCode).toBe(401);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.json()).toMatchObject({ status: 401, title: '未登录或会话已失效' });
  });

  it('sets an HttpOnly SameSite session cookie on login and knows the user', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'admin', password: ADMIN_PASSWORD },
    });
    const cookie = r.cookies.find((c) => c.name === 'cw_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Strict');
    const me = await t.as(`cw_session=${cookie.value}`, { method: 'GET', url: '/api/auth/me' });
    expect(me.json().user).toMatchObject({ username: 'admin', roles: ['admin'], orgName: '深圳市公安局' });
    expect(JSON.stringify(me.json())).not.toMatch(/argon2|password/);
  });

  it('locks an account for 10 minutes after 5 failed logins, even for the right password', async () => {
    await createUser('lockme', '龙城派出所', ['dispatcher']);
    for (let i = 0; i < 5; i++) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'lockme', password: 'wrong-password' },
      });
      expect(r.statusCode).toBe(401);
    }
    const locked = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'accept-language': 'en' },
      payload: { username: 'lockme', password: 'a-long-password' },
    });
    expect(locked.statusCode).toBe(423);
    expect(locked.json().detail).toMatch(/10 min/);
    t.advance(10 * 60_000 + 1000);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: 'lockme', password: 'a-long-password' },
        })
      ).statusCode,
    ).toBe(200);
  });

  it('ends a session after 30 idle minutes but not while it is used', async () => {
    await createUser('idle', '龙城派出所', ['dispatcher']);
    const cookie = await t.login('idle', 'a-long-password');
    t.advance(29 * 60_000);
    expect((await t.as(cookie, { method: 'GET', url: '/api/auth/me' })).statusCode).toBe(200);
    t.advance(29 * 60_000);
    expect((await t.as(cookie, { method: 'GET', url: '/api/auth/me' })).statusCode).toBe(200);
    t.advance(31 * 60_000);
    expect((await t.as(cookie, { method: 'GET', url: '/api/auth/me' })).statusCode).toBe(401);
  });

  it('ends a session 12 hours after login however active it is', async () => {
    await createUser('longday', '龙城派出所', ['dispatcher']);
    const cookie = await t.login('longday', 'a-long-password');
    for (let i = 0; i < 28; i++) {
      t.advance(25 * 60_000); // 28 × 25 min = 11 h 40 min, never idle for 30 min
      expect((await t.as(cookie, { method: 'GET', url: '/api/auth/me' })).statusCode).toBe(200);
    }
    t.advance(25 * 60_000); // 12 h 05 min after login
    expect((await t.as(cookie, { method: 'GET', url: '/api/auth/me' })).statusCode).toBe(401);
  });

  it("lets an admin end a user's sessions", async () => {
    const u = await createUser('kicked', '布吉派出所', ['dispatcher']);
    const cookie = await t.login('kicked', 'a-long-password');
    admin = await t.login('admin', ADMIN_PASSWORD);
    expect((await t.as(cookie, { method: 'GET', url: '/api/auth/me' })).statusCode).toBe(200);
    expect((await t.as(admin, { method: 'POST', url: `/api/users/${u.id}/end-sessions` })).statusCode).toBe(
      204,
    );
    expect((await t.as(cookie, { method: 'GET', url: '/api/auth/me' })).statusCode).toBe(401);
  });

  it('denies by role with 403 and audits the denial', async () => {
    await createUser('disp', '龙岗派出所', ['dispatcher']);
    const cookie = await t.login('disp', 'a-long-password');
    const r = await t.as(cookie, { method: 'GET', url: '/api/users' });
    expect(r.statusCode).toBe(403);
    const row = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'permission_denied')
      .where('username', '=', 'disp')
      .executeTakeFirst();
    expect(row?.resource).toBe('GET /api/users');
  });

  it("scopes data to the user's org subtree", async () => {
    const stationAdmin = await createUser('bujiadmin', '布吉派出所', ['admin']);
    const cookie = await t.login('bujiadmin', 'a-long-password');
    const users = (await t.as(cookie, { method: 'GET', url: '/api/users' })).json().items as {
      username: string;
    }[];
    expect(users.map((u) => u.username)).toContain('kicked');
    expect(users.map((u) => u.username)).not.toContain('admin');
    expect(users.map((u) => u.username)).not.toContain('disp');
    const orgNames = (await t.as(cookie, { method: 'GET', url: '/api/orgs' }))
      .json()
      .items.map((o: { name: string }) => o.name);
    expect(orgNames).toEqual(['布吉派出所', '布吉巡逻中队']);
    // Creating a user in another station is refused, naming the field.
    const r = await t.as(cookie, {
      method: 'POST',
      url: '/api/users',
      payload: {
        username: 'sneaky',
        displayName: 's',
        password: 'a-long-password',
        orgId: stationNamed('龙城派出所'),
        roles: ['admin'],
      },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors).toEqual([
      { field: 'orgId', rule: 'org_in_scope', message: '机构不存在或不在您的管辖范围内' },
    ]);
    expect(stationAdmin.orgName).toBe('布吉派出所');
  });

  it('names the field and the rule of bad input, in Chinese or English', async () => {
    admin = await t.login('admin', ADMIN_PASSWORD);
    const body = {
      username: 'X!',
      displayName: '',
      password: 'short',
      orgId: 'nope',
      roles: ['wizard'],
      extra: 1,
    };
    const zh = await t.as(admin, { method: 'POST', url: '/api/users', payload: body });
    expect(zh.statusCode).toBe(400);
    const errors = zh.json().errors as { field: string; rule: string; message: string }[];
    const byField = Object.fromEntries(errors.map((e) => [e.field, e]));
    expect(byField.extra.rule).toBe('unrecognized_key');
    expect(byField.password).toMatchObject({ rule: 'too_small', message: '至少 10 个字符' });
    expect(byField.orgId.rule).toBe('invalid_format');
    expect(byField['roles.0'].rule).toBe('invalid_value');
    const en = await t.as(admin, {
      method: 'POST',
      url: '/api/users',
      headers: { 'accept-language': 'en-US,en;q=0.9' },
      payload: body,
    });
    expect(en.json().title).toBe('The request is invalid');
    expect(en.json().errors.find((e: { field: string }) => e.field === 'password').message).toBe(
      'At least 10 characters',
    );
    const count = await t.ctx.db.kysely
      .selectFrom('users')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('username', '=', 'X!')
      .executeTakeFirst();
    expect(Number(count?.n)).toBe(0);
  });

  it('refuses a duplicate username with 409 naming the field, writing nothing', async () => {
    const r = await t.as(admin, {
      method: 'POST',
      url: '/api/users',
      payload: {
        username: 'disp',
        displayName: 'again',
        password: 'a-long-password',
        orgId: stationNamed('龙城派出所'),
        roles: ['dispatcher'],
      },
    });
    expect(r.statusCode).toBe(409);
    expect(r.json().errors[0]).toMatchObject({ field: 'username', rule: 'unique' });
  });

  it('declares a permission on every registered route and refuses strangers on all but public ones', async () => {
    const routes = t.ctx.routes.filter((r) => r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(10);
    for (const r of routes) expect(t.ctx.permissions.has(r.permission), `${r.method} ${r.url}`).toBe(true);
    const publicRoutes = routes.filter((r) => r.permission === 'public').map((r) => `${r.method} ${r.url}`);
    expect(publicRoutes.sort()).toEqual([
      // CAP 1.2: the feed of public alerts and each public alert (what CAP is for).
      'GET /api/cap/alerts/:id.xml',
      'GET /api/cap/feed.atom',
      // Citizens' reports without login (rate-limited; the reporter follows with a token).
      'GET /api/community/public/categories',
      // A volunteer's phone link: no account, its own bearer token (checked by the service).
      'GET /api/community/volunteer/me',
      'GET /api/health',
      'GET /api/openapi.json',
      // The base map for the report page's pin (OSM roads and buildings only, rate-limited).
      'GET /api/public/map',
      'GET /api/public/tiles/:z/:x/:y.pbf',
      'GET /metrics',
      // Open311 GeoReport v2: the same public reports as the spec's clients send them.
      'GET /open311/v2/requests.json',
      'GET /open311/v2/requests/:id.json',
      'GET /open311/v2/services.json',
      'POST /api/auth/login',
      'POST /api/community/public/reports',
      'POST /api/community/public/track',
      'POST /api/community/volunteer/me/check-in',
      'POST /api/community/volunteer/me/check-out',
      'POST /api/community/volunteer/me/fixes',
      'POST /api/community/volunteer/me/offers',
      'POST /api/community/volunteer/me/signups',
      'POST /api/community/volunteer/me/takes',
      'POST /api/dispatch/diversions/:id/outcome', // the 12345 hotline's callback, token-checked
      'POST /open311/v2/requests.json',
    ]);
    for (const r of routes.filter((x) => x.permission !== 'public')) {
      const url = r.url.replace(':id', '0190b5a0-0000-7000-8000-000000000001');
      const res = await t.app.inject({
        method: r.method as 'GET',
        url,
        payload: r.method === 'GET' ? undefined : {},
      });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
    }
    await expect(
      createTestApp((app) => {
        app.get('/api/forgotten', async () => 'oops');
      }),
    ).rejects.toThrow(/declares no permission/);
  });

  it('stages session and user changes in the outbox with the write, for every node’s live gateway', async () => {
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      kind: string;
    }[];
    const branch = orgs.find((o) => o.kind === 'branch_bureau')!;
    const org = await t.as(admin, {
      method: 'POST',
      url: '/api/orgs',
      payload: { parentId: branch.id, kind: 'police_station', name: '出站测试派出所', code: 'OUTBOX-PS' },
    });
    expect(org.statusCode, org.body).toBe(201);
    const orgId = org.json().id as string;
    const user = await t.as(admin, {
      method: 'POST',
      url: '/api/users',
      payload: {
        username: 'outbox.user',
        displayName: '出站',
        password: 'a-long-password',
        orgId,
        roles: ['dispatcher'],
      },
    });
    expect(user.statusCode, user.body).toBe(201);
    const userId = user.json().id as string;
    const own = await t.login('outbox.user', 'a-long-password');
    expect((await t.as(own, { method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(204);
    await t.login('outbox.user', 'a-long-password');
    expect((await t.as(admin, { method: 'POST', url: `/api/users/${userId}/end-sessions` })).statusCode).toBe(
      204,
    );
    const patched = await t.as(admin, {
      method: 'PATCH',
      url: `/api/users/${userId}`,
      payload: { active: false },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    // A refused change stages nothing.
    expect(
      (
        await t.as(admin, {
          method: 'POST',
          url: '/api/orgs',
          payload: { parentId: branch.id, kind: 'police_station', name: '重复', code: 'OUTBOX-PS' },
        })
      ).statusCode,
    ).toBe(409);

    const staged = (
      await t.ctx.db.kysely
        .selectFrom('event_outbox')
        .select(['type', 'event'])
        .where('type', 'like', 'identity.%')
        .orderBy('id')
        .execute()
    ).map((r) => ({ type: r.type, p: (r.event as { payload: Record<string, unknown> }).payload }));
    const mine = staged.filter(
      ({ p }) => p.userId === userId || p.orgId === orgId || typeof p.sessionRef === 'string',
    );
    expect(mine.map(({ type }) => type)).toEqual([
      'identity.org_changed',
      'identity.user_changed',
      'identity.session_ended',
      'identity.sessions_ended',
      'identity.user_changed',
    ]);
  });

  it('keeps an intact, append-only, hash-chained audit log that detects tampering', async () => {
    const ok = await verifyAuditChain(t.ctx.db.kysely);
    expect(ok.ok).toBe(true);
    expect(ok.checked).toBeGreaterThan(10);
    const actions = await t.ctx.db.kysely.selectFrom('audit_log').select('action').distinct().execute();
    expect(actions.map((a) => a.action).sort()).toEqual(
      expect.arrayContaining(['login', 'login_failed', 'permission_denied', 'sessions_ended', 'write']),
    );
    await expect(
      sql`update audit_log set username = 'mallory' where seq = 3`.execute(t.ctx.db.kysely),
    ).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log where seq = 3`.execute(t.ctx.db.kysely)).rejects.toThrow(
      /append-only/,
    );
    await t.ctx.db.execScript(
      "alter table audit_log disable trigger all; update audit_log set username = 'mallory' where seq = 3; alter table audit_log enable trigger all;",
    );
    const bad = await verifyAuditChain(t.ctx.db.kysely);
    expect(bad).toMatchObject({ ok: false, firstBadSeq: 3, checked: ok.checked - 1 });
    expect(bad.problems).toEqual([{ seq: 3, kind: 'altered', reason: 'row 3 was altered' }]);
  });
});
