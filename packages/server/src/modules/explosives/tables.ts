import type { Json, Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    explosives_products: ExplosivesProductsTable;
    explosives_balances: ExplosivesBalancesTable;
    explosives_transfers: ExplosivesTransfersTable;
    explosives_serials: ExplosivesSerialsTable;
    explosives_transits: ExplosivesTransitsTable;
    explosives_magazines: ExplosivesMagazinesTable;
    explosives_magazine_capacity: ExplosivesMagazineCapacityTable;
    explosives_permits: ExplosivesPermitsTable;
    explosives_permit_items: ExplosivesPermitItemsTable;
    explosives_counts: ExplosivesCountsTable;
    explosives_alarms: ExplosivesAlarmsTable;
    explosives_track_fixes: ExplosivesTrackFixesTable;
    explosives_month_closes: ExplosivesMonthClosesTable;
    explosives_month_lines: ExplosivesMonthLinesTable;
    explosives_vehicles: ExplosivesVehiclesTable;
  }
}

/** Migration 030. Amounts: pieces (itemised) or grams (bulk). */
export interface ExplosivesProductsTable {
  code: string;
  name: string;
  kind: 'itemised' | 'bulk';
}
export interface ExplosivesBalancesTable {
  enterprise_id: string;
  account: string;
  product: string;
  amount: number;
  org_id: string;
}
export interface ExplosivesTransfersTable {
  seq: import('kysely').Generated<number>;
  enterprise_id: string;
  id: string;
  org_id: string;
  at: Timestamp;
  book_date: string;
  from_account: string;
  to_account: string;
  product: string;
  amount: number;
  serials: string[];
  permit_id: string | null;
  reverses: string | null;
  posted_at: Timestamp;
  posted_by: string | null;
}
export interface ExplosivesSerialsTable {
  serial: string;
  enterprise_id: string;
  product: string;
  account: string;
  last_transfer: string;
}
export interface ExplosivesTransitsTable {
  id: string;
  enterprise_id: string;
  org_id: string;
  transit_account: string;
  from_account: string;
  product: string;
  amount_left: number;
  left_at: Timestamp;
  status: 'pending' | 'posted' | 'voided';
  settled_by: string | null;
  settled_at: Timestamp | null;
  overdue_alarmed: boolean;
}
export interface ExplosivesMagazinesTable {
  enterprise_id: string;
  name: string;
  org_id: string;
  address: string;
}
export interface ExplosivesMagazineCapacityTable {
  enterprise_id: string;
  magazine: string;
  product: string;
  capacity: number;
}
export interface ExplosivesPermitsTable {
  id: string;
  enterprise_id: string;
  org_id: string;
  kind: 'purchase' | 'transport';
  status: 'applied' | 'approved' | 'refused';
  valid_from: string;
  valid_to: string;
  route: string;
  vehicle: string;
  escort: string;
  applied_by: string | null;
  applied_at: Timestamp;
  first_approved_by: string | null;
  first_approved_at: Timestamp | null;
  second_approved_by: string | null;
  second_approved_at: Timestamp | null;
  refused_by: string | null;
  refused_reason: string | null;
  /** Migration 032: the permitted route, [lon, lat] pairs. */
  route_line: Json<[number, number][]> | null;
}
export interface ExplosivesTrackFixesTable {
  permit_id: string;
  at: Timestamp;
  lon: number;
  lat: number;
}
export interface ExplosivesPermitItemsTable {
  permit_id: string;
  product: string;
  amount: number;
  used: number;
}
export interface ExplosivesCountsTable {
  enterprise_id: string;
  book_date: string;
  account: string;
  product: string;
  counted: number;
  book: number;
  org_id: string;
  entered_by: string | null;
  entered_at: Timestamp;
}
export interface ExplosivesAlarmsTable {
  id: string;
  enterprise_id: string;
  org_id: string;
  kind: 'variance' | 'loss' | 'serial_anomaly' | 'overdue_transit' | 'route_deviation' | 'long_stop';
  subject: string;
  detail: Json<Record<string, unknown>>;
  raised_at: Timestamp;
  report_due_at: Timestamp;
  reported_at: Timestamp | null;
  reported_by: string | null;
  /** Migration 034: when the unreported alarm was escalated at its deadline. */
  escalated_at: Timestamp | null;
}

/** Migration 033: a closed month of a book, and its lines per magazine account and product. */
export interface ExplosivesMonthClosesTable {
  enterprise_id: string;
  month: string;
  org_id: string;
  closed_by: string | null;
  closed_at: Timestamp;
}
export interface ExplosivesMonthLinesTable {
  enterprise_id: string;
  month: string;
  account: string;
  product: string;
  opening: number;
  received: number;
  issued: number;
  closing: number;
  counted: number | null;
  variance: number;
  variance_days: number;
  carried_in: number;
}

/** Migration 039: a transport vehicle and the device token it sends its positions with. */
export interface ExplosivesVehiclesTable {
  device_id: string;
  enterprise_id: string;
  org_id: string;
  plate: string;
  created_at: Timestamp;
}
