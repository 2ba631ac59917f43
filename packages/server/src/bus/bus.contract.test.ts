/**
 * One contract, two buses: every EventBus implementation must pass the same suite. The NATS run needs
 * a JetStream-enabled server (NATS_TEST_URL, else NATS_URL, else nats://127.0.0.1:4222); CI starts one.
 * When it is unreachable the NATS tests fail with a message saying so. Each run uses its own stream
 * and subject prefix and deletes the stream afterwards.
 */
import type { EventBus, SubscribeFilter } from '@citywatch/core/events/bus';
import { createEvent, parseDomainEvent } from '@citywatch/core/events/bus';
import type { DomainEvent } from '@citywatch/core/events/events';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { uuidv7 } from 'uuidv7';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BusLogger } from './in-process';
import { createInProcessBus } from './in-process';
import { createNatsBus } from './nats';

interface BusUnderTest {
  /** Creates a bus (an "API node"); the suite closes it. */
  create(logger?: BusLogger): Promise<EventBus>;
  /** True when several bus instances share events (NATS); false for the in-process bus. */
  distributed: boolean;
}

const quietLogger = (): BusLogger & { errors: string[] } => {
  const errors: string[] = [];
  return { errors, error: (_o, msg) => errors.push(msg), warn: () => {}, info: () => {} };
};

let seq = 0;
function userChanged(orgId: string | null = null, id = uuidv7()): DomainEvent {
  seq += 1;
  return createEvent(
    'identity.user_changed',
    orgId,
    { userId: `u${seq}`, username: `user${seq}` },
    { id, at: new Date() },
  );
}
function orgChanged(orgId: string | null = null): DomainEvent {
  return createEvent(
    'identity.org_changed',
    orgId,
    { orgId: orgId ?? 'city', name: 'x' },
    { id: uuidv7(), at: new Date() },
  );
}

interface Collector {
  events: DomainEvent[];
  ids(): string[];
  stop(): void;
}
function collect(bus: EventBus, filter?: SubscribeFilter): Collector {
  const events: DomainEvent[] = [];
  const stop = bus.subscribe((e) => {
    events.push(e);
  }, filter);
  return { events, ids: () => events.map((e) => e.id), stop };
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
const waitForIds = (c: Collector, id: string) => waitFor(`event ${id}`, () => c.ids().includes(id));

export function busContract(name: string, impl: () => BusUnderTest): void {
  describe(`EventBus contract: ${name}`, () => {
    const open: EventBus[] = [];
    const make = async (logger?: BusLogger) => {
      const bus = await impl().create(logger ?? quietLogger());
      open.push(bus);
      return bus;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.close()));
    });

    it('delivers a published event to every subscriber', async () => {
      const bus = await make();
      const a = collect(bus);
      const b = collect(bus);
      const e = userChanged('org-1');
      await bus.publish(e);
      await waitForIds(a, e.id);
      await waitForIds(b, e.id);
      expect(a.events).toEqual([e]);
      expect(b.events).toEqual([e]);
    });

    it('applies the type filter', async () => {
      const bus = await make();
      const orgsOnly = collect(bus, { types: ['identity.org_changed'] });
      const all = collect(bus);
      const u = userChanged();
      const o = orgChanged();
      await bus.publish(u);
      await bus.publish(o);
      await waitForIds(all, o.id);
      await waitForIds(orgsOnly, o.id);
      expect(all.ids()).toEqual([u.id, o.id]);
      expect(orgsOnly.ids()).toEqual([o.id]);
      // Typed subscription: the handler's parameter is narrowed to the filtered type.
      const names: string[] = [];
      bus.subscribe(
        (e) => {
          names.push(e.payload.name);
        },
        { types: ['identity.org_changed'] },
      );
    });

    it('preserves the order of one publisher', async () => {
      const bus = await make();
      const c = collect(bus);
      const sequential = Array.from({ length: 30 }, () => userChanged());
      for (const e of sequential) await bus.publish(e);
      const pipelined = Array.from({ length: 30 }, () => userChanged());
      await Promise.all(pipelined.map((e) => bus.publish(e)));
      const expected = [...sequential, ...pipelined].map((e) => e.id);
      await waitFor('60 events', () => c.events.length >= expected.length);
      expect(c.ids()).toEqual(expected);
    });

    it('delivers events published from inside a handler after the current one', async () => {
      const bus = await make();
      const first = userChanged();
      const followUp = orgChanged();
      bus.subscribe(
        (e) => {
          if (e.id === first.id) void bus.publish(followUp);
        },
        { types: ['identity.user_changed'] },
      );
      const c = collect(bus);
      await bus.publish(first);
      await waitForIds(c, followUp.id);
      expect(c.ids()).toEqual([first.id, followUp.id]);
    });

    it('stops delivery after unsubscribe (idempotently)', async () => {
      const bus = await make();
      const a = collect(bus);
      const b = collect(bus);
      const e1 = userChanged();
      await bus.publish(e1);
      await waitForIds(a, e1.id);
      a.stop();
      a.stop();
      const e2 = userChanged();
      await bus.publish(e2);
      await waitForIds(b, e2.id); // b got e2, so a would have too by now
      expect(a.ids()).toEqual([e1.id]);
      expect(b.ids()).toEqual([e1.id, e2.id]);
    });

    it('keeps delivering to the others when a handler throws or rejects', async () => {
      const logger = quietLogger();
      const bus = await make(logger);
      bus.subscribe(() => {
        throw new Error('boom');
      });
      const before = collect(bus);
      bus.subscribe(() => Promise.reject(new Error('async boom')));
      const after = collect(bus);
      const e1 = userChanged();
      const e2 = userChanged();
      await bus.publish(e1);
      await bus.publish(e2);
      await waitForIds(after, e2.id);
      expect(before.ids()).toEqual([e1.id, e2.id]);
      expect(after.ids()).toEqual([e1.id, e2.id]);
      await waitFor('4 logged failures', () => logger.errors.length >= 4);
      expect(logger.errors.every((m) => m === 'event handler failed')).toBe(true);
    });

    it('closes cleanly: idempotent, no delivery or publish afterwards', async () => {
      const bus = await impl().create(quietLogger());
      const c = collect(bus);
      const e = userChanged();
      await bus.publish(e);
      await waitForIds(c, e.id);
      await bus.close();
      await bus.close();
      await expect(bus.publish(userChanged())).rejects.toThrow(/closed/);
      expect(() => bus.subscribe(() => {})).toThrow(/closed/);
      expect(c.ids()).toEqual([e.id]);
    });

    if (impl().distributed) {
      it('fans an event out to every node (two buses = two API nodes)', async () => {
        const node1 = await make();
        const node2 = await make();
        const on1 = collect(node1);
        const on2 = collect(node2);
        const e = userChanged('org-7');
        await node1.publish(e);
        await waitForIds(on1, e.id);
        await waitForIds(on2, e.id);
        expect(on2.events).toEqual([e]);
        const back = orgChanged();
        await node2.publish(back);
        await waitForIds(on1, back.id);
        expect(on1.ids()).toEqual([e.id, back.id]);
      });

      it('delivers a re-published event id once (JetStream de-duplication)', async () => {
        const node1 = await make();
        const node2 = await make();
        const on1 = collect(node1);
        const on2 = collect(node2);
        const e = userChanged();
        await node1.publish(e);
        await node1.publish(e); // a retry
        await node2.publish(e); // the same event from another node
        const sentinel = userChanged();
        await node1.publish(sentinel);
        await waitForIds(on1, sentinel.id);
        await waitForIds(on2, sentinel.id);
        expect(on1.ids()).toEqual([e.id, sentinel.id]);
        expect(on2.ids()).toEqual([e.id, sentinel.id]);
      });

      it('delivers only events published after the bus started', async () => {
        const node1 = await make();
        const old = userChanged();
        await node1.publish(old);
        const late = await make();
        const c = collect(late);
        const fresh = userChanged();
        await node1.publish(fresh);
        await waitForIds(c, fresh.id);
        expect(c.ids()).toEqual([fresh.id]);
      });
    }
  });
}

