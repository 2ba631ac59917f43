import type { HotlistCategory, HotlistKind } from '@citywatch/core/perimeter/hotlist';
import type { ReportPeriod } from '@citywatch/core/perimeter/report-period';
import type { RingLevel } from '@citywatch/core/perimeter/ring';
import type {
  Checkpoint,
  CheckpointKind,
  CheckpointReport,
  CheckpointReportRow,
  ClosurePlan,
  HotlistEntry,
  HotlistHit,
  InterceptResult,
  PlanAssignment,
  PlanSummary,
  Ring,
  RingAnalysis,
} from '@citywatch/core/perimeter/schemas';
import { queryOptions } from '@tanstack/react-query';
import { api, apiUrl } from './client';

export type {
  Checkpoint,
  CheckpointKind,
  CheckpointReport,
  CheckpointReportRow,
  ClosurePlan,
  HotlistCategory,
  HotlistEntry,
  HotlistHit,
  HotlistKind,
  InterceptResult,
  PlanAssignment,
  PlanSummary,
  ReportPeriod,
  Ring,
  RingAnalysis,
  RingLevel,
};
export type RingGeometry = Ring['geometry'];
export type CheckpointDirections = Checkpoint['directions'];
export type HotlistStatus = HotlistEntry['status'];

export type NewRing = {
  name: string;
  level: RingLevel;
  geometry: unknown;
  city?: string;
  datum?: 'wgs84' | 'gcj02' | 'bd09';
};
export type NewCheckpoint = {
  name: string;
  kind: CheckpointKind;
  ringId: string | null;
  lon: number;
  lat: number;
  directions: CheckpointDirections;
  equipment: string[];
  staffing: number;
  city?: string;
};
export type NewHotlistEntry = {
  kind: HotlistKind;
  value: string;
  category: HotlistCategory;
  legalBasis: string;
  warrantRef?: string | null;
  expiresAt: string;
};
export type InterceptQuery = {
  lon?: number;
  lat?: number;
  incidentId?: string;
  minutes: number;
  ringId?: string;
};

const base = '/api/perimeter';
const id = (x: string) => encodeURIComponent(x);

/**
 * One ring analysis at a time: each runs a minimum cut on the city graph on the server. A request
 * whose query was cancelled while it waited leaves the line without being sent.
 */
let analysisLine: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(run: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const turn = analysisLine.then(() => {
    if (signal?.aborted) throw new DOMException('aborted while waiting', 'AbortError');
    return run();
  });
  analysisLine = turn.catch(() => {});
  return turn;
}

/** The perimeter API (packages/server/src/modules/perimeter), typed by core's perimeter schemas. */
export const perimeterApi = {
  rings: (city: string | undefined, signal?: AbortSignal) =>
    api<{ items: Ring[] }>(`${base}/rings`, { query: { city }, signal }).then((r) => r.items),
  createRing: (body: NewRing) => api<Ring>(`${base}/rings`, { method: 'POST', body }),
  /** corridorBandM: the cut may fall within that many metres on each side of the ring line. */
  analysis: (ringId: string, signal?: AbortSignal, corridorBandM?: number) =>
    oneAtATime(
      () =>
        api<RingAnalysis>(`${base}/rings/${id(ringId)}/analysis`, {
          query: { corridorBandM: corridorBandM || undefined },
          signal,
        }),
      signal,
    ),
  checkpoints: (ringId: string, signal?: AbortSignal) =>
    api<{ items: Checkpoint[] }>(`${base}/rings/${id(ringId)}/checkpoints`, { signal }).then((r) => r.items),
  allCheckpoints: (signal?: AbortSignal) =>
    api<{ items: Checkpoint[] }>(`${base}/checkpoints`, { signal }).then((r) => r.items),
  putCheckpoint: (checkpointId: string, body: NewCheckpoint) =>
    api<Checkpoint>(`${base}/checkpoints/${id(checkpointId)}`, { method: 'PUT', body }),
  activate: (ringId: string, body: { reason: string; durationMinutes: number }) =>
    api<ClosurePlan>(`${base}/rings/${id(ringId)}/activate`, { method: 'POST', body }),
  activePlans: (ringId: string, signal?: AbortSignal) =>
    api<{ items: PlanSummary[] }>(`${base}/plans`, { query: { ringId, active: 'true' }, signal }).then(
      (r) => r.items,
    ),
  plan: (planId: string, signal?: AbortSignal) => api<ClosurePlan>(`${base}/plans/${id(planId)}`, { signal }),
  endPlan: (planId: string) => api<ClosurePlan>(`${base}/plans/${id(planId)}/end`, { method: 'POST' }),
  intercept: (query: InterceptQuery) => api<InterceptResult>(`${base}/intercept`, { query }),
  hotlist: (signal?: AbortSignal) =>
    api<{ items: HotlistEntry[] }>(`${base}/hotlist`, { query: { limit: 500 }, signal }).then((r) => r.items),
  createHotlist: (body: NewHotlistEntry) => api<HotlistEntry>(`${base}/hotlist`, { method: 'POST', body }),
  approveHotlist: (entryId: string) =>
    api<HotlistEntry>(`${base}/hotlist/${id(entryId)}/approve`, { method: 'POST' }),
  renewHotlist: (entryId: string, expiresAt: string) =>
    api<HotlistEntry>(`${base}/hotlist/${id(entryId)}/renew`, { method: 'POST', body: { expiresAt } }),
  revokeHotlist: (entryId: string, reason: string) =>
    api<HotlistEntry>(`${base}/hotlist/${id(entryId)}/revoke`, { method: 'POST', body: { reason } }),
  hits: (limit: number, signal?: AbortSignal) =>
    api<{ items: HotlistHit[] }>(`${base}/hits`, { query: { limit }, signal }).then((r) => r.items),
  hitAction: (hitId: string, action: string) =>
    api<void>(`${base}/hits/${id(hitId)}/action`, { method: 'POST', body: { action } }),
  report: (period: ReportPeriod, date: string, signal?: AbortSignal) =>
    api<CheckpointReport>(`${base}/reports`, { query: { period, date, format: 'json' }, signal }),
  /** Same-origin URL of the report as .xlsx (the session cookie goes along with a plain download). */
  reportXlsxUrl: (period: ReportPeriod, date: string) =>
    apiUrl(`${base}/reports`, { period, date, format: 'xlsx' }),
};

