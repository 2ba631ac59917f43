/**
 * Domain events: every state change in citywatch is one of these on the bus. Each carries the org
 * it belongs to (orgId) so the live gateway can deliver it only to consoles whose user's org
 * subtree contains it.
 *
 * Each feature declares its events' payloads in its own folder (`<feature>/events.ts`) by merging
 * into `DomainEventPayloads`:
 *
 *   declare module '../events/events.js' {
 *     interface DomainEventPayloads { 'patrol.visit_logged': { visitId: string } }
 *   }
 */
export interface EventBase<TType extends string, TPayload> {
  /** UUIDv7. */
  id: string;
  type: TType;
  /** ISO-8601 UTC. */
  at: string;
  /** Owning org; null for city-wide events everyone in the bureau may see. */
  orgId: string | null;
  payload: TPayload;
}

/** Event type → payload; extended by each feature (see above). */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in each feature
export interface DomainEventPayloads {}

export type DomainEventType = keyof DomainEventPayloads & string;
export type DomainEvent = { [T in DomainEventType]: EventBase<T, DomainEventPayloads[T]> }[DomainEventType];
export type EventOfType<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;
