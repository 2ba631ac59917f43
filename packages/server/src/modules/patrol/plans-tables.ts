import type { Json, Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    patrol_plans: PatrolPlansTable;
    patrol_plan_versions: PatrolPlanVersionsTable;
    patrol_check_ins: PatrolCheckInsTable;
  }
}

/** A patrol plan (migration 020): its org, city, shift and current version. */
export interface PatrolPlansTable {
  id: string;
  org_id: string;
  city: string;
  name: string;
  version: number;
  shift_start: Timestamp;
  shift_end: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** One version of a plan: the body written and the schedule derived from it. */
export interface PatrolPlanVersionsTable {
  plan_id: string;
  version: number;
  body: Json<import('@citywatch/core/patrol/plans').PlanBody & { seed: number }>;
  schedule: Json<import('@citywatch/core/patrol/plans').ScheduledVisit[]>;
  unit_ids: string[];
  created_at: Timestamp;
  created_by: string | null;
  note: string | null;
}

/** A check-in at a must-patrol point from an officer's phone. */
export interface PatrolCheckInsTable {
  id: string;
  plan_id: string;
  version: number;
  unit_id: string;
  user_id: string | null;
  target_key: string;
  at: Timestamp;
  lon: number;
  lat: number;
  accuracy_m: number | null;
  distance_m: number;
  accepted: boolean;
}
