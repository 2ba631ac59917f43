import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

// Two points on roads of the bundled Longgang extract, about 1.5 km apart.
const FROM = { lon: 114.1955, lat: 22.6955 };
const TO = { lon: 114.2005, lat: 22.6805 };

describe(`the patrol phone's road route (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let officer: string;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgId = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items[0].id;
    const r = await t.as(admin, {
      method: 'POST',
      url: '/api/users',
      payload: {
        username: 'officer.phone',
        displayName: '巡逻民警',
        password: 'a-long-password',
        orgId,
        roles: ['patrol_officer'],
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    officer = await t.login('officer.phone', 'a-long-password');
  });
  afterAll(() => t.close());

  const route = (q: Record<string, number>) =>
    t.as(officer, {
      method: 'GET',
      url: `/api/patrol/route?${new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, String(v)]))}`,
    });

  it('answers the road route from the phone to a point: along the streets, longer than the crow flies', async () => {
    const r = await route({ fromLon: FROM.lon, fromLat: FROM.lat, toLon: TO.lon, toLat: TO.lat });
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json() as { timeSeconds: number; lengthM: number; coordinates: [number, number][] };
    const crow = Math.hypot((TO.lon - FROM.lon) * 102_700, (TO.lat - FROM.lat) * 111_195);
    expect(body.lengthM).toBeGreaterThan(crow);
    expect(body.lengthM).toBeLessThan(crow * 3);
    expect(body.timeSeconds).toBeGreaterThan(body.lengthM / 30);
    expect(body.coordinates.length).toBeGreaterThan(5);
    // Starts and ends on the roads next to the points asked for.
    expect(Math.abs(body.coordinates[0][0] - FROM.lon)).toBeLessThan(0.003);
    expect(Math.abs(body.coordinates.at(-1)![1] - TO.lat)).toBeLessThan(0.003);
  });

  it('refuses a point far from every road, naming the rule', async () => {
    const r = await route({ fromLon: FROM.lon, fromLat: FROM.lat, toLon: 100, toLat: 10 });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors[0]).toMatchObject({ field: 'toLon', rule: 'no_road_route' });
  });

  it('is for signed-in staff only', async () => {
    const r = await t.app.inject({
      method: 'GET',
      url: '/api/patrol/route?fromLon=1&fromLat=1&toLon=1&toLat=1',
    });
    expect(r.statusCode).toBe(401);
  });
});
