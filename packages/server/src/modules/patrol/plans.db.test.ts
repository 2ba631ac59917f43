import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

const KY = 111_320;

/**
 * Patrol plans on the bundled city (Shenzhen Longgang, its seeded stations): versioning, audit
 * naming the plan, need to know (a station sees its own plans), bad input named by field and rule,
 * the officer's plan for today and check-in, and compliance from AVL positions along real roads.
 */
describe(`patrol plans and compliance (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let commander: string;
  let sibling: string;
  let officer: string;
  let unitId = '';
  let spots: { lon: number; lat: number }[] = [];
  let road: { lon: number; lat: number }[] = [];
  const SHIFT = { start: '2026-11-23T06:00:00.000Z', end: '2026-11-23T14:00:00.000Z' };
  const call = (
    cookie: string,
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload?: unknown,
    lang = 'en',
  ) =>
    t.as(cookie, {
      method,
      url,
      payload: payload as Record<string, unknown>,
      headers: { 'accept-language': lang },
    });

  async function user(username: string, role: string, orgName: string): Promise<string> {
    const orgs = (await call(admin, 'GET', '/api/orgs')).json().items as { id: string; name: string }[];
    const org = orgs.find((o) => o.name === orgName);
    if (!org) throw new Error(`no org ${orgName}`);
    const r = await call(admin, 'POST', '/api/users', {
      username,
      displayName: username,
      password: 'a-long-password',
      orgId: org.id,
      roles: [role],
    });
    expect(r.statusCode, r.body).toBe(201);
    return t.login(username, 'a-long-password');
  }

  function square(lon: number, lat: number, halfM: number) {
    const dx = halfM / (KY * Math.cos((lat * Math.PI) / 180));
    const dy = halfM / KY;
    return {
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
    };
  }

  function plan(extra: Record<string, unknown> = {}) {
    return {
      name: '龙城早班',
      shift: SHIFT,
      seed: 11,
      zones: [{ key: 'z1', name: '龙城一区', geometry: square(spots[0].lon, spots[0].lat, 1500) }],
      targets: spots.map((s, i) => ({
        key: `p${i + 1}`,
        name: `必巡点 ${i + 1}`,
        kind: 'point',
        geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
        zoneKey: 'z1',
      })),
      assignments: [{ unitId, zoneKey: 'z1' }],
      ...extra,
    };
  }

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    commander = await user('plan-cmd', 'commander', '龙城派出所');
    sibling = await user('plan-sib', 'commander', '龙岗派出所');
    officer = await user('plan-off', 'patrol_officer', '龙城派出所');
    const u = await call(commander, 'POST', '/api/dispatch/units', {
      callSign: '龙城巡01',
      kind: 'patrol_car',
    });
    expect(u.statusCode, u.body).toBe(201);
    unitId = u.json().id;
    // A path along real roads near station 龙城派出所 (114.1955, 22.6955): walk the graph.
    const city = await t.ctx.places.city(undefined);
    const g = city.graph;
    const snap = city.snapper.snap(114.1955, 22.6955, 500);
    if (!snap) throw new Error('no road near the station');
    let v = g.edgeTail[snap.edge];
    const seen = new Set<number>([v]);
    road = [{ lon: g.nodeLon[v], lat: g.nodeLat[v] }];
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
    spots = [road[2], road[Math.floor(road.length / 2)], road[road.length - 2]];
  });
  afterAll(() => t?.close());

  let planId = '';

  it('creates a plan with a randomised schedule, versions every change and audits it naming the plan', async () => {
    const r = await call(commander, 'POST', '/api/patrol/plans', plan());
    expect(r.statusCode, r.body).toBe(201);
    const p = r.json();
    planId = p.id;
    expect(p.version).toBe(1);
    // 8 h, revisit ≤ 2 h → 4 visits per target, 10–16 min each
    expect(p.schedule).toHaveLength(12);
    for (const v of p.schedule) {
      const min = (Date.parse(v.end) - Date.parse(v.start)) / 60_000;
      expect(min).toBeGreaterThanOrEqual(10);
      expect(min).toBeLessThanOrEqual(16);
    }
    const changed = await call(commander, 'PUT', `/api/patrol/plans/${planId}`, {
      ...plan(),
      name: '龙城早班（调整）',
      note: '加密 p1',
      targets: plan().targets.map((x, i) => (i === 0 ? { ...x, visitsPerShift: 6 } : x)),
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().version).toBe(2);
    expect(changed.json().schedule).toHaveLength(14);
    const v1 = await call(commander, 'GET', `/api/patrol/plans/${planId}?version=1`);
    expect(v1.json()).toMatchObject({ version: 1, latestVersion: 2, name: '龙城早班' });
    expect(v1.json().schedule).toHaveLength(12);
    const versions = (await call(commander, 'GET', `/api/patrol/plans/${planId}/versions`)).json();
    expect(versions.map((x: { version: number }) => x.version)).toEqual([2, 1]);
    expect(versions[0].note).toBe('加密 p1');
    // the audit row is written once the answer is sent: wait for it
    const audited = () =>
      t.ctx.db.kysely
        .selectFrom('audit_log')
        .select(['resource', 'action'])
        .where('resource', '=', `plan:${planId}`)
        .execute()
        .then((rows) => rows.length);
    await expect.poll(audited, { timeout: 5000 }).toBe(2);
  });

  it('keeps plans to their org: the sibling station neither lists, reads, changes nor sees compliance', async () => {
    const listed = (await call(sibling, 'GET', '/api/patrol/plans')).json();
    expect(listed.some((x: { id: string }) => x.id === planId)).toBe(false);
    expect(
      (await call(commander, 'GET', '/api/patrol/plans')).json().some((x: { id: string }) => x.id === planId),
    ).toBe(true);
    expect((await call(sibling, 'GET', `/api/patrol/plans/${planId}`)).statusCode).toBe(404);
    expect((await call(sibling, 'GET', `/api/patrol/plans/${planId}/compliance`)).statusCode).toBe(404);
    // The zones as a GIS layer: the station's own plan only.
    const layer = await call(commander, 'GET', `/api/patrol/plans/${planId}/zones.geojson`);
    expect(layer.statusCode).toBe(200);
    expect(layer.headers['content-type']).toContain('application/geo+json');
    expect(layer.json()).toMatchObject({ type: 'FeatureCollection', name: 'patrol_zones' });
    for (const f of layer.json().features) {
      expect(f).toMatchObject({ type: 'Feature', id: f.properties.key, geometry: { type: 'Polygon' } });
      expect(f.geometry.coordinates[0][0]).toEqual(f.geometry.coordinates[0].at(-1));
    }
    expect((await call(sibling, 'GET', `/api/patrol/plans/${planId}/zones.geojson`)).statusCode).toBe(404);
    // the sibling cannot assign the other station's unit either
    const r = await call(sibling, 'POST', '/api/patrol/plans', plan());
    expect(r.statusCode).toBe(400);
    expect(r.json().errors).toContainEqual(
      expect.objectContaining({ field: 'assignments.0.unitId', rule: 'unit_in_scope' }),
    );
    const put = await call(sibling, 'PUT', `/api/patrol/plans/${planId}`, plan());
    expect(put.statusCode).toBe(400);
  });

  it('refuses an unreachable target, overlapping zones and more visits than a shift holds, naming field and rule', async () => {
    const far = plan({
      targets: [
        ...plan().targets,
        {
          key: 'sea',
          name: '海上',
          kind: 'point',
          geometry: { type: 'Point', coordinates: [114.6, 22.3] },
          zoneKey: 'z1',
        },
      ],
    });
    const r1 = await call(commander, 'POST', '/api/patrol/plans', far);
    expect(r1.statusCode).toBe(400);
    expect(r1.headers['content-type']).toContain('application/problem+json');
    expect(r1.json().errors).toContainEqual(
      expect.objectContaining({ field: 'targets.3.geometry', rule: 'unreachable' }),
    );
    const zh = await call(commander, 'POST', '/api/patrol/plans', far, 'zh-CN');
    expect(zh.json().errors[0].message).toContain('无法经道路到达');

    const overlap = plan({
      zones: [
        { key: 'z1', name: '一区', geometry: square(spots[0].lon, spots[0].lat, 1500) },
        { key: 'z2', name: '二区', geometry: square(spots[0].lon + 0.01, spots[0].lat, 1500) },
      ],
    });
    const r2 = await call(commander, 'POST', '/api/patrol/plans', overlap);
    expect(r2.statusCode).toBe(400);
    expect(r2.json().errors).toContainEqual(
      expect.objectContaining({ field: 'zones.1.geometry', rule: 'zones_overlap' }),
    );

    const crowded = plan({
      targets: plan().targets.map((x) => ({ ...x, visitsPerShift: 12, dwellMinMin: 14, dwellMaxMin: 16 })),
    });
    const r3 = await call(commander, 'POST', '/api/patrol/plans', crowded);
    expect(r3.statusCode).toBe(400);
    expect(r3.json().errors.map((e: { rule: string }) => e.rule)).toContain('shift_capacity');
    expect(r3.json().errors[0].field).toMatch(/^targets\.\d\.visitsPerShift$/);
    // nothing of the refused plans was stored
    expect((await call(commander, 'GET', '/api/patrol/plans')).json()).toHaveLength(1);
  });

  it("gives the signed-on officer their unit's plan for today and takes a check-in at a point", async () => {
    expect((await call(officer, 'GET', '/api/patrol/my-plan')).statusCode).toBe(409);
    const on = await call(officer, 'POST', `/api/dispatch/units/${unitId}/sign-on`);
    expect(on.statusCode, on.body).toBe(200);
    const mine = (await call(officer, 'GET', '/api/patrol/my-plan')).json();
    expect(mine.unitId).toBe(unitId);
    expect(mine.plan.id).toBe(planId);
    expect(mine.visits).toHaveLength(14);
    expect(mine.next).not.toBeNull();
    const target = mine.visits[mine.next].target;
    const near = await call(officer, 'POST', '/api/patrol/my-plan/check-ins', {
      targetKey: target.key,
      lon: target.lon,
      lat: target.lat + 20 / KY,
      accuracyM: 8,
    });
    expect(near.statusCode, near.body).toBe(201);
    expect(near.json()).toMatchObject({ accepted: true, distanceM: 20 });
    const far = await call(officer, 'POST', '/api/patrol/my-plan/check-ins', {
      targetKey: target.key,
      lon: target.lon,
      lat: target.lat + 500 / KY,
    });
    expect(far.json().accepted).toBe(false);
    const bad = await call(officer, 'POST', '/api/patrol/my-plan/check-ins', {
      targetKey: 'nope',
      lon: 114,
      lat: 22,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: 'targetKey', rule: 'target_in_plan' });
  });

  it('rebuilds visits, dwell and dose from AVL positions along real roads', async () => {
    // 06:10–06:40 drive the road, stop 12 min at p1 (06:20–06:32), 3 min at p2 (drive-through), GPS jump
    const fixes: { unit_id: string; at: Date; lon: number; lat: number }[] = [];
    let at = Date.parse('2026-11-23T06:10:00Z');
    const push = (lon: number, lat: number) => {
      fixes.push({ unit_id: unitId, at: new Date(at), lon, lat });
      at += 5_000;
    };
    const stopAt = (p: { lon: number; lat: number }, minutes: number) => {
      for (let s = 0; s < (minutes * 60) / 5; s++) push(p.lon + ((s % 3) - 1) * 0.00005, p.lat);
    };
    const drive = (a: number, b: number) => {
      for (let i = a; i <= b; i++) push(road[i].lon, road[i].lat);
    };
    drive(0, 1);
    stopAt(spots[0], 12);
    push(spots[0].lon + 0.05, spots[0].lat); // a 5 km jump in 5 s: dropped
    drive(3, Math.floor(road.length / 2) - 1);
    stopAt(spots[1], 3);
    await t.ctx.db.kysely.insertInto('unit_positions').values(fixes).execute();
    t.advance(2 * 3_600_000); // 10:00, the shift half done
    commander = await t.login('plan-cmd', 'a-long-password');
    const r = await call(commander, 'GET', `/api/patrol/plans/${planId}/compliance`);
    expect(r.statusCode, r.body).toBe(200);
    const c = r.json();
    expect(c.version).toBe(2);
    expect(c.fixes.droppedJump).toBe(1);
    const p1 = c.targets.find((x: { key: string }) => x.key === 'p1');
    const p2 = c.targets.find((x: { key: string }) => x.key === 'p2');
    const p3 = c.targets.find((x: { key: string }) => x.key === 'p3');
    expect(p1.dosedVisits).toBe(1);
    expect(p1.receivedMin).toBeGreaterThan(11);
    expect(p1.receivedMin).toBeLessThan(13.5);
    expect(p1.plannedVisits).toBe(6);
    expect(p1.missed).toBe(5);
    expect(p2.visits).toBeGreaterThanOrEqual(1);
    expect(p2.dosedVisits).toBe(0);
    expect(p3.visits).toBe(0);
    expect(p3.revisitKept).toBe(false);
    const unit = c.units[0];
    expect(unit).toMatchObject({ unitId, callSign: '龙城巡01', plannedVisits: 14, dosedVisits: 1 });
    expect(unit.zoneMin.z1).toBeGreaterThan(15);
    expect(c.visits.filter((v: { targetKey: string }) => v.targetKey === 'p1')).toHaveLength(1);
  });
});
