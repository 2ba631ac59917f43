import type { ColumnType } from 'kysely';

/**
 * Table types for Kysely. Each module declares its own tables in its folder (`tables.ts`) by
 * merging into this interface:
 *
 *   declare module '../../db/schema.js' { interface Database { patrol_zones: PatrolZonesTable } }
 */
export interface Database {
  schema_migrations: SchemaMigrationsTable;
}

export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamp the database fills in by default. */
export type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** A jsonb column: written as a JSON string, read as the value. */
export type Json<T> = ColumnType<T, string, string>;
/** A column the database fills with its default when an insert leaves it out. */
export type Defaulted<T> = ColumnType<T, T | undefined, T>;

export interface SchemaMigrationsTable {
  version: string;
  applied_at: GeneratedTimestamp;
}
