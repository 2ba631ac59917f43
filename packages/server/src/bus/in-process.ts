/**
 * In-process event bus: the embedded default (one process, no broker). Delivery is synchronous and
 * in publish order, also when a handler publishes while being called (the new event is queued and
 * delivered after the current one reached every handler). A failing handler is logged and skipped.
 */
import type { EventBus, EventHandler, SubscribeFilter, Unsubscribe } from '@citywatch/core/events/bus';
import { matchesFilter } from '@citywatch/core/events/bus';
import type { DomainEvent } from '@citywatch/core/events/events';

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

  constructor(private readonly log: BusLogger) {}

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
}

export class InProcessBus implements EventBus {
  private readonly fanOut: LocalFanOut;
  private closed = false;

  constructor(opts: InProcessBusOptions = {}) {
    this.fanOut = new LocalFanOut(opts.logger ?? consoleBusLogger);
  }

  publish(event: DomainEvent): Promise<void> {
    if (this.closed) return Promise.reject(new Error('event bus is closed'));
    this.fanOut.deliver(event);
    return Promise.resolve();
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
