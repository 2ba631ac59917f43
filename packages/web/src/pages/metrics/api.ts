import type { IndicatorMeta, TargetStatus } from '@citywatch/core/indicators/indicators';
import { queryOptions } from '@tanstack/react-query';
import { api } from '../../api/client';

export type IndicatorFigure = IndicatorMeta & {
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  status: TargetStatus;
  error?: string;
};
export type OrgRef = { id: string; name: string; code: string; kind: string };
export type Cell = string | number | boolean | null;
export type IndicatorRows = {
  org: OrgRef;
  columns: { key: string; zh: string; en: string }[];
  rows: Record<string, Cell>[];
  total: number;
};
export type TrendPoint = { day: string; value: number | null; ruleVersion: number; status: TargetStatus };
export type Ranking = {
  indicator: IndicatorMeta;
  stations: {
    rank: number | null;
    orgId: string;
    name: string;
    code: string;
    value: number | null;
    status: TargetStatus;
  }[];
};
/** Days YYYY-MM-DD (Shanghai), both included; an org in the asker's subtree (default: their own). */
export type PeriodQuery = { org?: string; from: string; to: string };

const enc = encodeURIComponent;
const query = (q: PeriodQuery) => ({ org: q.org, from: q.from, to: q.to });

/** The indicators API (packages/server/src/modules/indicators). */
export const indicatorsApi = {
  values: (q: PeriodQuery, signal?: AbortSignal) =>
    api<{ org: OrgRef; items: IndicatorFigure[] }>('/api/indicators/values', { query: query(q), signal }),
  rows: (id: string, q: PeriodQuery, signal?: AbortSignal) =>
    api<IndicatorRows>(`/api/indicators/${enc(id)}/rows`, { query: { ...query(q), limit: 500 }, signal }),
  trend: (id: string, q: PeriodQuery, signal?: AbortSignal) =>
    api<{ points: TrendPoint[] }>(`/api/indicators/${enc(id)}/trend`, { query: query(q), signal }),
  ranking: (id: string, q: PeriodQuery, signal?: AbortSignal) =>
    api<Ranking>(`/api/indicators/${enc(id)}/ranking`, { query: query(q), signal }),
};

export const indicatorKeys = {
  all: ['indicators'] as const,
};

export const indicatorQueries = {
  values: (q: PeriodQuery) =>
    queryOptions({
      queryKey: [...indicatorKeys.all, 'values', q] as const,
      queryFn: ({ signal }) => indicatorsApi.values(q, signal),
    }),
  rows: (id: string, q: PeriodQuery) =>
    queryOptions({
      queryKey: [...indicatorKeys.all, 'rows', id, q] as const,
      queryFn: ({ signal }) => indicatorsApi.rows(id, q, signal),
    }),
  trend: (id: string, q: PeriodQuery) =>
    queryOptions({
      queryKey: [...indicatorKeys.all, 'trend', id, q] as const,
      queryFn: ({ signal }) => indicatorsApi.trend(id, q, signal),
    }),
  ranking: (id: string, q: PeriodQuery) =>
    queryOptions({
      queryKey: [...indicatorKeys.all, 'ranking', id, q] as const,
      queryFn: ({ signal }) => indicatorsApi.ranking(id, q, signal),
    }),
};
