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
