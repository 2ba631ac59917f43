import type { Defaulted, GeneratedTimestamp, Json, Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    incident_counters: { day: string; seq: number };
    incidents: IncidentsTable;
    incident_events: IncidentEventsTable;
    units: UnitsTable;
    unit_positions: UnitPositionsTable;
    diversions: DiversionsTable;
    help_requests: HelpRequestsTable;
  }
}

/** Cross-station help requests (migration 017). */
export interface HelpRequestsTable {
  id: string;
  incident_id: string;
  unit_id: string;
  from_org_id: string;
  to_org_id: string;
  status: Defaulted<'pending' | 'accepted' | 'declined'>;
  note: string | null;
  requested_by: string;
  requested_at: Timestamp;
  decided_by: string | null;
  decided_at: Timestamp | null;
  decline_reason: string | null;
}

export interface IncidentsTable {
  id: string;
  number: string;
  city_id: string | null;
  /** Migration 008: the owning org (the jurisdiction's station, else the call taker's org). */
  org_id: string;
  jurisdiction_id: string | null;
  category: string;
  subcategory: string | null;
  priority: string;
  status: string;
  police: boolean;
  caller_phone: string | null;
  narrative: string;
  lon: number;
  lat: number;
  h3: string;
  address_label: string | null;
  received_at: Timestamp;
  dispatched_at: Timestamp | null;
  arrived_at: Timestamp | null;
  cleared_at: Timestamp | null;
  closed_at: Timestamp | null;
  merged_into: string | null;
  created_by: string | null;
  updated_at: Timestamp;
  /** Migration 016: filed by the demo's simulator (left out of the figures). */
  demo: Defaulted<boolean>;
}

export interface IncidentEventsTable {
  id: string;
  incident_id: string;
  at: Timestamp;
  kind: string;
  from_status: string | null;
  to_status: string | null;
  user_id: string | null;
  unit_id: string | null;
  detail: Json<Record<string, unknown>>;
}

export interface UnitsTable {
  id: string;
  call_sign: string;
  kind: string;
  capabilities: string[];
  /** Migration 008: required; the org the unit belongs to. */
  home_org_id: string;
  status: string;
  current_incident_id: string | null;
  last_lon: number | null;
  last_lat: number | null;
  last_at: Timestamp | null;
  last_heading: number | null;
  last_speed: number | null;
  created_at: GeneratedTimestamp;
  /** Migration 006: the closure plan a busy unit is holding a checkpoint for (set through this module). */
  current_plan_id: Defaulted<string | null>;
  /** Migration 016: created by the demo (the only units its simulator drives). */
  demo: Defaulted<boolean>;
}

export interface UnitPositionsTable {
  unit_id: string;
  at: Timestamp;
  lon: number;
  lat: number;
  heading: number | null;
  speed: number | null;
  /** Migration 091 (eta): lights and siren on; null when the device did not say. */
  emergency: boolean | null;
}

export interface DiversionsTable {
  id: string;
  incident_id: string;
  target: string;
  status: string;
  attempts: number;
  last_error: string | null;
  outcome: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

declare module '../../db/schema.js' {
  interface Database {
    unit_sign_ons: UnitSignOnsTable;
  }
}

/** Migration 012: who crews a unit this shift (units/reporting.ts). */
export interface UnitSignOnsTable {
  id: string;
  unit_id: string;
  user_id: string;
  signed_on_at: Timestamp;
  signed_off_at: Timestamp | null;
  ended_by: 'self' | 'lapsed' | null;
}
