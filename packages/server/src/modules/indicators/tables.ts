import type { Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    indicator_snapshots: IndicatorSnapshotsTable;
    indicator_reports: IndicatorReportsTable;
  }
}

export interface IndicatorSnapshotsTable {
  indicator_id: string;
  org_id: string;
  /** The Shanghai day, YYYY-MM-DD. */
  day: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  rule_version: number;
  computed_at: Timestamp;
}

export interface IndicatorReportsTable {
  id: string;
  org_id: string;
  kind: 'daily' | 'weekly' | 'monthly';
  format: 'pdf' | 'xlsx';
  period_from: Timestamp;
  period_to: Timestamp;
  label: string;
  sha256: string;
  bytes: Buffer;
  created_by: string | null;
  created_at: Timestamp;
}

declare module '../../db/schema.js' {
  interface Database {
    indicator_jobs: IndicatorJobsTable;
  }
}

export interface IndicatorJobsTable {
  job: string;
  period: string;
  claimed_by: string;
  claimed_at: Timestamp;
  finished_at: Timestamp | null;
}

declare module '../../db/schema.js' {
  interface Database {
    indicator_histograms: IndicatorHistogramsTable;
  }
}

/** A day's count of one bucket of a quantile family's series for an org's subtree. */
export interface IndicatorHistogramsTable {
  family: string;
  org_id: string;
  day: string;
  series: string;
  bucket: number;
  n: number;
  rule_version: number;
}
