/** Database rows of incidents and units as the API shows them. */
import type { IncidentStatus, Priority, UnitKind, UnitStatus } from '@citywatch/core/dispatch/incident';
import type { Incident, Unit } from '@citywatch/core/dispatch/schemas';
import type { IncidentRecord } from './incidents/store.js';

export function iso(d: Date | null): string | null {
  return d ? new Date(d).toISOString() : null;
}

export function presentIncident(
  r: IncidentRecord,
  units: { id: string; call_sign: string; status: string }[],
): Incident {
  return {
    id: r.id,
    number: r.number,
    category: r.category,
    subcategory: r.subcategory,
    priority: r.priority as Priority,
    status: r.status as IncidentStatus,
    police: r.police,
    narrative: r.narrative,
    lon: r.lon,
    lat: r.lat,
    addressLabel: r.address_label,
    jurisdiction:
      r.jurisdiction_id && r.jurisdiction_name ? { id: r.jurisdiction_id, name: r.jurisdiction_name } : null,
    hasCaller: r.has_caller,
    receivedAt: new Date(r.received_at).toISOString(),
    dispatchedAt: iso(r.dispatched_at),
    arrivedAt: iso(r.arrived_at),
    clearedAt: iso(r.cleared_at),
    closedAt: iso(r.closed_at),
    mergedInto: r.merged_into,
    units: units.map((u) => ({ id: u.id, callSign: u.call_sign, status: u.status as UnitStatus })),
  };
}

export function presentUnit(u: {
  id: string;
  call_sign: string;
  kind: string;
  capabilities: string[];
  status: string;
  current_incident_id: string | null;
  last_lon: number | null;
  last_lat: number | null;
  last_heading: number | null;
  last_speed: number | null;
  last_at: Date | null;
}): Unit {
  return {
    id: u.id,
    callSign: u.call_sign,
    kind: u.kind as UnitKind,
    capabilities: u.capabilities,
    status: u.status as UnitStatus,
    incidentId: u.current_incident_id,
    lon: u.last_lon,
    lat: u.last_lat,
    heading: u.last_heading,
    speed: u.last_speed,
    lastAt: iso(u.last_at),
  };
}
