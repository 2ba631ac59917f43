/**
 * The transactional outbox (bus/outbox.ts): an event committed with its change survives the node
 * dying between commit and publish. On both back ends with the in-process bus; on PostgreSQL also
 * with two nodes on a real NATS JetStream (NATS_TEST_URL, else NATS_URL, else
 * nats://127.0.0.1:4222), where the relay's second publish of an event is de-duplicated by its
 * message id.
 */
import type { EventBus } from '@citywatch/core/events/bus';
import type { DomainEvent } from '@citywatch/core/events/events';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../db/database.js';
import { createTestDb, type TestDb } from '../test/db.js';
import { type BusLogger, createInProcessBus } from './in-process.js';
import { createNatsBus, type NatsBus } from './nats.js';
import { Outbox } from './outbox.js';

const onPostgres = process.env.CITYWATCH_TEST_DB === 'postgres';
const natsUrl = process.env.NATS_TEST_URL ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const quiet: BusLogger = { error: () => {}, warn: () => {}, info: () => {} };

/** A node that dies right after its commit: its publish never reaches the bus. */
const deadBus: EventBus = {
  publish: () => Promise.reject(new Error('node killed before its publish')),
  subscribe: () => () => {},
  close: () => Promise.resolve(),
};

/** A node that dies after its publish reached the bus, before it marked the row sent. */
function diesAfterPublish(bus: EventBus): EventBus {
  return {
    publish: async (event) => {
      await bus.publish(event);
      throw new Error('node killed after its publish, before marking it sent');
    },
    subscribe: () => () => {},
    close: () => Promise.resolve(),
  };
}

async function outboxRows(db: Db) {
  const r = await sql<{ id: string; claimed_by: string; sent: boolean }>`
    select id, claimed_by, sent_at is not null as sent from event_outbox order by id`.execute(db.kysely);
  return r.rows;
}

/** Every lease runs out now (instead of waiting for it). */
async function expireLeases(db: Db) {
  await sql`update event_outbox set claimed_until = now() - interval '1 second' where sent_at is null`.execute(
    db.kysely,
  );
}

