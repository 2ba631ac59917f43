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

  it('measures coverage of roads and checkpoints by the viewer’s cameras, and advises placements', async () => {
    // A dome right on a road node of the city: it must cover some road.
    const city = (await t.ctx.places.cities.get())!;
    const v = Math.floor(city.graph.nodeCount / 2);
    const dome = await t.ctx.video.importCsv(
      [
        'code,name,lon,lat,height_m,heading_deg,fov_deg,range_m,owner,hls_url,org_code',
        `${code(5)},路口球机,${city.graph.nodeLon[v]},${city.graph.nodeLat[v]},8,0,360,100,police,,440307-01`,
      ].join('\n'),
      null,
      null,
    );
    expect(dome.imported).toBe(1);
    // Checkpoints (placed on the road by perimeter): one at the dome's node, one at another node far off.
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
    }[];
    const lc = orgs.find((o) => o.name === '龙城派出所')!.id;
    for (const [id, lon, lat] of [
      ['CP-VIDEO-IN', city.graph.nodeLon[v], city.graph.nodeLat[v]],
      ['CP-VIDEO-OUT', city.graph.nodeLon[0], city.graph.nodeLat[0]],
    ] as const) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/perimeter/checkpoints',
        payload: { id, name: `${id} 卡口`, kind: 'post', orgId: lc, lon, lat },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    const r = await t.as(dispatcher, { method: 'GET', url: '/api/video/coverage' });
    expect(r.statusCode, r.body).toBe(200);
    const c = r.json();
    expect(c.cameras).toBe(4);
    // A 100 m dome on a road node covers at least 100 m of road (both ways along one street).
    expect(c.roads.coveredM).toBeGreaterThan(100);
    expect(c.roads.totalM).toBeGreaterThan(100_000);
    expect(c.roads.coveredM).toBeGreaterThan(0);
    expect(c.roads.share).toBeLessThan(0.05);
    expect(c.checkpoints).toMatchObject({
      total: 2,
      covered: 1,
      uncovered: [{ id: 'CP-VIDEO-OUT', name: 'CP-VIDEO-OUT 卡口' }],
    });
    expect(c.gaps.features.length).toBeGreaterThan(0);
    // The sibling sees none of 龙城's cameras or checkpoints in its figures.
    const theirs = (await t.as(sibling, { method: 'GET', url: '/api/video/coverage' })).json();
    expect(theirs.cameras).toBe(1);
    expect(theirs.checkpoints.total).toBe(0);
    const advice = await t.as(dispatcher, {
      method: 'POST',
      url: '/api/video/coverage/advise',
      payload: { count: 3, fovDeg: 90, rangeM: 80 },
    });
    expect(advice.statusCode, advice.body).toBe(200);
    const a = advice.json();
    expect(a.picks).toHaveLength(3);
    expect(a.picks[0].shareAfter).toBeGreaterThan(a.before);
    expect(a.picks[2].shareAfter).toBeGreaterThan(a.picks[0].shareAfter);
    expect(a.picks[0].gainM).toBeGreaterThanOrEqual(a.picks[1].gainM);
  }, 120_000);
});
