import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

export type TestDbKind = 'pglite' | 'postgres';

/**
 * An empty throw-away database on either back end, not migrated (benchmarks migrate only the
 * modules they load). PGlite in memory, or in a temp directory removed by `drop` when `onDisk`;
 * on PostgreSQL a database named `<prefix>_<random>`, dropped by `drop`.
 */
export async function openThrowawayDb(
  kind: TestDbKind,
  options: { prefix?: string; onDisk?: boolean } = {},
): Promise<TestDb> {
  if (kind === 'pglite') {
    if (!options.onDisk) {
      const db = await openDatabase({ dataDir: 'memory://' });
      return { db, url: undefined, drop: () => db.close() };
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), `${options.prefix ?? 'citywatch_test'}-`));
    const db = await openDatabase({ dataDir: dir });
    return {
      db,
      url: undefined,
      drop: async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `${options.prefix ?? 'citywatch_test'}_${randomBytes(6).toString('hex')}`;
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
  return {
    db,
    url,
    // The database is dropped even when closing the pool fails (a connection a test left broken):
    // `with (force)` ends whatever is still connected, so no run leaves one behind.
    drop: async () => {
      try {
        await db.close();
      } finally {
        const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`);
        await c.end();
      }
    },
  };
}

/**
 * A fresh, migrated database on the back end this test project runs against
 * (CITYWATCH_TEST_DB=pglite|postgres, set by vitest.config.ts). On PostgreSQL a throw-away
 * database per call, dropped afterwards.
 */
export async function createTestDb(): Promise<TestDb> {
  const testDb = await openThrowawayDb((process.env.CITYWATCH_TEST_DB ?? 'pglite') as TestDbKind);
  try {
    await migrate(testDb.db);
  } catch (error) {
    await testDb.drop().catch(() => {});
    throw error;
  }
  return testDb;
}
