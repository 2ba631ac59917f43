import type { Generated } from 'kysely';
import type { GeneratedTimestamp, Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    eta_edge_observations: EtaEdgeObservationsTable;
    eta_learn_runs: EtaLearnRunsTable;
  }
}

export interface EtaEdgeObservationsTable {
  city_id: string;
  profile: 'normal' | 'emergency';
  edge: number;
  hour_of_week: number;
  n: number;
  sum_s: number;
}

export interface EtaLearnRunsTable {
  id: Generated<string>;
  city_id: string;
  /** UTC day learned, YYYY-MM-DD. */
  day: string;
  trigger: 'nightly' | 'manual';
  edge_count: number;
  started_at: GeneratedTimestamp;
  finished_at: Timestamp | null;
  units: Generated<number>;
  fixes: Generated<number>;
  matched: Generated<number>;
  trips: Generated<number>;
  unmatchable_trips: Generated<number>;
  traversals: Generated<number>;
  skipped: Generated<unknown>;
}
