import type { CreateDevice, Device, IssuedDevice } from '@citywatch/core/devices/schemas';
import { queryOptions } from '@tanstack/react-query';
import { api } from '../../api/client';

export type { CreateDevice, Device, IssuedDevice };

const id = (s: string) => encodeURIComponent(s);

/** The devices API (modules/devices), typed by core's device schemas. */
export const devicesApi = {
  list: (signal?: AbortSignal) => api<{ items: Device[] }>('/api/devices', { signal }).then((r) => r.items),
  issue: (body: CreateDevice) => api<IssuedDevice>('/api/devices', { method: 'POST', body }),
  reissue: (deviceId: string) => api<IssuedDevice>(`/api/devices/${id(deviceId)}/token`, { method: 'POST' }),
  revoke: (deviceId: string, reason: string) =>
    api<Device>(`/api/devices/${id(deviceId)}/revoke`, { method: 'POST', body: { reason } }),
};

export const devicesKeys = { all: ['devices'] as const };

export const devicesQueries = {
  list: () => queryOptions({ queryKey: devicesKeys.all, queryFn: ({ signal }) => devicesApi.list(signal) }),
};
