import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit, verifyAuditChain } from '../identity/audit.js';
import { addVolumes } from '../modules/perimeter/hotlist-store.js';
import { createTestDb, type TestDb } from '../test/db.js';
import {
  ensureMonthlyPartitions,
  ensureMonthsAroundNow,
  monthlyPartitionedTables,
  monthlyPartitions,
} from './partitions.js';

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

/**
 * The audit log (migration 077) partitioned by UTC month on `at`, partition only (no retention):
 * the hash chain still verifies across months and the default, appends go on, and every
 * partition stays append-only, including one created later.
 */
describe(`audit_log partitioned by month (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestDb;
  const db = () => t.db.kysely;
  const append = (at: string, resource: string) =>
    recordAudit(db(), { userId: null, username: 'partition-test', action: 'login', resource }, new Date(at));
  beforeAll(async () => {
    t = await createTestDb();
  }, 300_000);
  afterAll(() => t?.drop());

  it("a query over one week reads only that month's partition (EXPLAIN shows the pruning)", async () => {
    await ensureMonthlyPartitions(
      db(),
      'audit_log',
      'at',
      new Date('2026-10-01T00:00:00Z'),
      new Date('2026-12-01T00:00:00Z'),
    );
    await append('2026-10-20T08:00:00Z', 'october');
    await append('2026-11-23T08:00:00Z', 'november');
    await append('2026-12-02T08:00:00Z', 'december');
    const week = db()
      .selectFrom('audit_log')
      .select(['seq', 'resource'])
      .where('at', '>=', new Date('2026-11-16T00:00:00Z'))
      .where('at', '<', new Date('2026-11-23T12:00:00Z'))
      .orderBy('seq')
      .compile();
    const explained = await db().executeQuery<{ 'QUERY PLAN': unknown }>(
      CompiledQuery.raw(`explain (format json) ${week.sql}`, [...week.parameters]),
    );
    const plan = explained.rows[0]['QUERY PLAN'];
    expect([...new Set(relationsRead(typeof plan === 'string' ? JSON.parse(plan) : plan))]).toEqual([
      'audit_log_p2026_11',
    ]);
    expect((await db().executeQuery<{ resource: string }>(week)).rows.map((r) => r.resource)).toEqual([
      'november',
    ]);
  });

  it('a row for a month without partition lands in the default and moves on creation; the chain verifies and every partition refuses change', async () => {
    await append('2031-05-05T10:00:00Z', 'far-future');
    const inDefault = await db()
      .selectFrom('audit_log_default' as 'audit_log')
      .select('resource')
      .where('resource', '=', 'far-future')
      .execute();
    expect(inDefault).toHaveLength(1);
    // The move out of the default is not a removal the append-only trigger refuses.
    expect(
      await ensureMonthlyPartitions(
        db(),
        'audit_log',
        'at',
        new Date('2031-05-01T00:00:00Z'),
        new Date('2031-05-01T00:00:00Z'),
      ),
    ).toEqual(['audit_log_p2031_05']);
    expect(
      await db()
        .selectFrom('audit_log_p2031_05' as 'audit_log')
        .select('resource')
        .execute(),
    ).toEqual([{ resource: 'far-future' }]);
    await append('2031-05-06T10:00:00Z', 'after-move');
    const verified = await verifyAuditChain(db());
    expect(verified).toMatchObject({ ok: true, firstBadSeq: null });
    expect(verified.checked).toBeGreaterThanOrEqual(5);

    // Append-only still: the default (triggers on again after the move), an old and a new month.
    // (A row trigger fires only on rows, so each of them holds one.)
    await append('2033-01-01T00:00:00Z', 'in-default-again');
    for (const part of ['audit_log_default', 'audit_log_p2026_11', 'audit_log_p2031_05']) {
      await expect(sql`delete from ${sql.id(part)}`.execute(db())).rejects.toThrow(/append-only/);
      await expect(sql`update ${sql.id(part)} set resource = 'x'`.execute(db())).rejects.toThrow(
        /append-only/,
      );
      await expect(sql`truncate ${sql.id(part)}`.execute(db())).rejects.toThrow(/append-only/);
    }
    await expect(sql`truncate audit_log`.execute(db())).rejects.toThrow(/append-only/);
  });
});

/** The hourly upkeep (app.ts) keeps months ahead for every partitioned table it finds. */
describe(`months kept ahead for every monthly-partitioned table (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  }, 300_000);
  afterAll(() => t?.drop());

  it('finds the partitioned tables in the catalog and creates last month to two months ahead, once', async () => {
    const tables = await monthlyPartitionedTables(t.db.kysely);
    expect(tables).toEqual(
      expect.arrayContaining([
        { table: 'audit_log', column: 'at' },
        { table: 'checkpoint_volumes', column: 'hour' },
        { table: 'unit_positions', column: 'at' },
      ]),
    );
    const now = new Date('2032-02-10T12:00:00Z');
    const created = await ensureMonthsAroundNow(t.db.kysely, now);
    for (const { table } of tables) {
      expect(created[table], table).toEqual([
        `${table}_p2032_01`,
        `${table}_p2032_02`,
        `${table}_p2032_03`,
        `${table}_p2032_04`,
      ]);
    }
    // A second run creates nothing; a row for the far month lands in its partition, not the default.
    expect(await ensureMonthsAroundNow(t.db.kysely, now)).toEqual({});
    await recordAudit(
      t.db.kysely,
      { userId: null, username: 'upkeep-test', action: 'login', resource: 'months-ahead' },
      new Date('2032-04-20T00:00:00Z'),
    );
    const where = await sql<{ part: string }>`
      select tableoid::regclass::text as part from audit_log where resource = 'months-ahead'`.execute(
      t.db.kysely,
    );
    expect(where.rows).toEqual([{ part: 'audit_log_p2032_04' }]);
  });
});
