import { createEvent } from '@citywatch/core/events/bus';
import type { DomainEvent } from '@citywatch/core/events/events';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { uuidv7 } from 'uuidv7';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createInProcessBus, type InProcessBus } from '../bus/in-process';
import { LIVE_PATH, type LiveViewer, liveGateway } from './live';

/**
 * The embedded bus (one node): a console that reconnects with the last sequence it received gets
 * exactly what it missed, in sequence order, then the live events, none twice; past the ring (or
 * after a restart: another stream) it is told to resync.
 */
const quiet = { error: () => {}, warn: () => {}, info: () => {} };

interface Frame {
  kind: string;
  seq?: number;
  stream?: string;
  replayed?: number;
  event?: DomainEvent & { payload: { name?: string } };
}

const apps: FastifyInstance[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function authenticate(req: FastifyRequest): Promise<LiveViewer | null> {
  if (req.headers.cookie !== 'sid=good') return null;
  return { userId: 'viewer', orgScope: (orgId) => orgId === null || orgId === 'org-a' };
}

async function start(ringSize?: number): Promise<{ bus: InProcessBus; url: string }> {
  const bus = createInProcessBus({ logger: quiet, ringSize }) as InProcessBus;
  const app = Fastify({ logger: false });
  await app.register(liveGateway, { bus, authenticate, allowedOrigins: [] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  apps.push(app);
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  return { bus, url: `ws://127.0.0.1:${addr.port}${LIVE_PATH}` };
}

/** A console: collects frames; `until` waits for one matching. */
function consoleAt(url: string, query = '') {
  const ws = new WebSocket(`${url}${query}`, { headers: { cookie: 'sid=good' } });
  sockets.push(ws);
  const frames: Frame[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Frame));
  ws.on('error', () => {});
  const until = async (pred: (f: Frame) => boolean) => {
    for (let i = 0; i < 250; i++) {
      const f = frames.find(pred);
      if (f) return f;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no such frame; got ${JSON.stringify(frames.map((f) => f.kind))}`);
  };
  const close = async () => {
    ws.close();
    await new Promise((r) => ws.once('close', r));
  };
  return { ws, frames, until, close, events: () => frames.filter((f) => f.kind === 'event') };
}

/** Events with clocks deliberately out of order: a skewed node's clock must not reorder them. */
let skew = 0;
const changed = (orgId: string | null, name: string) =>
  createEvent(
    'identity.org_changed',
    orgId,
    { orgId: orgId ?? 'city', name },
    { id: uuidv7(), at: new Date(Date.parse('2026-11-29T12:00:00Z') - (skew++ % 2) * 60_000) },
  );

describe('/api/live resume on the embedded bus', () => {
  it('replays exactly the missed events in scope, in sequence order, then goes on live without duplicates', async () => {
    const { bus, url } = await start();
    const first = consoleAt(url);
    const hello = await first.until((f) => f.kind === 'hello');
    expect(hello.stream).toMatch(/^process:/);
    expect(await first.until((f) => f.kind === 'live')).toMatchObject({ seq: 0, replayed: 0 });
    for (const name of ['a1', 'a2', 'a3']) await bus.publish(changed('org-a', name));
    await first.until((f) => f.event?.payload.name === 'a3');
    expect(first.events().map((f) => f.seq)).toEqual([1, 2, 3]);
    const last = first.events().at(-1)?.seq ?? 0;
    await first.close();

    // Missed while away: two in scope, one of another org's (never sent), and a re-published one.
    const m1 = changed('org-a', 'm1');
    await bus.publish(m1);
    await bus.publish(changed('org-b', 'not-mine'));
    await bus.publish(m1); // the same id again: a duplicate delivery, dropped by id
    await bus.publish(changed(null, 'm2'));

    const again = consoleAt(url, `?stream=${encodeURIComponent(hello.stream ?? '')}&after=${last}`);
    const live = await again.until((f) => f.kind === 'live');
    expect(live).toMatchObject({ seq: 6, replayed: 3 });
    await bus.publish(changed('org-a', 'after'));
    await again.until((f) => f.event?.payload.name === 'after');
    expect(again.events().map((f) => [f.seq, f.event?.payload.name])).toEqual([
      [4, 'm1'],
      [6, 'm2'],
      [7, 'after'],
    ]);
    // The live frame comes after the replayed events and before the new one.
    expect(again.frames.map((f) => f.kind)).toEqual(['hello', 'event', 'event', 'live', 'event']);
  });

  it('a console coming from further ahead gets nothing twice', async () => {
    const { bus, url } = await start();
    const first = consoleAt(url);
    const hello = await first.until((f) => f.kind === 'hello');
    for (const name of ['a1', 'a2']) await bus.publish(changed('org-a', name));
    await first.until((f) => f.seq === 2);
    await first.close();
    // Claims to have seen up to 5 of this stream (e.g. from a node that was ahead): nothing to replay,
    // and events up to 5 are not sent again.
    const again = consoleAt(url, `?stream=${encodeURIComponent(hello.stream ?? '')}&after=5`);
    expect(await again.until((f) => f.kind === 'live')).toMatchObject({ seq: 5, replayed: 0 });
    for (const name of ['b3', 'b4', 'b5', 'b6']) await bus.publish(changed('org-a', name));
    await again.until((f) => f.event?.payload.name === 'b6');
    expect(again.events().map((f) => f.seq)).toEqual([6]);
  });

  it('past the ring, or on another stream, says resync with the sequence to continue from', async () => {
    const { bus, url } = await start(3);
    const first = consoleAt(url);
    const hello = await first.until((f) => f.kind === 'hello');
    await bus.publish(changed('org-a', 'seen'));
    await first.until((f) => f.seq === 1);
    await first.close();
    for (let i = 0; i < 4; i++) await bus.publish(changed('org-a', `lost-${i}`)); // ring holds 3
    const stream = encodeURIComponent(hello.stream ?? '');
    const late = consoleAt(url, `?stream=${stream}&after=1`);
    expect(await late.until((f) => f.kind === 'resync')).toMatchObject({ seq: 5, stream: hello.stream });
    expect(late.events()).toEqual([]);
    // Within the ring: 3 events after seq 2 are still there.
    const inTime = consoleAt(url, `?stream=${stream}&after=2`);
    expect(await inTime.until((f) => f.kind === 'live')).toMatchObject({ seq: 5, replayed: 3 });
    // A restarted process is another stream: its sequences mean nothing here.
    const other = consoleAt(url, `?stream=process:restarted&after=1`);
    expect(await other.until((f) => f.kind === 'resync')).toMatchObject({ seq: 5 });
    await bus.publish(changed('org-a', 'next'));
    await other.until((f) => f.seq === 6);
  });

  it('refuses a malformed resume point before upgrading (400, naming the field)', async () => {
    const { url } = await start();
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${url}?stream=s&after=x1`, { headers: { cookie: 'sid=good' } });
      sockets.push(ws);
      ws.on('error', () => {});
      ws.on('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    expect(status).toBe(400);
  });
});
