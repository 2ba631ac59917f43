import type { MediationCase, MediationCaseDetail } from '@citywatch/core/community/mediation';
import type { Report, ReportDecision, ReportTracking } from '@citywatch/core/community/reports';
import { queryOptions } from '@tanstack/react-query';
import { ApiError, api } from './client';

export type { MediationCase, MediationCaseDetail, Report, ReportDecision, ReportTracking };

export interface CaseRateRow {
  key: string;
  name: string;
  cases: number;
  ended: number;
  agreed: number;
  onTime: number;
  open: number;
  overdue: number;
  resolutionRate: number | null;
  onTimeRate: number | null;
}

export const communityKeys = {
  all: ['community'] as const,
  reports: (status?: string) => ['community', 'reports', status ?? 'all'] as const,
  cases: () => ['community', 'cases'] as const,
  case: (id: string) => ['community', 'case', id] as const,
  rates: (from: string, to: string) => ['community', 'rates', from, to] as const,
};

export const communityQueries = {
  reports: (status?: string) =>
    queryOptions({
      queryKey: communityKeys.reports(status),
      queryFn: ({ signal }) =>
        api<{ items: Report[] }>('/api/community/reports', { query: { status }, signal }).then(
          (r) => r.items,
        ),
    }),
  cases: () =>
    queryOptions({
      queryKey: communityKeys.cases(),
      queryFn: ({ signal }) =>
        api<{ items: MediationCase[] }>('/api/community/cases', { signal }).then((r) => r.items),
    }),
  case: (id: string) =>
    queryOptions({
      queryKey: communityKeys.case(id),
      queryFn: ({ signal }) => api<MediationCaseDetail>(`/api/community/cases/${id}`, { signal }),
    }),
  rates: (from: string, to: string) =>
    queryOptions({
      queryKey: communityKeys.rates(from, to),
      queryFn: ({ signal }) =>
        api<{ stations: CaseRateRow[]; mediators: CaseRateRow[] }>('/api/community/cases/rates', {
          query: { from, to },
          signal,
        }),
    }),
};

export const communityApi = {
  decide: (id: string, decision: ReportDecision) =>
    api<Report>(`/api/community/reports/${id}/decide`, { method: 'POST', body: decision }),
  updateCase: (id: string, patch: { room?: string | null; mediatorId?: string | null }) =>
    api<MediationCase>(`/api/community/cases/${id}`, { method: 'PATCH', body: patch }),
  addSession: (id: string, body: { heldAt: string; notes: string; room?: string }) =>
    api<{ id: string }>(`/api/community/cases/${id}/sessions`, { method: 'POST', body }),
  agree: (
    id: string,
    body: { facts: string; responsibilities: string; performance: string; performBy: string },
  ) => api<MediationCase>(`/api/community/cases/${id}/agreement`, { method: 'POST', body }),
  followUp: (id: string, body: { visitedAt: string; performed: boolean; notes: string }) =>
    api<{ id: string }>(`/api/community/cases/${id}/follow-ups`, { method: 'POST', body }),
  transition: (id: string, to: 'mediating' | 'failed' | 'withdrawn' | 'closed') =>
    api<MediationCase>(`/api/community/cases/${id}/transition`, { method: 'POST', body: { to } }),
  escalate: (id: string) =>
    api<MediationCase>(`/api/community/cases/${id}/escalate`, { method: 'POST', body: {} }),
  /** The agreement PDF: fetched with the purpose header (the read is audited), then saved. */
  agreementPdf: async (id: string, purpose: string): Promise<Blob> => {
    const res = await fetch(`/api/community/cases/${id}/agreement.pdf`, {
      credentials: 'include',
      headers: { 'X-Purpose': encodeURIComponent(purpose) },
    });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      throw new ApiError({
        type: 'about:blank',
        title: body.title ?? res.statusText,
        status: res.status,
        detail: body.detail,
      });
    }
    return res.blob();
  },
};

/** The public page's calls (no session). */
export const publicReportApi = {
  categories: () =>
    api<{ items: { code: string; zh: string; en: string; slaHours: number }[] }>(
      '/api/community/public/categories',
      {
        noAuthRedirect: true,
      },
    ).then((r) => r.items),
  submit: async (
    form: FormData,
  ): Promise<{ id: string; number: string; token: string; expectedAt: string }> => {
    const res = await fetch('/api/community/public/reports', { method: 'POST', body: form });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      throw new ApiError({
        type: body.type ?? 'about:blank',
        title: body.title ?? res.statusText,
        status: res.status,
        detail: body.detail,
        errors: body.errors,
      });
    }
    return body;
  },
  track: (token: string) =>
    api<ReportTracking>('/api/community/public/track', {
      method: 'POST',
      body: { token },
      noAuthRedirect: true,
    }),
};
