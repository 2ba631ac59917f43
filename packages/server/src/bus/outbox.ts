/**
 * Transactional outbox (issue 17): a domain event is written to `event_outbox` in the same
 * transaction as the change it announces, so a node dying between its commit and its publish no
 * longer loses the event.
 *
 *   - `transact(work)` runs `work(trx, publish)` in one transaction; every `publish` inside inserts
 *     the event (claimed by this node for `leaseMs`). Right after the commit the node publishes the
 *     events itself, in order, and marks them sent (batched): the live path costs one insert per
 *     event and one update per batch, and on the in-process bus delivery stays synchronous with the
 *     caller, as before.
 *   - The relay on every node claims unsent rows whose lease ran out (the writer died, or its
 *     publish was given up) with `FOR UPDATE SKIP LOCKED`, so two relays never take the same row;
 *     publishes them in id (time) order with the event id as the message id, and marks them sent.
 *     JetStream drops a second publish of the same id within the stream's de-duplication window
 *     (2 min), and both buses drop an id they delivered already, so a row published by its writer
 *     and again by a relay (the writer died after the publish, before marking it) reaches each
 *     console once.
 *   - Sent rows are purged after `keepSentMs` (one node, hourly).
 *
 * Leases use the database's clock (`now()`), never a node's, so clock skew between nodes does not
 * make a relay steal a row early.
 *
 * Ordering: the writer publishes its transaction's events in order; the relay publishes in id
 * order. A relayed event may arrive after newer events of the same aggregate published directly by
 * a live node. The consumers do not depend on it: the consoles re-read what an event names, the
 * server's subscribers re-read the row (hotlist, checkpoints, reports of an ended incident), and the
 * position follower orders by the fix's own time (dispatch/tracker-follow.ts).
 */
import { hostname } from 'node:os';
import { createEvent, type EventBus } from '@citywatch/core/events/bus';
import type { DomainEvent, DomainEventType, EventOfType } from '@citywatch/core/events/events';
import { type ColumnType, sql, type Transaction } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Db } from '../db/database.js';
import type { Database, GeneratedTimestamp, Json, Timestamp } from '../db/schema.js';
import { everyOnOneNode } from '../db/singleton.js';
import type { BusLogger } from './in-process.js';

declare module '../db/schema.js' {
  interface Database {
    event_outbox: EventOutboxTable;
  }
}

export interface EventOutboxTable {
  id: string;
  type: string;
  event: Json<DomainEvent>;
  created_at: GeneratedTimestamp;
  claimed_by: string;
  claimed_until: Timestamp;
  sent_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** Stages a domain event in the current transaction; published once the transaction commits. */
export type StagePublish = <T extends DomainEventType>(
  type: T,
  orgId: string | null,
  payload: EventOfType<T>['payload'],
) => Promise<void>;

/** Runs `work` in one transaction whose events (`publish`) are written to the outbox with it. */
export type Transact = <R>(
  work: (trx: Transaction<Database>, publish: StagePublish) => Promise<R>,
) => Promise<R>;

export interface OutboxOptions {
  /** Names this node in `claimed_by` (logs, tests); default host:pid:random. */
  nodeId?: string;
  /** How long a row stays with the node that claimed it before another relay may take it; 10 s. */
  leaseMs?: number;
  /** How often the relay looks for rows whose lease ran out; 2 s. */
  pollMs?: number;
  /** Rows claimed per relay round; 200. */
  batch?: number;
  /** Sent rows are kept this long, then purged; 1 h. */
  keepSentMs?: number;
  now?: () => Date;
  log: BusLogger;
  /**
   * Called after each commit, before its events are published. Drills only: the node kills itself
   * here (`CITYWATCH_DRILL_KILL_AFTER_COMMIT`, scripts/cluster/drill.mjs commit-kill).
   */
  afterCommit?: () => void;
  /** Called when a publish failed (the row stays unsent; a relay will publish it again). */
  onPublishFailed?: (event: DomainEvent, error: unknown) => void;
}

export const DEFAULT_LEASE_MS = 10_000;
export const DEFAULT_RELAY_POLL_MS = 2_000;
const DEFAULT_BATCH = 200;
const DEFAULT_KEEP_SENT_MS = 3_600_000;
const PURGE_EVERY_MS = 3_600_000;

export class Outbox {
  readonly nodeId: string;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly batch: number;
  private readonly keepSentMs: number;
  private readonly now: () => Date;
  /** Ids published and not yet marked sent (one update per batch). */
  private unmarked: string[] = [];
  private marking: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private relaying: Promise<number> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopPurge: (() => Promise<void>) | null = null;
  private closed = false;
  /** Events this node's relay published (rows another publish had not marked sent). */
  relayed = 0;

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly opts: OutboxOptions,
  ) {
    this.nodeId = opts.nodeId ?? `${hostname()}:${process.pid}:${uuidv7().slice(-8)}`;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.pollMs = opts.pollMs ?? DEFAULT_RELAY_POLL_MS;
    this.batch = opts.batch ?? DEFAULT_BATCH;
    this.keepSentMs = opts.keepSentMs ?? DEFAULT_KEEP_SENT_MS;
    this.now = opts.now ?? (() => new Date());
  }

  /** See `Transact`: the events are published right after the commit, and by a relay if not. */
  readonly transact: Transact = async (work) => {
    const staged: DomainEvent[] = [];
    const result = await this.db.kysely.transaction().execute((trx) =>
      work(trx, async (type, orgId, payload) => {
        const event = createEvent(type, orgId, payload, { id: uuidv7(), at: this.now() }) as DomainEvent;
        await this.write(trx, event);
        staged.push(event);
      }),
    );
    if (staged.length > 0) this.opts.afterCommit?.();
    this.publishCommitted(staged);
    return result;
  };

