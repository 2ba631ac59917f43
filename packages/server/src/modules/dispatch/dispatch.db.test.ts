import { DijkstraEngine } from '@citywatch/core/roads/dijkstra';
import { sameSegmentTime, sourceSeeds, targetSeeds } from '@citywatch/core/roads/snap';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { asDevice, issueDevice } from '../../test/devices.js';
import { eidoErrors } from './eido/nena-schema.js';

// Real places on the bundled Shenzhen Longgang extract (OpenStreetMap).
const SCENE = { lon: 114.2075, lat: 22.6915 }; // by 龙翔大道 2001号
const UNIT_SPOTS = [
  { lon: 114.2005, lat: 22.6805 },
  { lon: 114.2225, lat: 22.6955 },
  { lon: 114.1955, lat: 22.6955 },
];

describe(`dispatch on the bundled city (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let cookie: string;
  const units: { id: string; callSign: string }[] = [];
  /** Each unit's AVL terminal (a device token bound to it): positions come from devices. */
  const terminals: string[] = [];
  const postFixes = (terminal: string, positions: unknown[]) =>
    asDevice(t, terminal, { method: 'POST', url: '/api/dispatch/avl', payload: { positions } });
  const post = (url: string, payload: InjectOptions['payload']) =>
    t.as(cookie, { method: 'POST', url, payload });
  const get = (url: string) => t.as(cookie, { method: 'GET', url });

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    cookie = await t.login('admin', ADMIN_PASSWORD);
    for (const [i, kind] of (['patrol_car', 'patrol_car', 'traffic'] as const).entries()) {
      const r = await post('/api/dispatch/units', { callSign: `龙岗10${i + 1}`, kind });
      expect(r.statusCode, r.body).toBe(201);
      units.push(r.json());
    }
    const at = t.ctx.now().toISOString();
    for (const [i, u] of units.entries()) {
      terminals.push((await issueDevice(t, { unitId: u.id })).token);
      const avl = await postFixes(terminals[i], [{ unitId: u.id, at, ...UNIT_SPOTS[i] }]);
      expect(avl.json()).toMatchObject({ accepted: 1, rejected: [] });
    }
  });
  afterAll(() => t.close());

  async function newIncident(extra: Record<string, unknown> = {}) {
    const r = await post('/api/dispatch/incidents', {
      category: 'public_order',
      subcategory: 'fight',
      priority: 'P1',
      ...SCENE,
      callerPhone: '13800138000',
      narrative: '两伙人在路口打架，有人受伤',
      ...extra,
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as {
      incident: { id: string; number: string; status: string };
      duplicates: { id: string }[];
      triage: { police: boolean };
    };
  }

  it('creates an incident with a human number, a triage suggestion and its jurisdiction', async () => {
    const { incident, triage } = await newIncident();
    expect(incident.number).toMatch(/^J\d{8}-0001$/);
    expect(incident.status).toBe('received');
    expect(triage.police).toBe(true);
    const detail = (await get(`/api/dispatch/incidents/${incident.id}`)).json();
    const eido = (await get(`/api/dispatch/incidents/${incident.id}/eido`)).json();
    expect(eido.$id).toBe(`urn:emergency:uid:incidentid:${incident.id}:citywatch.local`);
    expect(eidoErrors(eido)).toEqual([]); // NENA-STA-021.1b, see eido/eido.db.test.ts
    expect(eido.locationComponent[0].locationByValue).toContain(
      `<gml:pos>${SCENE.lat} ${SCENE.lon}</gml:pos>`,
    );
    expect(JSON.stringify(eido)).not.toContain('13800138000');
    expect(detail.jurisdiction.name).toMatch(/派出所$/);
    expect(JSON.stringify(detail)).not.toContain('13800138000');
  });

  it('shows a second call at the same spot as a likely duplicate', async () => {
    const second = await newIncident({ lon: SCENE.lon + 0.001 });
    expect(second.duplicates.length).toBeGreaterThanOrEqual(1);
    expect(second.incident.number).toMatch(/-0002$/);
  });

  it('ranks available units by road travel time, equal to a plain Dijkstra on the same graph', async () => {
    const { incident } = await newIncident({
      category: 'criminal',
      subcategory: 'theft',
      narrative: '电动车被偷',
    });
    const recs = (await get(`/api/dispatch/incidents/${incident.id}/recommendations`)).json().items as {
      unitId: string;
      etaSeconds: number;
      stale: boolean;
    }[];
    // The traffic unit lacks the patrol capability a theft needs.
    expect(recs.map((r) => r.unitId).sort()).toEqual([units[0].id, units[1].id].sort());
    expect(recs[0].etaSeconds).toBeLessThanOrEqual(recs[1].etaSeconds);
    expect(recs.every((r) => !r.stale)).toBe(true);
    const city = (await t.ctx.places.city(undefined))!;
    const engine = new DijkstraEngine(city.graph);
    const target = city.snapper.snap(SCENE.lon, SCENE.lat, 1000)!;
    for (const r of recs) {
      const spot = UNIT_SPOTS[units.findIndex((u) => u.id === r.unitId)];
      const from = city.snapper.snap(spot.lon, spot.lat, 300)!;
      const route = engine.route(
        sourceSeeds(city.graph, city.snapper, from),
        targetSeeds(city.graph, city.snapper, target),
      );
      const truth = Math.min(
        route?.time ?? Number.POSITIVE_INFINITY,
        sameSegmentTime(city.graph, city.snapper, from, target),
      );
      expect(r.etaSeconds).toBeCloseTo(truth, 6);
    }
    // Stale after two minutes without a position.
    t.advance(3 * 60_000);
    const later = (await get(`/api/dispatch/incidents/${incident.id}/recommendations`)).json().items as {
      stale: boolean;
    }[];
    expect(later.every((r) => r.stale)).toBe(true);
  });

  it('lets exactly one of two simultaneous dispatches of a unit succeed', async () => {
    const a = await newIncident({ lon: 114.2, lat: 22.69 });
    const b = await newIncident({ lon: 114.22, lat: 22.685, category: 'criminal', subcategory: 'robbery' });
    const [ra, rb] = await Promise.all([
      post(`/api/dispatch/incidents/${a.incident.id}/dispatch`, { unitId: units[0].id }),
      post(`/api/dispatch/incidents/${b.incident.id}/dispatch`, { unitId: units[0].id }),
    ]);
    expect([ra.statusCode, rb.statusCode].sort()).toEqual([200, 409]);
    const loser = ra.statusCode === 409 ? ra : rb;
    expect(loser.json().errors[0]).toMatchObject({ field: 'unitId', rule: 'unit_not_available' });
    const unit = (await get('/api/dispatch/units'))
      .json()
      .items.find((u: { id: string }) => u.id === units[0].id);
    expect(unit.status).toBe('dispatched');
    const winner = ra.statusCode === 200 ? a : b;
    expect(unit.incidentId).toBe(winner.incident.id);
  });

  it('walks the lifecycle, refuses invalid transitions with 409 and frees the unit when cleared', async () => {
    const { incident } = await newIncident({ lon: 114.215, lat: 22.69 });
    expect(
      (await post(`/api/dispatch/incidents/${incident.id}/transition`, { to: 'on_scene' })).statusCode,
    ).toBe(409);
    expect(
      (await post(`/api/dispatch/incidents/${incident.id}/dispatch`, { unitId: units[1].id })).statusCode,
    ).toBe(200);
    t.advance(60_000);
    expect(
      (await post(`/api/dispatch/units/${units[1].id}/status`, { status: 'en_route' })).json().status,
    ).toBe('en_route');
    t.advance(120_000);
    expect(
      (await post(`/api/dispatch/units/${units[1].id}/status`, { status: 'on_scene' })).json().status,
    ).toBe('on_scene');
    const scene = (await get(`/api/dispatch/incidents/${incident.id}`)).json();
    expect(scene.status).toBe('on_scene');
    expect(Date.parse(scene.arrivedAt) - Date.parse(scene.dispatchedAt)).toBe(180_000);
    expect(
      (await post(`/api/dispatch/incidents/${incident.id}/transition`, { to: 'cleared' })).json().status,
    ).toBe('cleared');
    expect(
      (await post(`/api/dispatch/incidents/${incident.id}/transition`, { to: 'closed' })).json().status,
    ).toBe('closed');
    const unit = (await get('/api/dispatch/units'))
      .json()
      .items.find((u: { id: string }) => u.id === units[1].id);
    expect(unit).toMatchObject({ status: 'available', incidentId: null });
    const timeline = (await get(`/api/dispatch/incidents/${incident.id}/timeline`)).json().items as {
      toStatus: string | null;
      username: string;
    }[];
    expect(timeline.map((e) => e.toStatus).filter(Boolean)).toEqual([
      'received',
      'dispatched',
      'en_route',
      'on_scene',
      'cleared',
      'closed',
    ]);
    expect(timeline.every((e) => e.username === 'admin')).toBe(true);
    const figures = (await get('/api/dispatch/figures')).json();
    expect(figures.byPriority.P1.dispatchToArrival.medianSeconds).toBe(180);
    expect(
      figures.byStation.map((g: { key: string }) => g.key).every((k: string) => k.endsWith('派出所')),
    ).toBe(true);
    expect(figures.byHour.map((g: { key: string }) => g.key)).toContain('16'); // 08:00 UTC is 16:00 in Shanghai
    expect(figures.validityRate).toBeGreaterThan(0);
  });

  it('diverts a non-police call to 12345 as a tracked hand-off', async () => {
    const { incident, triage } = await newIncident({
      category: 'non_police',
      subcategory: 'utilities',
      narrative: '小区停水三天了',
      priority: 'P4',
    });
    expect(triage.police).toBe(false);
    expect(
      (await post(`/api/dispatch/incidents/${incident.id}/transition`, { to: 'diverted' })).json().status,
    ).toBe('diverted');
    const d = await t.ctx.db.kysely
      .selectFrom('diversions')
      .selectAll()
      .where('incident_id', '=', incident.id)
      .executeTakeFirstOrThrow();
    expect(d).toMatchObject({ target: '12345', status: 'queued' });
  });

  it("reads the caller's number only with a stated purpose, and audits it", async () => {
    const { incident } = await newIncident();
    expect((await get(`/api/dispatch/incidents/${incident.id}/caller`)).statusCode).toBe(403); // admin is not a dispatcher
    await post('/api/users', {
      username: 'disp1',
      displayName: '接警员',
      password: 'a-long-password',
      orgId: (await get('/api/orgs')).json().items[0].id,
      roles: ['dispatcher'],
    });
    const d = await t.login('disp1', 'a-long-password');
    expect(
      (await t.as(d, { method: 'GET', url: `/api/dispatch/incidents/${incident.id}/caller` })).statusCode,
    ).toBe(428);
    const ok = await t.as(d, {
      method: 'GET',
      url: `/api/dispatch/incidents/${incident.id}/caller`,
      headers: { 'x-purpose': encodeURIComponent('回拨核实警情') },
    });
    expect(ok.json().callerPhone).toBe('13800138000');
    const row = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['purpose', 'resource'])
      .where('action', '=', 'personal_data_read')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ purpose: '回拨核实警情', resource: `incident:${incident.id}:caller_phone` });
  });

  it("shows a station's dispatcher only its own jurisdiction's queue", async () => {
    const { incident } = await newIncident();
    const own = (await get(`/api/dispatch/incidents/${incident.id}`)).json().jurisdiction.name as string;
    const orgs = (await get('/api/orgs')).json().items as { id: string; name: string; kind: string }[];
    const other = orgs.find((o) => o.kind === 'police_station' && o.name !== own)!;
    await post('/api/users', {
      username: 'otherdesk',
      displayName: '其他所接警员',
      password: 'a-long-password',
      orgId: other.id,
      roles: ['dispatcher'],
    });
    const d = await t.login('otherdesk', 'a-long-password');
    const queue = (await t.as(d, { method: 'GET', url: '/api/dispatch/incidents' })).json().items as {
      id: string;
      jurisdiction: { name: string } | null;
    }[];
    expect(queue.some((i) => i.id === incident.id)).toBe(false);
    expect(queue.every((i) => i.jurisdiction === null || i.jurisdiction.name === other.name)).toBe(true);
    expect((await t.as(d, { method: 'GET', url: `/api/dispatch/incidents/${incident.id}` })).statusCode).toBe(
      404,
    );
    expect(
      (await get('/api/dispatch/incidents')).json().items.some((i: { id: string }) => i.id === incident.id),
    ).toBe(true);
  });

  it('answers bad input with the field and the rule, writing nothing', async () => {
    const before = (
      await t.ctx.db.kysely
        .selectFrom('incidents')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n;
    const unknown = await post('/api/dispatch/incidents', {
      category: 'alien',
      priority: 'P1',
      ...SCENE,
      narrative: 'x',
    });
    expect(unknown.json().errors[0]).toMatchObject({ field: 'category', rule: 'unknown_category' });
    const outside = await post('/api/dispatch/incidents', {
      category: 'criminal',
      priority: 'P1',
      lon: 121.47,
      lat: 31.23,
      narrative: 'x',
    });
    expect(outside.json().errors[0]).toMatchObject({ field: 'lon', rule: 'outside_city' });
    const after = (
      await t.ctx.db.kysely
        .selectFrom('incidents')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n;
    expect(Number(after)).toBe(Number(before));
    const avl = await postFixes(terminals[2], [
      { unitId: '0190b5a0-0000-7000-8000-000000000009', at: t.ctx.now().toISOString(), ...SCENE },
      { unitId: units[2].id, at: new Date(t.ctx.now().getTime() - 3_600_000).toISOString(), ...SCENE },
      { unitId: units[2].id, at: new Date(t.ctx.now().getTime() + 3_600_000).toISOString(), ...SCENE },
    ]);
    expect(avl.json()).toMatchObject({
      accepted: 1,
      outOfOrder: 1,
      rejected: [
        { index: 0, reason: 'not_bound_unit' },
        { index: 2, reason: 'in_the_future' },
      ],
    });
    const again = await postFixes(terminals[2], [
      { unitId: units[2].id, at: new Date(t.ctx.now().getTime() - 3_600_000).toISOString(), ...SCENE },
    ]);
    expect(again.json()).toMatchObject({ accepted: 1, duplicates: 1 });
  });
});
