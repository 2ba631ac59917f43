import type { Socket } from 'node:net';
import type { EventBus } from '@citywatch/core/events/bus';
import { createEvent } from '@citywatch/core/events/bus';
import type { DomainEvent } from '@citywatch/core/events/events';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { uuidv7 } from 'uuidv7';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createInProcessBus } from '../bus/in-process';
import { LIVE_PATH, type LiveOptions, type LiveViewer, liveGateway } from './live';

const ORIGIN = 'https://citywatch.example';
const quiet = { error: () => {}, warn: () => {}, info: () => {} };

/** Counts live subscriptions, to see that sockets clean up after themselves. */
function countingBus(inner: EventBus): EventBus & { active: () => number } {
  let n = 0;
  return {
    publish: (e) => inner.publish(e),
    subscribe: (handler: (e: DomainEvent) => void, filter?: { types?: readonly DomainEvent['type'][] }) => {
      const stop = inner.subscribe(handler, filter);
      n++;
      let stopped = false;
      return () => {
        if (!stopped) n--;
        stopped = true;
        stop();
      };
    },
    close: () => inner.close(),
    active: () => n,
  };
}

async function fakeAuthenticate(req: FastifyRequest): Promise<LiveViewer | null> {
  const cookie = req.headers.cookie ?? '';
  if (!cookie.split(/;\s*/).includes('sid=good')) return null;
  return { userId: 'user-1', orgScope: (orgId) => orgId === null || orgId === 'org-a' };
}

interface Harness {
  app: FastifyInstance;
  bus: ReturnType<typeof countingBus>;
  url: string;
  httpUrl: string;
  routePermissions: unknown[];
}

const apps: FastifyInstance[] = [];
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function start(
  extra: Partial<LiveOptions> = {},
  before?: (app: FastifyInstance) => void,
): Promise<Harness> {
  const app = Fastify({ logger: false });
  before?.(app);
  const routePermissions: unknown[] = [];
  app.addHook('onRoute', (r) => {
    routePermissions.push((r.config as { permission?: unknown } | undefined)?.permission);
  });
  const bus = countingBus(createInProcessBus({ logger: quiet }));
  await app.register(liveGateway, {
    bus,
    authenticate: fakeAuthenticate,
    allowedOrigins: [ORIGIN],
    ...extra,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  apps.push(app);
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return {
    app,
    bus,
    url: `ws://127.0.0.1:${addr.port}${LIVE_PATH}`,
    httpUrl: `http://127.0.0.1:${addr.port}${LIVE_PATH}`,
    routePermissions,
  };
}

interface Frame {
  kind: string;
  event?: DomainEvent;
  types?: string[] | null;
  refused?: string[];
  detail?: string;
}

interface Client {
  ws: WebSocket;
  frames: Frame[];
  next(pred?: (f: Frame) => boolean): Promise<Frame>;
  closed: Promise<{ code: number; reason: string }>;
}

function openClient(
  url: string,
  opts: { cookie?: string; origin?: string; autoPong?: boolean } = {},
): Client {
  const headers: Record<string, string> = {};
  if (opts.cookie) headers.cookie = opts.cookie;
  const ws = new WebSocket(url, { headers, origin: opts.origin, autoPong: opts.autoPong ?? true });
  clients.push(ws);
  const frames: Frame[] = [];
  let cursor = 0;
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as Frame);
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const w of waiters.splice(0)) w();
    });
  });
  ws.on('error', () => {});
  const next = async (pred: (f: Frame) => boolean = () => true): Promise<Frame> => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      while (cursor < frames.length) {
        const f = frames[cursor++];
        if (pred(f)) return f;
      }
      if (ws.readyState === WebSocket.CLOSED) throw new Error('socket closed while waiting for a frame');
      if (Date.now() > deadline) throw new Error('timed out waiting for a frame');
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  return { ws, frames, next, closed };
}

/** Opens a socket that should be refused; resolves with the HTTP response the server sent. */
function refused(
  url: string,
  opts: { cookie?: string; origin?: string },
): Promise<{ status: number; contentType: string; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.cookie) headers.cookie = opts.cookie;
    const ws = new WebSocket(url, { headers, origin: opts.origin });
    ws.on('open', () => reject(new Error('socket was upgraded')));
    ws.on('error', () => {});
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type']),
          body: JSON.parse(text) as Record<string, unknown>,
        });
      });
    });
  });
}

