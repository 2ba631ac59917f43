import type { Json, Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    patrol_imports: PatrolImportsTable;
    patrol_incidents: PatrolIncidentsTable;
    patrol_evaluations: PatrolEvaluationsTable;
  }
}

/** One import of an incident history file (migration 014). */
export interface PatrolImportsTable {
  id: string;
  city: string;
  file_name: string;
  format: string;
  tz: string;
  imported_at: Timestamp;
  imported_by: string | null;
  rows_read: number;
  rows_imported: number;
  report: Json<Record<string, unknown>>;
}

/** A history incident: where and when, its category, the org whose jurisdiction holds it. */
export interface PatrolIncidentsTable {
  id: string;
  city: string;
  import_id: string;
  source_id: string | null;
  occurred_at: Timestamp;
  category: string;
  raw_category: string | null;
  lon: number;
  lat: number;
  h3: string;
  address: string | null;
  located: import('@citywatch/core/patrol/names').LocatedBy;
  org_id: string | null;
}

/** A stored evaluation of the hot-spot models. */
export interface PatrolEvaluationsTable {
  id: string;
  city: string;
  org_id: string | null;
  unit: string;
  created_at: Timestamp;
  created_by: string | null;
  params: Json<Record<string, unknown>>;
  result: Json<Record<string, unknown>>;
}
