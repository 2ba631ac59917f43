import { quantile } from '@citywatch/core/dispatch/figures';
import { latLngToCell } from 'h3-js';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

/**
 * Indicators computed from what happened: incidents of two stations on one day (test clock
 * 2026-11-23 08:00 UTC = 16:00 Shanghai), values checked against the same rows counted here, the
 * rows behind a value, a station's scope, snapshots with their rule version, trends, the ranking
 * and refusals of bad input.
 */
describe(`indicators (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let stationDispatcher: string;
  const org = {} as Record<'city' | 'branch' | 'longcheng' | 'longgang', { id: string; name: string }>;
  // [station, priority, police, seconds to dispatch, seconds to arrival | null]
  const CALLS: ['longcheng' | 'longgang', 'P1' | 'P2' | 'P3', boolean, number, number | null][] = [
    ['longcheng', 'P1', true, 40, 150],
    ['longcheng', 'P1', true, 55, 170],
    ['longcheng', 'P1', true, 70, 260],
    ['longcheng', 'P1', true, 90, 400],
    ['longcheng', 'P2', false, 100, null],
    ['longcheng', 'P3', false, 300, 1200],
    ['longgang', 'P1', true, 30, 120],
    ['longgang', 'P1', false, 45, 200],
    ['longgang', 'P3', false, 200, null],
  ];

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = await t.ctx.identity.listOrgsUnscoped();
    const byName = (n: string) => orgs.find((o) => o.name === n)!;
    org.city = byName('深圳市公安局');
    org.branch = byName('龙岗分局');
    org.longcheng = byName('龙城派出所');
    org.longgang = byName('龙岗派出所');
    const r = await t.as(admin, {
      method: 'POST',
      url: '/api/users',
      payload: {
        username: 'ind.longgang',
        displayName: '龙岗派出所值班员',
        password: 'a-long-password',
        orgId: org.longgang.id,
        roles: ['dispatcher'],
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    stationDispatcher = await t.login('ind.longgang', 'a-long-password');
    const base = Date.parse('2026-11-23T02:00:00Z'); // 10:00 Shanghai
    let n = 0;
    for (const [station, priority, police, toDispatch, toArrival] of CALLS) {
      const received = new Date(base + n * 600_000);
      n++;
      await t.ctx.db.kysely
        .insertInto('incidents')
        .values({
          id: uuidv7(),
          number: `J20261123-9${String(n).padStart(3, '0')}`,
          org_id: org[station].id,
          category: police ? 'criminal' : 'consultation',
          priority,
          status: 'closed',
          police,
          narrative: '测试',
          lon: 114.1955,
          lat: 22.6955,
          h3: latLngToCell(22.6955, 114.1955, 9),
          received_at: received,
          dispatched_at: new Date(received.getTime() + toDispatch * 1000),
          arrived_at: toArrival === null ? null : new Date(received.getTime() + toArrival * 1000),
          updated_at: received,
        })
        .execute();
    }
  });
  afterAll(() => t?.close());

  const values = async (cookie: string, query: string) => {
    const r = await t.as(cookie, { method: 'GET', url: `/api/indicators/values?${query}` });
    expect(r.statusCode, r.body).toBe(200);
    return new Map(
      (r.json().items as { id: string; value: number | null; status: string }[]).map((i) => [i.id, i]),
    );
  };

  it('lists the indicators every module declared, with targets and rule versions', async () => {
    const r = await t.as(admin, { method: 'GET', url: '/api/indicators' });
    expect(r.statusCode).toBe(200);
    const items = r.json().items as { id: string; module: string; ruleVersion: number }[];
    const modules = new Set(items.map((i) => i.module));
    for (const m of ['dispatch', 'coverage', 'perimeter', 'places', 'community', 'devices', 'oversight'])
      expect(modules, m).toContain(m);
    expect(items.find((i) => i.id === 'dispatch.validity_rate')).toMatchObject({
      module: 'dispatch',
      name: { zh: '110有效警情率', en: '110 validity rate' },
      unit: 'share',
      target: 0.364,
      higherIsBetter: true,
      ruleVersion: 1,
    });
  });

  it('computes the figures of an org subtree from its incidents', async () => {
    const day = 'from=2026-11-23&to=2026-11-23';
    const station = (s: 'longcheng' | 'longgang') => CALLS.filter((c) => c[0] === s);
    const p1Arrivals = (calls: typeof CALLS) =>
      calls
        .filter((c) => c[1] === 'P1' && c[4] !== null)
        .map((c) => c[4]!)
        .sort((a, b) => a - b);
    const lc = await values(admin, `${day}&org=${org.longcheng.id}`);
    const lcCalls = station('longcheng');
    expect(lc.get('dispatch.validity_rate')!.value).toBeCloseTo(
      lcCalls.filter((c) => c[2]).length / lcCalls.length,
    );
    expect(lc.get('dispatch.call_to_arrival.median.P1')!.value).toBe(quantile(p1Arrivals(lcCalls), 0.5));
    expect(lc.get('dispatch.call_to_arrival.p90.P1')!.value).toBe(quantile(p1Arrivals(lcCalls), 0.9));
    expect(lc.get('dispatch.p1_arrived_within_3min')!.value).toBe(
      p1Arrivals(lcCalls).filter((s) => s <= 180).length / p1Arrivals(lcCalls).length,
    );
    // 40, 55, 70, 90 s: the median (nearest rank) is 55 s, within the 60 s target.
    expect(lc.get('dispatch.call_to_dispatch.median.P1')).toMatchObject({ value: 55, status: 'met' });
    // The branch bureau counts both stations.
    const branch = await values(admin, `${day}&org=${org.branch.id}`);
    expect(branch.get('dispatch.validity_rate')!.value).toBeCloseTo(
      CALLS.filter((c) => c[2]).length / CALLS.length,
    );
    // Another day has no calls: nothing to count.
    const other = await values(admin, `from=2026-11-22&to=2026-11-22&org=${org.longcheng.id}`);
    expect(other.get('dispatch.validity_rate')).toMatchObject({ value: null, status: 'none' });
  });

  it('opens the rows a figure was computed from, in the same scope', async () => {
    const r = await t.as(admin, {
      method: 'GET',
      url: `/api/indicators/dispatch.call_to_arrival.median.P1/rows?from=2026-11-23&to=2026-11-23&org=${org.longcheng.id}`,
    });
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    const expected = CALLS.filter((c) => c[0] === 'longcheng' && c[1] === 'P1' && c[4] !== null);
    expect(body.total).toBe(expected.length);
    expect(
      body.rows
        .map((x: { callToArrivalS: number }) => x.callToArrivalS)
        .sort((a: number, b: number) => a - b),
    ).toEqual(expected.map((c) => c[4]).sort((a, b) => a! - b!));
    expect(body.columns.map((c: { key: string }) => c.key)).toContain('callToArrivalS');
    expect(r.body).not.toContain('callerPhone');
  });

  it("keeps a station to its own subtree: another station's org is refused, its own figures hold only its calls", async () => {
    for (const url of [
      `/api/indicators/values?org=${org.longcheng.id}`,
      `/api/indicators/dispatch.validity_rate/rows?org=${org.longcheng.id}`,
      `/api/indicators/dispatch.validity_rate/trend?org=${org.longcheng.id}`,
      `/api/indicators/dispatch.validity_rate/ranking?org=${org.branch.id}`,
    ]) {
      const r = await t.as(stationDispatcher, { method: 'GET', url });
      expect(r.statusCode, url).toBe(400);
      expect(r.json().errors[0]).toMatchObject({ field: 'org', rule: 'org_in_scope' });
    }
    const own = await values(stationDispatcher, 'from=2026-11-23&to=2026-11-23');
    expect(own.get('dispatch.validity_rate')!.value).toBeCloseTo(1 / 3);
    const rows = await t.as(stationDispatcher, {
      method: 'GET',
      url: '/api/indicators/dispatch.validity_rate/rows?from=2026-11-23&to=2026-11-23',
    });
    expect(rows.json().total).toBe(3);
    expect(new Set(rows.json().rows.map((x: { station: string }) => x.station))).toEqual(
      new Set(['龙岗派出所']),
    );
  });

  it('stores daily snapshots per org with the rule version; the trend reads them', async () => {
    const r = await t.as(admin, {
      method: 'POST',
      url: '/api/indicators/snapshots',
      payload: { day: '2026-11-23' },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().orgs).toBeGreaterThanOrEqual(6);
    const stored = await t.ctx.db.kysely
      .selectFrom('indicator_snapshots')
      .selectAll()
      .where('indicator_id', '=', 'dispatch.validity_rate')
      .where('org_id', '=', org.longcheng.id)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ day: '2026-11-23', rule_version: 1, numerator: 4, denominator: 6 });
    const trend = await t.as(admin, {
      method: 'GET',
      url: `/api/indicators/dispatch.validity_rate/trend?from=2026-11-20&to=2026-11-23&org=${org.longcheng.id}`,
    });
    expect(trend.json().points).toEqual([
      expect.objectContaining({ day: '2026-11-23', value: 4 / 6, ruleVersion: 1, status: 'met' }),
    ]);
    // Once across nodes: the second claim of the same job and day is refused.
    let runs = 0;
    expect(await t.ctx.indicators.once('test', '2026-11-23', async () => void runs++)).toBe(true);
    expect(await t.ctx.indicators.once('test', '2026-11-23', async () => void runs++)).toBe(false);
    expect(runs).toBe(1);
  });

  it('ranks the stations of a subtree, best first', async () => {
    const r = await t.as(admin, {
      method: 'GET',
      url: `/api/indicators/dispatch.validity_rate/ranking?from=2026-11-23&to=2026-11-23&org=${org.branch.id}`,
    });
    expect(r.statusCode, r.body).toBe(200);
    const stations = r.json().stations as { name: string; value: number | null; rank: number | null }[];
    expect(stations.slice(0, 2).map((s) => s.name)).toEqual(['龙城派出所', '龙岗派出所']);
    expect(stations[0].rank).toBe(1);
    expect(stations.filter((s) => s.value === null).every((s) => s.rank === null)).toBe(true);
  });

  it('generates a report on demand, lists and serves it within the subtree only', async () => {
    const made = await t.as(admin, {
      method: 'POST',
      url: '/api/indicators/reports',
      payload: { kind: 'daily', format: 'xlsx', period: '2026-11-23', org: org.longcheng.id },
    });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toMatchObject({ orgName: '龙城派出所', kind: 'daily', label: '2026-11-23' });
    const file = await t.as(admin, { method: 'GET', url: `/api/indicators/reports/${made.json().id}` });
    expect(file.statusCode).toBe(200);
    expect(file.headers['x-content-sha256']).toBe(made.json().sha256);
    expect(file.rawPayload.length).toBe(made.json().bytes);
    const other = await t.as(stationDispatcher, {
      method: 'GET',
      url: `/api/indicators/reports/${made.json().id}`,
    });
    expect(other.statusCode).toBe(404);
    const list = await t.as(stationDispatcher, { method: 'GET', url: '/api/indicators/reports' });
    expect(list.json().items).toEqual([]);
    const wrong = await t.as(admin, {
      method: 'POST',
      url: '/api/indicators/reports',
      payload: { kind: 'daily', format: 'pdf', period: '2026-11' },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().errors[0]).toMatchObject({ field: 'period', rule: 'period_for_kind' });
  });

  it('refuses a period that ends before it starts, and an unknown indicator', async () => {
    const backwards = await t.as(admin, {
      method: 'GET',
      url: '/api/indicators/values?from=2026-11-23&to=2026-11-01',
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.headers['content-type']).toContain('application/problem+json');
    expect(backwards.json().errors[0]).toMatchObject({ field: 'to', rule: 'period_order' });
    const unknown = await t.as(admin, { method: 'GET', url: '/api/indicators/no.such/rows' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().errors[0]).toMatchObject({ rule: 'unknown_indicator' });
    const notADay = await t.as(admin, { method: 'GET', url: '/api/indicators/values?from=2026-13-45' });
    expect(notADay.statusCode).toBe(400);
  });
});