describe('parseDomainEvent', () => {
  it('accepts a well-formed envelope and refuses malformed ones', () => {
    const e = userChanged('org-1');
    expect(parseDomainEvent(JSON.parse(JSON.stringify(e)))).toEqual(e);
    expect(parseDomainEvent(null)).toBeNull();
    expect(parseDomainEvent([])).toBeNull();
    expect(parseDomainEvent({ ...e, id: 1 })).toBeNull();
    expect(parseDomainEvent({ ...e, type: 'a b' })).toBeNull();
    expect(parseDomainEvent({ ...e, at: 'yesterday' })).toBeNull();
    expect(parseDomainEvent({ ...e, orgId: 5 })).toBeNull();
    expect(parseDomainEvent({ ...e, payload: 'x' })).toBeNull();
  });
});

busContract('in-process', () => ({
  create: async (logger) => createInProcessBus({ logger }),
  distributed: false,
}));

const natsUrl = process.env.NATS_TEST_URL ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const stream = `CITYWATCH_TEST_${runId}`;
const subjectPrefix = `citywatch-test-${runId}.events`;

describe('NATS JetStream', () => {
  let admin: NatsConnection | null = null;
  beforeAll(async () => {
    try {
      admin = await connect({ servers: natsUrl, timeout: 3_000 });
    } catch (err) {
      throw new Error(
        `NATS is not reachable at ${natsUrl} (${err instanceof Error ? err.message : String(err)}). ` +
          'These tests need a JetStream-enabled NATS server (CI starts one: nats-server -js). ' +
          'Set NATS_TEST_URL to point at a NATS server with JetStream (.ci/run starts one).',
      );
    }
  });
  afterAll(async () => {
    if (!admin) return;
    const jsm = await jetstreamManager(admin);
    await jsm.streams.delete(stream).catch(() => false);
    await admin.close();
  });

  busContract('nats', () => ({
    create: (logger) =>
      createNatsBus({ url: natsUrl, stream, subjectPrefix, logger, connectTimeoutMs: 3_000 }),
    distributed: true,
  }));

  it('drops malformed messages on the stream and keeps consuming', async () => {
    if (!admin) throw new Error('no NATS connection');
    const bus = await createNatsBus({ url: natsUrl, stream, subjectPrefix, logger: quietLogger() });
    try {
      const c = collect(bus);
      const js = jetstream(admin);
      await js.publish(`${subjectPrefix}.identity.user_changed`, 'not json');
      await js.publish(
        `${subjectPrefix}.identity.user_changed`,
        JSON.stringify({ id: 'x', type: 'identity.user_changed' }),
      );
      // A valid envelope on the wrong subject is refused too.
      await js.publish(`${subjectPrefix}.identity.org_changed`, JSON.stringify(userChanged()));
      const good = userChanged();
      await bus.publish(good);
      await waitForIds(c, good.id);
      expect(c.ids()).toEqual([good.id]);
    } finally {
      await bus.close();
    }
  });

  it('rejects with a clear message when NATS is unreachable', async () => {
    await expect(createNatsBus({ url: 'nats://127.0.0.1:1', connectTimeoutMs: 1_000 })).rejects.toThrow(
      /cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/,
    );
  });
});
