import type { ColumnType, Generated } from 'kysely';
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

declare module '../../db/schema.js' {
  interface Database {
    cap_notices: CapNoticesTable;
  }
}

/** Public notices awaiting or past four-eyes approval (migration 065). */
export interface CapNoticesTable {
  id: string;
  org_id: string;
  kind: 'crowd' | 'road_closure';
  msg_type: 'Alert' | 'Update' | 'Cancel';
  answers_id: string | null;
  headline_zh: string;
  headline_en: string;
  description_zh: string;
  description_en: string;
  area_desc: string;
  /** The circle's centre, or the polygon's (mean of its corners). */
  lat: number;
  lon: number;
  /** Null when the area is the polygon (migration 086). */
  radius_km: number | null;
  /** Migration 086: the area as CAP's "lat,lon lat,lon …" (first = last), instead of the circle. */
  polygon: ColumnType<string | null, string | null | undefined, string | null>;
  severity: string;
  urgency: string;
  /** Migration 082. */
  certainty: Generated<string>;
  expires_at: Timestamp;
  status: Generated<'pending' | 'published' | 'rejected'>;
  drafted_by: string;
  drafted_at: Timestamp;
  decided_by: string | null;
  decided_at: Timestamp | null;
  alert_id: string | null;
}
