/**
 * In-process event bus: the embedded default (one process, no broker). Delivery is synchronous and
 * in publish order, also when a handler publishes while being called (the new event is queued and
 * delivered after the current one reached every handler). A failing handler is logged and skipped.
 *
 * Every event gets the next sequence of this process's stream and is kept in a ring of the last
 * `ringSize` events (default 10,000; CITYWATCH_LIVE_RING), from which a reconnecting console is
 * replayed. Past the ring, or after a restart (a new stream id), the console is told to resync.
 */
import type { EventBus, EventHandler, SubscribeFilter, Unsubscribe } from '@citywatch/core/events/bus';
import { matchesFilter } from '@citywatch/core/events/bus';
import type { DomainEvent } from '@citywatch/core/events/events';
import { RecentIds, type ResumableBus, type SequencedEvent, sequenceOf, setSequence } from './resume';

/** The part of a pino / Fastify logger the buses use. */
export interface BusLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export const consoleBusLogger: BusLogger = {
  error: (obj, msg) => console.error(msg, obj),
  warn: (obj, msg) => console.warn(msg, obj),
  info: () => {},
};

interface Subscription {
  handler: EventHandler;
  filter: SubscribeFilter | undefined;
  active: boolean;
}

/**
 * Local fan-out shared by both buses: the NATS bus feeds the events it consumes into one of these.
 */
export class LocalFanOut {
  private readonly subs = new Set<Subscription>();
  private readonly queue: DomainEvent[] = [];
  private dispatching = false;
  private lastSeq = 0;

  constructor(private readonly log: BusLogger) {}

  /** The sequence of the event being or last delivered: a subscriber added now gets those after it. */
  get headSeq(): number {
    return this.lastSeq;
  }

  subscribe(handler: EventHandler, filter?: SubscribeFilter): Unsubscribe {
    const sub: Subscription = {
      handler,
      filter: filter ? { types: filter.types?.slice() } : undefined,
      active: true,
    };
    this.subs.add(sub);
    return () => {
      sub.active = false;
      this.subs.delete(sub);
    };
  }

  deliver(event: DomainEvent): void {
    this.queue.push(event);
    if (this.dispatching) return; // the outer call drains the queue, keeping publish order
    this.dispatching = true;
    try {
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
        this.dispatchOne(next);
      }
    } finally {
      this.dispatching = false;
    }
  }

  clear(): void {
    for (const sub of this.subs) sub.active = false;
    this.subs.clear();
    this.queue.length = 0;
  }

  get size(): number {
    return this.subs.size;
  }

  private dispatchOne(event: DomainEvent): void {
    const seq = sequenceOf(event);
    if (seq !== undefined) this.lastSeq = seq;
    // Snapshot: handlers added during delivery get the next event, not this one.
    for (const sub of [...this.subs]) {
      if (!sub.active || !matchesFilter(event.type, sub.filter)) continue;
      try {
        const result: unknown = sub.handler(event);
        if (result instanceof Promise) {
          result.catch((err: unknown) => this.logFailure(err, event));
        }
      } catch (err) {
        this.logFailure(err, event);
      }
    }
  }

  private logFailure(err: unknown, event: DomainEvent): void {
    this.log.error({ err, eventId: event.id, eventType: event.type }, 'event handler failed');
  }
}

export interface InProcessBusOptions {
  logger?: BusLogger;
  /** Events kept for replay to reconnecting consoles; default 10,000. */
  ringSize?: number;
}

export const DEFAULT_RING_SIZE = 10_000;

export class InProcessBus implements EventBus, ResumableBus {
  private readonly fanOut: LocalFanOut;
  private closed = false;
  readonly streamId = `process:${crypto.randomUUID()}`;
  private seq = 0;
  private readonly ring: SequencedEvent[];
  private readonly ringSize: number;
  /** Index in `ring` where the next event goes (the ring is full once seq ≥ ringSize). */
  private ringNext = 0;
  private readonly seen = new RecentIds(DEFAULT_RING_SIZE);

  constructor(opts: InProcessBusOptions = {}) {
    this.fanOut = new LocalFanOut(opts.logger ?? consoleBusLogger);
    this.ringSize = Math.max(1, Math.floor(opts.ringSize ?? DEFAULT_RING_SIZE));
    this.ring = [];
  }

  publish(event: DomainEvent): Promise<void> {
    if (this.closed) return Promise.reject(new Error('event bus is closed'));
    // A re-published event (a retry with the same id) is delivered once, as JetStream does.
    if (!this.seen.add(event.id)) return Promise.resolve();
    const seq = ++this.seq;
    setSequence(event, seq);
    this.ring[this.ringNext] = { seq, event };
    this.ringNext = (this.ringNext + 1) % this.ringSize;
    this.fanOut.deliver(event);
    return Promise.resolve();
  }

  headSeq(): number {
    return this.fanOut.headSeq;
  }

  replay(after: number, upTo: number, max: number): Promise<SequencedEvent[] | null> {
    if (upTo <= after) return Promise.resolve([]);
    const oldest = Math.max(1, this.seq - this.ring.length + 1);
    if (after + 1 < oldest || upTo > this.seq || upTo - after > max) return Promise.resolve(null);
    const out: SequencedEvent[] = [];
    for (let seq = after + 1; seq <= upTo; seq++) {
      // seq n sits at index (n - 1) % ringSize.
      const entry = this.ring[(seq - 1) % this.ringSize];
      if (!entry || entry.seq !== seq) return Promise.resolve(null);
      out.push(entry);
    }
    return Promise.resolve(out);
  }

  subscribe(handler: EventHandler, filter?: SubscribeFilter): Unsubscribe {
    if (this.closed) throw new Error('event bus is closed');
    return this.fanOut.subscribe(handler, filter);
  }

  close(): Promise<void> {
    this.closed = true;
    this.fanOut.clear();
    return Promise.resolve();
  }
}

export function createInProcessBus(opts: InProcessBusOptions = {}): EventBus {
  return new InProcessBus(opts);
}
