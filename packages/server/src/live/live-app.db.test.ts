import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../test/app.js';

/** The live feed as a console sees it: a write in one session arrives on another's socket. */
describe(`/api/live on the real app (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    base = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => t.close());

  function open(cookie: string | undefined, origin: string) {
    const ws = new WebSocket(`ws://${base}/api/live`, { headers: { ...(cookie ? { cookie } : {}), origin } });
    const messages: { kind: string; event?: { type: string; payload: Record<string, unknown> } }[] = [];
    ws.on('message', (data) => messages.push(JSON.parse(String(data))));
    const opened = new Promise((resolve) => ws.once('open', resolve));
    return { ws, messages, opened };
  }

  it('refuses a stranger and a foreign origin before upgrading', async () => {
    const stranger = open(undefined, 'http://localhost:8080');
    const strangerStatus = await new Promise<number>((resolve) =>
      stranger.ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(strangerStatus).toBe(401);
    const cookie = await t.login('admin', ADMIN_PASSWORD);
    const foreign = open(cookie, 'https://evil.example');
    const foreignStatus = await new Promise<number>((resolve) =>
      foreign.ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(foreignStatus).toBe(403);
  });

  it('pushes a user change made by another session', async () => {
    const consoleCookie = await t.login('admin', ADMIN_PASSWORD);
    const live = open(consoleCookie, 'http://localhost:8080');
    await new Promise((resolve) => live.ws.on('open', resolve));
    const adminCookie = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(adminCookie, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      kind: string;
    }[];
    const station = orgs.find((o) => o.kind === 'police_station')!;
    const created = await t.as(adminCookie, {
      method: 'POST',
      url: '/api/users',
      payload: {
        username: 'newcomer',
        displayName: '新民警',
        password: 'a-long-password',
        orgId: station.id,
        roles: ['patrol_officer'],
      },
    });
    expect(created.statusCode).toBe(201);
    for (let i = 0; i < 50 && !live.messages.some((m) => m.kind === 'event'); i++)
      await new Promise((r) => setTimeout(r, 20));
    live.ws.close();
    expect(live.messages[0].kind).toBe('hello');
    expect(live.messages.find((m) => m.kind === 'event')?.event).toMatchObject({
      type: 'identity.user_changed',
      payload: { username: 'newcomer' },
    });
  });

  async function userWith(username: string, roles: string[]): Promise<string> {
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgId = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items[0].id;
    const r = await t.as(admin, {
      method: 'POST',
      url: '/api/users',
      payload: { username, displayName: username, password: 'a-long-password', orgId, roles },
    });
    expect(r.statusCode, r.body).toBe(201);
    return t.login(username, 'a-long-password');
  }

  const until = async (ok: () => boolean) => {
    for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  };

  it('delivers an event only to consoles holding its permission: a patrol officer gets no hotlist hit', async () => {
    const officer = open(await userWith('officer.live', ['patrol_officer']), 'http://localhost:8080');
    const commander = open(await userWith('commander.live', ['commander']), 'http://localhost:8080');
    await Promise.all([officer.opened, commander.opened]);
    const payload = {
      hitId: 'h1',
      entryId: 'e1',
      checkpointId: 'CP-1',
      direction: 'in' as const,
      category: 'stolen_vehicle' as const,
      kind: 'plate' as const,
      value: '粤B12345',
      readAt: t.ctx.now().toISOString(),
      confidence: 0.97,
      nearestUnits: [],
    };
    t.ctx.publish('perimeter.hotlist_hit', null, payload);
    t.ctx.publish('dispatch.unit_changed', null, {
      unitId: 'u1',
      callSign: '龙岗1',
      status: 'available',
      incidentId: null,
      lon: null,
      lat: null,
      heading: null,
    });
    const types = (c: ReturnType<typeof open>) => c.messages.flatMap((m) => (m.event ? [m.event.type] : []));
    await until(() => types(commander).length >= 2 && types(officer).length >= 1);
    expect(types(commander)).toEqual(
      expect.arrayContaining(['perimeter.hotlist_hit', 'dispatch.unit_changed']),
    );
    expect(types(officer)).toContain('dispatch.unit_changed');
    expect(types(officer)).not.toContain('perimeter.hotlist_hit');
    officer.ws.close();
    commander.ws.close();
  });

  it('closes a console with 1012 when its own user changes, though its roles may not receive that event', async () => {
    const cookie = await userWith('changed.live', ['dispatcher']);
    const c = open(cookie, 'http://localhost:8080');
    await c.opened;
    c.ws.send(
      JSON.stringify({ kind: 'subscribe', types: ['dispatch.incident_changed', 'identity.user_changed'] }),
    );
    await until(() => c.messages.some((m) => m.kind === 'subscribed'));
    const closed = new Promise<number>((resolve) => c.ws.on('close', (code) => resolve(code)));
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const users = (await t.as(admin, { method: 'GET', url: '/api/users' })).json().items as {
      id: string;
      username: string;
    }[];
    const id = users.find((u) => u.username === 'changed.live')?.id;
    const patched = await t.as(admin, {
      method: 'PATCH',
      url: `/api/users/${id}`,
      payload: { displayName: '接警员（夜班）' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(await closed).toBe(1012);
  });

  it('closes the socket of a session that signs out, and only that one', async () => {
    const first = await userWith('twice.live', ['dispatcher']);
    const second = await t.login('twice.live', 'a-long-password');
    const a = open(first, 'http://localhost:8080');
    const b = open(second, 'http://localhost:8080');
    await Promise.all([a.opened, b.opened]);
    const closed = new Promise<number>((resolve) => a.ws.on('close', (code) => resolve(code)));
    expect((await t.as(first, { method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(204);
    expect(await closed).toBe(1008);
    expect(b.ws.readyState).toBe(WebSocket.OPEN);
    b.ws.close();
  });

  it('closes a socket whose session expires', async () => {
    const cookie = await userWith('expiring.live', ['dispatcher']);
    // A session lives 12 hours: keep it busy (idle timeout is 30 min) to its last second, then open
    // the console; the socket must close when the session runs out.
    for (let i = 0; i < 28; i++) {
      t.advance(25 * 60_000);
      expect((await t.as(cookie, { method: 'GET', url: '/api/auth/me' })).statusCode).toBe(200);
    }
    t.advance(12 * 3600_000 - 28 * 25 * 60_000 - 2_000);
    expect((await t.as(cookie, { method: 'GET', url: '/api/auth/me' })).statusCode).toBe(200);
    const c = open(cookie, 'http://localhost:8080');
    await c.opened;
    const closed = new Promise<number>((resolve) => c.ws.on('close', (code) => resolve(code)));
    expect(await closed).toBe(1008);
  }, 60_000);
});
