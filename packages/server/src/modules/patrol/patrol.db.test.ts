import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

const DAY = 86_400_000;

/** mulberry32: a seeded stream, so the history is the same every run. */
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

/** `2026/11/20 21:05` in Beijing time. */
function beijing(ms: number): string {
  const d = new Date(ms + 8 * 3_600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

/**
 * Patrol on the bundled city (Shenzhen Longgang) with its four seeded stations and their
 * jurisdictions: a Chinese-headed CSV of 120 days of history with three hot spots on real road
 * nodes, imported through the API, then hot spots, evaluation and need to know.
 */
describe(`patrol: history, hot spots, evaluation (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let hot: { lon: number; lat: number }[] = [];
  let csv = '';
  const get = (url: string, cookie = admin) => t.as(cookie, { method: 'GET', url });
  const post = (url: string, payload: unknown, cookie = admin) =>
    t.as(cookie, { method: 'POST', url, payload: payload as Record<string, unknown> });

  async function user(username: string, role: string, orgName?: string): Promise<string> {
    const orgs = (await get('/api/orgs')).json().items as { id: string; name: string }[];
    const org = orgName ? orgs.find((o) => o.name === orgName) : orgs[0];
    if (!org) throw new Error(`no org ${orgName}`);
    const r = await post('/api/users', {
      username,
      displayName: username,
      password: 'a-long-password',
      orgId: org.id,
      roles: [role],
    });
    expect(r.statusCode, r.body).toBe(201);
    return t.login(username, 'a-long-password');
  }

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    const city = await t.ctx.places.city(undefined);
    const g = city.graph;
    const rnd = random(7);
    const now = Date.parse('2026-11-23T08:00:00Z');
    // Road nodes inside the city's box (its ways run on beyond it); three of them are hot spots,
    // the others get background incidents.
    const b = city.bounds;
    const inside: number[] = [];
    for (let v = 0; v < g.nodeCount; v++) {
      const lon = g.nodeLon[v];
      const lat = g.nodeLat[v];
      if (lon > b.minLon && lon < b.maxLon && lat > b.minLat && lat < b.maxLat) inside.push(v);
    }
    const nodeAt = (f: number) => inside[Math.floor(f * inside.length)];
    hot = [0.15, 0.5, 0.85].map((f) => ({ lon: g.nodeLon[nodeAt(f)], lat: g.nodeLat[nodeAt(f)] }));
    const rows: string[] = ['警情编号,报警时间,警情类别,经度,纬度'];
    let n = 0;
    const add = (lon: number, lat: number, category = '盗窃') => {
      const at = now - rnd() * 120 * DAY;
      rows.push(
        `J${String(++n).padStart(5, '0')},${beijing(at)},${category},${lon.toFixed(6)},${lat.toFixed(6)}`,
      );
    };
    hot.forEach((h, i) => {
      for (let k = 0; k < [70, 45, 30][i]; k++)
        add(h.lon + (rnd() - 0.5) * 0.0004, h.lat + (rnd() - 0.5) * 0.0004);
    });
    for (let k = 0; k < 200; k++) {
      const v = nodeAt(rnd());
      add(g.nodeLon[v], g.nodeLat[v], k % 3 === 0 ? '打架斗殴' : '盗窃');
    }
    // Bad rows, one of each kind.
    rows.push('J90001,昨天晚上,盗窃,114.2,22.69');
    rows.push('J90002,2026/11/01 10:00,盗窃,0,0');
    rows.push('J90003,2026/11/01 10:00,盗窃,116.40,39.90');
    rows.push('J00001,2026/11/01 10:00,盗窃,114.2,22.69');
    rows.push('J90004,,盗窃,114.2,22.69');
    csv = rows.join('\r\n');
  });
  afterAll(() => t.close());

  it('imports a Chinese-headed CSV, counting bad rows by reason, all or nothing', async () => {
    const r = await post('/api/patrol/imports', { fileName: 'history.csv', content: csv });
    expect(r.statusCode, r.body).toBe(201);
    const report = r.json();
    expect(report.columns).toEqual({
      id: '警情编号',
      time: '报警时间',
      category: '警情类别',
      lat: '纬度',
      lon: '经度',
    });
    expect(report.tz).toBe('Asia/Shanghai');
    expect(report.rows).toBe(350);
    expect(report.imported).toBe(345);
    expect(report.rejected).toMatchObject({
      unparseable_time: 1,
      bad_coordinates: 1,
      outside_city: 1,
      duplicate_id: 1,
      missing_time: 1,
    });
    expect(report.rejected_total).toBe(5);
    expect(report.id).toBe(report.import_id);

    // The same file again: every id is already held.
    const again = (await post('/api/patrol/imports', { fileName: 'history.csv', content: csv })).json();
    expect(again.imported).toBe(0);
    expect(again.rejected.duplicate_id).toBe(346);

    const history = (await get('/api/patrol/history')).json();
    expect(history.count).toBe(345);
    expect(history.categories.map((c: { category: string }) => c.category).sort()).toEqual([
      '打架斗殴',
      '盗窃',
    ]);
  });

  it('refuses rows of unknown categories when a category map is given, and unknown fields', async () => {
    const body = {
      fileName: 'mapped.csv',
      content:
        'id,time,type,lat,lon\nM1,2026-11-01T10:00:00+08:00,THEFT,22.69,114.2\nM2,2026-11-01T10:00:00+08:00,ARSON,22.69,114.2',
      categoryMap: { THEFT: 'theft' },
    };
    const r = (await post('/api/patrol/imports', body)).json();
    expect(r.imported).toBe(1);
    expect(r.rejected.unknown_category).toBe(1);
    const bad = await post('/api/patrol/imports', { ...body, map: { time: 'when' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: 'map', rule: 'no_such_field' });
  });

  it('ranks the three hot spots first on H3 cells and on street segments', async () => {
    const r = await get('/api/patrol/hotspots?model=prior_counts&unit=h3:9&limit=10');
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body.type).toBe('FeatureCollection');
    expect(body.meta.trainIncidents).toBeGreaterThan(100);
    const ranks = body.features.map((f: { properties: { rank: number } }) => f.properties.rank);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    // The top three cells hold the three hot nodes.
    const { latLngToCell } = await import('h3-js');
    const hotCells = new Set(hot.map((h) => latLngToCell(h.lat, h.lon, 9)));
    const top3 = body.features.slice(0, 3).map((f: { id: string }) => f.id);
    for (const id of top3) expect(hotCells.has(id)).toBe(true);
    expect(body.features[0].geometry.type).toBe('Polygon');
    expect(body.features[0].properties.flagged).toBe(true);

    for (const model of ['kde', 'recent', 'network_kde']) {
      const s = await get(`/api/patrol/hotspots?model=${model}&unit=segment&limit=5`);
      expect(s.statusCode, s.body).toBe(200);
      const seg = s.json();
      expect(seg.features.length).toBe(5);
      expect(seg.features[0].geometry.type).toBe('LineString');
      expect(seg.meta.measureUnit).toBe('m');
    }
    // The network model ranks street segments only.
    const wrong = await get('/api/patrol/hotspots?model=network_kde&unit=h3:9');
    expect(wrong.statusCode).toBe(400);
    // A shift: Friday night only still answers, with fewer expected incidents than the week.
    const week = body.meta.totalExpected;
    const shift = (
      await get('/api/patrol/hotspots?from=2026-11-27T12:00:00Z&to=2026-11-27T18:00:00Z&limit=3')
    ).json();
    expect(shift.meta.totalExpected).toBeLessThan(week / 5);
    expect(shift.meta.totalExpected).toBeGreaterThan(0);
  });

  it('evaluates every model beside prior counts and keeps the latest for the org', async () => {
    const r = await post('/api/patrol/evaluations', {
      unit: 'h3:9',
      trainDays: 56,
      testDays: 7,
      windows: 4,
      coverages: [0.01, 0.05, 0.1],
    });
    expect(r.statusCode, r.body).toBe(201);
    const evaluation = r.json();
    expect(evaluation.coverages).toEqual(['0.01', '0.05', '0.10']);
    expect(evaluation.result.windows).toBe(4);
    expect(evaluation.result.incidents_tested).toBeGreaterThan(0);
    expect(Object.keys(evaluation.result.models)).toEqual(['prior_counts', 'kde', 'recent']);
    for (const figures of Object.values(evaluation.result.models) as Record<string, number | null>[]) {
      for (const key of ['hit_0.05', 'pai_0.05', 'pei_0.05']) expect(key in figures).toBe(true);
      expect(figures['hit_0.05']).toBeGreaterThan(0.2); // three hot spots hold a third of it all
      expect(figures['pei_0.05']).toBeLessThanOrEqual(1);
    }
    const latest = await get('/api/patrol/evaluations/latest?unit=h3:9');
    expect(latest.statusCode).toBe(200);
    expect(latest.json().id).toBe(evaluation.id);
    // Nothing run for segments yet.
    expect((await get('/api/patrol/evaluations/latest?unit=segment')).statusCode).toBe(404);
  });

  it("scopes history and hot spots to the reader's org subtree", async () => {
    const longcheng = await user('lc-officer', 'patrol_officer', '龙城派出所');
    const bantian = await user('bt-officer', 'patrol_officer', '坂田派出所');
    const all = (await get('/api/patrol/history')).json().count;
    const a = (await get('/api/patrol/history', longcheng)).json().count;
    const b = (await get('/api/patrol/history', bantian)).json().count;
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    expect(a + b).toBeLessThan(all);
    const mine = (await get('/api/patrol/hotspots?limit=1000', longcheng)).json();
    expect(mine.meta.trainIncidents).toBeLessThanOrEqual(a);
    const theirs = (await get('/api/patrol/hotspots?limit=1000', bantian)).json();
    const overlap = mine.features.filter((f: { id: string }) =>
      theirs.features.some((g: { id: string }) => g.id === f.id),
    );
    // Neighbouring jurisdictions share at most a few border cells.
    expect(overlap.length).toBeLessThan(Math.max(3, mine.features.length / 4));
    // The city bureau's evaluation is not the station's.
    expect((await get('/api/patrol/evaluations/latest', longcheng)).statusCode).toBe(404);
  });

  it('lets only commanders and admins import or evaluate, and readers of patrol read', async () => {
    const officer = await user('officer2', 'patrol_officer');
    const inspector = await user('inspector', 'industry_inspector');
    const commander = await user('boss', 'commander');
    expect((await post('/api/patrol/imports', { fileName: 'x.csv', content: csv }, officer)).statusCode).toBe(
      403,
    );
    expect((await post('/api/patrol/evaluations', {}, officer)).statusCode).toBe(403);
    expect((await get('/api/patrol/hotspots', inspector)).statusCode).toBe(403);
    expect((await get('/api/patrol/hotspots', officer)).statusCode).toBe(200);
    const run = await post('/api/patrol/evaluations', { windows: 2 }, commander);
    expect(run.statusCode, run.body).toBe(201);
  });

  it('refuses a station commander rows outside the station', async () => {
    const commander = await user('lc-boss', 'commander', '龙城派出所');
    const body = (
      await post(
        '/api/patrol/imports',
        { fileName: 'again.csv', content: csv.replace(/J(\d)/g, 'K$1') },
        commander,
      )
    ).json();
    expect(body.rejected.outside_scope).toBeGreaterThan(0);
    expect(body.imported).toBeGreaterThan(0);
    expect(body.imported + body.rejected.outside_scope).toBe(345);
  });

  it('answers bad input with problem+json naming the field', async () => {
    const r = await get('/api/patrol/hotspots?coverage=2');
    expect(r.statusCode).toBe(400);
    expect(r.json().errors[0].field).toBe('query.coverage');
    const unreadable = await post('/api/patrol/imports', { fileName: 'x.json', content: '{"nope": 1}' });
    expect(unreadable.statusCode).toBe(400);
    expect(unreadable.json().errors[0]).toMatchObject({ field: 'content', rule: 'unreadable' });
    const order = await get('/api/patrol/hotspots?from=2026-11-27T12:00:00Z&to=2026-11-27T11:00:00Z');
    expect(order.statusCode).toBe(400);
  });
});
