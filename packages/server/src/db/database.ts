import { mkdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';

export type DbKind = 'pglite' | 'postgres';

/** One database handle for both back ends: Kysely for queries, execScript for migration files. */
export interface Db {
  kind: DbKind;
  kysely: Kysely<Database>;
  /** Runs a multi-statement SQL script (simple-query protocol), outside Kysely. */
  execScript(script: string): Promise<void>;
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
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
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
    close: () => kysely.destroy(),
  };
}

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Applies the numbered plain-SQL migrations not yet applied, each in its own transaction, the
 * same files on PGlite and PostgreSQL. Two nodes starting together serialise on a transaction-level
 * advisory lock; the loser's insert into schema_migrations conflicts and it moves on.
 */
export async function migrate(db: Db): Promise<string[]> {
  await db.execScript(`
    create extension if not exists pg_trgm;
    create table if not exists schema_migrations (
      version text primary key,
      applied_at timestamptz not null default now()
    );`);
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  const done = new Set(
    (await db.kysely.selectFrom('schema_migrations').select('version').execute()).map((r) => r.version),
  );
  const applied: string[] = [];
  for (const file of files) {
    const version = file.replace(/\.sql$/, '');
    if (done.has(version)) continue;
    const body = await readFile(path.join(MIGRATIONS_DIR, file), 'utf8');
    try {
      await db.execScript(
        `begin;\nselect pg_advisory_xact_lock(741852);\ninsert into schema_migrations (version) values ('${version}');\n${body}\n;commit;`,
      );
      applied.push(version);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') continue; // another node applied it
      throw new Error(`migration ${version} failed: ${(error as Error).message}`, { cause: error });
    }
  }
  return applied;
}

export async function ping(db: Db): Promise<boolean> {
  const r = await sql<{ ok: number }>`select 1 as ok`.execute(db.kysely);
  return r.rows[0]?.ok === 1;
}
