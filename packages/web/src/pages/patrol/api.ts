import type {
  Evaluation,
  HistorySummary,
  HotspotCollection,
  HotspotModel,
  ImportReport,
} from '@citywatch/core/patrol/schemas';
import { queryOptions } from '@tanstack/react-query';
import { ApiError, api } from '../../api/client';
import { call } from '../../api/typed';

export type { Evaluation, HistorySummary, HotspotCollection, HotspotModel, ImportReport };

export type PatrolUnit = 'h3:9' | 'segment';
export const UNITS: readonly PatrolUnit[] = ['h3:9', 'segment'];
export const COVERAGES = [0.01, 0.05, 0.1] as const;
export const COVERAGE_LABELS = ['0.01', '0.05', '0.10'] as const;

export interface HotspotParams {
  model: HotspotModel;
  unit: PatrolUnit;
  coverage: number;
  from: string;
  to: string;
  categories: string[];
  limit: number;
}

const base = '/api/patrol';

/** The patrol API (packages/server/src/modules/patrol), typed by core's patrol schemas. */
export const patrolApi = {
  // Typed by the OpenAPI document (api/typed.ts): path, query and answer come from the server's schemas.
  history: (city: string | undefined, signal?: AbortSignal): Promise<HistorySummary> =>
    call('get', '/api/patrol/history', { query: { city }, signal }),
  hotspots: (city: string | undefined, p: HotspotParams, signal?: AbortSignal) =>
    api<HotspotCollection>(`${base}/hotspots`, {
      query: {
        city,
        model: p.model,
        unit: p.unit,
        coverage: p.coverage,
        from: p.from,
        to: p.to,
        limit: p.limit,
        categories: p.categories.join(','),
      },
      signal,
    }),
  /** The latest evaluation for the reader's org on the unit, or null when none was run. */
  latestEvaluation: async (city: string | undefined, unit: PatrolUnit, signal?: AbortSignal) => {
    try {
      const latest: Evaluation = await call('get', '/api/patrol/evaluations/latest', {
        query: { city, unit },
        signal,
      });
      return latest;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  },
  evaluate: (city: string | undefined, unit: PatrolUnit, categories: string[]): Promise<Evaluation> =>
    call('post', '/api/patrol/evaluations', {
      body: { ...(city ? { city } : {}), unit, coverages: [...COVERAGES], categories },
    }),
  // The document's `rejected` is a string-keyed record (JSON Schema does not carry zod's key enum),
  // looser than core's ImportReport: this one stays typed by core.
  importFile: (city: string | undefined, fileName: string, content: string) =>
    api<ImportReport>(`${base}/imports`, {
      method: 'POST',
      body: { ...(city ? { city } : {}), fileName, content },
    }),
};

/** Query keys per city: an import invalidates `patrolKeys.city`. */
export const patrolKeys = {
  all: ['patrol'] as const,
  city: (city: string | undefined) => ['patrol', city ?? null] as const,
};

export const patrolQueries = {
  history: (city: string | undefined) =>
    queryOptions({
      queryKey: [...patrolKeys.city(city), 'history'] as const,
      queryFn: ({ signal }) => patrolApi.history(city, signal),
    }),
  hotspots: (city: string | undefined, p: HotspotParams) =>
    queryOptions({
      queryKey: [...patrolKeys.city(city), 'hotspots', p] as const,
      queryFn: ({ signal }) => patrolApi.hotspots(city, p, signal),
      staleTime: 60_000,
    }),
  evaluation: (city: string | undefined, unit: PatrolUnit) =>
    queryOptions({
      queryKey: [...patrolKeys.city(city), 'evaluation', unit] as const,
      queryFn: ({ signal }) => patrolApi.latestEvaluation(city, unit, signal),
    }),
};
