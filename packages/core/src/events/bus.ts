/**
 * The domain-event bus contract. Implementations live in the server (in-process for one machine,
 * NATS JetStream for several API nodes); core only states the interface and builds events purely.
 */
import type { DomainEvent, DomainEventType, EventOfType } from './events';

/** Stops a subscription. Idempotent. */
export type Unsubscribe = () => void;

export interface SubscribeFilter<T extends DomainEventType = DomainEventType> {
  /** Only these event types; omitted = every type. */
  types?: readonly T[];
}

export type EventHandler<E extends DomainEvent = DomainEvent> = (event: E) => void | Promise<void>;

export interface EventBus {
  /**
   * Publishes an event to every subscriber (on every API node, for a distributed bus). Resolves once
   * the bus has accepted it (for JetStream: once the stream acknowledged it).
   */
  publish(event: DomainEvent): Promise<void>;
  /**
   * Registers a handler. Handlers receive events in publish order (per publisher). A handler that
   * throws (or rejects) is logged and does not stop delivery to the others.
   */
  subscribe<T extends DomainEventType>(
    handler: EventHandler<EventOfType<T>>,
    filter: { types: readonly T[] },
  ): Unsubscribe;
  subscribe(handler: EventHandler, filter?: SubscribeFilter): Unsubscribe;
  /** Stops delivery to every subscriber and releases resources. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds an event of the given type; the payload is typed by the type. Pure: the id (UUIDv7) and the
 * time come from the caller, since core has no clock and no randomness.
 */
export function createEvent<T extends DomainEventType>(
  type: T,
  orgId: string | null,
  payload: EventOfType<T>['payload'],
  meta: { id: string; at: string | Date },
): EventOfType<T> {
  const at = typeof meta.at === 'string' ? meta.at : meta.at.toISOString();
  const event: EventBaseShape = { id: meta.id, type, at, orgId, payload };
  // TS cannot narrow the distributive Extract<> from a generic T; the parameters above pin it.
  return event as EventOfType<T>;
}

interface EventBaseShape {
  id: string;
  type: DomainEventType;
  at: string;
  orgId: string | null;
  payload: DomainEvent['payload'];
}

/** True when `filter` lets an event of `type` through. */
export function matchesFilter(type: DomainEventType, filter?: SubscribeFilter): boolean {
  return filter?.types === undefined || filter.types.includes(type);
}

/**
 * Checks that an untrusted value (e.g. JSON from the wire) has the envelope of a domain event:
 * id, type, at (strings), orgId (string or null) and an object payload. Payloads are not validated
 * per type (they come from our own publishers); the envelope is what routing and scoping rely on.
 */
export function parseDomainEvent(value: unknown): DomainEvent | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'string' || v.id.length === 0 || v.id.length > 100) return null;
  if (typeof v.type !== 'string' || !/^[a-z0-9_]+(\.[a-z0-9_]+)*$/.test(v.type)) return null;
  if (typeof v.at !== 'string' || Number.isNaN(Date.parse(v.at))) return null;
  if (v.orgId !== null && typeof v.orgId !== 'string') return null;
  if (typeof v.payload !== 'object' || v.payload === null || Array.isArray(v.payload)) return null;
  return { id: v.id, type: v.type, at: v.at, orgId: v.orgId, payload: v.payload } as DomainEvent;
}