const userChanged = (orgId: string | null, userId = 'someone-else') =>
  createEvent('identity.user_changed', orgId, { userId, username: 'u' }, { id: uuidv7(), at: new Date() });
const orgChanged = (orgId: string | null) =>
  createEvent(
    'identity.org_changed',
    orgId,
    { orgId: orgId ?? 'city', name: 'n' },
    { id: uuidv7(), at: new Date() },
  );

describe('/api/live', () => {
  it('declares the live.subscribe permission on its route', async () => {
    const h = await start();
    expect(h.routePermissions).toContain('live.subscribe');
    expect(h.routePermissions.every((p) => p === 'live.subscribe')).toBe(true);
  });

  it('refuses an unauthenticated upgrade with 401 problem+json', async () => {
    const h = await start();
    const r = await refused(h.url, { origin: ORIGIN });
    expect(r.status).toBe(401);
    expect(r.contentType).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ status: 401, type: expect.any(String), title: expect.any(String) });
    const noOrigin = await refused(h.url, {});
    expect(noOrigin.status).toBe(401);
    expect(h.bus.active()).toBe(0);
  });

  it('refuses a foreign Origin with 403 problem+json, even with a valid session', async () => {
    const h = await start();
    const r = await refused(h.url, { cookie: 'sid=good', origin: 'https://evil.example' });
    expect(r.status).toBe(403);
    expect(r.contentType).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ status: 403 });
    expect(h.bus.active()).toBe(0);
  });

  it('closes a refused upgrade connection even when an app-level hook refused it first', async () => {
    // Like the app's deny-by-default auth hook, registered before the gateway (and @fastify/websocket).
    const h = await start({}, (app) => {
      app.addHook('onRequest', async (req, reply) => {
        if (!req.headers.cookie) {
          return reply
            .code(401)
            .type('application/problem+json')
            .send({ type: 'x', title: 't', status: 401 });
        }
      });
    });
    const r = await refused(h.url, { origin: ORIGIN });
    expect(r.status).toBe(401);
    const t0 = Date.now();
    await apps.splice(0)[0].close(); // would wait for the half-dead upgrade socket
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('answers a plain (non-upgrade) GET with 426 once authenticated', async () => {
    const h = await start();
    const anon = await fetch(h.httpUrl);
    expect(anon.status).toBe(401);
    const res = await fetch(h.httpUrl, { headers: { cookie: 'sid=good' } });
    expect(res.status).toBe(426);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('sends hello, then in-scope events only', async () => {
    const h = await start();
    const c = openClient(h.url, { cookie: 'sid=good', origin: ORIGIN });
    expect(await c.next()).toEqual({ kind: 'hello' });
    const outOfScope = userChanged('org-b');
    const inScope = userChanged('org-a');
    const cityWide = orgChanged(null);
    await h.bus.publish(outOfScope);
    await h.bus.publish(inScope);
    await h.bus.publish(cityWide);
    // Sequences count every event of the stream, also those this viewer does not get.
    expect(await c.next()).toEqual({ kind: 'event', seq: 2, event: inScope });
    expect(await c.next()).toEqual({ kind: 'event', seq: 3, event: cityWide });
    expect(c.frames.some((f) => f.event?.id === outOfScope.id)).toBe(false);
  });

  it('accepts a non-browser client (no Origin) with a valid session cookie', async () => {
    const h = await start();
    const c = openClient(h.url, { cookie: 'sid=good' });
    expect(await c.next()).toEqual({ kind: 'hello' });
  });

  it('narrows delivery to the types a client subscribes to, and rejects bad messages', async () => {
    const h = await start();
    const c = openClient(h.url, { cookie: 'sid=good', origin: ORIGIN });
    await c.next((f) => f.kind === 'hello');
    c.ws.send(JSON.stringify({ kind: 'subscribe', types: ['identity.org_changed'] }));
    expect(await c.next()).toEqual({
      kind: 'subscribed',
      types: ['identity.org_changed'],
      refused: [],
    });
    const user = userChanged('org-a');
    const org = orgChanged('org-a');
    await h.bus.publish(user);
    await h.bus.publish(org);
    expect(await c.next()).toEqual({ kind: 'event', seq: expect.any(Number), event: org });
    expect(c.frames.some((f) => f.event?.id === user.id)).toBe(false);

    c.ws.send('not json');
    expect((await c.next()).kind).toBe('error');
    c.ws.send(JSON.stringify({ kind: 'subscribe', types: [42] }));
    expect((await c.next()).kind).toBe('error');
    c.ws.send(JSON.stringify({ kind: 'subscribe', types: null }));
    expect(await c.next()).toEqual({ kind: 'subscribed', types: null, refused: [] });
    const user2 = userChanged('org-a');
    await h.bus.publish(user2);
    expect(await c.next()).toEqual({ kind: 'event', seq: expect.any(Number), event: user2 });
  });

  it('acknowledges only the types the viewer may receive, naming the refused ones', async () => {
    const h = await start({
      authenticate: async (req) => {
        const viewer = await fakeAuthenticate(req);
        return viewer && { ...viewer, mayReceive: (type) => type !== 'identity.user_changed' };
      },
    });
    const c = openClient(h.url, { cookie: 'sid=good', origin: ORIGIN });
    await c.next((f) => f.kind === 'hello');
    c.ws.send(
      JSON.stringify({ kind: 'subscribe', types: ['identity.user_changed', 'identity.org_changed'] }),
    );
    expect(await c.next()).toEqual({
      kind: 'subscribed',
      types: ['identity.org_changed'],
      refused: ['identity.user_changed'],
    });
    const user = userChanged('org-a');
    const org = orgChanged('org-a');
    await h.bus.publish(user);
    await h.bus.publish(org);
    expect(await c.next()).toEqual({ kind: 'event', seq: expect.any(Number), event: org });
    expect(c.frames.some((f) => f.event?.id === user.id)).toBe(false);
  });

  it('removes its bus subscription when the client goes away', async () => {
    const h = await start();
    const c = openClient(h.url, { cookie: 'sid=good', origin: ORIGIN });
    await c.next((f) => f.kind === 'hello');
    expect(h.bus.active()).toBe(1);
    c.ws.close(1000);
    await c.closed;
    const deadline = Date.now() + 2_000;
    while (h.bus.active() !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(h.bus.active()).toBe(0);
    await h.bus.publish(userChanged('org-a')); // no socket left to write to; must not throw
  });

  it('pings, and terminates a client that stops answering pings', async () => {
    const h = await start({ pingIntervalMs: 50 });
    const good = openClient(h.url, { cookie: 'sid=good', origin: ORIGIN });
    let pings = 0;
    good.ws.on('ping', () => pings++);
    const mute = openClient(h.url, { cookie: 'sid=good', origin: ORIGIN, autoPong: false });
    await good.next((f) => f.kind === 'hello');
    await mute.next((f) => f.kind === 'hello');
    const closed = await mute.closed;
    expect(closed.code).toBe(1006); // terminated, no closing handshake
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(good.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('drops a client that does not keep up with 1013', async () => {
    const h = await start({ maxBufferedBytes: 64 * 1024 });
    const c = openClient(h.url, { cookie: 'sid=good', origin: ORIGIN });
    await c.next((f) => f.kind === 'hello');
    const socket = (c.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 600 && h.bus.active() > 0; i++) {
      await h.bus.publish(
        createEvent(
          'identity.user_changed',
          'org-a',
          { userId: 'x', username: big },
          { id: uuidv7(), at: new Date() },
        ),
      );
    }
    expect(h.bus.active()).toBe(0);
    socket.resume();
    const closed = await c.closed;
    expect(closed.code).toBe(1013);
  });

  it('closes the socket when the viewer’s sessions are ended', async () => {
    const h = await start();
    const c = openClient(h.url, { cookie: 'sid=good', origin: ORIGIN });
    await c.next((f) => f.kind === 'hello');
    await h.bus.publish(
      createEvent('identity.sessions_ended', 'org-z', { userId: 'user-1' }, { id: uuidv7(), at: new Date() }),
    );
    expect((await c.closed).code).toBe(1008);
    expect(h.bus.active()).toBe(0);
  });
});
