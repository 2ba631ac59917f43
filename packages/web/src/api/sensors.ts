import type {} from '@citywatch/core/sensors/events';
import type { Alarm, Community, CrowdArea, Sensor, Ticket } from '@citywatch/core/sensors/schemas';
import { queryOptions } from '@tanstack/react-query';
import { api } from './client';

export type { Alarm, Community, CrowdArea, Sensor, Ticket };
export interface CrowdCount {
  at: string;
  count: number;
  density: number;
  source: string;
  flag: string | null;
}

/** Query keys of the sensors page: one prefix, so a live sensors event reloads what it touches. */
export const sensorsKeys = {
  all: ['sensors'] as const,
  communities: ['sensors', 'communities'] as const,
  devices: ['sensors', 'devices'] as const,
  alarms: ['sensors', 'alarms'] as const,
  areas: ['sensors', 'areas'] as const,
  tickets: (all: boolean) => ['sensors', 'tickets', all ? 'all' : 'open'] as const,
  counts: (id: string) => ['sensors', 'areas', id, 'counts'] as const,
};

/** Until the feed pushes, lists are refreshed this often (live events reload them sooner). */
const REFRESH_MS = 5_000;

export const sensorsQueries = {
  communities: () =>
    queryOptions({
      queryKey: sensorsKeys.communities,
      queryFn: () => api<{ items: Community[] }>('/api/sensors/communities'),
      refetchInterval: REFRESH_MS,
    }),
  devices: () =>
    queryOptions({
      queryKey: sensorsKeys.devices,
      queryFn: () => api<{ items: Sensor[] }>('/api/sensors/devices'),
      refetchInterval: REFRESH_MS,
    }),
  alarms: () =>
    queryOptions({
      queryKey: sensorsKeys.alarms,
      queryFn: () => api<{ items: Alarm[] }>('/api/sensors/alarms'),
      refetchInterval: REFRESH_MS,
    }),
  areas: () =>
    queryOptions({
      queryKey: sensorsKeys.areas,
      queryFn: () => api<{ items: CrowdArea[] }>('/api/sensors/crowd-areas'),
      refetchInterval: REFRESH_MS,
    }),
  /** Fault tickets of the viewer's subtree: open ones, or all (closed ones too). */
  tickets: (all: boolean) =>
    queryOptions({
      queryKey: sensorsKeys.tickets(all),
      queryFn: () =>
        api<{ items: Ticket[] }>('/api/sensors/tickets', { query: { open: all ? 'false' : 'true' } }),
      refetchInterval: REFRESH_MS,
    }),
  counts: (id: string) =>
    queryOptions({
      queryKey: sensorsKeys.counts(id),
      queryFn: () =>
        api<{ items: CrowdCount[]; trendPerMinute: number | null }>(`/api/sensors/crowd-areas/${id}/counts`, {
          query: { minutes: 60 },
        }),
      refetchInterval: REFRESH_MS,
    }),
};

export const sensorsApi = {
  respond: (id: string, action: 'acknowledge' | 'clear') =>
    api<Alarm>(`/api/sensors/alarms/${id}/${action}`, { method: 'POST' }),
  /** Acknowledges (note optional) or closes (note required) a fault ticket. */
  handleTicket: (id: string, action: 'acknowledge' | 'close', note: string) =>
    api<Ticket>(`/api/sensors/tickets/${id}/${action}`, {
      method: 'POST',
      body: note.trim() === '' ? {} : { note: note.trim() },
    }),
};
