import type { Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    oversight_units: OversightUnitsTable;
    oversight_unit_staff: OversightUnitStaffTable;
    oversight_unit_cameras: OversightUnitCamerasTable;
    oversight_unit_users: OversightUnitUsersTable;
  }
}

export interface OversightUnitsTable {
  id: string;
  org_id: string;
  industry: string;
  name: string;
  licence_no: string | null;
  /** Calendar dates 'YYYY-MM-DD'. */
  licence_valid_from: string | null;
  licence_valid_until: string | null;
  address: string | null;
  lon: number | null;
  lat: number | null;
  risk_level: 'low' | 'medium' | 'high';
  responsible_name: string | null;
  responsible_phone: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OversightUnitStaffTable {
  id: string;
  unit_id: string;
  name: string;
  post: string | null;
  phone: string | null;
}

export interface OversightUnitCamerasTable {
  id: string;
  unit_id: string;
  name: string;
  stream_url: string;
}

export interface OversightUnitUsersTable {
  user_id: string;
  unit_id: string;
  bound_by: string | null;
  bound_at: Timestamp;
}
