import type { PublicNoticeDraft } from '@citywatch/core/cap/public-notice';
import { queryOptions } from '@tanstack/react-query';
import { api } from '../../api/client';

export type NoticeStatus = 'pending' | 'published' | 'rejected';

/** A notice as GET /api/cap/notices answers it (packages/server/src/modules/cap/notices.ts). */
export type Notice = {
  id: string;
  orgId: string;
  kind: 'crowd' | 'road_closure';
  msgType: 'Alert' | 'Update' | 'Cancel';
  answersId: string | null;
  headlineZh: string;
  headlineEn: string;
  descriptionZh: string;
  descriptionEn: string;
  areaDesc: string;
  lat: number;
  lon: number;
  /** The circle's radius; null when the area is the polygon. */
  radiusKm: number | null;
  /** CAP 1.2 polygon "lat,lon lat,lon …" (first = last), or null for a circle. */
  polygon: string | null;
  severity: string;
  urgency: string;
  certainty: string;
  expiresAt: string;
  status: NoticeStatus;
  draftedBy: string;
  draftedByName: string;
  draftedAt: string;
  decidedBy: string | null;
  decidedByName: string | null;
  decidedAt: string | null;
  alertUrl: string | null;
};

/** The body of POST /api/cap/notices (core's schema, before its defaults). */
export type NoticeDraft = Omit<PublicNoticeDraft, 'msgType' | 'severity' | 'urgency' | 'certainty'> &
  Partial<Pick<PublicNoticeDraft, 'msgType' | 'severity' | 'urgency' | 'certainty'>>;

export const capApi = {
  list: (signal?: AbortSignal) => api<{ items: Notice[] }>('/api/cap/notices', { signal }),
  draft: (body: NoticeDraft) => api<Notice>('/api/cap/notices', { method: 'POST', body }),
  decide: (id: string, approve: boolean) =>
    api<Notice>(`/api/cap/notices/${id}/${approve ? 'approve' : 'reject'}`, { method: 'POST' }),
};

export const capKeys = { all: ['cap', 'notices'] as const };

export const capQueries = {
  list: () =>
    queryOptions({
      queryKey: capKeys.all,
      queryFn: ({ signal }) => capApi.list(signal),
      refetchInterval: 30_000,
    }),
};

/**
 * The CAP XML's address on this origin: the server names it under its configured public URL,
 * which a browser behind another host name may not reach; the path is the same.
 */
export function alertHref(alertUrl: string): string {
  return new URL(alertUrl, window.location.origin).pathname;
}
