import type { ColumnType } from 'kysely';
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
  /** Migration 037: the level registered; risk points only lift the unit above it. */
  base_risk_level: ColumnType<
    'low' | 'medium' | 'high',
    'low' | 'medium' | 'high' | undefined,
    'low' | 'medium' | 'high'
  >;
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

declare module '../../db/schema.js' {
  interface Database {
    oversight_inspections: OversightInspectionsTable;
    oversight_cases: OversightCasesTable;
    oversight_attachments: OversightAttachmentsTable;
  }
}

export interface OversightInspectionsTable {
  id: string;
  unit_id: string;
  org_id: string;
  kind: 'video' | 'onsite';
  inspector_id: string;
  inspected_at: Timestamp;
  lon: number | null;
  lat: number | null;
  results: ColumnType<{ item: string; ok: boolean; note?: string }[], string, string>;
  created_at: Timestamp;
}

export interface OversightCasesTable {
  id: string;
  number: string;
  unit_id: string;
  org_id: string;
  inspection_id: string | null;
  source: 'inspection' | 'compliance';
  kind: 'notice' | 'order';
  severity: 'minor' | 'serious';
  item: string | null;
  description: string;
  deadline: string;
  status: 'open' | 'reported' | 'closed';
  created_by: string | null;
  created_at: Timestamp;
  reported_by: string | null;
  reported_at: Timestamp | null;
  report_text: string | null;
  verified_by: string | null;
  verified_at: Timestamp | null;
  verify_note: string | null;
  escalated_at: Timestamp | null;
  closed_at: Timestamp | null;
}

export interface OversightAttachmentsTable {
  id: string;
  unit_id: string;
  inspection_id: string | null;
  case_id: string | null;
  role: 'inspection_photo' | 'fix_evidence';
  name: string;
  content_type: string;
  bytes: Buffer;
  uploaded_by: string;
  uploaded_at: Timestamp;
}

declare module '../../db/schema.js' {
  interface Database {
    oversight_compliance: OversightComplianceTable;
  }
}

export interface OversightComplianceTable {
  unit_id: string;
  population: number | null;
  guards: number;
  closed_campus: boolean;
  alarm_linked: boolean;
  alarm_tested_on: string | null;
  video_coverage_pct: number;
  assessed_by: string;
  assessed_at: Timestamp;
}