  /** Inserts one event into the outbox within `trx`, claimed by this node for the lease. */
  async write(trx: Transaction<Database>, event: DomainEvent): Promise<void> {
    await sql`insert into event_outbox (id, type, event, claimed_by, claimed_until)
      values (${event.id}, ${event.type}, ${JSON.stringify(event)}::jsonb, ${this.nodeId},
              now() + make_interval(secs => ${this.leaseMs / 1000}))`.execute(trx);
  }

  /** Publishes committed events in order (the bus keeps publish order), marking each once stored. */
  publishCommitted(events: readonly DomainEvent[]): void {
    if (this.closed) return; // stopping: the relay of a node still running publishes them
    for (const event of events) {
      const done = this.bus.publish(event).then(
        () => this.markSent(event.id),
        (error: unknown) => this.failed(event, error),
      );
      this.inFlight.add(done);
      done.finally(() => this.inFlight.delete(done));
    }
  }

  /**
   * One relay round: claims up to `batch` unsent rows whose lease ran out (skipping rows another
   * relay holds), publishes them in id order and marks them sent. Stops at the first failed
   * publish (the rest keep their fresh lease and are tried again after it). Returns how many were
   * published.
   */
  relayOnce(): Promise<number> {
    if (!this.relaying) {
      this.relaying = this.relayRound().finally(() => {
        this.relaying = null;
      });
    }
    return this.relaying;
  }

  private async relayRound(): Promise<number> {
    const claimed = await sql<{ id: string; event: DomainEvent | string }>`
      update event_outbox set claimed_by = ${this.nodeId},
             claimed_until = now() + make_interval(secs => ${this.leaseMs / 1000})
       where id in (select id from event_outbox
                     where sent_at is null and claimed_until < now()
                     order by claimed_until, id
                     limit ${this.batch}
                     for update skip locked)
      returning id, event`.execute(this.db.kysely);
    const rows = claimed.rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let published = 0;
    for (const row of rows) {
      if (this.closed) break;
      const event = (typeof row.event === 'string' ? JSON.parse(row.event) : row.event) as DomainEvent;
      try {
        await this.bus.publish(event);
      } catch (error) {
        this.failed(event, error);
        break;
      }
      published++;
      this.relayed++;
      this.markSent(event.id);
    }
    if (published > 0)
      this.opts.log.warn(
        { published, node: this.nodeId },
        'outbox relay published events another publish had not',
      );
    await this.flushMarks();
    return published;
  }

  /** Starts the relay (every node) and the purge of sent rows (one node). */
  start(): void {
    if (this.timer || this.closed) return;
    const tick = () => {
      this.relayOnce().catch((error: unknown) => this.opts.log.error({ err: error }, 'outbox relay failed'));
    };
    this.timer = setInterval(tick, this.pollMs);
    this.timer.unref();
    tick();
    this.stopPurge = everyOnOneNode(
      this.db,
      'bus.outbox-purge',
      PURGE_EVERY_MS,
      () => this.purge(),
      (error) => this.opts.log.error({ err: error }, 'outbox purge failed'),
    );
  }

  /** Deletes rows sent more than `keepSentMs` ago. */
  async purge(): Promise<number> {
    const r = await sql`delete from event_outbox
      where sent_at is not null and sent_at < now() - make_interval(secs => ${this.keepSentMs / 1000})`.execute(
      this.db.kysely,
    );
    return Number(r.numAffectedRows ?? 0);
  }

  /**
   * Stops the relay and waits for the publishes under way and their marks (a few seconds at most:
   * the bus's own close bounds its retries). Rows not marked are published by another node's relay,
   * or by this node's after a restart.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.stopPurge?.();
    await this.relaying?.catch(() => {});
    if (this.inFlight.size > 0)
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, 5_000))]);
    await this.flushMarks();
  }

  private failed(event: DomainEvent, error: unknown): void {
    this.opts.onPublishFailed?.(event, error);
    this.opts.log.warn(
      { eventId: event.id, type: event.type, err: error instanceof Error ? error.message : String(error) },
      'event publish failed; the outbox relay publishes it again',
    );
  }

  private markSent(id: string): void {
    this.unmarked.push(id);
    if (!this.marking) {
      // Published together, marked together: the update waits for the rest of this tick's publishes.
      this.marking = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flushMarks());
    }
  }

  /** Marks every published id sent (one update); a failure leaves them to the relay (harmless). */
  private async flushMarks(): Promise<void> {
    while (this.unmarked.length > 0) {
      const ids = this.unmarked;
      this.unmarked = [];
      try {
        await this.db.kysely
          .updateTable('event_outbox')
          .set({ sent_at: sql<Date>`now()` })
          .where('id', 'in', ids)
          .execute();
      } catch (error) {
        this.opts.log.warn({ err: error, ids: ids.length }, 'marking outbox events sent failed');
      }
    }
    this.marking = null;
  }
}

/**
 * A `Transact` for a service used without a bus (command-line tools, unit tests of one service,
 * benchmarks): a plain transaction whose staged events go to `publish` after the commit, in order,
 * and are dropped on a rollback. Nothing is written to the outbox, as nothing would relay it.
 */
export function transactWithoutOutbox(
  db: Db,
  publish: (type: DomainEventType, orgId: string | null, payload: unknown) => void,
): Transact {
  return async (work) => {
    const staged: [DomainEventType, string | null, unknown][] = [];
    const result = await db.kysely.transaction().execute((trx) =>
      work(trx, async (type, orgId, payload) => {
        staged.push([type, orgId, payload]);
      }),
    );
    for (const [type, orgId, payload] of staged) publish(type, orgId, payload);
    return result;
  };
}
