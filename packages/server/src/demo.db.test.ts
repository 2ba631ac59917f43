import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { ensureBundledCity, startSimulator } from './demo.js';
import { incidentLocations } from './modules/coverage/store.js';
import type { CitySimulator } from './modules/dispatch/simulator.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from './test/app.js';

/**
 * The demo cannot touch real data (issue 10, item 8): off by default on a bureau's database; its
 * simulator drives only the units the demo made and files calls marked demo, which the figures
 * leave out; demo and real units never serve each other's calls.
 */
describe(`demo kept apart from real data (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let sim: CitySimulator;
  let realUnitId: string;
  let clashId: string;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    // A bureau's own units exist before the demo starts; one holds a call sign the demo would use.
    realUnitId = (await t.ctx.dispatch.createUnit({ callSign: '真实巡01', kind: 'patrol_car' })).id;
    clashId = (await t.ctx.dispatch.createUnit({ callSign: '龙岗巡01', kind: 'patrol_car' })).id;
    const city = await t.ctx.places.city(undefined);
    await t.ctx.dispatch.ingestPositions(
      [
        { unitId: realUnitId, at: t.ctx.now().toISOString(), lon: 114.2075, lat: 22.6915 },
        { unitId: clashId, at: t.ctx.now().toISOString(), lon: 114.2005, lat: 22.6805 },
      ],
      city,
    );
    sim = (await startSimulator(t.app, t.ctx, { speed: 60 }, () => {}))!;
    await sim.stop(); // the test steps it itself
  });
  afterAll(() => t.close());
  const iso = (offsetMs: number) =>
    encodeURIComponent(new Date(t.ctx.now().getTime() + offsetMs).toISOString());

  it('is off by default when DATABASE_URL is set, unless asked for', () => {
    expect(loadConfig({}).demo).toBe(true);
    expect(loadConfig({ CITYWATCH_DEMO: 'off' }).demo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://bureau/citywatch' }).demo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://bureau/citywatch', CITYWATCH_DEMO: 'on' }).demo).toBe(true);
  });

  it('drives only the units it made and files only demo calls, which the figures leave out', async () => {
    const units = await t.ctx.db.kysely.selectFrom('units').select(['id', 'call_sign', 'demo']).execute();
    const demo = units.filter((u) => u.demo);
    expect(demo).toHaveLength(7); // 龙岗巡01 is a real unit's call sign: skipped
    expect(demo.map((u) => u.call_sign)).not.toContain('龙岗巡01');
    expect(
      units
        .filter((u) => !u.demo)
        .map((u) => u.id)
        .sort(),
    ).toEqual([realUnitId, clashId].sort());

    const realBefore = await t.ctx.db.kysely
      .selectFrom('units')
      .select(['id', 'last_lon', 'last_lat', 'last_at', 'status', 'current_incident_id'])
      .where('demo', '=', false)
      .orderBy('id')
      .execute();
    for (let i = 0; i < 120; i++) {
      t.advance(1000);
      await sim.tick(60);
    }
    const realAfter = await t.ctx.db.kysely
      .selectFrom('units')
      .select(['id', 'last_lon', 'last_lat', 'last_at', 'status', 'current_incident_id'])
      .where('demo', '=', false)
      .orderBy('id')
      .execute();
    expect(realAfter).toEqual(realBefore);
    const realFixes = await t.ctx.db.kysely
      .selectFrom('unit_positions')
      .select('unit_id')
      .where('unit_id', 'in', [realUnitId, clashId])
      .execute();
    expect(realFixes).toHaveLength(2); // the two fixes of the set-up, none from the simulator
    const unitEvents = await t.ctx.db.kysely
      .selectFrom('incident_events')
      .select('unit_id')
      .where('unit_id', 'in', [realUnitId, clashId])
      .execute();
    expect(unitEvents).toEqual([]);

    const calls = await t.ctx.db.kysely.selectFrom('incidents').select(['id', 'demo', 'status']).execute();
    expect(calls.length).toBeGreaterThan(10);
    expect(calls.every((c) => c.demo)).toBe(true);
    expect(calls.filter((c) => c.status === 'closed').length).toBeGreaterThan(3);

    // A real call taken by a person: the only one the figures count.
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const real = await t.as(admin, {
      method: 'POST',
      url: '/api/dispatch/incidents',
      payload: {
        category: 'dispute',
        subcategory: 'neighbour',
        priority: 'P3',
        lon: 114.2075,
        lat: 22.6915,
        narrative: '邻里纠纷',
      },
    });
    expect(real.statusCode, real.body).toBe(201);
    expect(real.json().incident.id).toBeTruthy();
    const figures = await t.as(admin, {
      method: 'GET',
      url: `/api/dispatch/figures?from=${iso(-86_400_000)}&to=${iso(3_600_000)}`,
    });
    expect(figures.statusCode, figures.body).toBe(200);
    expect(figures.json().calls).toBe(1);
    // Nor are demo calls demand for the coverage advisor.
    const city = await t.ctx.places.city(undefined);
    expect(await incidentLocations(t.ctx.db.kysely, city.id, 10_000)).toEqual([
      { lon: 114.2075, lat: 22.6915 },
    ]);
  });

  it('never sends a demo unit to a real call, nor a real unit to a demo call', async () => {
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const real = await t.as(admin, {
      method: 'POST',
      url: '/api/dispatch/incidents',
      payload: {
        category: 'dispute',
        subcategory: 'neighbour',
        priority: 'P2',
        lon: 114.2075,
        lat: 22.6915,
        narrative: '楼上楼下争吵',
      },
    });
    expect(real.statusCode, real.body).toBe(201);
    const realId = real.json().incident.id as string;
    const demoCall = await t.ctx.db.kysely
      .selectFrom('incidents')
      .select('id')
      .where('demo', '=', true)
      .where('status', 'in', ['received', 'dispatched', 'en_route', 'on_scene'])
      .executeTakeFirstOrThrow();
    const demoUnit = await t.ctx.db.kysely
      .selectFrom('units')
      .select('id')
      .where('demo', '=', true)
      .where('status', '=', 'available')
      .executeTakeFirstOrThrow();

    const recs = await t.as(admin, {
      method: 'GET',
      url: `/api/dispatch/incidents/${realId}/recommendations`,
    });
    expect(recs.statusCode, recs.body).toBe(200);
    const recIds = (recs.json().items as { unitId: string }[]).map((r) => r.unitId);
    expect(recIds.length).toBeGreaterThan(0);
    const demoIds = new Set(
      (await t.ctx.db.kysely.selectFrom('units').select('id').where('demo', '=', true).execute()).map(
        (u) => u.id,
      ),
    );
    expect(recIds.filter((id) => demoIds.has(id))).toEqual([]);

    const mixed = await t.as(admin, {
      method: 'POST',
      url: `/api/dispatch/incidents/${realId}/dispatch`,
      payload: { unitId: demoUnit.id },
    });
    expect(mixed.statusCode).toBe(409);
    expect(mixed.json().errors[0]).toMatchObject({ field: 'unitId', rule: 'demo_mix' });
    const other = await t.as(admin, {
      method: 'POST',
      url: `/api/dispatch/incidents/${demoCall.id}/dispatch`,
      payload: { unitId: realUnitId },
    });
    expect(other.statusCode).toBe(409);
    expect(other.json().errors[0]).toMatchObject({ field: 'unitId', rule: 'demo_mix' });
    const sent = await t.as(admin, {
      method: 'POST',
      url: `/api/dispatch/incidents/${realId}/dispatch`,
      payload: { unitId: realUnitId },
    });
    expect(sent.statusCode, sent.body).toBe(200);

    // The demo on the embedded database (nothing real there): a person may send a demo unit.
    t.ctx.dispatch.demo.mixAllowed = true;
    try {
      const own = await t.as(admin, {
        method: 'POST',
        url: '/api/dispatch/incidents',
        payload: {
          category: 'dispute',
          subcategory: 'neighbour',
          priority: 'P3',
          lon: 114.2075,
          lat: 22.6915,
          narrative: '演示中人工接警',
        },
      });
      expect(own.json().incident.id).toBeTruthy();
      const demoSent = await t.as(admin, {
        method: 'POST',
        url: `/api/dispatch/incidents/${own.json().incident.id}/dispatch`,
        payload: { unitId: demoUnit.id },
      });
      expect(demoSent.statusCode, demoSent.body).toBe(200);
    } finally {
      t.ctx.dispatch.demo.mixAllowed = false;
    }
  });
});