/** How many hits the hits list shows. */
export const HITS_LIMIT = 200;

/** Query keys of perimeter resources; a key is also the prefix of everything under it. */
export const perimeterKeys = {
  all: ['perimeter'] as const,
  rings: ['perimeter', 'rings'] as const,
  analyses: ['perimeter', 'analysis'] as const,
  analysis: (ringId: string) => ['perimeter', 'analysis', ringId] as const,
  checkpoints: ['perimeter', 'checkpoints'] as const,
  plans: ['perimeter', 'plans'] as const,
  hotlist: ['perimeter', 'hotlist'] as const,
  hits: ['perimeter', 'hits'] as const,
  reports: ['perimeter', 'reports'] as const,
};

export const perimeterQueries = {
  rings: (city: string | undefined) =>
    queryOptions({
      queryKey: [...perimeterKeys.rings, city ?? null] as const,
      queryFn: ({ signal }) => perimeterApi.rings(city, signal),
    }),
  /** Without a band the cut is the crossings; with one (metres, 0 = none) it may move into the band. */
  analysis: (ringId: string, corridorBandM = 0) =>
    queryOptions({
      queryKey:
        corridorBandM > 0
          ? [...perimeterKeys.analysis(ringId), corridorBandM]
          : perimeterKeys.analysis(ringId),
      queryFn: ({ signal }) => perimeterApi.analysis(ringId, signal, corridorBandM),
    }),
  ringCheckpoints: (ringId: string) =>
    queryOptions({
      queryKey: [...perimeterKeys.checkpoints, 'ring', ringId] as const,
      queryFn: ({ signal }) => perimeterApi.checkpoints(ringId, signal),
    }),
  allCheckpoints: () =>
    queryOptions({
      queryKey: [...perimeterKeys.checkpoints, 'all'] as const,
      queryFn: ({ signal }) => perimeterApi.allCheckpoints(signal),
    }),
  activePlans: (ringId: string) =>
    queryOptions({
      queryKey: [...perimeterKeys.plans, 'active', ringId] as const,
      queryFn: ({ signal }) => perimeterApi.activePlans(ringId, signal),
    }),
  plan: (planId: string) =>
    queryOptions({
      queryKey: [...perimeterKeys.plans, 'plan', planId] as const,
      queryFn: ({ signal }) => perimeterApi.plan(planId, signal),
    }),
  hotlist: () =>
    queryOptions({ queryKey: perimeterKeys.hotlist, queryFn: ({ signal }) => perimeterApi.hotlist(signal) }),
  hits: () =>
    queryOptions({
      queryKey: perimeterKeys.hits,
      queryFn: ({ signal }) => perimeterApi.hits(HITS_LIMIT, signal),
    }),
  report: (period: ReportPeriod, date: string) =>
    queryOptions({
      queryKey: [...perimeterKeys.reports, period, date] as const,
      queryFn: ({ signal }) => perimeterApi.report(period, date, signal),
    }),
};
