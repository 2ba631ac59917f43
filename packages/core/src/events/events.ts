/**
 * Domain events: every state change in citywatch is one of these on the bus. Each carries the org
 * it belongs to (orgId) so the live gateway can deliver it only to consoles whose user's org
 * subtree contains it. Features add their own variants to DomainEvent as they land.
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

export type UserChangedEvent = EventBase<'identity.user_changed', { userId: string; username: string }>;
export type OrgChangedEvent = EventBase<'identity.org_changed', { orgId: string; name: string }>;
export type SessionsEndedEvent = EventBase<'identity.sessions_ended', { userId: string }>;

export type DomainEvent = UserChangedEvent | OrgChangedEvent | SessionsEndedEvent;
export type DomainEventType = DomainEvent['type'];
export type EventOfType<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;
