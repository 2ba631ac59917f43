import type {
  CitySummary,
  IsochroneCollection,
  PlaceReverse,
  PlaceSearchHit,
  SearchHitKind,
} from '@citywatch/core/places/schemas';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api } from './client';

export type { CitySummary, IsochroneCollection, PlaceReverse, PlaceSearchHit, SearchHitKind };

/** The 1/3/5-minute areas the map draws around a point. */
export const ISOCHRONE_MINUTES = [1, 3, 5] as const;

/** The places API (packages/server/src/modules/places), typed by core's places schemas. */
export const placesApi = {
  cities: (signal?: AbortSignal) =>
    api<{ items: CitySummary[] }>('/api/cities', { signal }).then((r) => r.items),
  search: (q: string, city: string | undefined, signal?: AbortSignal) =>
    api<{ items: PlaceSearchHit[] }>('/api/places/search', { query: { q, city }, signal }).then(
      (r) => r.items,
    ),
  reverse: (lon: number, lat: number, city: string | undefined, signal?: AbortSignal) =>
    api<PlaceReverse>('/api/places/reverse', { query: { lon, lat, city }, signal }),
  isochrone: (lon: number, lat: number, city: string | undefined, signal?: AbortSignal) =>
    api<IsochroneCollection>('/api/places/isochrone', {
      query: { lon, lat, city, minutes: ISOCHRONE_MINUTES.join(',') },
      signal,
    }),
};

export const placesKeys = {
  all: ['places'] as const,
  cities: ['places', 'cities'] as const,
};

export const placesQueries = {
  /** The imported cities: they change only when an operator imports one. */
  cities: () =>
    queryOptions({
      queryKey: placesKeys.cities,
      queryFn: ({ signal }) => placesApi.cities(signal),
      staleTime: Number.POSITIVE_INFINITY,
    }),
  search: (q: string, city: string | undefined) =>
    queryOptions({
      queryKey: ['places', 'search', city ?? null, q] as const,
      queryFn: ({ signal }) => placesApi.search(q, city, signal),
      staleTime: 60_000,
      // While the next word is looked up, the list keeps the previous hits.
      placeholderData: keepPreviousData,
    }),
  reverse: (point: { lon: number; lat: number }, city: string | undefined) =>
    queryOptions({
      queryKey: ['places', 'reverse', city ?? null, point.lon, point.lat] as const,
      queryFn: ({ signal }) => placesApi.reverse(point.lon, point.lat, city, signal),
      staleTime: 60_000,
    }),
  isochrone: (point: { lon: number; lat: number }, city: string | undefined) =>
    queryOptions({
      queryKey: ['places', 'isochrone', city ?? null, point.lon, point.lat] as const,
      queryFn: ({ signal }) => placesApi.isochrone(point.lon, point.lat, city, signal),
      staleTime: 60_000,
    }),
};

/** The city a page shows: the server's default one, else the first imported. */
export function defaultCity(cities: readonly CitySummary[] | undefined): CitySummary | undefined {
  return cities?.find((c) => c.isDefault) ?? cities?.[0];
}
