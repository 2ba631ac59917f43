import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.js';
import { type Db, openDatabase } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { createTestDb, type TestDb } from '../test/db.js';
import { recordAudit } from './audit.js';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'packages/server/bin/citywatch.mjs');
const backend = process.env.CITYWATCH_TEST_DB ?? 'pglite';

/** `npx citywatch audit verify` as an operator runs it, against the same database the server used. */
describe(`citywatch audit verify (${backend})`, () => {
  let pg: TestDb | undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'citywatch-audit-'));
  afterAll(async () => {
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // PGlite is one process's database: the test closes it before the CLI opens the same directory.
  async function withDb(fn: (db: Db) => Promise<void>) {
    if (backend === 'postgres') {
      pg ??= await createTestDb();
      return fn(pg.db);
    }
    const db = await openDatabase({ dataDir: path.join(dataDir, 'pglite') });
    await migrate(db);
    try {
      await fn(db);
    } finally {
      await db.close();
    }
  }

  async function verify(): Promise<{ code: number; out: string }> {
    const env = { ...process.env, CITYWATCH_DATA_DIR: dataDir, DATABASE_URL: pg?.url ?? '' };
    try {
      const r = await run(process.execPath, [CLI, 'audit', 'verify'], { env, cwd: REPO_ROOT });
      return { code: 0, out: r.stdout + r.stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: e.stdout + e.stderr };
    }
  }

  it('exits 0 on an intact chain and non-zero naming the row after a tampered UPDATE', async () => {
    await withDb(async (db) => {
      for (let i = 0; i < 5; i++) {
        await recordAudit(
          db.kysely,
          {
            userId: null,
            username: `u${i}`,
            action: 'login',
            resource: 'session',
            detail: { i, nested: { b: 1, a: [1, 'x'] } },
          },
          new Date(Date.UTC(2026, 10, 23, 8, i)),
        );
      }
    });
    const ok = await verify();
    expect(ok.out).toMatch(/intact: 5 rows/);
    expect(ok.code).toBe(0);

    await withDb(async (db) => {
      await db.execScript(
        "alter table audit_log disable trigger all; update audit_log set purpose = 'edited' where seq = 4;",
      );
    });
    const bad = await verify();
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/row 4/);
  });

  it('names a deleted row', async () => {
    await withDb(async (db) => {
      await db.execScript(
        'update audit_log set purpose = null where seq = 4; delete from audit_log where seq = 2;',
      );
    });
    const bad = await verify();
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/row 2 is missing/);
  });
});
