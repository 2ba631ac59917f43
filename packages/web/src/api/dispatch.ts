import type { IncidentStatus, UnitStatus } from '@citywatch/core/dispatch/incident';
import type {
  Caller,
  CreatedIncident,
  CreateIncident,
  Incident,
  IncidentCategoryItem,
  IncidentEvent,
  Recommendation,
  Unit,
} from '@citywatch/core/dispatch/schemas';
import { queryOptions } from '@tanstack/react-query';
import { api } from './client';
import { type ApiAnswer, call } from './typed';

export type { Caller, CreatedIncident, CreateIncident, Incident, IncidentEvent, Recommendation, Unit };
export type IncidentCategory = IncidentCategoryItem;
/** The answer to an incoming EIDO: the incident made, its triage, and what the EIDO said. */
export type EidoImported = ApiAnswer<'/api/dispatch/eido', 'post'>;

// Every status, as records: the compiler holds them to core's lists (core's module also brings zod).
const INCIDENT_STATUS: Record<IncidentStatus, true> = {
  received: true,
  dispatched: true,
  en_route: true,
  on_scene: true,
  cleared: true,
  closed: true,
  cancelled: true,
  merged: true,
  diverted: true,
};
const UNIT_STATUS: Record<UnitStatus, true> = {
  available: true,
  dispatched: true,
  en_route: true,
  on_scene: true,
  out_of_service: true,
};
/** Whether a status string (as a live event carries it) is one of the incident statuses. */
export const isIncidentStatus = (s: string): s is IncidentStatus => Object.hasOwn(INCIDENT_STATUS, s);
export const isUnitStatus = (s: string): s is UnitStatus => Object.hasOwn(UNIT_STATUS, s);

const base = '/api/dispatch';
const id = (x: string) => encodeURIComponent(x);

/** The dispatch API (packages/server/src/modules/dispatch), typed by core's dispatch schemas. */
export const dispatchApi = {
  categories: (signal?: AbortSignal) =>
    api<{ items: IncidentCategory[] }>(`${base}/categories`, { signal }).then((r) => r.items),
  incidents: (signal?: AbortSignal) =>
    api<{ items: Incident[] }>(`${base}/incidents`, { signal }).then((r) => r.items),
  incident: (incidentId: string, signal?: AbortSignal) =>
    api<Incident>(`${base}/incidents/${id(incidentId)}`, { signal }),
  timeline: (incidentId: string, signal?: AbortSignal) =>
    api<{ items: IncidentEvent[] }>(`${base}/incidents/${id(incidentId)}/timeline`, { signal }).then(
      (r) => r.items,
    ),
  recommendations: (incidentId: string, signal?: AbortSignal) =>
    api<{ items: Recommendation[] }>(`${base}/incidents/${id(incidentId)}/recommendations`, {
      signal,
    }).then((r) => r.items),
  create: (body: CreateIncident) => api<CreatedIncident>(`${base}/incidents`, { method: 'POST', body }),
  dispatch: (incidentId: string, unitId: string) =>
    api<Incident>(`${base}/incidents/${id(incidentId)}/dispatch`, { method: 'POST', body: { unitId } }),
  transition: (incidentId: string, to: IncidentStatus, mergeInto?: string) =>
    api<Incident>(`${base}/incidents/${id(incidentId)}/transition`, {
      method: 'POST',
      body: mergeInto ? { to, mergeInto } : { to },
    }),
  units: (signal?: AbortSignal) => api<{ items: Unit[] }>(`${base}/units`, { signal }).then((r) => r.items),
  /**
   * The caller's number: personal data, read only with a stated purpose (header X-Purpose,
   * URL-encoded), which the server writes to the audit log. Never cached.
   */
  /**
   * An incoming EIDO (NENA-STA-021.1b: a call transferred from a neighbouring centre) opens an
   * incident; `at` places it when the EIDO carries no geodetic position (WGS-84 unless `crs`).
   * Typed by the OpenAPI document (api/typed.ts).
   */
  importEido: (eido: Record<string, unknown>, at?: { lon: number; lat: number }): Promise<EidoImported> =>
    call('post', '/api/dispatch/eido', { body: eido, query: at }),
  caller: (incidentId: string, purpose: string) =>
    api<Caller>(`${base}/incidents/${id(incidentId)}/caller`, {
      headers: { 'X-Purpose': encodeURIComponent(purpose) },
    }),
};

/** Query keys of dispatch resources; a key is also the prefix of everything under it. */
export const dispatchKeys = {
  all: ['dispatch'] as const,
  categories: ['dispatch', 'categories'] as const,
  /** The open incidents (the queue and the map). */
  incidents: ['dispatch', 'incidents'] as const,
  /** Every incident's detail, timeline and recommendations. */
  incidentDetails: ['dispatch', 'incident'] as const,
  incident: (incidentId: string) => ['dispatch', 'incident', incidentId] as const,
  units: ['dispatch', 'units'] as const,
};

export const dispatchQueries = {
  categories: () =>
    queryOptions({
      queryKey: dispatchKeys.categories,
      queryFn: ({ signal }) => dispatchApi.categories(signal),
      staleTime: Number.POSITIVE_INFINITY,
    }),
  incidents: () =>
    queryOptions({
      queryKey: dispatchKeys.incidents,
      queryFn: ({ signal }) => dispatchApi.incidents(signal),
    }),
  incident: (incidentId: string) =>
    queryOptions({
      queryKey: dispatchKeys.incident(incidentId),
      queryFn: ({ signal }) => dispatchApi.incident(incidentId, signal),
    }),
  timeline: (incidentId: string) =>
    queryOptions({
      queryKey: [...dispatchKeys.incident(incidentId), 'timeline'] as const,
      queryFn: ({ signal }) => dispatchApi.timeline(incidentId, signal),
    }),
  recommendations: (incidentId: string) =>
    queryOptions({
      queryKey: [...dispatchKeys.incident(incidentId), 'recommendations'] as const,
      queryFn: ({ signal }) => dispatchApi.recommendations(incidentId, signal),
    }),
  units: () =>
    queryOptions({ queryKey: dispatchKeys.units, queryFn: ({ signal }) => dispatchApi.units(signal) }),
};
