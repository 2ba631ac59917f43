import type { RoadRouteResponse } from '@citywatch/core/roads/schemas';
import { queryOptions } from '@tanstack/react-query';
import { api } from './client';

export type { RoadRouteResponse };

/** A moving vehicle at the route's start: its heading (°) and speed (m/s). */
export interface RouteMotion {
  heading: number;
  speed: number;
}

/** The roads API (packages/server/src/modules/roads): routes that obey turn restrictions. */
export const roadsApi = {
  route: (
    from: readonly [number, number],
    to: readonly [number, number],
    city: string | undefined,
    signal?: AbortSignal,
    motion: RouteMotion | null = null,
  ) =>
    api<RoadRouteResponse>('/api/roads/route', {
      query: { from: from.join(','), to: to.join(','), city, ...(motion ?? {}) },
      signal,
    }),
};

export const roadsQueries = {
  route: (
    from: readonly [number, number],
    to: readonly [number, number],
    city: string | undefined,
    motion: RouteMotion | null = null,
  ) =>
    queryOptions({
      queryKey: [
        'roads',
        'route',
        city ?? null,
        from[0],
        from[1],
        to[0],
        to[1],
        motion?.heading ?? null,
        motion?.speed ?? null,
      ],
      queryFn: ({ signal }) => roadsApi.route(from, to, city, signal, motion),
      staleTime: 60_000,
    }),
};
