import type { Mapping, QualityReport } from '@citywatch/core/connectors/mapping';
import type { ColumnType } from 'kysely';
import type { Defaulted, Json, Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    connectors: ConnectorsTable;
    connector_runs: ConnectorRunsTable;
  }
}

export type SourceKind = 'file' | 'http' | 'mqtt';
export interface SourceConfig {
  url?: string;
  timeoutMs?: number;
  topic?: string;
  /**
   * The columns (and declared types, Esri JSON) the source had at its last read, file or HTTP: a
   * changed mapping is checked against them (service.update).
   */
  columns?: { fields: string[]; types: Record<string, string> };
}

/** Migration 067. */
export interface ConnectorsTable {
  id: string;
  org_id: string;
  owner_id: string;
  name: string;
  source_kind: SourceKind;
  source: Json<SourceConfig>;
  target: string;
  mapping: Json<Mapping>;
  city: string | null;
  batch_size: number;
  interval_minutes: number | null;
  enabled: boolean;
  next_run_at: Timestamp | null;
  failures: import('kysely').Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'refused';
export type RunTrigger = 'manual' | 'schedule' | 'retry' | 'mqtt';

export interface RunError {
  code: string;
  message: string;
  /** The mapping's refusals (field and rule) when the run was refused before any row. */
  errors?: { field: string; rule: string; value: string }[];
}

export interface ConnectorRunsTable {
  id: string;
  connector_id: string;
  org_id: string;
  trigger: RunTrigger;
  attempt: number;
  status: RunStatus;
  started_at: Timestamp;
  finished_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  report: ColumnType<QualityReport | null, string | null | undefined, string | null>;
  written: Defaulted<number>;
  batches_written: Defaulted<number>;
  error: ColumnType<RunError | null, string | null | undefined, string | null>;
  retry_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}
