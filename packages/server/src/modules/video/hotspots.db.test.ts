import { seededRandom } from '@citywatch/core/patrol/plans';
import { latLngToCell } from 'h3-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

const DAY = 86_400_000;

/** `2026/11/20 21:05` in Beijing time. */
function beijing(ms: number): string {
  const d = new Date(ms + 8 * 3_600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

interface HotSpotFigures {
  total: number;
  covered: number;
  share: number;
  uncovered: { id: string; label: string | null }[];
}

/** Video coverage of patrol's current hot spots: their share within some camera's view, scoped. */
describe(`video coverage of hot spots (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let station: string;
  let hot = { lon: 0, lat: 0 };
  const coverage = async (cookie: string) => {
    const r = await t.as(cookie, { method: 'GET', url: '/api/video/coverage' });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { hotSpots: HotSpotFigures | null };
  };

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
    }[];
    const r = await t.as(admin, {
      method: 'POST',
      url: '/api/users',
      payload: {
        username: 'lc.hot',
        displayName: 'lc.hot',
        password: 'a-long-password',
        orgId: orgs.find((o) => o.name === '龙城派出所')!.id,
        roles: ['dispatcher'],
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    station = await t.login('lc.hot', 'a-long-password');
  }, 300_000);
  afterAll(() => t.close());

  it('has no hot-spot figure while patrol has no history', async () => {
    expect((await coverage(admin)).hotSpots).toBeNull();
  });

  it('counts the hot spots whose centre lies in some camera’s sector, over the viewer’s cameras', async () => {
    // 50 days of history: one strong cluster on a road node inside the city's box, background elsewhere.
    const city = (await t.ctx.places.cities.get())!;
    const g = city.graph;
    const b = city.bounds;
    const inside: number[] = [];
    for (let v = 0; v < g.nodeCount; v++) {
      const [lon, lat] = [g.nodeLon[v], g.nodeLat[v]];
      if (lon > b.minLon && lon < b.maxLon && lat > b.minLat && lat < b.maxLat) inside.push(v);
    }
    const rnd = seededRandom(11);
    const now = Date.now();
    const a = inside[Math.floor(inside.length / 3)];
    hot = { lon: g.nodeLon[a], lat: g.nodeLat[a] };
    const rows = ['警情编号,报警时间,警情类别,经度,纬度'];
    const add = (lon: number, lat: number) =>
      rows.push(
        `V${String(rows.length).padStart(5, '0')},${beijing(now - (0.1 + rnd() * 50) * DAY)},盗窃,${lon.toFixed(6)},${lat.toFixed(6)}`,
      );
    for (let k = 0; k < 80; k++) add(hot.lon + (rnd() - 0.5) * 0.0003, hot.lat + (rnd() - 0.5) * 0.0003);
    for (let k = 0; k < 150; k++) {
      const v = inside[Math.floor(rnd() * inside.length)];
      add(g.nodeLon[v], g.nodeLat[v]);
    }
    const imported = await t.as(admin, {
      method: 'POST',
      url: '/api/patrol/imports',
      payload: { fileName: 'history.csv', content: rows.join('\r\n') },
    });
    expect(imported.statusCode, imported.body).toBe(201);

    const before = (await coverage(admin)).hotSpots!;
    expect(before.total).toBeGreaterThan(0);
    expect(before.covered).toBe(0);
    expect(before.share).toBe(0);
    const cell = latLngToCell(hot.lat, hot.lon, 9);
    expect(before.uncovered.map((u) => u.id)).toContain(cell);

    // A dome at the cluster's node, seeing 300 m all round: the cluster's cell centre is in view.
    const cam = await t.as(admin, {
      method: 'POST',
      url: '/api/video/cameras',
      payload: {
        code: '44030700001320000901',
        name: '热点球机',
        ...hot,
        headingDeg: 0,
        fovDeg: 360,
        rangeM: 300,
        owner: 'police',
      },
    });
    expect(cam.statusCode, cam.body).toBe(201);
    const after = (await coverage(admin)).hotSpots!;
    expect(after.total).toBe(before.total);
    expect(after.covered).toBeGreaterThanOrEqual(1);
    expect(after.covered).toBeLessThan(after.total);
    expect(after.share).toBeCloseTo(after.covered / after.total, 10);
    expect(after.uncovered.map((u) => u.id)).not.toContain(cell);

    // 龙城's dispatcher cannot use the bureau's camera: none of its hot spots count as covered.
    const theirs = (await coverage(station)).hotSpots;
    if (theirs) expect(theirs.covered).toBe(0);
  }, 120_000);

  it('ranks the hot spots once per org and day, again after new history or the next day', async () => {
    const cache = t.ctx.video.hotSpots!;
    const ranked = vi.spyOn(t.ctx.patrol, 'hotspots');
    try {
      const first = (await coverage(admin)).hotSpots!;
      // The camera changes nothing here; hot spots come from the cache (the previous test ranked them).
      const again = (await coverage(admin)).hotSpots!;
      expect(again).toEqual(first);
      expect(ranked).toHaveBeenCalledTimes(0);
      // The station's were ranked (for its own subtree) in the previous test too.
      const computed = cache.computed;
      await coverage(station);
      expect(cache.computed).toBe(computed);
      expect(ranked).toHaveBeenCalledTimes(0);

      // New history: 60 more incidents at a second cluster, far from the first.
      const city = (await t.ctx.places.cities.get())!;
      const g = city.graph;
      const b = city.bounds;
      let far = 0;
      for (let v = 0; v < g.nodeCount; v++) {
        const [lon, lat] = [g.nodeLon[v], g.nodeLat[v]];
        if (!(lon > b.minLon && lon < b.maxLon && lat > b.minLat && lat < b.maxLat)) continue;
        if (
          Math.hypot(lon - hot.lon, lat - hot.lat) >
          Math.hypot(g.nodeLon[far] - hot.lon, g.nodeLat[far] - hot.lat)
        )
          far = v;
      }
      const rnd = seededRandom(12);
      const now = t.ctx.now().getTime();
      const rows = ['警情编号,报警时间,警情类别,经度,纬度'];
      for (let k = 0; k < 60; k++)
        rows.push(
          `W${String(k).padStart(5, '0')},${beijing(now - (0.1 + rnd() * 30) * DAY)},盗窃,${(g.nodeLon[far] + (rnd() - 0.5) * 0.0003).toFixed(6)},${(g.nodeLat[far] + (rnd() - 0.5) * 0.0003).toFixed(6)}`,
        );
      const imported = await t.as(admin, {
        method: 'POST',
        url: '/api/patrol/imports',
        payload: { fileName: 'more.csv', content: rows.join('\r\n') },
      });
      expect(imported.statusCode, imported.body).toBe(201);
      const after = (await coverage(admin)).hotSpots!;
      expect(ranked).toHaveBeenCalledTimes(1);
      expect(after.uncovered.map((u) => u.id)).toContain(latLngToCell(g.nodeLat[far], g.nodeLon[far], 9));
      await coverage(admin);
      expect(ranked).toHaveBeenCalledTimes(1);
      // Each org ranks its own: the station once more, then from the cache.
      await coverage(station);
      await coverage(station);
      expect(ranked).toHaveBeenCalledTimes(2);

      // The next day the window has moved: ranked again.
      t.advance(DAY);
      const fresh = await t.login('admin', ADMIN_PASSWORD);
      await coverage(fresh);
      expect(ranked).toHaveBeenCalledTimes(3);
    } finally {
      ranked.mockRestore();
    }
  }, 120_000);
});
