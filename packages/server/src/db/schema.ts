import type { ColumnType, Generated } from 'kysely';

/** Table types for Kysely. One interface per table; features add theirs as they land. */
export interface Database {
  orgs: OrgsTable;
  users: UsersTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  schema_migrations: SchemaMigrationsTable;
  cities: CitiesTable;
  gazetteer: GazetteerTable;
  buildings: BuildingsTable;
  jurisdictions: JurisdictionsTable;
  posts: PostsTable;
  incident_counters: { day: string; seq: number };
  incidents: IncidentsTable;
  incident_events: IncidentEventsTable;
  units: UnitsTable & UnitPlanColumns;
  unit_positions: UnitPositionsTable;
  diversions: DiversionsTable;
  checkpoints: CheckpointsTable & CheckpointPlacementColumns;
  hotlist_entries: HotlistEntriesTable;
  hotlist_hits: HotlistHitsTable;
  checkpoint_volumes: CheckpointVolumesTable;
  rings: RingsTable;
  closure_plans: ClosurePlansTable;
  closure_assignments: ClosureAssignmentsTable;
}

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamp the database fills in by default. */
type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface SchemaMigrationsTable {
  version: string;
  applied_at: GeneratedTimestamp;
}

export interface OrgsTable {
  id: string;
  parent_id: string | null;
  kind: string;
  name: string;
  code: string;
  /** Materialised path of ids, '/root/child/', so a subtree is a prefix match. */
  path: string;
  created_at: GeneratedTimestamp;
  /** The station's location (police stations), WGS-84. */
  lon: ColumnType<number | null, number | null | undefined, number | null>;
  lat: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  org_id: string;
  roles: string[];
  active: Generated<boolean>;
  failed_logins: Generated<number>;
  locked_until: Timestamp | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface SessionsTable {
  /** sha256 of the cookie token: a leaked table does not leak live sessions. */
  token_hash: string;
  user_id: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  ended_at: Timestamp | null;
  ip: string | null;
  user_agent: string | null;
}

export interface AuditLogTable {
  seq: number;
  at: Timestamp;
  user_id: string | null;
  username: string | null;
  action: string;
  resource: string;
  purpose: string | null;
  detail: ColumnType<Record<string, unknown>, string, string>;
  prev_hash: string;
  hash: string;
}

type Json<T> = ColumnType<T, string, string>;

export interface CitiesTable {
  id: string;
  name: string;
  source_file: string;
  imported_at: Timestamp;
  is_default: boolean;
  bounds: Json<{ minLon: number; minLat: number; maxLon: number; maxLat: number }>;
  stats: Json<Record<string, unknown>>;
  graph: Buffer;
  ways: Json<import('@citywatch/core/roads/graph').WayInfo[]>;
}

export interface GazetteerTable {
  id: string;
  city_id: string;
  kind: 'address' | 'place' | 'street';
  osm_type: string | null;
  osm_id: number | null;
  label: string;
  search_text: string;
  category: string | null;
  name: string | null;
  province: string | null;
  city: string | null;
  district: string | null;
  street: string | null;
  housenumber: string | null;
  postcode: string | null;
  lon: number;
  lat: number;
  h3: string;
  building_osm_id: number | null;
  road_edge: number | null;
  address_id: string | null;
  jurisdiction_id: string | null;
}

export interface BuildingsTable {
  id: string;
  city_id: string;
  osm_id: number;
  kind: string;
  name: string | null;
  lon: number;
  lat: number;
  h3: string;
  ring: Json<[number, number][]>;
}

export interface JurisdictionsTable {
  id: string;
  city_id: string;
  name: string;
  org_id: string | null;
  source: string;
  station_lon: number | null;
  station_lat: number | null;
  geometry: Json<
    { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] }
  >;
  updated_at: Timestamp;
}

export interface IncidentsTable {
  id: string;
  number: string;
  city_id: string | null;
  org_id: string | null;
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
  home_org_id: string | null;
  status: string;
  current_incident_id: string | null;
  last_lon: number | null;
  last_lat: number | null;
  last_at: Timestamp | null;
  last_heading: number | null;
  last_speed: number | null;
  created_at: GeneratedTimestamp;
}

export interface UnitPositionsTable {
  unit_id: string;
  at: Timestamp;
  lon: number;
  lat: number;
  heading: number | null;
  speed: number | null;
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

export interface CheckpointsTable {
  id: string;
  name: string;
  city_id: string | null;
  org_id: string | null;
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
  org_id: string | null;
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
  plate_or_id: string;
  confidence: number;
  created_at: Timestamp;
  acknowledged_by: string | null;
  acknowledged_at: Timestamp | null;
  action_taken: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface CheckpointVolumesTable {
  checkpoint_id: string;
  direction: 'in' | 'out';
  hour: Timestamp;
  reads: number;
  hits: number;
  invalid: number;
}

/** Coverage posts: police stations, street police posts, safety stations (migration 005). */
export interface PostsTable {
  id: string;
  city_id: string;
  kind: 'police_station' | 'street_post' | 'safety_station';
  name: string;
  lon: number;
  lat: number;
  h3: string;
  org_id: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

/** A column the database fills with its default when an insert leaves it out. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

/** Perimeter rings (migration 006). `geometry` is a GeoJSON Polygon/MultiPolygon. */
export interface RingsTable {
  id: string;
  city_id: string;
  name: string;
  level: 'city' | 'core' | 'district';
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

/** Migration 006: the closure plan a busy unit is holding a checkpoint for. */
export interface UnitPlanColumns {
  current_plan_id: Defaulted<string | null>;
}

export interface ClosurePlansTable {
  id: string;
  ring_id: string | null;
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
