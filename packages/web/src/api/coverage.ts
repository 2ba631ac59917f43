import type {
  CoverageAdvice,
  CoverageFigures,
  CoverageLayer,
  CoveragePost,
  DemandKind,
  NewCoveragePost,
  PostKind,
  ThresholdFigures,
} from '@citywatch/core/coverage/schemas';
import { queryOptions } from '@tanstack/react-query';
import { api } from './client';

export type {
  CoverageAdvice,
  CoverageFigures,
  CoverageLayer,
  CoveragePost,
  DemandKind,
  NewCoveragePost,
  PostKind,
  ThresholdFigures,
};

/** The 1-3-5 minute circles, in seconds. */
export const THRESHOLDS = [60, 180, 300] as const;
export type Threshold = (typeof THRESHOLDS)[number];
export type AdviceRequest = { k: number; demand: DemandKind; thresholdSeconds: number };

const base = '/api/coverage';
const id = (x: string) => encodeURIComponent(x);

/** The coverage API (packages/server/src/modules/coverage), typed by core's coverage schemas. */
export const coverageApi = {
  posts: (city: string | undefined, signal?: AbortSignal) =>
    api<{ items: CoveragePost[] }>(`${base}/posts`, { query: { city }, signal }).then((r) => r.items),
  figures: (city: string | undefined, signal?: AbortSignal) =>
    api<CoverageFigures>(base, { query: { city, thresholds: THRESHOLDS.join(',') }, signal }),
  layer: (city: string | undefined, signal?: AbortSignal) =>
    api<CoverageLayer>(`${base}/layer`, { query: { city, seconds: THRESHOLDS.join(',') }, signal }),
  createPost: (city: string | undefined, body: NewCoveragePost) =>
    api<CoveragePost>(`${base}/posts`, { method: 'POST', query: { city }, body }),
  movePost: (postId: string, lon: number, lat: number) =>
    api<CoveragePost>(`${base}/posts/${id(postId)}`, { method: 'PATCH', body: { lon, lat } }),
  deletePost: (postId: string) => api<void>(`${base}/posts/${id(postId)}`, { method: 'DELETE' }),
  advise: (city: string | undefined, request: AdviceRequest) =>
    api<CoverageAdvice>(`${base}/advise`, { method: 'POST', body: city ? { city, ...request } : request }),
};

/** Query keys of coverage resources, per city: a change to the posts invalidates `coverageKeys.city`. */
export const coverageKeys = {
  all: ['coverage'] as const,
  city: (city: string | undefined) => ['coverage', city ?? null] as const,
};

export const coverageQueries = {
  posts: (city: string | undefined) =>
    queryOptions({
      queryKey: [...coverageKeys.city(city), 'posts'] as const,
      queryFn: ({ signal }) => coverageApi.posts(city, signal),
    }),
  figures: (city: string | undefined) =>
    queryOptions({
      queryKey: [...coverageKeys.city(city), 'figures'] as const,
      queryFn: ({ signal }) => coverageApi.figures(city, signal),
    }),
  layer: (city: string | undefined) =>
    queryOptions({
      queryKey: [...coverageKeys.city(city), 'layer'] as const,
      queryFn: ({ signal }) => coverageApi.layer(city, signal),
    }),
};
