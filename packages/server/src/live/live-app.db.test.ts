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
    return { ws, messages };
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
});
