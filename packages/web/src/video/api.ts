import type {
  Camera,
  CitizenMedia,
  NearCamera,
  PlaybackRequest,
  PlaybackRequestInput,
  Tour,
  TourReport,
  TourRun,
  TourStepInput,
  TourTally,
  VideoAdvice,
  VideoCoverage,
} from '@citywatch/core/video/schemas';
import { queryOptions } from '@tanstack/react-query';
import { api } from '../api/client';

export type {
  Camera,
  CitizenMedia,
  NearCamera,
  PlaybackRequest,
  PlaybackRequestInput,
  Tour,
  TourReport,
  TourRun,
  TourStepInput,
  TourTally,
  VideoAdvice,
  VideoCoverage,
};

const base = '/api/video';

/** The video API (packages/server/src/modules/video), typed by core's video schemas. */
export const videoApi = {
  cameras: (signal?: AbortSignal) =>
    api<{ items: Camera[]; total: number }>(`${base}/cameras`, { query: { limit: 5000 }, signal }),
  near: (lon: number, lat: number, signal?: AbortSignal) =>
    api<{ items: NearCamera[] }>(`${base}/near`, { query: { lon, lat, k: 5, maxM: 500 }, signal }),
  /** Citizens' reports with a photo or video near the point (staff with community.read). */
  citizenMedia: (lon: number, lat: number, signal?: AbortSignal) =>
    api<{ items: CitizenMedia[] }>(`${base}/near/media`, { query: { lon, lat, maxM: 500 }, signal }).then(
      (r) => r.items,
    ),
  coverage: (signal?: AbortSignal) => api<VideoCoverage>(`${base}/coverage`, { signal }),
  advise: (count: number, fovDeg: number, rangeM: number) =>
    api<VideoAdvice>(`${base}/coverage/advise`, { method: 'POST', body: { count, fovDeg, rangeM } }),
  playbacks: (signal?: AbortSignal) =>
    api<{ items: PlaybackRequest[] }>(`${base}/playbacks`, { signal }).then((r) => r.items),
  requestPlayback: (body: PlaybackRequestInput) =>
    api<PlaybackRequest>(`${base}/playbacks`, { method: 'POST', body }),
  decidePlayback: (id: string, approve: boolean) =>
    api<PlaybackRequest>(`${base}/playbacks/${id}/decision`, { method: 'POST', body: { approve } }),
  playbackUrl: (id: string, purpose: string) =>
    api<{ id: string; url: string }>(`${base}/playbacks/${id}/url`, {
      headers: { 'X-Purpose': encodeURIComponent(purpose) },
    }),
  tours: (signal?: AbortSignal) => api<{ items: Tour[] }>(`${base}/tours`, { signal }).then((r) => r.items),
  startRun: (tourId: string) => api<TourRun>(`${base}/tours/${tourId}/runs`, { method: 'POST' }),
  step: (runId: string, body: TourStepInput) =>
    api<TourRun>(`${base}/runs/${runId}/steps`, { method: 'POST', body }),
  finish: (runId: string) => api<TourRun>(`${base}/runs/${runId}/finish`, { method: 'POST' }),
  report: (from: string, to: string, signal?: AbortSignal) =>
    api<TourReport>(`${base}/tours/report`, { query: { from, to }, signal }),
  /** The live stream's address: a personal-data read, with the purpose stated (audited). */
  live: (id: string, purpose: string) =>
    api<{ cameraId: string; hlsUrl: string; purpose: string }>(`${base}/cameras/${id}/live`, {
      headers: { 'X-Purpose': encodeURIComponent(purpose) },
    }),
};

export const videoKeys = {
  all: ['video'] as const,
  cameras: () => ['video', 'cameras'] as const,
  near: (lon: number, lat: number) => ['video', 'near', lon, lat] as const,
  citizenMedia: (lon: number, lat: number) => ['video', 'citizen-media', lon, lat] as const,
  tours: () => ['video', 'tours'] as const,
};

export const videoQueries = {
  tours: () => queryOptions({ queryKey: videoKeys.tours(), queryFn: ({ signal }) => videoApi.tours(signal) }),
  cameras: () =>
    queryOptions({ queryKey: videoKeys.cameras(), queryFn: ({ signal }) => videoApi.cameras(signal) }),
  citizenMedia: (lon: number, lat: number) =>
    queryOptions({
      queryKey: videoKeys.citizenMedia(lon, lat),
      queryFn: ({ signal }) => videoApi.citizenMedia(lon, lat, signal),
    }),
  near: (lon: number, lat: number) =>
    queryOptions({
      queryKey: videoKeys.near(lon, lat),
      queryFn: ({ signal }) => videoApi.near(lon, lat, signal),
    }),
};
