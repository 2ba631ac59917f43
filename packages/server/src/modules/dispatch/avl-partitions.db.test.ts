import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthlyPartitions } from '../../db/partitions.js';
import { verifyAuditChain } from '../../identity/audit.js';
import { createTestApp, type TestApp } from '../../test/app.js';
import { ensureAvlPartitions, purgeExpiredPersonalData } from './retention.js';
import { insertPositions } from './units/store.js';

const DAY_MS = 86_400_000;

/** Names of the tables a plan reads (EXPLAIN (FORMAT JSON) nodes' "Relation Name"). */
function relationsRead(plan: unknown): string[] {
  if (Array.isArray(plan)) return plan.flatMap(relationsRead);
  if (!plan || typeof plan !== 'object') return [];
  const node = plan as Record<string, unknown>;
  const own = typeof node['Relation Name'] === 'string' ? [node['Relation Name'] as string] : [];
  return [...own, ...Object.values(node).flatMap(relationsRead)];
}

describe(`AVL history partitioned by month (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let unitId: string;
  const db = () => t.ctx.db.kysely;
  const fix = (at: string) => ({ unit_id: unitId, at: new Date(at), lon: 114.2, lat: 22.68 });
  const storedTimes = async () =>
    (
      await db()
        .selectFrom('unit_positions')
        .select('at')
        .where('unit_id', '=', unitId)
        .orderBy('at')
        .execute()
    ).map((r) => new Date(r.at).toISOString());

  beforeAll(async () => {
    t = await createTestApp();
    unitId = (await t.ctx.dispatch.createUnit({ callSign: 'PART01', kind: 'patrol_car' })).id;
  });
  afterAll(() => t.close());

  it("a query for one unit over one hour reads only that month's partition (EXPLAIN shows the pruning)", async () => {
    await ensureAvlPartitions(db(), t.ctx.now());
    await db()
      .insertInto('unit_positions')
      .values([fix('2026-10-15T08:00:00Z'), fix('2026-11-23T08:10:00Z'), fix('2026-12-02T08:00:00Z')])
      .execute();
    const hour = db()
      .selectFrom('unit_positions')
      .select(['at', 'lon', 'lat'])
      .where('unit_id', '=', unitId)
      .where('at', '>=', new Date('2026-11-23T08:00:00Z'))
      .where('at', '<', new Date('2026-11-23T09:00:00Z'))
      .orderBy('at')
      .compile();
    const explained = await db().executeQuery<{ 'QUERY PLAN': unknown }>(
      CompiledQuery.raw(`explain (format json) ${hour.sql}`, [...hour.parameters]),
    );
    const plan = explained.rows[0]['QUERY PLAN'];
    const parsed = typeof plan === 'string' ? JSON.parse(plan) : plan;
    expect([...new Set(relationsRead(parsed))]).toEqual(['unit_positions_p2026_11']);
    const rows = await db().executeQuery(hour);
    expect(rows.rows).toHaveLength(1);
  });

  it('an insert for a month with no partition yet lands in the default one and moves into its month once created', async () => {
    const far = '2030-06-10T03:00:00Z';
    expect((await monthlyPartitions(db(), 'unit_positions')).map((p) => p.name)).not.toContain(
      'unit_positions_p2030_06',
    );
    // The ingest's own statement (its `on conflict (unit_id, at)` must still find its arbiter).
    const farFix = { unitId, at: far, lon: 114.2005, lat: 22.6805 };
    expect(await insertPositions(db(), [farFix])).toHaveLength(1);
    const inDefault = await db()
      .selectFrom('unit_positions_default' as 'unit_positions')
      .select('at')
      .where('unit_id', '=', unitId)
      .execute();
    expect(inDefault.map((r) => new Date(r.at).toISOString())).toEqual([new Date(far).toISOString()]);
    // A repeat of the same fix is skipped by the conflict target, not refused.
    expect(await insertPositions(db(), [farFix])).toEqual([]);

    const created = await ensureAvlPartitions(db(), new Date('2030-07-01T00:00:00Z'));
    expect(created).toContain('unit_positions_p2030_06');
    const moved = await db()
      .selectFrom('unit_positions_p2030_06' as 'unit_positions')
      .select('at')
      .where('unit_id', '=', unitId)
      .execute();
    expect(moved).toHaveLength(1);
    expect(
      await db()
        .selectFrom('unit_positions_default' as 'unit_positions')
        .select('at')
        .where('unit_id', '=', unitId)
        .execute(),
    ).toEqual([]);
    expect((await storedTimes()).filter((at) => at === new Date(far).toISOString())).toHaveLength(1);
    // Running again creates nothing.
    expect(await ensureAvlPartitions(db(), new Date('2030-07-01T00:00:00Z'))).toEqual([]);
  });

  it('retention drops the months wholly past the boundary and deletes rows only in the month straddling it, audited', async () => {
    const now = new Date('2027-06-15T00:00:00Z');
    const avlBefore = new Date(now.getTime() - 90 * DAY_MS); // 2027-03-17
    for (const month of ['2027-01-01', '2027-03-01', '2027-05-01'])
      await ensureAvlPartitions(db(), new Date(`${month}T00:00:00Z`));
    await db()
      .insertInto('unit_positions')
      .values([
        fix('2027-01-20T00:00:00Z'),
        fix('2027-02-10T00:00:00Z'),
        fix('2027-03-10T00:00:00Z'),
        fix('2027-03-16T23:59:59Z'),
        fix('2027-03-17T00:00:01Z'),
        fix('2027-03-20T00:00:00Z'),
        fix('2027-05-01T00:00:00Z'),
      ])
      .execute();
    const older = await db()
      .selectFrom('unit_positions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('at', '<', avlBefore)
      .executeTakeFirstOrThrow();
    const monthsBefore = (await monthlyPartitions(db(), 'unit_positions')).map((p) => p.name);

    const report = await purgeExpiredPersonalData(db(), { callerDays: 180, avlDays: 90 }, now);

    expect(report.avlPositions).toBe(Number(older.n));
    expect(report.avlPartitionsDropped).toEqual(
      expect.arrayContaining([
        'unit_positions_p2026_11',
        'unit_positions_p2026_12',
        'unit_positions_p2027_01',
        'unit_positions_p2027_02',
      ]),
    );
    const monthsAfter = (await monthlyPartitions(db(), 'unit_positions')).map((p) => p.name);
    // Only months ending on or before the boundary went; March (straddling it) stays.
    expect(monthsAfter.filter((name) => monthsBefore.includes(name))).toEqual(
      monthsBefore.filter((name) => !report.avlPartitionsDropped.includes(name)),
    );
    expect(monthsAfter).toEqual(
      expect.arrayContaining([
        'unit_positions_p2027_03',
        'unit_positions_p2027_05',
        'unit_positions_p2030_06',
      ]),
    );
    expect(monthsAfter.every((name) => name >= 'unit_positions_p2027_03')).toBe(true);
    // The straddling month lost its rows before the boundary and kept the rest.
    expect(await storedTimes()).toEqual([
      '2027-03-17T00:00:01.000Z',
      '2027-03-20T00:00:00.000Z',
      '2027-05-01T00:00:00.000Z',
      '2030-06-10T03:00:00.000Z',
    ]);
    const audit = await db()
      .selectFrom('audit_log')
      .select(['detail'])
      .where('resource', '=', 'retention_purge')
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    expect(audit.detail).toMatchObject({
      avlPositions: report.avlPositions,
      avlPartitionsDropped: report.avlPartitionsDropped,
      avlBefore: avlBefore.toISOString(),
    });
    expect((await verifyAuditChain(db())).ok).toBe(true);
    // The months ahead of `now` exist for the fixes to come.
    expect(monthsAfter).toEqual(
      expect.arrayContaining(['unit_positions_p2027_07', 'unit_positions_p2027_08']),
    );
  });
});
