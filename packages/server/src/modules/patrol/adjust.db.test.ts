import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { asDevice, issueDevice } from '../../test/devices.js';

const H = 3_600_000;
const DAY = 24 * H;
// On roads of the bundled Longgang extract: the place where calls cluster, a unit near it, one farther.
const SPOT = { lon: 114.1955, lat: 22.6955 };
const NEAR = { lon: 114.1985, lat: 22.6905 };
const FAR = { lon: 114.2105, lat: 22.6805 };

/** mulberry32: the same history every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe(`smart adjustment: clusters beyond expectation, the nearest patrol unit, the decision (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  const units: Record<'near' | 'far' | 'post', string> = { near: '', far: '', post: '' };

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    const now = t.ctx.now().getTime();
    const rnd = random(5);
    // Ten weeks of background over a 2 km box, a steady trickle at a second place (4 every
    // Sunday 10:00–14:00 — expected there), and 5 calls at SPOT in the last 4 hours.
    const rows = ['编号,报警时间,警情类别,经度,纬度'];
    const at = (ms: number) => new Date(ms).toISOString();
    let n = 0;
    for (let i = 0; i < 600; i++) {
      rows.push(
        `B${++n},${at(now - 1 * H - rnd() * 70 * DAY)},盗窃,${(114.19 + rnd() * 0.02).toFixed(6)},${(22.68 + rnd() * 0.02).toFixed(6)}`,
      );
    }
    for (let w = 0; w <= 9; w++)
      for (let k = 0; k < 4; k++)
        rows.push(`S${++n},${at(now - w * 7 * DAY - (k + 0.5) * H)},盗窃,${FAR.lon},${FAR.lat}`);
    for (let k = 0; k < 5; k++)
      rows.push(`C${++n},${at(now - (k * 0.7 + 0.2) * H)},打架斗殴,${SPOT.lon + k * 0.0001},${SPOT.lat}`);
    const imported = await t.as(admin, {
      method: 'POST',
      url: '/api/patrol/imports',
      payload: { fileName: 'history.csv', content: rows.join('\n') },
    });
    expect(imported.statusCode, imported.body).toBe(201);
    // Units with positions: a patrol car near the cluster, one far, and a police post nearer still
    // (a post does not patrol).
    for (const [key, kind, place] of [
      ['near', 'patrol_car', NEAR],
      ['far', 'patrol_car', FAR],
      ['post', 'police_post', SPOT],
    ] as const) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/dispatch/units',
        payload: { callSign: `调整${key}`, kind },
      });
      expect(r.statusCode, r.body).toBe(201);
      units[key] = r.json().id;
      const terminal = await issueDevice(t, { unitId: units[key] });
      const fix = await asDevice(t, terminal.token, {
        method: 'POST',
        url: '/api/dispatch/avl',
        payload: { positions: [{ unitId: units[key], at: t.ctx.now().toISOString(), ...place }] },
      });
      expect(fix.json().accepted, fix.body).toBe(1);
    }
  });
  afterAll(() => t.close());

  const scan = (payload: object = {}) =>
    t.as(admin, { method: 'POST', url: '/api/patrol/adjustments/scan', payload });

  it('proposes the place where calls clustered, with the nearest available patrol unit by road time', async () => {
    const r = await scan();
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body.params).toMatchObject({ windowHours: 6, weeks: 8, alpha: 0.01, minCount: 3 });
    expect(body.flagged).toBe(1);
    expect(body.tested).toBeGreaterThanOrEqual(2);
    const [p] = body.created;
    expect(p.observed).toBe(5);
    expect(p.expected).toBeLessThan(1);
    expect(p.pValue).toBeLessThan(0.01);
    expect(Math.abs(p.lon - SPOT.lon)).toBeLessThan(0.005);
    expect(p.unit).toMatchObject({ id: units.near, callSign: '调整near' });
    expect(p.unit.etaSeconds).toBeGreaterThan(0);
    expect(p.status).toBe('proposed');
  });

  it('does not propose the same place again within the window, nor the place whose calls were expected', async () => {
    const r = await scan();
    expect(r.json()).toMatchObject({ flagged: 1, created: [] });
    const list = await t.as(admin, { method: 'GET', url: '/api/patrol/adjustments' });
    expect(list.json().items).toHaveLength(1);
  });

  it('a stricter level or a higher minimum count flags nothing', async () => {
    expect((await scan({ minCount: 6 })).json()).toMatchObject({ flagged: 0 });
  });

  it('records the commander’s decision once, audited; accepting adds the place to the current shift’s plan', async () => {
    const now = t.ctx.now().getTime();
    const box = (lon: number, lat: number, d: number) => ({
      type: 'Polygon',
      coordinates: [
        [
          [lon - d, lat - d],
          [lon + d, lat - d],
          [lon + d, lat + d],
          [lon - d, lat + d],
          [lon - d, lat - d],
        ],
      ],
    });
    const created = await t.as(admin, {
      method: 'POST',
      url: '/api/patrol/plans',
      payload: {
        name: '龙城夜班',
        city: 'shenzhen-longgang',
        shift: { start: new Date(now - 2 * H).toISOString(), end: new Date(now + 6 * H).toISOString() },
        zones: [{ key: 'z1', name: '龙城一区', geometry: box(SPOT.lon, SPOT.lat, 0.006) }],
        assignments: [{ unitId: units.near, zoneKey: 'z1' }],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const planId = created.json().id;
    const [p] = (await t.as(admin, { method: 'GET', url: '/api/patrol/adjustments' })).json().items;
    const r = await t.as(admin, {
      method: 'POST',
      url: `/api/patrol/adjustments/${p.id}/decision`,
      payload: { decision: 'accept', note: '加派巡逻' },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ id: p.id, status: 'accepted', note: '加派巡逻' });
    expect(r.json().decidedAt).not.toBeNull();
    expect(r.json().plan).toMatchObject({ id: planId, version: 2, note: 'target_added' });
    const plan = (await t.as(admin, { method: 'GET', url: `/api/patrol/plans/${planId}` })).json();
    const added = plan.body.targets.find((x: { key: string }) => x.key.startsWith('adj-'));
    expect(added).toMatchObject({ kind: 'point', zoneKey: 'z1', dwellMinMin: 10, dwellMaxMin: 16 });
    expect(plan.schedule.some((v: { targetKey: string }) => v.targetKey === added.key)).toBe(true);
    const again = await t.as(admin, {
      method: 'POST',
      url: `/api/patrol/adjustments/${p.id}/decision`,
      payload: { decision: 'dismiss' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().errors[0]).toMatchObject({ field: 'id', rule: 'already_decided' });
    const audit = await t.testDb.db.kysely
      .selectFrom('audit_log')
      .select(['action', 'resource', 'detail'])
      .where('resource', '=', `adjustment:${p.id}`)
      .execute();
    expect(audit.some((a) => (a.detail as { decision?: string }).decision === 'accepted')).toBe(true);
  });

  it('is refused to a dispatcher (patrol.write) and answers 404 for an unknown proposal', async () => {
    const orgId = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items[0].id;
    await t.as(admin, {
      method: 'POST',
      url: '/api/users',
      payload: {
        username: 'adj.dispatcher',
        displayName: 'd',
        password: 'a-long-password',
        orgId,
        roles: ['dispatcher'],
      },
    });
    const dispatcher = await t.login('adj.dispatcher', 'a-long-password');
    expect(
      (await t.as(dispatcher, { method: 'POST', url: '/api/patrol/adjustments/scan', payload: {} }))
        .statusCode,
    ).toBe(403);
    expect((await t.as(dispatcher, { method: 'GET', url: '/api/patrol/adjustments' })).statusCode).toBe(200);
    const missing = await t.as(admin, {
      method: 'POST',
      url: '/api/patrol/adjustments/0190a0a0-0000-7000-8000-000000000000/decision',
      payload: { decision: 'dismiss' },
    });
    expect(missing.statusCode).toBe(404);
  });

  it('counts live 110 calls received after the imported history ends; demo calls are not counted', async () => {
    // A third place with no history: four calls filed in the console now (after the history's last
    // record), and a fifth marked demo at a fourth place with the same count.
    const LIVE = { lon: 114.2035, lat: 22.6875 };
    const DEMO_PLACE = { lon: 114.1915, lat: 22.6845 };
    const file = async (place: { lon: number; lat: number }, k: number) => {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/dispatch/incidents',
        payload: {
          category: 'public_order',
          priority: 'P2',
          lon: place.lon + k * 0.0001,
          lat: place.lat,
          narrative: '聚集斗殴',
        },
      });
      expect(r.statusCode, r.body).toBe(201);
      return r.json().incident.id as string;
    };
    for (let k = 0; k < 4; k++) await file(LIVE, k);
    const demoIds = [];
    for (let k = 0; k < 4; k++) demoIds.push(await file(DEMO_PLACE, k));
    await t.testDb.db.kysely
      .updateTable('incidents')
      .set({ demo: true })
      .where('id', 'in', demoIds)
      .execute();
    t.advance(60_000); // the scan's window ends before its now
    const r = await scan();
    expect(r.statusCode, r.body).toBe(200);
    const created = r.json().created as { lon: number; lat: number; observed: number }[];
    expect(created).toHaveLength(1);
    expect(created[0].observed).toBe(4);
    expect(Math.abs(created[0].lon - LIVE.lon)).toBeLessThan(0.005);
    expect(Math.abs(created[0].lat - LIVE.lat)).toBeLessThan(0.005);
  });
});
