import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';
import { everyNodeLeads, postgresLeadership } from './singleton.js';

export type DbKind = 'pglite' | 'postgres';

/** One database handle for both back ends: Kysely for queries, execScript for migration files. */
export interface Db {
  kind: DbKind;
  kysely: Kysely<Database>;
  /** Runs a multi-statement SQL script (simple-query protocol), outside Kysely. */
  execScript(script: string): Promise<void>;
  /**
   * Whether this process is the one node that runs job `name` now (retention purges, forwarders,
   * scheduled reports: work that must happen once however many API nodes share the database).
   * See singleton.ts.
   */
  tryLead(name: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface DbOptions {
  /** postgres://… selects a PostgreSQL server; otherwise PGlite. */
  databaseUrl?: string;
  /** PGlite data directory; `memory://` keeps it in memory (tests). */
  dataDir?: string;
}

export async function openDatabase(options: DbOptions): Promise<Db> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  return openPGlite(options.dataDir ?? 'memory://');
}

async function openPGlite(dataDir: string): Promise<Db> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, { extensions: { pg_trgm } });
  const kysely = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return {
    kind: 'pglite',
    kysely,
    execScript: async (script) => {
      try {
        await pglite.exec(script);
      } catch (error) {
        // A failed script inside begin…commit leaves the session's transaction aborted.
        await pglite.exec('rollback').catch(() => {});
        throw error;
      }
    },
    tryLead: everyNodeLeads,
    close: () => kysely.destroy(),
  };
}

async function openPostgres(databaseUrl: string): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    // bigint (int8) and numeric as JS numbers: our int8 columns (sequence numbers, counts) stay
    // far below 2^53.
    types: {
      getTypeParser: (oid: number, format?: string) =>
        oid === 20 || oid === 1700 ? Number : pg.types.getTypeParser(oid, format as 'text'),
    },
  });
  // An idle client whose connection drops (server restart, a dropped test database) emits 'error'
  // on the pool; unhandled, that would crash the process. The pool replaces the client itself.
  pool.on('error', (error) => {
    process.emitWarning(`PostgreSQL idle client error: ${error.message}`);
  });
  // The same for a client that is checked out when its connection drops (between the statements
  // of a transaction, say): its query fails with the error, the pool discards it on release, and
  // the process must not crash on the client's unhandled 'error' event.
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      process.emitWarning(`PostgreSQL client error: ${error.message}`);
    });
  });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const leadership = postgresLeadership(databaseUrl);
  return {
    kind: 'postgres',
    kysely,
    execScript: async (script) => {
      const client = await pool.connect();
      try {
        await client.query(script);
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    tryLead: (name) => leadership.tryLead(name),
    close: async () => {
      await leadership.close();
      await kysely.destroy();
    },
  };
}

export async function ping(db: Db): Promise<boolean> {
  const r = await sql<{ ok: number }>`select 1 as ok`.execute(db.kysely);
  return r.rows[0]?.ok === 1;
}
