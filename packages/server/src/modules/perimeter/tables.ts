import type { ColumnType, Generated } from 'kysely';
import type { Defaulted, GeneratedTimestamp, Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    checkpoints: CheckpointsTable & CheckpointPlacementColumns;
    hotlist_entries: HotlistEntriesTable;
    hotlist_hits: HotlistHitsTable;
    checkpoint_volumes: CheckpointVolumesTable;
    rings: RingsTable;
    closure_plans: ClosurePlansTable;
    closure_assignments: ClosureAssignmentsTable;
  }
}

export interface CheckpointsTable {
  id: string;
  name: string;
  city_id: string | null;
  /** Migration 009: required; the org the checkpoint belongs to. */
  org_id: string;
  kind: 'station' | 'post' | 'camera';
  lon: number | null;
  lat: number | null;
  created_at: GeneratedTimestamp;
}

export interface HotlistEntriesTable {
  id: string;
  kind: 'plate' | 'resident_id';
  value: string;
  category: 'stolen_vehicle' | 'vehicle_in_crime' | 'wanted_person' | 'missing_person';
  legal_basis: string;
  warrant_ref: string | null;
  /** Migration 009: required; the creator's org. */
  org_id: string;
  created_by: string;
  approved_by: string | null;
  status: 'pending' | 'active' | 'revoked';
  expires_at: Timestamp;
  created_at: Timestamp;
  approved_at: Timestamp | null;
  renewals: Generated<number>;
  revoked_by: string | null;
  revoked_at: Timestamp | null;
  revoke_reason: string | null;
}

export interface HotlistHitsTable {
  id: string;
  entry_id: string;
  checkpoint_id: string;
  direction: 'in' | 'out';
  read_at: Timestamp;
  /** Migration 015: null once the retention period has passed (value_purged_at says when). */
  plate_or_id: string | null;
  confidence: number;
  created_at: Timestamp;
  acknowledged_by: string | null;
  acknowledged_at: Timestamp | null;
  action_taken: ColumnType<string | null, string | null | undefined, string | null>;
  value_purged_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface CheckpointVolumesTable {
  checkpoint_id: string;
  direction: 'in' | 'out';
  hour: Timestamp;
  reads: number;
  hits: number;
  invalid: number;
}

/** Perimeter rings (migration 006). `geometry` is a GeoJSON Polygon/MultiPolygon. */
export interface RingsTable {
  id: string;
  city_id: string;
  name: string;
  level: 'city' | 'core' | 'district';
  /** Migration 009: the org of the commander who drew the ring. */
  org_id: string;
  geometry: ColumnType<unknown, string, string>;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

/**
 * Columns migration 006 adds to `checkpoints`: the ring and the road segment (OSM node ids of its
 * ends) a checkpoint holds. Kept apart from CheckpointsTable so inserts that predate them compile.
 */
export interface CheckpointPlacementColumns {
  ring_id: Defaulted<string | null>;
  edge_from_osm: Defaulted<number | null>;
  edge_to_osm: Defaulted<number | null>;
  directions: Defaulted<'inbound' | 'outbound' | 'both'>;
  equipment: Defaulted<string[]>;
  staffing: Defaulted<number>;
}

export interface ClosurePlansTable {
  id: string;
  ring_id: string | null;
  /** Migration 009: the ring's org at activation (the plan outlives a deleted ring). */
  org_id: string;
  status: 'active' | 'ended' | 'expired';
  reason: string;
  activated_by: string;
  activated_at: Timestamp;
  expires_at: Timestamp;
  ended_at: Timestamp | null;
  ended_by: string | null;
}

export interface ClosureAssignmentsTable {
  plan_id: string;
  checkpoint_id: string;
  unit_id: string | null;
  eta_seconds: number | null;
  status: 'assigned' | 'arrived' | 'unassigned';
  arrived_at: Timestamp | null;
}
