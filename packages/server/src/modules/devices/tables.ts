import type { Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    devices: DevicesTable;
  }
}

export interface DevicesTable {
  id: string;
  name: string;
  /** sensor: a community sensor (modules/sensors), bound to nothing but itself. */
  kind: 'camera' | 'avl' | 'sensor';
  /** The one checkpoint a camera speaks for. */
  checkpoint_id: string | null;
  /** The one unit an AVL terminal speaks for. */
  unit_id: string | null;
  org_id: string;
  /** sha256 of the API token: a leaked table does not leak working tokens. */
  token_hash: string;
  created_by: string | null;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  last_seen_at: Timestamp | null;
}
