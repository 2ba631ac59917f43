import type {
  Alarm,
  MonthCloseResult,
  Permit,
  PermitApplication,
  TransportView,
} from '@citywatch/core/explosives/schemas';
import { api } from '../../api/client';

export type { Alarm, MonthCloseResult, Permit, PermitApplication, TransportView };

export interface MagazineView {
  enterpriseId: string;
  name: string;
  orgId: string;
  address: string;
  stock: { product: string; quantity: number; capacity: number | null }[];
}
export interface TransferView {
  id: string;
  at: string;
  from: string;
  to: string;
  product: string;
  quantity: number;
  serials: string[];
  permit: string | null;
  reverses: string | null;
}
export interface UnitOption {
  id: string;
  name: string;
  industry: string;
}

const base = '/api/explosives';

/** The explosives API (packages/server/src/modules/explosives), typed by core's schemas. */
export const explosivesApi = {
  permits: () => api<{ items: Permit[] }>(`${base}/permits`),
  apply: (body: PermitApplication) => api<Permit>(`${base}/permits`, { method: 'POST', body }),
  approve: (id: string) =>
    api<Permit>(`${base}/permits/${encodeURIComponent(id)}/approve`, { method: 'POST' }),
  refuse: (id: string, reason: string) =>
    api<Permit>(`${base}/permits/${encodeURIComponent(id)}/refuse`, { method: 'POST', body: { reason } }),
  magazines: (enterpriseId: string) =>
    api<{ items: MagazineView[] }>(`${base}/magazines`, { query: { enterpriseId } }),
  ledger: (enterpriseId: string) =>
    api<{ items: TransferView[] }>(`${base}/ledger`, { query: { enterpriseId, limit: 100 } }),
  count: (
    enterpriseId: string,
    date: string,
    counts: { account: string; product: string; counted: number }[],
  ) =>
    api<{ date: string; variances: { account: string; product: string; book: number; counted: number }[] }>(
      `${base}/counts`,
      { method: 'POST', body: { enterpriseId, date, counts } },
    ),
  alarms: () => api<{ items: Alarm[] }>(`${base}/alarms`),
  monthCloses: (enterpriseId: string) =>
    api<{ items: MonthCloseResult[] }>(`${base}/month-closes`, { query: { enterpriseId } }),
  closeMonth: (enterpriseId: string, month: string) =>
    api<MonthCloseResult>(`${base}/month-close`, { method: 'POST', body: { enterpriseId, month } }),
  transport: (permitId: string) =>
    api<TransportView>(`${base}/permits/${encodeURIComponent(permitId)}/transport`),
  report: (id: string) => api<Alarm>(`${base}/alarms/${encodeURIComponent(id)}/report`, { method: 'POST' }),
  products: () =>
    api<{ items: { code: string; name: string; kind: 'itemised' | 'bulk' }[] }>(`${base}/products`),
  /** Explosives enterprises of the oversight registry the reader may see (empty without the permission). */
  units: async (): Promise<UnitOption[]> => {
    try {
      const r = await api<{ items: UnitOption[] }>('/api/oversight/units');
      return r.items.filter((u) => u.industry === 'explosives');
    } catch {
      return [];
    }
  },
};
