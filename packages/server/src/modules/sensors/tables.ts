import type { ColumnType } from 'kysely';
import type { Defaulted, Json, Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    sensor_communities: SensorCommunitiesTable;
    sensor_devices: SensorDevicesTable;
    sensor_alarms: SensorAlarmsTable;
    sensor_tickets: SensorTicketsTable;
    crowd_areas: CrowdAreasTable;
    crowd_counts: CrowdCountsTable;
  }
}

type Ring = [number, number][];

export interface SensorCommunitiesTable {
  id: string;
  name: string;
  org_id: string;
  ring: ColumnType<Ring | null, string | null, string | null>;
  created_at: Timestamp;
}

export interface SensorDevicesTable {
  id: string;
  community_id: string;
  org_id: string;
  kind: string;
  name: string;
  address: string;
  lon: number;
  lat: number;
  stream_url: string | null;
  inactivity_s: number;
  online: Defaulted<boolean>;
  last_seen_at: Timestamp | null;
  counts: ColumnType<Record<string, number>, string | undefined, string>;
  telemetry: ColumnType<Record<string, number>, string | undefined, string>;
  created_at: Timestamp;
}

export interface SensorAlarmsTable {
  id: string;
  originator: string;
  device_id: string | null;
  area_id: string | null;
  community_id: string | null;
  org_id: string;
  type: string;
  severity: string;
  status: string;
  started_at: Timestamp;
  last_at: Timestamp;
  repeats: Defaulted<number>;
  escalated: Defaulted<boolean>;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  cleared_at: Timestamp | null;
  cleared_by: string | null;
  incident_id: string | null;
  ticket_id: string | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
}

export interface SensorTicketsTable {
  id: string;
  device_id: string;
  org_id: string;
  reason: string;
  opened_at: Timestamp;
  closed_at: Timestamp | null;
  /** Handled by people (migration 080): acknowledged with a note, closed with a note. */
  acknowledged_at: NullableAt;
  acknowledged_by: Defaulted<string | null>;
  ack_note: Defaulted<string | null>;
  /** Null when the platform closed it (the camera came back online). */
  closed_by: Defaulted<string | null>;
  close_note: Defaulted<string | null>;
}

type NullableAt = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface CrowdAreasTable {
  id: string;
  name: string;
  org_id: string;
  ring: Json<Ring>;
  area_m2: number;
  centroid_lon: number;
  centroid_lat: number;
  warn_density: number;
  alarm_density: number;
  capacity: number;
  expires_at: Timestamp;
  created_at: Timestamp;
  last_count: number | null;
  last_density: number | null;
  level: Defaulted<string>;
  counted_at: Timestamp | null;
}

export interface CrowdCountsTable {
  area_id: string;
  at: Timestamp;
  count: number;
  density: number;
  source: string;
  device_id: string | null;
  flag: string | null;
}
