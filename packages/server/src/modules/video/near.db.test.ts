import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

// 龙城派出所's spot on the bundled Longgang roads (as the need-to-know test places it).
const SPOT = { lon: 114.1955, lat: 22.6955 };
const code = (n: number) => `440307000013200${String(n).padStart(5, '0')}`;

/** Cameras near a point on the bundled city's real roads: covering first, then nearest by road, scoped. */
describe(`video near (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let dispatcher: string;
  let sibling: string;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
    }[];
    const org = (name: string) => orgs.find((o) => o.name === name)!.id;
    for (const [username, station] of [
      ['lc.video', '龙城派出所'],
      ['bt.video', '坂田派出所'],
    ]) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: {
          username,
          displayName: username,
          password: 'a-long-password',
          orgId: org(station),
          roles: ['dispatcher'],
        },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    dispatcher = await t.login('lc.video', 'a-long-password');
    sibling = await t.login('bt.video', 'a-long-password');
    const d = 0.0009; // about 90 m
    const csv = [
      'code,name,lon,lat,height_m,heading_deg,fov_deg,range_m,owner,hls_url,org_code',
      // Looks at the spot from 90 m east: covers it.
      `${code(1)},东侧,${SPOT.lon + d},${SPOT.lat},6,270,60,150,police,,440307-01`,
      // 90 m east too, looking away: does not cover it.
      `${code(2)},东侧背向,${SPOT.lon + d},${SPOT.lat + 0.0001},6,90,60,150,police,,440307-01`,
      // 400 m north-west: far.
      `${code(3)},远处,${SPOT.lon - 0.003},${SPOT.lat + 0.003},6,0,60,80,police,,440307-01`,
      // The sibling station's camera, right at the spot and covering it: not for 龙城's eyes.
      `${code(4)},坂田的,${SPOT.lon},${SPOT.lat + 0.0002},6,180,90,100,police,,440307-04`,
    ].join('\n');
    const result = await t.ctx.video.importCsv(csv, null, null);
    expect(result).toEqual({ imported: 4, refused: [] });
  }, 300_000);
  afterAll(() => t.close());

  it('lists the covering cameras first, then the nearest by road, within the viewer’s scope', async () => {
    const r = await t.as(dispatcher, {
      method: 'GET',
      url: `/api/video/near?lon=${SPOT.lon}&lat=${SPOT.lat}&k=5&maxM=1000`,
    });
    expect(r.statusCode, r.body).toBe(200);
    const items = r.json().items as {
      camera: { code: string };
      covers: boolean;
      straightM: number;
      roadM: number | null;
    }[];
    expect(items.map((i) => [i.camera.code, i.covers])).toEqual([
      [code(1), true],
      [code(2), false],
      [code(3), false],
    ]);
    // By road at least as far as by straight line (the two near ones lie on the spot's roads; the
    // far one may lie beyond the 1,000 m road search on this extract's streets: then null).
    for (const i of items.slice(0, 2)) expect(i.roadM).not.toBeNull();
    for (const i of items) if (i.roadM !== null) expect(i.roadM).toBeGreaterThanOrEqual(i.straightM - 1);
    const theirs = await t.as(sibling, {
      method: 'GET',
      url: `/api/video/near?lon=${SPOT.lon}&lat=${SPOT.lat}&k=5&maxM=1000`,
    });
    expect(theirs.json().items.map((i: { camera: { code: string } }) => i.camera.code)).toEqual([code(4)]);
  });
});
