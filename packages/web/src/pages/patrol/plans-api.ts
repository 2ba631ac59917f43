import type {
  ComplianceReport,
  PatrolPlan,
  PatrolZone,
  PlanBodyInput,
  PlanSummary,
} from '@citywatch/core/patrol/plans';
import { queryOptions } from '@tanstack/react-query';
import { api } from '../../api/client';

export type { ComplianceReport, PatrolPlan, PatrolZone, PlanBodyInput, PlanSummary };

const base = '/api/patrol';

/** Patrol plans, zones and compliance (server: modules/patrol/plans-routes.ts), typed by core's plan schemas. */
export const plansApi = {
  list: (city: string | undefined, signal?: AbortSignal) =>
    api<PlanSummary[]>(`${base}/plans`, { query: { city }, signal }),
  get: (id: string, version: number | undefined, signal?: AbortSignal) =>
    api<PatrolPlan>(`${base}/plans/${id}`, { query: { version }, signal }),
  versions: (id: string, signal?: AbortSignal) =>
    api<{ version: number; createdAt: string; createdBy: string | null; note: string | null }[]>(
      `${base}/plans/${id}/versions`,
      { signal },
    ),
  create: (body: PlanBodyInput) => api<PatrolPlan>(`${base}/plans`, { method: 'POST', body }),
  update: (id: string, body: PlanBodyInput) =>
    api<PatrolPlan>(`${base}/plans/${id}`, { method: 'PUT', body }),
  compliance: (id: string, version: number | undefined, signal?: AbortSignal) =>
    api<ComplianceReport>(`${base}/plans/${id}/compliance`, { query: { version }, signal }),
  jurisdictionZones: (city: string | undefined, signal?: AbortSignal) =>
    api<PatrolZone[]>(`${base}/zones/jurisdictions`, { query: { city }, signal }),
};

export const plansKeys = {
  all: ['patrol-plans'] as const,
  list: (city: string | undefined) => ['patrol-plans', city ?? null, 'list'] as const,
  plan: (id: string) => ['patrol-plans', 'plan', id] as const,
};

export const plansQueries = {
  list: (city: string | undefined) =>
    queryOptions({ queryKey: plansKeys.list(city), queryFn: ({ signal }) => plansApi.list(city, signal) }),
  plan: (id: string, version: number | undefined) =>
    queryOptions({
      queryKey: [...plansKeys.plan(id), version ?? 'latest'] as const,
      queryFn: ({ signal }) => plansApi.get(id, version, signal),
    }),
  versions: (id: string) =>
    queryOptions({
      queryKey: [...plansKeys.plan(id), 'versions'] as const,
      queryFn: ({ signal }) => plansApi.versions(id, signal),
    }),
  compliance: (id: string, version: number | undefined) =>
    queryOptions({
      queryKey: [...plansKeys.plan(id), 'compliance', version ?? 'latest'] as const,
      queryFn: ({ signal }) => plansApi.compliance(id, version, signal),
      refetchInterval: 60_000,
    }),
  zones: (city: string | undefined) =>
    queryOptions({
      queryKey: ['patrol-plans', city ?? null, 'zones'] as const,
      queryFn: ({ signal }) => plansApi.jurisdictionZones(city, signal),
    }),
};
