import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../test/db.js';
import { migrate } from './migrate.js';

describe(`database (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(() => t.drop());

  it('applies migrations once and records them', async () => {
    const rows = await t.db.kysely.selectFrom('schema_migrations').select('version').execute();
    expect(rows.map((r) => r.version)).toContain('001_identity');
    expect(await migrate(t.db)).toEqual([]);
  });

  it('has pg_trgm for text similarity on both back ends', async () => {
    const r = await sql<{ s: number }>`select similarity('龙岗大道', '龙岗大道8号') as s`.execute(
      t.db.kysely,
    );
    expect(r.rows[0].s).toBeGreaterThan(0.3);
  });

  it('rolls a failed transaction back completely', async () => {
    const id = '0190b5a0-0000-7000-8000-000000000001';
    await expect(
      t.db.kysely.transaction().execute(async (trx) => {
        await trx
          .insertInto('orgs')
          .values({ id, parent_id: null, kind: 'city_bureau', name: 'x', code: 'TX1', path: `/${id}/` })
          .execute();
        await trx
          .insertInto('orgs')
          .values({ id, parent_id: null, kind: 'city_bureau', name: 'dup', code: 'TX2', path: '/' })
          .execute();
      }),
    ).rejects.toThrow();
    const left = await t.db.kysely
      .selectFrom('orgs')
      .where('code', 'in', ['TX1', 'TX2'])
      .selectAll()
      .execute();
    expect(left).toEqual([]);
  });
});
