import type { ColumnType } from 'kysely';
import type { Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    community_report_counters: { day: string; seq: number };
    community_reports: CommunityReportsTable;
    mediation_case_counters: { day: string; seq: number };
    mediation_cases: MediationCasesTable;
    mediation_parties: MediationPartiesTable;
    mediation_sessions: MediationSessionsTable;
    mediation_agreements: MediationAgreementsTable;
    mediation_follow_ups: MediationFollowUpsTable;
  }
}

/** A citizen report (migration 040). */
export interface CommunityReportsTable {
  id: string;
  number: string;
  token_hash: string;
  source: 'page' | 'open311';
  category: string;
  description: string;
  lon: number;
  lat: number;
  h3: string;
  position_source: 'device' | 'pin' | 'exif' | 'open311';
  address: string | null;
  org_id: string;
  status: import('@citywatch/core/community/reports').ReportStatus;
  status_notes: string | null;
  closed: boolean;
  media_file: string | null;
  media_type: string | null;
  media_bytes: number | null;
  exif_taken_at: Timestamp | null;
  exif_lon: number | null;
  exif_lat: number | null;
  media_url: string | null;
  address_hash: string;
  fingerprint_hash: string | null;
  received_at: Timestamp;
  expected_at: Timestamp;
  updated_at: Timestamp;
  decided_by: string | null;
  decided_at: Timestamp | null;
  incident_id: string | null;
  case_id: string | null;
}

/** A mediation case (migration 041). */
export interface MediationCasesTable {
  id: string;
  number: string;
  org_id: string;
  source: import('@citywatch/core/community/mediation').CaseSource;
  source_ref: string | null;
  category: import('@citywatch/core/community/mediation').CaseCategory;
  summary: string;
  address: string | null;
  lon: number | null;
  lat: number | null;
  status: import('@citywatch/core/community/mediation').CaseStatus;
  risk_violence: boolean;
  risk_incident_id: string | null;
  mediator_id: string | null;
  room: string | null;
  sla_days: number;
  opened_at: Timestamp;
  due_at: Timestamp;
  ended_at: Timestamp | null;
  closed_at: Timestamp | null;
  created_by: string | null;
  updated_at: Timestamp;
  /** When the retention purge scrubbed the case's free text (null: not yet). */
  text_purged_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** A party to a case: minimal personal data (purged names become null). */
export interface MediationPartiesTable {
  id: string;
  case_id: string;
  role: 'applicant' | 'respondent' | 'other';
  name: string | null;
  phone: string | null;
  /** Migration 081: when name and phone were blanked by the retention purge (null: kept). */
  purged_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface MediationSessionsTable {
  id: string;
  case_id: string;
  held_at: Timestamp;
  room: string | null;
  notes: string;
  created_by: string | null;
}

export interface MediationAgreementsTable {
  case_id: string;
  facts: string;
  responsibilities: string;
  performance: string;
  perform_by: import('kysely').ColumnType<string, string, string>;
  signed_at: Timestamp;
  created_by: string | null;
}

export interface MediationFollowUpsTable {
  id: string;
  case_id: string;
  visited_at: Timestamp;
  performed: boolean;
  notes: string;
  created_by: string | null;
}
