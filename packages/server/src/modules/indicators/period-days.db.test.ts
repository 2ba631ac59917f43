import { DAY_MS, dayStart, shanghaiDay } from '@citywatch/core/indicators/period';
import { sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/app.js';
import { SNAPSHOT_SETTLED_AFTER_MS, scopeOf } from './service.js';

/**
 * A period of several days is made from the stored daily snapshots (and the quantiles from their
 * per-day histograms), the days without a snapshot of the current rule computed live, and gives
 * the live computation's figures; the backfill stores the same rows as the daily snapshot. Over
 * incidents of five days (2026-11-16..20, Shanghai) at two stations, times to the millisecond.
 */
describe(`indicators over days from snapshots (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  const DAYS = ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20'];
  const org = {} as Record<'city' | 'branch' | 'longcheng' | 'longgang', Awaited<ReturnType<typeof orgOf>>>;
  const orgOf = async (name: string) => {
    const o = await t.ctx.db.kysely
      .selectFrom('orgs')
      .select(['id', 'name', 'code', 'kind', 'path'])
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
    return o;
  };
  const period = (from: string, to: string) => t.ctx.indicators.period(from, to);
  /** Every indicator computed from the records over the period (the old, live answer). */
  const live = async (o: (typeof org)['city'], from: string, to: string) => {
    const ctx = t.ctx.indicators.context(scopeOf(o), period(from, to));
    return new Map(
      await Promise.all(t.ctx.indicatorRegistry.map(async (i) => [i.id, await i.compute(ctx)] as const)),
    );
  };
  const answered = async (o: (typeof org)['city'], from: string, to: string, ids?: string[]) =>
    new Map((await t.ctx.indicators.compute(o, period(from, to), ids)).map((f) => [f.id, f]));
  const figures = (
    m: Map<string, { value: number | null; numerator: number | null; denominator: number | null }>,
  ) =>
    Object.fromEntries(
      [...m].map(([id, f]) => [id, { value: f.value, numerator: f.numerator, denominator: f.denominator }]),
    );

  beforeAll(async () => {
    t = await createTestApp();
    org.city = await orgOf('深圳市公安局');
    org.branch = await orgOf('龙岗分局');
    org.longcheng = await orgOf('龙城派出所');
    org.longgang = await orgOf('龙岗派出所');
    // A fixed pseudo-random sequence: the same incidents on every run.
    let seed = 7;
    const rnd = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const rows = [];
    for (const day of DAYS) {
      const start = dayStart(day)!.getTime();
      for (let k = 0; k < 40; k++) {
        const received = start + Math.floor(rnd() * 86_400_000);
        const priority = (['P1', 'P2', 'P3', 'P4'] as const)[Math.floor(rnd() * 4)];
        const arrived = rnd() < 0.85 ? received + Math.floor(40_000 + rnd() * 500_000) : null;
        rows.push({
          id: uuidv7(),
          number: `J${day.replaceAll('-', '')}-8${String(k).padStart(3, '0')}`,
          org_id: rnd() < 0.6 ? org.longcheng.id : org.longgang.id,
          category: 'criminal',
          priority,
          status: 'closed' as const,
          police: rnd() < 0.4,
          narrative: '测试',
          lon: 114.1955,
          lat: 22.6955,
          h3: '8941a3b2a2bffff',
          received_at: new Date(received),
          dispatched_at: new Date(received + Math.floor(20_000 + rnd() * 100_000)),
          arrived_at: arrived === null ? null : new Date(arrived),
          updated_at: new Date(received),
        });
      }
    }
    await t.ctx.db.kysely.insertInto('incidents').values(rows).execute();
  });
  afterAll(() => t?.close());

  const storedRows = () =>
    t.ctx.db.kysely
      .selectFrom('indicator_snapshots')
      .select(['indicator_id', 'org_id', 'day', 'value', 'numerator', 'denominator', 'rule_version'])
      .orderBy('indicator_id')
      .orderBy('org_id')
      .orderBy('day')
      .execute();
  const storedHistograms = () =>
    t.ctx.db.kysely
      .selectFrom('indicator_histograms')
      .select(['family', 'org_id', 'day', 'series', 'bucket', 'n', 'rule_version'])
      .orderBy('family')
      .orderBy('org_id')
      .orderBy('day')
      .orderBy('series')
      .orderBy('bucket')
      .execute();

  it('backfills the same rows as the daily snapshot of each day', async () => {
    const r = await t.ctx.indicators.backfill('2026-11-16', '2026-11-18', org.city);
    expect(r).toMatchObject({ days: 3, values: r.orgs * 3 * t.ctx.indicatorRegistry.length });
    const backfilled = await storedRows();
    const histograms = await storedHistograms();
    expect(backfilled.length).toBe(r.values);
    expect(histograms.length).toBeGreaterThan(0);
    await t.ctx.db.kysely.deleteFrom('indicator_snapshots').execute();
    await t.ctx.db.kysely.deleteFrom('indicator_histograms').execute();
    for (const day of ['2026-11-16', '2026-11-17', '2026-11-18'])
      await t.ctx.indicators.snapshot(day, org.city);
    expect(await storedRows()).toEqual(backfilled);
    expect(await storedHistograms()).toEqual(histograms);
  });

  it('answers a period from the stored days plus the missing ones live, as the live computation', async () => {
    // 16–18 are stored (above), 19–20 are not: one live run.
    for (const o of [org.city, org.branch, org.longcheng, org.longgang]) {
      const expected = figures(await live(o, '2026-11-16', '2026-11-20'));
      expect(figures(await answered(o, '2026-11-16', '2026-11-20')), o.name).toEqual(expected);
    }
    expect(
      (await answered(org.city, '2026-11-16', '2026-11-20')).get('dispatch.validity_rate')!.denominator,
    ).toBe(200);
  });

  it('reads the stored snapshots and histograms of the current rule version only', async () => {
    const id = 'dispatch.validity_rate';
    const before = (await answered(org.longcheng, '2026-11-16', '2026-11-20', [id])).get(id)!;
    const where = { id, org: org.longcheng.id, day: '2026-11-17' };
    await sql`update indicator_snapshots set numerator = numerator + 1000
      where indicator_id = ${where.id} and org_id = ${where.org} and day = ${where.day}`.execute(
      t.ctx.db.kysely,
    );
    const altered = (await answered(org.longcheng, '2026-11-16', '2026-11-20', [id])).get(id)!;
    expect(altered.numerator).toBe(before.numerator! + 1000);
    // Under another rule version the day counts as missing: computed live again.
    await sql`update indicator_snapshots set rule_version = 0
      where indicator_id = ${where.id} and org_id = ${where.org} and day = ${where.day}`.execute(
      t.ctx.db.kysely,
    );
    expect((await answered(org.longcheng, '2026-11-16', '2026-11-20', [id])).get(id)).toMatchObject({
      numerator: before.numerator,
      denominator: before.denominator,
      value: before.value,
    });
    // Back under its rule but stored an hour after its day ended, before the day settled (a call
    // answered after midnight still to come): the day counts as missing as well.
    await sql`update indicator_snapshots set rule_version = ${t.ctx.indicators.find(id).ruleVersion},
        computed_at = ${new Date('2026-11-17T17:00:00Z')}
      where indicator_id = ${where.id} and org_id = ${where.org} and day = ${where.day}`.execute(
      t.ctx.db.kysely,
    );
    expect((await answered(org.longcheng, '2026-11-16', '2026-11-20', [id])).get(id)).toMatchObject({
      numerator: before.numerator,
      value: before.value,
    });
    // A day later it would have counted (the +1000 shows again).
    await sql`update indicator_snapshots set computed_at = ${new Date('2026-11-18T16:00:00Z')}
      where indicator_id = ${where.id} and org_id = ${where.org} and day = ${where.day}`.execute(
      t.ctx.db.kysely,
    );
    expect((await answered(org.longcheng, '2026-11-16', '2026-11-20', [id])).get(id)!.numerator).toBe(
      before.numerator! + 1000,
    );
    await sql`update indicator_snapshots set numerator = numerator - 1000
      where indicator_id = ${where.id} and org_id = ${where.org} and day = ${where.day}`.execute(
      t.ctx.db.kysely,
    );
    // A quantile sums the stored histograms: a day's histogram made to hold 10,000 calls at 9,999 s
    // moves the city's median there.
    const median = 'dispatch.call_to_dispatch.median.P1';
    await t.ctx.db.kysely
      .insertInto('indicator_histograms')
      .values({
        family: 'dispatch.seconds',
        org_id: org.city.id,
        day: '2026-11-18',
        series: 'P1:call_to_dispatch',
        bucket: 9999,
        n: 10_000,
        rule_version: t.ctx.indicators.find(median).ruleVersion,
      })
      .execute();
    expect((await answered(org.city, '2026-11-16', '2026-11-20', [median])).get(median)!.value).toBe(9999);
    // A day between stored ones under another rule version: its stored histogram (made to hold a
    // million calls at 1 s) is left out, the day computed live.
    await t.ctx.db.kysely
      .insertInto('indicator_histograms')
      .values({
        family: 'dispatch.seconds',
        org_id: org.city.id,
        day: '2026-11-17',
        series: 'P1:call_to_dispatch',
        bucket: 1,
        n: 1_000_000,
        rule_version: t.ctx.indicators.find(median).ruleVersion,
      })
      .execute();
    await sql`update indicator_snapshots set rule_version = 0
      where indicator_id = ${median} and org_id = ${org.city.id} and day = '2026-11-17'`.execute(
      t.ctx.db.kysely,
    );
    expect((await answered(org.city, '2026-11-16', '2026-11-20', [median])).get(median)!.value).toBe(9999);
    // Stored under another rule version, that day counts as missing and is computed live.
    await sql`update indicator_snapshots set rule_version = 0
      where indicator_id = ${median} and org_id = ${org.city.id} and day = '2026-11-18'`.execute(
      t.ctx.db.kysely,
    );
    expect((await answered(org.city, '2026-11-16', '2026-11-20', [median])).get(median)!.value).toBe(
      (await live(org.city, '2026-11-16', '2026-11-20')).get(median)!.value,
    );
  });

  it('the scheduler stores yesterday, and the day before again once it has settled, each once', async () => {
    const today = shanghaiDay(t.ctx.now());
    const yesterday = shanghaiDay(new Date(dayStart(today)!.getTime() - DAY_MS));
    const dayBefore = shanghaiDay(new Date(dayStart(today)!.getTime() - 2 * DAY_MS));
    expect(await t.ctx.indicators.scheduledSnapshot()).toBe(true);
    const stored = await t.ctx.db.kysely
      .selectFrom('indicator_snapshots')
      .select(['day', 'computed_at'])
      .where('indicator_id', '=', 'dispatch.validity_rate')
      .where('org_id', '=', org.city.id)
      .where('day', 'in', [yesterday, dayBefore])
      .orderBy('day')
      .execute();
    expect(stored.map((r) => r.day)).toEqual([dayBefore, yesterday]);
    // The day before's row is taken at least a day after that day ended: it stands in for it.
    expect(new Date(stored[0].computed_at).getTime()).toBeGreaterThanOrEqual(
      dayStart(dayBefore)!.getTime() + DAY_MS + SNAPSHOT_SETTLED_AFTER_MS,
    );
    // Claimed once across nodes: a second run stores nothing again.
    expect(await t.ctx.indicators.scheduledSnapshot()).toBe(false);
  });
});