describe(`transactional outbox (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
    await t.db.execScript('create table outbox_test_things (id uuid primary key, name text not null)');
  });
  afterAll(async () => {
    await t.drop();
  });

  it('an event is written with its change and published right after the commit, then marked sent', async () => {
    const bus = createInProcessBus({ logger: quiet });
    const seen: DomainEvent[] = [];
    bus.subscribe((e) => {
      seen.push(e);
    });
    const outbox = new Outbox(t.db, bus, { log: quiet, nodeId: 'node-a' });
    const orgId = uuidv7();
    await outbox.transact(async (trx, publish) => {
      await sql`insert into outbox_test_things values (${uuidv7()}, 'one')`.execute(trx);
      await publish('identity.org_changed', orgId, { orgId, name: 'one' });
      await publish('identity.org_changed', orgId, { orgId, name: 'two' });
    });
    // Delivered synchronously after the commit on the in-process bus, in order.
    expect(seen.map((e) => (e.payload as { name: string }).name)).toEqual(['one', 'two']);
    await outbox.close();
    const rows = await outboxRows(t.db);
    expect(rows.map((r) => r.id)).toEqual(seen.map((e) => e.id));
    expect(rows.every((r) => r.sent && r.claimed_by === 'node-a')).toBe(true);
    await sql`delete from event_outbox`.execute(t.db.kysely);
    await bus.close();
  });

  it('a transaction rolled back leaves neither the change nor its event', async () => {
    const bus = createInProcessBus({ logger: quiet });
    const seen: DomainEvent[] = [];
    bus.subscribe((e) => {
      seen.push(e);
    });
    const outbox = new Outbox(t.db, bus, { log: quiet });
    const orgId = uuidv7();
    await expect(
      outbox.transact(async (trx, publish) => {
        await sql`insert into outbox_test_things values (${uuidv7()}, 'rolled back')`.execute(trx);
        await publish('identity.org_changed', orgId, { orgId, name: 'rolled back' });
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    await outbox.close();
    expect(seen).toEqual([]);
    expect(await outboxRows(t.db)).toEqual([]);
    const things = await sql<{ n: number }>`
      select count(*)::int as n from outbox_test_things where name = 'rolled back'`.execute(t.db.kysely);
    expect(things.rows[0].n).toBe(0);
    await bus.close();
  });

  it('a node dying between commit and publish: the relay publishes the event once its lease ran out, once', async () => {
    const bus = createInProcessBus({ logger: quiet });
    const seen: DomainEvent[] = [];
    bus.subscribe((e) => {
      seen.push(e);
    });
    const failures: string[] = [];
    const dying = new Outbox(t.db, deadBus, {
      log: quiet,
      nodeId: 'dying',
      onPublishFailed: (e) => failures.push(e.id),
    });
    const relay = new Outbox(t.db, bus, { log: quiet, nodeId: 'relay' });
    const orgId = uuidv7();
    await dying.transact(async (trx, publish) => {
      await sql`insert into outbox_test_things values (${uuidv7()}, 'committed')`.execute(trx);
      await publish('identity.org_changed', orgId, { orgId, name: 'committed' });
    });
    await dying.close();
    expect(failures).toHaveLength(1);
    expect(seen).toEqual([]);
    // Within the dying node's lease the row is left alone (the node may just be slow).
    expect(await relay.relayOnce()).toBe(0);
    await expireLeases(t.db);
    expect(await relay.relayOnce()).toBe(1);
    expect(seen.map((e) => e.id)).toEqual(failures);
    expect(seen[0].payload).toEqual({ orgId, name: 'committed' });
    // Marked sent: later rounds publish nothing again.
    await expireLeases(t.db);
    expect(await relay.relayOnce()).toBe(0);
    expect(seen).toHaveLength(1);
    const rows = await outboxRows(t.db);
    expect(rows).toEqual([{ id: failures[0], claimed_by: 'relay', sent: true }]);
    await relay.close();
    await bus.close();
  });

  it('a node dying after its publish, before marking it: the relay publishes it again and the bus delivers it once', async () => {
    await sql`delete from event_outbox`.execute(t.db.kysely);
    const bus = createInProcessBus({ logger: quiet });
    const seen: DomainEvent[] = [];
    bus.subscribe((e) => {
      seen.push(e);
    });
    const dying = new Outbox(t.db, diesAfterPublish(bus), { log: quiet, nodeId: 'dying' });
    const relay = new Outbox(t.db, bus, { log: quiet, nodeId: 'relay' });
    const orgId = uuidv7();
    await dying.transact(async (_trx, publish) => {
      await publish('identity.org_changed', orgId, { orgId, name: 'published once' });
    });
    await dying.close();
    expect(seen).toHaveLength(1);
    await expireLeases(t.db);
    expect(await relay.relayOnce()).toBe(1); // published again: at least once
    expect(seen).toHaveLength(1); // the bus drops the id it delivered
    await relay.close();
    await bus.close();
  });

  it('sent rows are purged after the time they are kept; unsent rows never', async () => {
    await sql`delete from event_outbox`.execute(t.db.kysely);
    const outbox = new Outbox(t.db, deadBus, { log: quiet, keepSentMs: 60_000 });
    const orgId = uuidv7();
    for (const name of ['old', 'recent', 'unsent'])
      await outbox.transact(async (_trx, publish) => {
        await publish('identity.org_changed', orgId, { orgId, name });
      });
    await outbox.close();
    await sql`update event_outbox set sent_at = now() - interval '2 minutes' where event->'payload'->>'name' = 'old'`.execute(
      t.db.kysely,
    );
    await sql`update event_outbox set sent_at = now() where event->'payload'->>'name' = 'recent'`.execute(
      t.db.kysely,
    );
    expect(await outbox.purge()).toBe(1);
    const left = await sql<{ name: string }>`
      select event->'payload'->>'name' as name from event_outbox order by id`.execute(t.db.kysely);
    expect(left.rows.map((r) => r.name)).toEqual(['recent', 'unsent']);
  });

  if (onPostgres)
    it('two relays on two connections share the rows: each row is claimed by one (SKIP LOCKED), all published once', async () => {
      await sql`delete from event_outbox`.execute(t.db.kysely);
      const other = await openDatabase({ databaseUrl: t.url as string });
      const bus = createInProcessBus({ logger: quiet });
      const seen: DomainEvent[] = [];
      bus.subscribe((e) => {
        seen.push(e);
      });
      const dying = new Outbox(t.db, deadBus, { log: quiet });
      const orgId = uuidv7();
      for (let i = 0; i < 300; i++)
        await dying.transact(async (_trx, publish) => {
          await publish('identity.org_changed', orgId, { orgId, name: `n${i}` });
        });
      await dying.close();
      await expireLeases(t.db);
      // Small batches, so that both relays run at once over several rounds.
      const a = new Outbox(t.db, bus, { log: quiet, batch: 25, nodeId: 'a' });
      const b = new Outbox(other, bus, { log: quiet, batch: 25, nodeId: 'b' });
      const drain = async (o: Outbox) => {
        let n = 0;
        for (let got = await o.relayOnce(); got > 0; got = await o.relayOnce()) n += got;
        return n;
      };
      const [na, nb] = await Promise.all([drain(a), drain(b)]);
      expect(na + nb).toBe(300);
      expect(new Set(seen.map((e) => e.id)).size).toBe(300);
      expect(seen).toHaveLength(300);
      await a.close();
      await b.close();
      await other.close();
      await bus.close();
      expect((await outboxRows(t.db)).every((r) => r.sent)).toBe(true);
    });
});

// Declared only on PostgreSQL (the embedded database is one process, one node), so nothing is skipped.
if (onPostgres)
  describe('transactional outbox on NATS JetStream, two nodes (PostgreSQL)', () => {
    const runId = uuidv7().slice(-12).replace(/-/g, '');
    const stream = `CWOUTBOX_${runId}`;
    const subjectPrefix = `citywatch-outbox-${runId}.events`;
    let t: TestDb;
    let other: Db;
    const buses: NatsBus[] = [];
    const natsNode = async () => {
      const bus = await createNatsBus({
        url: natsUrl,
        stream,
        subjectPrefix,
        logger: quiet,
        connectTimeoutMs: 3_000,
      });
      buses.push(bus);
      return bus;
    };

    beforeAll(async () => {
      t = await createTestDb();
      other = await openDatabase({ databaseUrl: t.url as string });
    });
    afterAll(async () => {
      for (const bus of buses) await bus.close();
      const nc = await connect({ servers: natsUrl });
      await (await jetstreamManager(nc)).streams.delete(stream).catch(() => {});
      await nc.close();
      await other?.close();
      await t?.drop();
    });

    /** Waits until the console has the sentinel: anything published before it has arrived by then. */
    async function until(seen: DomainEvent[], id: string) {
      for (let i = 0; i < 400 && !seen.some((e) => e.id === id); i++)
        await new Promise((r) => setTimeout(r, 25));
    }

    it('node A dies before publishing, and after publishing but before marking: node B relays, a console on node C gets each event exactly once', async () => {
      const natsA = await natsNode();
      const natsB = await natsNode();
      const natsC = await natsNode();
      const seen: DomainEvent[] = [];
      natsC.subscribe((e) => {
        seen.push(e);
      });
      const orgId = uuidv7();
      const beforePublish = new Outbox(t.db, deadBus, { log: quiet, nodeId: 'a' });
      await beforePublish.transact(async (_trx, publish) => {
        await publish('identity.org_changed', orgId, { orgId, name: 'killed before publish' });
      });
      await beforePublish.close();
      const afterPublish = new Outbox(t.db, diesAfterPublish(natsA), { log: quiet, nodeId: 'a' });
      await afterPublish.transact(async (_trx, publish) => {
        await publish('identity.org_changed', orgId, { orgId, name: 'killed after publish' });
      });
      await afterPublish.close();
      const ids = (await outboxRows(t.db)).map((r) => r.id);
      expect(ids).toHaveLength(2);

      // Node B's relay (its own database connection) takes both once node A's lease ran out.
      await expireLeases(t.db);
      const relay = new Outbox(other, natsB, { log: quiet, nodeId: 'b' });
      expect(await relay.relayOnce()).toBe(2);
      expect(relay.relayed).toBe(2);
      // A sentinel after them: once the console has it, every copy stored before it has arrived.
      const sentinel = new Outbox(other, natsB, { log: quiet, nodeId: 'b' });
      let sentinelId = '';
      await sentinel.transact(async (_trx, publish) => {
        await publish('identity.org_changed', orgId, { orgId, name: 'sentinel' });
      });
      await sentinel.close();
      sentinelId = (await outboxRows(t.db)).map((r) => r.id).find((id) => !ids.includes(id)) as string;
      await until(seen, sentinelId);
      expect(seen.map((e) => (e.payload as { name: string }).name)).toEqual([
        'killed after publish',
        'killed before publish',
        'sentinel',
      ]);
      // The stream itself holds each event once: JetStream de-duplicated B's second publish by message id.
      const nc = await connect({ servers: natsUrl });
      const info = await (await jetstreamManager(nc)).streams.info(stream);
      await nc.close();
      expect(info.state.messages).toBe(3);
      expect((await outboxRows(t.db)).every((r) => r.sent)).toBe(true);
      await relay.close();
    });
  });
