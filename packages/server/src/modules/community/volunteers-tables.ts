import type { Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    volunteer_teams: VolunteerTeamsTable;
    volunteer_members: VolunteerMembersTable;
    volunteer_shifts: VolunteerShiftsTable;
    volunteer_signups: VolunteerSignupsTable;
    volunteer_fixes: VolunteerFixesTable;
  }
}

/** Migration 043. */
export interface VolunteerTeamsTable {
  id: string;
  org_id: string;
  name: string;
  leader_id: string | null;
  created_at: Timestamp;
}

export interface VolunteerMembersTable {
  id: string;
  team_id: string;
  name: string;
  phone: string | null;
  token_hash: string;
  created_at: Timestamp;
}

export interface VolunteerShiftsTable {
  id: string;
  team_id: string;
  title: string;
  task: 'post' | 'patrol';
  starts_at: Timestamp;
  ends_at: Timestamp;
  capacity: number;
  lon: number;
  lat: number;
  radius_m: number;
  area: import('kysely').ColumnType<unknown, string | null, string | null> | null;
  created_by: string | null;
  created_at: Timestamp;
}

export interface VolunteerSignupsTable {
  shift_id: string;
  member_id: string;
  offered: import('kysely').Generated<boolean>;
  signed_at: Timestamp;
  checked_in_at: Timestamp | null;
  check_in_lon: number | null;
  check_in_lat: number | null;
  checked_out_at: Timestamp | null;
}

export interface VolunteerFixesTable {
  shift_id: string;
  member_id: string;
  at: Timestamp;
  lon: number;
  lat: number;
  inside: boolean;
}
