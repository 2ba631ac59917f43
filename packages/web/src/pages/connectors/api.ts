import type { FieldType, Mapping, QualityReport, TargetId } from '@citywatch/core/connectors/mapping';
import { queryOptions } from '@tanstack/react-query';
import { api } from '../../api/client';

export type { FieldType, Mapping, QualityReport, TargetId };

export type Target = {
  id: TargetId;
  module: string;
  label: { zh: string; en: string };
  key: string;
  oneOf?: string[][];
  fields: { name: string; type: FieldType; required: boolean; label: { zh: string; en: string } }[];
};

export type SourceKind = 'file' | 'http' | 'mqtt';

export type Connector = {
  id: string;
  orgId: string;
  orgName: string;
  name: string;
  source: { kind: SourceKind; url?: string; timeoutMs?: number; topic?: string };
  sourceColumns: string[] | null;
  target: TargetId;
  mapping: Mapping;
  batchSize: number;
  intervalMinutes: number | null;
  enabled: boolean;
  nextRunAt: string | null;
  failures: number;
  createdAt: string;
};

export type Run = {
  id: string;
  connectorId: string;
  connectorName: string;
  trigger: 'manual' | 'schedule' | 'retry' | 'mqtt';
  attempt: number;
  status: 'running' | 'succeeded' | 'failed' | 'refused';
  startedAt: string;
  finishedAt: string | null;
  report: QualityReport | null;
  written: number;
  batchesWritten: number;
  error: { code: string; message: string; errors?: { field: string; rule: string; value: string }[] } | null;
  retryAt: string | null;
};

export type CreateConnector = {
  name: string;
  source:
    | { kind: 'file' }
    | { kind: 'http'; url: string; timeoutMs?: number }
    | { kind: 'mqtt'; topic: string };
  mapping: {
    target: TargetId;
    tz: string;
    fields: Record<string, { column: string | [string, string]; type: FieldType }>;
  };
  batchSize?: number;
  intervalMinutes?: number;
};

export type UpdateConnector = Partial<Omit<CreateConnector, 'intervalMinutes'>> & {
  intervalMinutes?: number | null;
};

/** The connectors API (packages/server/src/modules/connectors). */
export const connectorsApi = {
  targets: (signal?: AbortSignal) =>
    api<{ items: Target[]; rejectReasons: string[] }>('/api/connectors/targets', { signal }),
  list: (signal?: AbortSignal) => api<{ items: Connector[] }>('/api/connectors', { signal }),
  create: (body: CreateConnector) => api<Connector>('/api/connectors', { method: 'POST', body }),
  update: (id: string, body: UpdateConnector) =>
    api<Connector>(`/api/connectors/${id}`, { method: 'PATCH', body }),
  remove: (id: string) =>
    api<{ id: string; runsDeleted: number }>(`/api/connectors/${id}`, { method: 'DELETE' }),
  setEnabled: (id: string, enabled: boolean) =>
    api<Connector>(`/api/connectors/${id}/enabled`, { method: 'POST', body: { enabled } }),
  run: (id: string, content?: string) =>
    api<Run>(`/api/connectors/${id}/runs`, {
      method: 'POST',
      body: content === undefined ? {} : { content },
    }),
  runs: (signal?: AbortSignal) =>
    api<{ items: Run[] }>('/api/connectors/runs', { query: { limit: 200 }, signal }),
};

export const connectorKeys = { all: ['connectors'] as const };

export const connectorQueries = {
  targets: () =>
    queryOptions({
      queryKey: [...connectorKeys.all, 'targets'] as const,
      queryFn: ({ signal }) => connectorsApi.targets(signal),
      staleTime: Number.POSITIVE_INFINITY,
    }),
  list: () =>
    queryOptions({
      queryKey: [...connectorKeys.all, 'list'] as const,
      queryFn: ({ signal }) => connectorsApi.list(signal),
    }),
  runs: () =>
    queryOptions({
      queryKey: [...connectorKeys.all, 'runs'] as const,
      queryFn: ({ signal }) => connectorsApi.runs(signal),
      refetchInterval: 15_000,
    }),
};
