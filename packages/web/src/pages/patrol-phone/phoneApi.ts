import type { UnitStatus } from '@citywatch/core/dispatch/incident';
import type { RoadRoute } from '@citywatch/core/patrol/phone';
import type { MyPlan } from '@citywatch/core/patrol/plans';
import { queryOptions } from '@tanstack/react-query';
import { api } from '../../api/client';
import type { Unit } from '../../api/dispatch';

export type { MyPlan, RoadRoute };

/** The plan routes of the patrol module (plans.ts on the server). */
export const MY_PLAN_URL = '/api/patrol/my-plan';
export const CHECK_IN_URL = '/api/patrol/my-plan/check-ins';

export interface CheckInAnswer {
  id: string;
  targetKey: string;
  at: string;
  distanceM: number;
  accepted: boolean;
}

/** The officer's sign-on for the shift, as GET /api/dispatch/sign-on answers it. */
export interface SignOn {
  id: string;
  unitId: string;
  callSign: string;
  signedOnAt: string;
}

export interface Fix {
  lon: number;
  lat: number;
  at: string;
  heading?: number;
  speed?: number;
}

export interface AvlAnswer {
  accepted: number;
  rejected: { index: number; reason: string }[];
}

const id = (x: string) => encodeURIComponent(x);

/** The routes the phone uses: dispatch's sign-on, AVL and unit status, and patrol's road route. */
export const phoneApi = {
  signOn: (signal?: AbortSignal) =>
    api<{ signOn: SignOn | null }>('/api/dispatch/sign-on', { signal }).then((r) => r.signOn),
  signOnTo: (unitId: string) => api<SignOn>(`/api/dispatch/units/${id(unitId)}/sign-on`, { method: 'POST' }),
  signOff: (unitId: string) => api<SignOn>(`/api/dispatch/units/${id(unitId)}/sign-off`, { method: 'POST' }),
  setStatus: (unitId: string, status: UnitStatus) =>
    api<Unit>(`/api/dispatch/units/${id(unitId)}/status`, { method: 'POST', body: { status } }),
  /** One fix of the signed-on unit: the server takes a crew's fixes for its own unit only. */
  sendFix: (unitId: string, fix: Fix) =>
    api<AvlAnswer>('/api/dispatch/avl', { method: 'POST', body: { positions: [{ unitId, ...fix }] } }),
  myPlan: (signal?: AbortSignal) => api<MyPlan>(MY_PLAN_URL, { signal }),
  checkIn: (body: { targetKey: string; lon: number; lat: number; accuracyM?: number }) =>
    api<CheckInAnswer>(CHECK_IN_URL, { method: 'POST', body }),
  route: (from: { lon: number; lat: number }, to: { lon: number; lat: number }, signal?: AbortSignal) =>
    api<RoadRoute>('/api/patrol/route', {
      query: { fromLon: from.lon, fromLat: from.lat, toLon: to.lon, toLat: to.lat },
      signal,
    }),
};

export const phoneKeys = {
  signOn: ['patrol-phone', 'sign-on'] as const,
  myPlan: ['patrol-phone', 'my-plan'] as const,
  route: (from: string, to: string) => ['patrol-phone', 'route', from, to] as const,
};

export const phoneQueries = {
  signOn: () =>
    queryOptions({ queryKey: phoneKeys.signOn, queryFn: ({ signal }) => phoneApi.signOn(signal) }),
  myPlan: () =>
    queryOptions({
      queryKey: phoneKeys.myPlan,
      queryFn: ({ signal }) => phoneApi.myPlan(signal),
      refetchInterval: 60_000,
    }),
  /**
   * The road route from the phone to a point. The start is rounded to about 50 m so that a route is
   * asked again only once the officer has moved on, not at every fix.
   */
  route: (from: { lon: number; lat: number } | null, to: { lon: number; lat: number } | null) => {
    const round = (v: number) => Math.round(v * 2000) / 2000;
    const a = from ? { lon: round(from.lon), lat: round(from.lat) } : null;
    return queryOptions({
      queryKey: phoneKeys.route(a ? `${a.lon},${a.lat}` : '', to ? `${to.lon},${to.lat}` : ''),
      queryFn: ({ signal }) => phoneApi.route(a!, to!, signal),
      enabled: a !== null && to !== null,
      staleTime: 60_000,
      retry: false,
    });
  },
};
