import type { ColumnType, Generated } from 'kysely';

/** Table types for Kysely. One interface per table; features add theirs as they land. */
export interface Database {
  orgs: OrgsTable;
  users: UsersTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  schema_migrations: SchemaMigrationsTable;
}

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamp the database fills in by default. */
type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface SchemaMigrationsTable {
  version: string;
  applied_at: GeneratedTimestamp;
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
