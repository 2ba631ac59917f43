import type { Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    cap_alerts: CapAlertsTable;
  }
}

/** CAP alerts as issued (migration 057). */
export interface CapAlertsTable {
  id: string;
  org_id: string;
  identifier: string;
  scope: 'Public' | 'Restricted' | 'Private';
  status: string;
  msg_type: string;
  headline: string;
  source: string;
  sent: Timestamp;
  expires: Timestamp | null;
  xml: string;
}
