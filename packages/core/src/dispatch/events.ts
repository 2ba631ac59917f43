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
    'dispatch.unit_changed': {
      unitId: string;
      callSign: string;
      status: string;
      incidentId: string | null;
      lon: number | null;
      lat: number | null;
      heading: number | null;
    };
  }
}

export type IncidentChangedEvent = EventOfType<'dispatch.incident_changed'>;
export type UnitChangedEvent = EventOfType<'dispatch.unit_changed'>;
