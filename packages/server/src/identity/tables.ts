import type { ColumnType, Generated } from 'kysely';
import type { GeneratedTimestamp, Timestamp } from '../db/schema.js';

declare module '../db/schema.js' {
  interface Database {
    orgs: OrgsTable;
    users: UsersTable;
    sessions: SessionsTable;
    audit_log: AuditLogTable;
  }
}

export interface OrgsTable {
  id: string;
  parent_id: string | null;
  kind: string;
  name: string;
  code: string;
  /** Materialised path of ids, '/root/child/', so a subtree is a prefix match. */
  path: string;
  created_at: GeneratedTimestamp;
  /** The station's location (police stations), WGS-84. */
  lon: ColumnType<number | null, number | null | undefined, number | null>;
  lat: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  org_id: string;
  roles: string[];
  active: Generated<boolean>;
  failed_logins: Generated<number>;
  /** Migration 013: a generated or reset password must be replaced at the next sign-in. */
  must_change_password: Generated<boolean>;
  locked_until: Timestamp | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface SessionsTable {
  /** sha256 of the cookie token: a leaked table does not leak live sessions. */
  token_hash: string;
  user_id: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  ended_at: Timestamp | null;
  ip: string | null;
  user_agent: string | null;
}

export interface AuditLogTable {
  seq: number;
  at: Timestamp;
  user_id: string | null;
  username: string | null;
  action: string;
  resource: string;
  purpose: string | null;
  detail: ColumnType<Record<string, unknown>, string, string>;
  prev_hash: string;
  hash: string;
}
