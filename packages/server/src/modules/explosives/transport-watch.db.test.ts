import { distanceToRouteM } from '@citywatch/core/explosives/route-watch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

const MINE = 'MINE-ROAD';
const PLATE = '粤B·E7788';
// From the magazine in 龙城 to a blast site about 3 km east, on the bundled city's roads.
const VIA: [number, number][] = [
  [114.1955, 22.6955],
  [114.225, 22.7],
];

/**
 * Transport watch on real roads: the permitted route is drawn on the city's road graph, the
 * vehicle sends its positions with its own device token, and leaving the route by more than
 * 500 m or standing still for more than 30 minutes raises one alarm each.
 */
describe(`explosives transport vehicles (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  const cookie: Record<string, string> = {};
  const orgs: Record<string, string> = {};
  let permitId = '';
  let route: [number, number][] = [];
  let token = '';

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    Object.assign(orgs, await t.orgIds(admin));
    const made = await t.users(admin, [
      ['insp.road', ['industry_inspector'], '龙城派出所'],
      ['cmd.road', ['commander'], '龙城派出所'],
      ['insp.road.lg', ['industry_inspector'], '龙岗派出所'],
    ]);
    for (const [username, user] of Object.entries(made)) cookie[username] = user.cookie;
    await t.as(admin, {
      method: 'POST',
      url: '/api/explosives/products',
      payload: { code: 'EDET-8M', name: '电子雷管', kind: 'itemised' },
    });
    const mag = await t.as(cookie['insp.road'] as string, {
      method: 'POST',
      url: '/api/explosives/magazines',
      payload: { enterpriseId: MINE, name: 'M1', orgId: orgs['龙城派出所'] },
    });
    expect(mag.statusCode, mag.body).toBe(201);
  }, 300_000);
  afterAll(() => t.close());

  const day = () => new Date(t.ctx.now().getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  const avl = (bearer: string | null, fixes: unknown[], sessionCookie?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/explosives/vehicles/avl',
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(sessionCookie ? { cookie: sessionCookie } : {}),
      },
      payload: { fixes },
    });

  it('a transport permit’s route is drawn on the road graph through its stops', async () => {
    const applied = await t.as(cookie['insp.road'] as string, {
      method: 'POST',
      url: '/api/explosives/permits',
      payload: {
        enterpriseId: MINE,
        kind: 'transport',
        validFrom: day(),
        validTo: day(),
        items: [{ product: 'EDET-8M', quantity: 20 }],
        route: '龙城矿业库房 → 东部爆破点',
        vehicle: PLATE,
        escort: '押运员二名',
        routeVia: VIA,
      },
    });
    expect(applied.statusCode, applied.body).toBe(201);
    permitId = applied.json().id;
    for (const c of [cookie['cmd.road'] as string, admin]) {
      const r = await t.as(c, { method: 'POST', url: `/api/explosives/permits/${permitId}/approve` });
      expect(r.statusCode, r.body).toBe(200);
    }
    const view = await t.as(cookie['cmd.road'] as string, {
      method: 'GET',
      url: `/api/explosives/permits/${permitId}/transport`,
    });
    route = view.json().route;
    // Road nodes, not a straight line: many vertices, ends within 500 m of the stops.
    expect(route.length).toBeGreaterThan(10);
    expect(distanceToRouteM(VIA[0], [route[0] as [number, number]])).toBeLessThan(500);
    expect(distanceToRouteM(VIA[1], [route.at(-1) as [number, number]])).toBeLessThan(500);
    const offRoad = await t.as(cookie['insp.road'] as string, {
      method: 'POST',
      url: '/api/explosives/permits',
      payload: {
        enterpriseId: MINE,
        kind: 'transport',
        validFrom: day(),
        validTo: day(),
        items: [{ product: 'EDET-8M', quantity: 1 }],
        route: '海上',
        vehicle: PLATE,
        routeVia: [VIA[0], [115.5, 21.5]],
      },
    });
    expect(offRoad.statusCode).toBe(400);
    expect(offRoad.json().errors[0]).toMatchObject({ field: 'routeVia[1]', rule: 'no_road_route' });
  });

  it('the vehicle gets a device token; only that token speaks for it', async () => {
    const registered = await t.as(cookie['insp.road'] as string, {
      method: 'POST',
      url: '/api/explosives/vehicles',
      payload: { enterpriseId: MINE, plate: PLATE },
    });
    expect(registered.statusCode, registered.body).toBe(201);
    token = registered.json().token;
    expect(token).toMatch(/^cwd_/);
    const sibling = await t.as(cookie['insp.road.lg'] as string, {
      method: 'POST',
      url: '/api/explosives/vehicles',
      payload: { enterpriseId: MINE, plate: '粤B·X0000' },
    });
    expect(sibling.statusCode).toBe(404);
    const listed = await t.as(cookie['cmd.road'] as string, {
      method: 'GET',
      url: `/api/explosives/vehicles?enterpriseId=${MINE}`,
    });
    expect(listed.json().items).toEqual([expect.objectContaining({ plate: PLATE, enterpriseId: MINE })]);
    const fix = [
      { at: new Date(t.ctx.now().getTime() - 60_000).toISOString(), lon: VIA[0][0], lat: VIA[0][1] },
    ];
    // A person cannot send a vehicle's positions; another device (a community sensor) is refused.
    expect((await avl(null, fix, cookie['insp.road'])).statusCode).toBe(403);
    const sensor = await t.ctx.devices.issueSensor(null, 'smoke detector', orgs['龙城派出所'] as string);
    expect((await avl(sensor.token, fix)).statusCode).toBe(403);
    expect((await avl('cwd_not-a-token-at-all', fix)).statusCode).toBe(401);
  });

  it('on the route nothing; off the road route by > 500 m or stopped > 30 min, one alarm each', async () => {
    const t0 = t.ctx.now().getTime() - 3 * 3600_000;
    let minute = 0;
    const at = () => new Date(t0 + minute++ * 60_000).toISOString();
    const step = Math.max(1, Math.floor(route.length / 12));
    const along = route.filter((_, i) => i % step === 0).map(([lon, lat]) => ({ at: at(), lon, lat }));
    const first = await avl(token, along);
    expect(first.json(), first.body).toMatchObject({ permitId, stored: along.length, alarms: [] });

    // A detour through road junctions 0.8–2 km from the permitted route.
    const city = await t.ctx.places.city(undefined);
    const g = city.graph;
    const mid = route[Math.floor(route.length / 2)] as [number, number];
    const detourNodes: [number, number][] = [];
    for (let v = 0; v < g.nodeCount && detourNodes.length < 3; v++) {
      const p: [number, number] = [g.nodeLon[v] as number, g.nodeLat[v] as number];
      if (Math.abs(p[0] - mid[0]) > 0.03 || Math.abs(p[1] - mid[1]) > 0.03) continue;
      const d = distanceToRouteM(p, route);
      if (d > 800 && d < 2000) detourNodes.push(p);
    }
    expect(detourNodes).toHaveLength(3);
    const detour = await avl(
      token,
      detourNodes.map(([lon, lat]) => ({ at: at(), lon, lat })),
    );
    expect(detour.json().alarms).toEqual([expect.objectContaining({ kind: 'route_deviation' })]);

    // Back on the route at its end, then standing there 40 minutes.
    const end = route.at(-1) as [number, number];
    const stop = Array.from({ length: 5 }, (_, i) => ({
      at: new Date(t0 + (minute + i * 10) * 60_000).toISOString(),
      lon: end[0],
      lat: end[1],
    }));
    const stopped = await avl(token, stop);
    expect(stopped.json().alarms).toEqual([expect.objectContaining({ kind: 'long_stop' })]);
    // The same positions again raise nothing new.
    expect((await avl(token, stop.slice(-1))).json().alarms).toEqual([]);

    const view = await t.as(cookie['cmd.road'] as string, {
      method: 'GET',
      url: `/api/explosives/permits/${permitId}/transport`,
    });
    expect(view.json().fixes).toHaveLength(along.length + 3 + 5);
    expect(
      view
        .json()
        .alarms.map((a: { kind: string }) => a.kind)
        .sort(),
    ).toEqual(['long_stop', 'route_deviation']);
    expect(
      (
        await t.as(cookie['insp.road.lg'] as string, {
          method: 'GET',
          url: `/api/explosives/permits/${permitId}/transport`,
        })
      ).statusCode,
    ).toBe(404);
  });
});
