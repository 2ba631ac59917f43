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

/** A plate read or document check matched an active hotlist entry (the only reads ever kept). */
export type HotlistHitEvent = EventBase<
  'perimeter.hotlist_hit',
  {
    hitId: string;
    entryId: string;
    checkpointId: string;
    direction: 'in' | 'out';
    category: 'stolen_vehicle' | 'vehicle_in_crime' | 'wanted_person' | 'missing_person';
    kind: 'plate' | 'resident_id';
    /** The plate as read; a resident ID masked (the full number needs a purpose-audited read). */
    value: string;
    readAt: string;
    confidence: number;
    /** The available units nearest the checkpoint by road time, to send at once. */
    nearestUnits: { unitId: string; callSign: string; etaSeconds: number }[];
  }
>;
/** The hotlist changed (created, approved, renewed, revoked): every API node reloads its matcher. */
export type HotlistChangedEvent = EventBase<'perimeter.hotlist_changed', { entryId: string; status: string }>;

export type IncidentChangedEvent = EventBase<
  'dispatch.incident_changed',
  {
    incidentId: string;
    number: string;
    status: string;
    priority: string;
    category: string;
    lon: number;
    lat: number;
  }
>;
export type UnitChangedEvent = EventBase<
  'dispatch.unit_changed',
  {
    unitId: string;
    callSign: string;
    status: string;
    incidentId: string | null;
    lon: number | null;
    lat: number | null;
    heading: number | null;
  }
>;

/** A closure plan was activated, changed (a unit arrived) or ended: consoles refresh the plan. */
export type ClosurePlanChangedEvent = EventBase<
  'perimeter.plan_changed',
  {
    planId: string;
    ringId: string | null;
    status: 'active' | 'ended' | 'expired';
    arrived: number;
    assigned: number;
  }
>;

export type DomainEvent =
  | ClosurePlanChangedEvent
  | IncidentChangedEvent
  | UnitChangedEvent
  | UserChangedEvent
  | OrgChangedEvent
  | SessionsEndedEvent
  | HotlistHitEvent
  | HotlistChangedEvent;
export type DomainEventType = DomainEvent['type'];
export type EventOfType<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;
