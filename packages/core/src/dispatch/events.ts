import type { EventOfType } from '../events/events.js';

declare module '../events/events.js' {
  interface DomainEventPayloads {
    'dispatch.incident_changed': {
      incidentId: string;
      number: string;
      status: string;
      priority: string;
      category: string;
      lon: number;
      lat: number;
    };
    /**
     * Published with the unit's home org: consoles of that org's subtree get it whole; every other
     * console with dispatch.read gets the sibling's view (unitChangedSeenFromOutside).
     */
    'dispatch.unit_changed': {
      unitId: string;
      callSign: string;
      status: string;
      incidentId: string | null;
      lon: number | null;
      lat: number | null;
      heading: number | null;
      /** The fix's speed, m/s, when the terminal sent one (with the heading: whether it is moving). */
      speed?: number | null;
      /**
       * When the position is from an AVL fix just taken: the fix's time (ISO). Every node's unit
       * tracker follows these, ignoring a fix not newer than the newest it knows for the unit
       * (dispatch/tracker-follow.ts). Absent on status changes (the stored position, unchanged).
       */
      fixAt?: string;
    };
    /**
     * A help request was made, accepted or declined: published once to each side's org (the
     * requesting station's and the asked one's), so both consoles follow it.
     */
    'dispatch.help_changed': {
      requestId: string;
      incidentId: string;
      unitId: string;
      callSign: string;
      fromOrgId: string;
      toOrgId: string;
      status: 'pending' | 'accepted' | 'declined';
    };
  }
}

export type IncidentChangedEvent = EventOfType<'dispatch.incident_changed'>;
export type UnitChangedEvent = EventOfType<'dispatch.unit_changed'>;

/**
 * What a console outside a unit's home org subtree sees of it (a sibling station): its call sign,
 * status and position on the map, but not the incident it serves (that incident is another
 * station's business). The same rule as GET /api/dispatch/units.
 */
export function unitChangedSeenFromOutside(event: UnitChangedEvent): UnitChangedEvent {
  return { ...event, payload: { ...event.payload, incidentId: null } };
}
