import { api } from '../../api/client';

/** Coordinates are WGS-84 throughout, like the tiles. */
export type CityBounds = { minLon: number; minLat: number; maxLon: number; maxLat: number };
export type CitySummary = { name: string; isDefault: boolean; bounds: CityBounds | null };

export type SearchHitKind = 'address' | 'place' | 'street';
export type SearchHit = {
  id: string;
  kind: SearchHitKind;
  label: string;
  lon: number;
  lat: number;
  category?: string | null;
};

export type ReverseResult = {
  road: { name: string | null; highway: string; lon: number; lat: number; distanceM: number } | null;
  address: { label: string; lon: number; lat: number; distanceM: number } | null;
  jurisdiction: { id: string; name: string } | null;
};

export type AreaGeometry =
  | { type: 'Polygon'; coordinates: number[][][] }
  | { type: 'MultiPolygon'; coordinates: number[][][][] };
export type IsochroneCollection = {
  type: 'FeatureCollection';
  features: { type: 'Feature'; properties: { minutes: number }; geometry: AreaGeometry }[];
};

export const ISOCHRONE_MINUTES = [1, 3, 5] as const;

export const placesApi = {
  cities: () => api<{ items: CitySummary[] }>('/api/cities'),
  search: (q: string, city: string | undefined, signal?: AbortSignal) =>
    api<{ items: SearchHit[] }>('/api/places/search', { query: { q, city }, signal }),
  reverse: (lon: number, lat: number, city: string | undefined, signal?: AbortSignal) =>
    api<ReverseResult>('/api/places/reverse', { query: { lon, lat, city }, signal }),
  isochrone: (lon: number, lat: number, city: string | undefined, signal?: AbortSignal) =>
    api<IsochroneCollection>('/api/places/isochrone', {
      query: { lon, lat, city, minutes: ISOCHRONE_MINUTES.join(',') },
      signal,
    }),
};
