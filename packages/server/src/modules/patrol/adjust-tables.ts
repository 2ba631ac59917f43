import type { Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    patrol_adjustments: PatrolAdjustmentsTable;
  }
}

/** A proposed adjustment of the shift's plan and its outcome (migration 025). */
export interface PatrolAdjustmentsTable {
  id: string;
  city: string;
  org_id: string | null;
  cell: string;
  place: string | null;
  lon: number;
  lat: number;
  window_start: Timestamp;
  window_end: Timestamp;
  observed: number;
  expected: number;
  p_value: number;
  weeks: number;
  unit_id: string | null;
  unit_call_sign: string | null;
  eta_seconds: number | null;
  status: 'proposed' | 'accepted' | 'dismissed';
  created_at: Timestamp;
  created_by: string | null;
  decided_at: Timestamp | null;
  decided_by: string | null;
  note: string | null;
  plan_id: string | null;
  plan_version: number | null;
  plan_note: string | null;
}
