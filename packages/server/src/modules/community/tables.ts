import type { Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    community_report_counters: { day: string; seq: number };
    community_reports: CommunityReportsTable;
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
