import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addVolumes } from '../modules/perimeter/hotlist-store.js';
import { createTestDb, type TestDb } from '../test/db.js';
import { ensureMonthlyPartitions, monthlyPartitions } from './partitions.js';

/** Names of the tables a plan reads (EXPLAIN (FORMAT JSON) nodes' "Relation Name"). */
function relationsRead(plan: unknown): string[] {
  if (Array.isArray(plan)) return plan.flatMap(relationsRead);
  if (!plan || typeof plan !== 'object') return [];
  const node = plan as Record<string, unknown>;
  const own = typeof node['Relation Name'] === 'string' ? [node['Relation Name'] as string] : [];
  return [...own, ...Object.values(node).flatMap(relationsRead)];
}

/** Plate-read counts (checkpoint_volumes, migration 076) partitioned by UTC month on the hour. */
describe(`checkpoint_volumes partitioned by month (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestDb;
  const db = () => t.db.kysely;
  const count = (checkpoint: string, hour: string, reads: number) => ({
    checkpoint_id: checkpoint,
    direction: 'in' as const,
    hour: new Date(hour),
    reads,
    hits: 0,
    invalid: 0,
  });
  beforeAll(async () => {
    t = await createTestDb();
  }, 300_000);
  afterAll(() => t?.drop());

  it("a week's report for one checkpoint reads only that month's partition (EXPLAIN shows the pruning)", async () => {
    await ensureMonthlyPartitions(
      db(),
      'checkpoint_volumes',
      'hour',
      new Date('2026-10-01T00:00:00Z'),
      new Date('2026-12-01T00:00:00Z'),
    );
    await addVolumes(db(), [
      count('CP-G15-N', '2026-10-20T08:00:00Z', 40),
      count('CP-G15-N', '2026-11-23T08:00:00Z', 55),
      count('CP-G15-N', '2026-12-02T08:00:00Z', 61),
    ]);
    const week = db()
      .selectFrom('checkpoint_volumes')
      .select(['hour', 'reads'])
      .where('checkpoint_id', '=', 'CP-G15-N')
      .where('hour', '>=', new Date('2026-11-16T00:00:00Z'))
      .where('hour', '<', new Date('2026-11-23T12:00:00Z'))
      .compile();
    const explained = await db().executeQuery<{ 'QUERY PLAN': unknown }>(
      CompiledQuery.raw(`explain (format json) ${week.sql}`, [...week.parameters]),
    );
    const plan = explained.rows[0]['QUERY PLAN'];
    expect([...new Set(relationsRead(typeof plan === 'string' ? JSON.parse(plan) : plan))]).toEqual([
      'checkpoint_volumes_p2026_11',
    ]);
    expect((await db().executeQuery(week)).rows).toEqual([{ hour: expect.anything(), reads: 55 }]);
  });

  it('counts for a month with no partition land in the default one, add up there, and move into the month once created', async () => {
    expect((await monthlyPartitions(db(), 'checkpoint_volumes')).map((p) => p.name)).not.toContain(
      'checkpoint_volumes_p2031_03',
    );
    // The volume flush's own statement: its `on conflict` target holds on the partitioned table.
    await addVolumes(db(), [count('CP-S30-E', '2031-03-05T10:00:00Z', 7)]);
    await addVolumes(db(), [count('CP-S30-E', '2031-03-05T10:00:00Z', 5)]);
    const inDefault = await db()
      .selectFrom('checkpoint_volumes_default' as 'checkpoint_volumes')
      .select('reads')
      .where('checkpoint_id', '=', 'CP-S30-E')
      .execute();
    expect(inDefault).toEqual([{ reads: 12 }]);

    const created = await ensureMonthlyPartitions(
      db(),
      'checkpoint_volumes',
      'hour',
      new Date('2031-03-01T00:00:00Z'),
      new Date('2031-03-01T00:00:00Z'),
    );
    expect(created).toEqual(['checkpoint_volumes_p2031_03']);
    expect(
      await db()
        .selectFrom('checkpoint_volumes_p2031_03' as 'checkpoint_volumes')
        .select('reads')
        .where('checkpoint_id', '=', 'CP-S30-E')
        .execute(),
    ).toEqual([{ reads: 12 }]);
    expect(
      await db()
        .selectFrom('checkpoint_volumes_default' as 'checkpoint_volumes')
        .select('reads')
        .where('checkpoint_id', '=', 'CP-S30-E')
        .execute(),
    ).toEqual([]);
    // Later counts for that hour add to the moved row.
    await addVolumes(db(), [count('CP-S30-E', '2031-03-05T10:00:00Z', 1)]);
    expect(
      await db()
        .selectFrom('checkpoint_volumes')
        .select('reads')
        .where('checkpoint_id', '=', 'CP-S30-E')
        .execute(),
    ).toEqual([{ reads: 13 }]);
  });
});
