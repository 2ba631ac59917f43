import type { IncidentCategory } from '@citywatch/core/dispatch/categories';
import type { IncidentStatus } from '@citywatch/core/dispatch/incident';
import type {
  CreateIncident,
  Incident,
  incidentEventSchema,
  Recommendation,
  Unit,
} from '@citywatch/core/dispatch/schemas';
import type { TriageSuggestion } from '@citywatch/core/dispatch/triage';
import { ApiError, api } from '../../api/client';
import { currentLanguage } from '../../i18n';

export type { Incident, IncidentCategory, Recommendation, TriageSuggestion, Unit };
export type IncidentEvent = ReturnType<typeof incidentEventSchema.parse>;

/** What POST /api/dispatch/incidents answers. */
export type CreatedIncident = { incident: Incident; duplicates: Incident[]; triage: TriageSuggestion };

const base = '/api/dispatch';

export const dispatchApi = {
  categories: () => api<{ items: IncidentCategory[] }>(`${base}/categories`),
  incidents: (signal?: AbortSignal) => api<{ items: Incident[] }>(`${base}/incidents`, { signal }),
  incident: (id: string, signal?: AbortSignal) => api<Incident>(`${base}/incidents/${id}`, { signal }),
  timeline: (id: string, signal?: AbortSignal) =>
    api<{ items: IncidentEvent[] }>(`${base}/incidents/${id}/timeline`, { signal }),
  recommendations: (id: string, signal?: AbortSignal) =>
    api<{ items: Recommendation[] }>(`${base}/incidents/${id}/recommendations`, { signal }),
  create: (body: CreateIncident) => api<CreatedIncident>(`${base}/incidents`, { method: 'POST', body }),
  dispatch: (id: string, unitId: string) =>
    api<Incident>(`${base}/incidents/${id}/dispatch`, { method: 'POST', body: { unitId } }),
  transition: (id: string, to: IncidentStatus, mergeInto?: string) =>
    api<Incident>(`${base}/incidents/${id}/transition`, {
      method: 'POST',
      body: mergeInto ? { to, mergeInto } : { to },
    }),
  units: (signal?: AbortSignal) => api<{ items: Unit[] }>(`${base}/units`, { signal }),
  /**
   * The caller's number: personal data, read only with a stated purpose (header X-Purpose,
   * URL-encoded), which the server writes to the audit log. The shared client cannot send extra
   * headers, so this one call is made here.
   */
  caller: async (id: string, purpose: string): Promise<{ callerPhone: string | null }> => {
    let res: Response;
    try {
      res = await fetch(`${base}/incidents/${id}/caller`, {
        headers: {
          Accept: 'application/json, application/problem+json',
          'Accept-Language': currentLanguage(),
          'X-Purpose': encodeURIComponent(purpose),
        },
        credentials: 'include',
      });
    } catch {
      throw new ApiError({ type: 'about:blank', title: 'Network error', status: 0 });
    }
    if (!res.ok) {
      const body: unknown = await res.json().catch(() => null);
      const p = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      throw new ApiError({
        type: typeof p.type === 'string' ? p.type : 'about:blank',
        title: typeof p.title === 'string' ? p.title : res.statusText || `HTTP ${res.status}`,
        status: res.status,
        detail: typeof p.detail === 'string' ? p.detail : undefined,
      });
    }
    return (await res.json()) as { callerPhone: string | null };
  },
};

export function errorText(err: unknown): string {
  return err instanceof ApiError ? err.display : String(err);
}

/** Seconds as m:ss (an ETA). */
export function minutesSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export const PRIORITY_COLORS: Record<Incident['priority'], string> = {
  P1: '#cf1322',
  P2: '#fa8c16',
  P3: '#1677ff',
  P4: '#8c8c8c',
};

/** antd Tag colours of incident statuses. */
export const STATUS_TAG_COLORS: Record<IncidentStatus, string> = {
  received: 'red',
  dispatched: 'orange',
  en_route: 'gold',
  on_scene: 'blue',
  cleared: 'green',
  closed: 'default',
  cancelled: 'default',
  merged: 'purple',
  diverted: 'cyan',
};

/** Unit colours on the map and in lists: available green, on the way orange, on scene red. */
export const UNIT_COLORS: Record<Unit['status'], string> = {
  available: '#389e0d',
  dispatched: '#fa8c16',
  en_route: '#fa8c16',
  on_scene: '#cf1322',
  out_of_service: '#8c8c8c',
};

/** The category's (and subcategory's) name in the UI language. */
export function categoryLabel(
  categories: readonly IncidentCategory[],
  code: string,
  sub: string | null,
  language: string,
): string {
  const cat = categories.find((c) => c.code === code);
  if (!cat) return sub ? `${code}/${sub}` : code;
  const name = (x: { zh: string; en: string }) => (language === 'en' ? x.en : x.zh);
  const s = sub ? cat.sub.find((x) => x.code === sub) : undefined;
  return s ? `${name(cat)} / ${name(s)}` : name(cat);
}
