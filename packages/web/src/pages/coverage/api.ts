import { ApiError, api } from '../../api/client';

/**
 * Shapes of the coverage API (packages/server/src/modules/coverage/routes.ts). core has no zod
 * schemas for these answers, so they are written out here.
 */
export const POST_KINDS = ['police_station', 'street_post', 'safety_station'] as const;
export type PostKind = (typeof POST_KINDS)[number];

export type CoveragePost = {
  id: string;
  kind: PostKind;
  name: string;
  lon: number;
  lat: number;
  h3: string;
  orgId: string | null;
  /** 'post': a row of the posts table (editable); 'org': a police-station org (read-only here). */
  source: 'post' | 'org';
  createdAt: string | null;
  updatedAt: string | null;
};

export type ThresholdFigures = {
  seconds: number;
  addressShare: number;
  roadLengthShare: number;
  roadLengthM: number;
};

export type CoverageFigures = {
  city: string;
  posts: number;
  postsOffNetwork: number;
  addresses: number;
  addressesOffNetwork: number;
  totalRoadLengthM: number;
  thresholds: ThresholdFigures[];
  computeMs: number;
};

export type CoverageLayer = {
  type: 'FeatureCollection';
  features: {
    type: 'Feature';
    properties: { band: number };
    geometry: { type: 'LineString'; coordinates: [number, number][] };
  }[];
};

export type DemandKind = 'incidents' | 'addresses';

export type Advice = {
  city: string;
  thresholdSeconds: number;
  demand: {
    requested: DemandKind | 'given';
    used: 'incidents' | 'addresses_and_places' | 'given';
    points: number;
    offNetwork: number;
    aggregatedPoints: number;
  };
  existingPosts: number;
  baselineShare: number;
  picks: { lon: number; lat: number; h3: string; gain: number; gainShare: number; cumulativeShare: number }[];
  computeMs: number;
};

export type NewPost = { kind: PostKind; name: string; lon: number; lat: number };

/** The 1-3-5 minute circles, in seconds. */
export const THRESHOLDS = [60, 180, 300] as const;
export type Threshold = (typeof THRESHOLDS)[number];

const base = '/api/coverage';

export const coverageApi = {
  posts: (city: string | undefined, signal?: AbortSignal) =>
    api<{ items: CoveragePost[] }>(`${base}/posts`, { query: { city }, signal }),
  figures: (city: string | undefined, signal?: AbortSignal) =>
    api<CoverageFigures>(base, { query: { city, thresholds: THRESHOLDS.join(',') }, signal }),
  layer: (city: string | undefined, signal?: AbortSignal) =>
    api<CoverageLayer>(`${base}/layer`, { query: { city, seconds: THRESHOLDS.join(',') }, signal }),
  createPost: (city: string | undefined, body: NewPost) =>
    api<CoveragePost>(`${base}/posts`, { method: 'POST', query: { city }, body }),
  movePost: (id: string, lon: number, lat: number) =>
    api<CoveragePost>(`${base}/posts/${id}`, { method: 'PATCH', body: { lon, lat } }),
  deletePost: (id: string) => api<void>(`${base}/posts/${id}`, { method: 'DELETE' }),
  advise: (
    city: string | undefined,
    request: { k: number; demand: DemandKind; thresholdSeconds: number },
    signal?: AbortSignal,
  ) => api<Advice>(`${base}/advise`, { method: 'POST', body: city ? { city, ...request } : request, signal }),
};

export function errorText(err: unknown): string {
  return err instanceof ApiError ? err.display : String(err);
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

/** Band colours: 1 minute dark green, 3 minutes green, 5 minutes yellow. */
export const BAND_COLORS: Record<Threshold, string> = {
  60: '#237804',
  180: '#52c41a',
  300: '#fadb14',
};

/** Post marker colours by kind. */
export const KIND_COLORS: Record<PostKind, string> = {
  police_station: '#1d39c4',
  street_post: '#c41d7f',
  safety_station: '#d46b08',
};

export const PICK_COLOR = '#cf1322';

/** A share 0–1 as a percentage with one decimal. */
export function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
