import type { RoadRouteResponse } from '@citywatch/core/roads/schemas';
import { queryOptions } from '@tanstack/react-query';
import { api } from './client';

export type { RoadRouteResponse };

/** The roads API (packages/server/src/modules/roads): routes that obey turn restrictions. */
export const roadsApi = {
  route: (
    from: readonly [number, number],
    to: readonly [number, number],
    city: string | undefined,
    signal?: AbortSignal,
  ) =>
    api<RoadRouteResponse>('/api/roads/route', {
      query: { from: from.join(','), to: to.join(','), city },
      signal,
    }),
};

export const roadsQueries = {
  route: (from: readonly [number, number], to: readonly [number, number], city: string | undefined) =>
    queryOptions({
      queryKey: ['roads', 'route', city ?? null, from[0], from[1], to[0], to[1]],
      queryFn: ({ signal }) => roadsApi.route(from, to, city, signal),
      staleTime: 60_000,
    }),
};
