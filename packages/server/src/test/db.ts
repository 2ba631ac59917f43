import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Db, openDatabase } from '../db/database.js';
import { migrate } from '../db/migrate.js';

/** The PostgreSQL server integration tests run against; CI starts it if it is down. */
export const TEST_PG_ADMIN_URL =
  process.env.CITYWATCH_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDb {
  db: Db;
  /** postgres:// URL of the throw-away database, or undefined on PGlite. */
  url: string | undefined;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database on the back end this test project runs against
 * (CITYWATCH_TEST_DB=pglite|postgres, set by vitest.config.ts). On PostgreSQL a throw-away
 * database per call, dropped afterwards.
 */
export async function createTestDb(): Promise<TestDb> {
  const kind = process.env.CITYWATCH_TEST_DB ?? 'pglite';
  if (kind === 'pglite') {
    const db = await openDatabase({ dataDir: 'memory://' });
    await migrate(db);
    return { db, url: undefined, drop: () => db.close() };
  }
  const name = `citywatch_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_PG_ADMIN_URL} (.ci/run starts it): ${(error as Error).message}`,
    );
  }
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = TEST_PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  const db = await openDatabase({ databaseUrl: url });
  await migrate(db);
  return {
    db,
    url,
    drop: async () => {
      await db.close();
      const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
