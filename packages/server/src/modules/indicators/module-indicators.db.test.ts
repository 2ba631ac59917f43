import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

const SPOT = { lon: 114.1955, lat: 22.6955 }; // in 龙城派出所's jurisdiction
const KY = 111_320;

/**
 * The indicators of patrol, explosives and schools, made through each module's own API on the
 * bundled city (test clock 2026-11-23 08:00 UTC): patrol dosage from a plan and AVL along real
 * roads, variance-free magazine-days from daily counts, school compliance from assessments. Each
 * value is checked against what the module itself reports, with its drill-down rows and the
 * scope of a station (the sibling station sees none of it, the branch all of it).
 */
describe(`patrol, explosives and school indicators (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  const orgs: Record<string, string> = {};
  const cookie: Record<string, string> = {};
  const userId: Record<string, string> = {};
  let planId = '';
  let mine = '';

  const call = (who: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    t.as(who, { method, url, ...(payload ? { payload: payload as Record<string, unknown> } : {}) });
  const ok = async (who: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => {
    const r = await call(who, method, url, payload);
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
    return r.body ? r.json() : undefined;
  };
  const value = async (id: string, org: string, from: string, to = from) => {
    const body = await ok(
      admin,
      'GET',
      `/api/indicators/values?from=${from}&to=${to}&org=${orgs[org]}&ids=${id}`,
    );
    return body.items[0] as {
      id: string;
      value: number | null;
      numerator: number | null;
      denominator: number | null;
    };
  };
  const rows = (id: string, org: string, from: string, to = from) =>
    ok(admin, 'GET', `/api/indicators/${id}/rows?from=${from}&to=${to}&org=${orgs[org]}`);

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    for (const o of (await ok(admin, 'GET', '/api/orgs')).items as { id: string; name: string }[])
      orgs[o.name] = o.id;
    for (const [username, roles, org] of [
      ['mi.insp', ['industry_inspector'], '龙城派出所'],
      ['mi.cmd', ['commander'], '龙城派出所'],
      ['mi.mine', ['enterprise'], '龙城派出所'],
    ] as const) {
      const r = await call(admin, 'POST', '/api/users', {
        username,
        displayName: username,
        password: 'a-long-password',
        orgId: orgs[org],
        roles,
      });
      expect(r.statusCode, r.body).toBe(201);
      userId[username] = r.json().id;
      cookie[username] = await t.login(username, 'a-long-password');
    }
  }, 300_000);
  afterAll(() => t?.close());

  it('patrol dosage: planned visits received, as the plan compliance measured them from AVL', async () => {
    const unit = await ok(cookie['mi.cmd'], 'POST', '/api/dispatch/units', {
      callSign: '龙城巡88',
      kind: 'patrol_car',
    });
    // A path along real roads near the station: walk the graph from the nearest edge.
    const city = await t.ctx.places.city(undefined);
    const g = city.graph;
    const snap = city.snapper.snap(SPOT.lon, SPOT.lat, 500);
    if (!snap) throw new Error('no road near the station');
    let v = g.edgeTail[snap.edge];
    const seen = new Set<number>([v]);
    const road = [{ lon: g.nodeLon[v], lat: g.nodeLat[v] }];
    for (let step = 0; step < 400 && road.length < 40; step++) {
      let next = -1;
      let longest = 0;
      for (let e = g.firstOut[v]; e < g.firstOut[v + 1]; e++) {
        if (!seen.has(g.edgeHead[e]) && g.edgeLength[e] > longest) {
          longest = g.edgeLength[e];
          next = g.edgeHead[e];
        }
      }
      if (next < 0) break;
      seen.add(next);
      v = next;
      road.push({ lon: g.nodeLon[v], lat: g.nodeLat[v] });
    }
    expect(road.length).toBeGreaterThan(6);
    const spots = [road[2], road[road.length - 2]];
    const dx = 1500 / (KY * Math.cos((SPOT.lat * Math.PI) / 180));
    const dy = 1500 / KY;
    const [lon, lat] = [spots[0].lon, spots[0].lat];
    const plan = await ok(cookie['mi.cmd'], 'POST', '/api/patrol/plans', {
      name: '龙城早班',
      shift: { start: '2026-11-23T06:00:00.000Z', end: '2026-11-23T14:00:00.000Z' },
      seed: 7,
      zones: [
        {
          key: 'z1',
          name: '龙城一区',
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [lon - dx, lat - dy],
                [lon + dx, lat - dy],
                [lon + dx, lat + dy],
                [lon - dx, lat + dy],
                [lon - dx, lat - dy],
              ],
            ],
          },
        },
      ],
      targets: spots.map((s, i) => ({
        key: `p${i + 1}`,
        name: `必巡点 ${i + 1}`,
        kind: 'point',
        geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
        zoneKey: 'z1',
      })),
      assignments: [{ unitId: unit.id, zoneKey: 'z1' }],
    });
    planId = plan.id;
    // 06:10: 15 minutes parked at p1, then along the road; p2 never reached.
    const fixes: { unit_id: string; at: Date; lon: number; lat: number }[] = [];
    let at = Date.parse('2026-11-23T06:10:00Z');
    for (let s = 0; s < (15 * 60) / 5; s++, at += 5_000)
      fixes.push({
        unit_id: unit.id,
        at: new Date(at),
        lon: spots[0].lon + ((s % 3) - 1) * 0.00005,
        lat: spots[0].lat,
      });
    for (let i = 3; i < 8; i++, at += 5_000) fixes.push({ unit_id: unit.id, at: new Date(at), ...road[i] });
    await t.ctx.db.kysely.insertInto('unit_positions').values(fixes).execute();

    const c = await ok(cookie['mi.cmd'], 'GET', `/api/patrol/plans/${planId}/compliance`);
    const targets = c.targets as {
      name: string;
      plannedVisits: number;
      missed: number;
      dosedVisits: number;
    }[];
    const planned = targets.reduce((s, x) => s + x.plannedVisits, 0);
    const received = targets.reduce((s, x) => s + x.plannedVisits - x.missed, 0);
    expect(planned).toBeGreaterThan(0);
    expect(received).toBeGreaterThanOrEqual(1); // the stop at p1

    const lc = await value('patrol.dosage', '龙城派出所', '2026-11-23');
    expect(lc).toMatchObject({ numerator: received, denominator: planned });
    expect(lc.value).toBeCloseTo(received / planned);
    expect((await value('patrol.dosage', '龙岗分局', '2026-11-23')).denominator).toBe(planned);
    expect((await value('patrol.dosage', '龙岗派出所', '2026-11-23')).value).toBeNull();
    expect((await value('patrol.dosage', '龙城派出所', '2026-11-22')).value).toBeNull();

    const r = await rows('patrol.dosage', '龙城派出所', '2026-11-23');
    expect(r.total).toBe(targets.filter((x) => x.plannedVisits > 0).length);
    for (const x of targets.filter((y) => y.plannedVisits > 0))
      expect(r.rows.find((row: { target: string }) => row.target === x.name)).toMatchObject({
        plan: '龙城早班',
        planned: x.plannedVisits,
        received: x.plannedVisits - x.missed,
        missed: x.missed,
      });
  }, 300_000);

  it('variance-free magazine-days: the days without a variance alarm from the daily counts', async () => {
    mine = (
      await ok(cookie['mi.insp'], 'POST', '/api/oversight/units', {
        industry: 'explosives',
        name: '龙城爆破公司',
        licenceNo: 'MB-2026-88',
        address: '龙城 8 号',
        ...SPOT,
      })
    ).id;
    await ok(admin, 'POST', `/api/oversight/units/${mine}/users`, { userId: userId['mi.mine'] });
    await ok(admin, 'POST', '/api/explosives/products', {
      code: 'EDET-8M',
      name: '电子雷管',
      kind: 'itemised',
    });
    for (const name of ['M1', 'M2'])
      await ok(cookie['mi.insp'], 'POST', '/api/explosives/magazines', {
        enterpriseId: mine,
        name,
        orgId: orgs['龙城派出所'],
        capacity: [{ product: 'EDET-8M', quantity: 50 }],
      });
    // Nothing is on the book: counting 0 balances, counting 1 is a variance (an alarm).
    const count = (date: string, m1: number, m2: number) =>
      ok(cookie['mi.mine'], 'POST', '/api/explosives/counts', {
        enterpriseId: mine,
        date,
        counts: [
          { account: 'magazine:M1', product: 'EDET-8M', counted: m1 },
          { account: 'magazine:M2', product: 'EDET-8M', counted: m2 },
        ],
      });
    expect((await count('2026-11-20', 1, 0)).variances).toHaveLength(1);
    await count('2026-11-21', 0, 0);
    expect((await count('2026-11-22', 1, 1)).variances).toHaveLength(2);

    // 20–22 Nov: M1 varies on two days of three, M2 on one: 3 of 6 magazine-days free.
    const lc = await value('explosives.variance_free_days', '龙城派出所', '2026-11-20', '2026-11-22');
    expect(lc).toMatchObject({ value: 0.5, numerator: 3, denominator: 6 });
    // The whole week: 7 days each, 14 magazine-days, 3 with a variance.
    expect(
      await value('explosives.variance_free_days', '龙岗分局', '2026-11-17', '2026-11-23'),
    ).toMatchObject({
      numerator: 11,
      denominator: 14,
    });
    expect((await value('explosives.variance_free_days', '龙城派出所', '2026-11-21')).value).toBe(1);
    expect(
      (await value('explosives.variance_free_days', '龙岗派出所', '2026-11-20', '2026-11-22')).value,
    ).toBeNull();

    const r = await rows('explosives.variance_free_days', '龙城派出所', '2026-11-20', '2026-11-22');
    expect(r.total).toBe(2);
    expect(r.rows).toEqual([
      expect.objectContaining({
        magazine: 'M1',
        days: 3,
        varianceDays: 2,
        varianceFreeDays: 1,
        varianceDates: '2026-11-20, 2026-11-22',
      }),
      expect.objectContaining({ magazine: 'M2', days: 3, varianceDays: 1, varianceDates: '2026-11-22' }),
    ]);
  }, 300_000);

  it('school compliance: the assessed schools meeting every item, as the oversight page judges them', async () => {
    const school = async (name: string, extra: Record<string, unknown> = SPOT) =>
      (
        await ok(extra === SPOT ? cookie['mi.insp'] : admin, 'POST', '/api/oversight/units', {
          industry: 'school',
          name,
          ...extra,
        })
      ).id as string;
    const good = await school('龙城实验小学');
    const bad = await school('龙城第二中学');
    await school('龙城第三小学'); // never assessed: not counted
    const hospital = (
      await ok(cookie['mi.insp'], 'POST', '/api/oversight/units', {
        industry: 'hospital',
        name: '龙城医院',
        ...SPOT,
      })
    ).id;
    const assessed = {
      population: 1200, // 3 guards needed
      guards: 3,
      closedCampus: true,
      alarmLinked: true,
      alarmTestedOn: '2026-11-10',
      videoCoveragePct: 100,
    };
    await ok(cookie['mi.insp'], 'PUT', `/api/oversight/units/${good}/compliance`, assessed);
    await ok(cookie['mi.insp'], 'PUT', `/api/oversight/units/${bad}/compliance`, { ...assessed, guards: 2 });
    await ok(cookie['mi.insp'], 'PUT', `/api/oversight/units/${hospital}/compliance`, assessed);

    // What the oversight page says about the same schools.
    const report = await ok(cookie['mi.insp'], 'GET', '/api/oversight/compliance');
    const units = report.units as { unitId: string; compliant: boolean }[];
    expect(units.find((u) => u.unitId === good)?.compliant).toBe(true);
    expect(units.find((u) => u.unitId === bad)?.compliant).toBe(false);

    const lc = await value('oversight.school_compliance_rate', '龙城派出所', '2026-11-23');
    expect(lc).toMatchObject({ value: 0.5, numerator: 1, denominator: 2 });
    // Assessed today (the test clock): a period ending before today counts none of them.
    expect((await value('oversight.school_compliance_rate', '龙城派出所', '2026-11-22')).value).toBeNull();
    expect((await value('oversight.school_compliance_rate', '龙岗派出所', '2026-11-23')).value).toBeNull();
    // The alarm test of 10 Nov is 31 days old on 11 Dec, 32 on 12 Dec: then neither complies.
    expect((await value('oversight.school_compliance_rate', '龙城派出所', '2026-12-12')).value).toBe(0);

    const r = await rows('oversight.school_compliance_rate', '龙城派出所', '2026-11-23');
    expect(r.total).toBe(2);
    expect(r.rows[0]).toMatchObject({ school: '龙城第二中学', station: '龙城派出所', compliant: false });
    expect(r.rows[0].failing).toContain('专职保安员配备达标（2 / 3）');
    expect(r.rows[1]).toMatchObject({ school: '龙城实验小学', compliant: true, failing: '' });
    expect(JSON.stringify(r)).not.toContain('龙城医院');
  }, 300_000);
});
