import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { booleanPointInPolygon } from '@turf/turf';
import gcoord from 'gcoord';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_CITY, ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { importCity } from '../roads/city-import.js';

/** Places on the bundled real city (Shenzhen Longgang, OpenStreetMap): search, reverse, isochrones, areas. */
describe(`places on the bundled city (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let cookie: string;
  const get = (url: string, lang = 'zh-CN') =>
    t.as(cookie, { method: 'GET', url, headers: { 'accept-language': lang } });

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    cookie = await t.login('admin', ADMIN_PASSWORD);
  });
  afterAll(() => t.close());

  it('lists the bundled city as the default', async () => {
    const r = await get('/api/cities');
    expect(r.json().items).toMatchObject([{ name: 'shenzhen-longgang', isDefault: true }]);
  });

  it('finds a known standard address by part of its Chinese text', async () => {
    // OSM way 533650675: 香港中文大学（深圳）下园, 广东省深圳市龙岗区龙翔大道2001号.
    const r = await get(`/api/places/search?q=${encodeURIComponent('龙翔大道2001')}`);
    expect(r.statusCode).toBe(200);
    const hit = r.json().items[0];
    expect(hit).toMatchObject({ kind: 'address', label: '广东省深圳市龙岗区龙翔大道2001号' });
    expect(hit.lon).toBeCloseTo(114.2079, 3);
    expect(hit.lat).toBeCloseTo(22.6913, 3);
  });

  it('finds named streets and units, ranked by similarity', async () => {
    const streets = (await get(`/api/places/search?q=${encodeURIComponent('龙翔大道')}&kind=street`)).json()
      .items;
    expect(streets[0].label).toBe('龙翔大道');
    const unit = (await get(`/api/places/search?q=${encodeURIComponent('香港中文大学')}`)).json().items;
    expect(unit.map((u: { label: string }) => u.label).join()).toContain('香港中文大学');
  });

  it('answers in GCJ-02 when asked, for Chinese basemaps', async () => {
    const wgs = (await get(`/api/places/search?q=${encodeURIComponent('龙翔大道2001')}`)).json().items[0];
    const gcj = (await get(`/api/places/search?q=${encodeURIComponent('龙翔大道2001')}&crs=gcj02`)).json()
      .items[0];
    const [x, y] = gcoord.transform([wgs.lon, wgs.lat], gcoord.WGS84, gcoord.GCJ02);
    expect(gcj.lon).toBeCloseTo(x, 9);
    expect(gcj.lat).toBeCloseTo(y, 9);
    expect(Math.abs(gcj.lon - wgs.lon)).toBeGreaterThan(0.003); // the datums differ by ~500 m here
  });

  it('reverse-geocodes a click to the snapped road, the nearest address and the jurisdiction', async () => {
    const r = await get('/api/places/reverse?lon=114.2075&lat=22.6915');
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.road.distanceM).toBeLessThan(300);
    expect(body.address.label).toBe('广东省深圳市龙岗区龙翔大道2001号');
    expect(['龙城派出所', '龙岗派出所', '布吉派出所', '坂田派出所']).toContain(body.jurisdiction.name);
    expect(body.h3).toMatch(/^89/);
  });

  it('draws one jurisdiction per seeded station, each holding its own station', async () => {
    const fc = (await get('/api/jurisdictions')).json();
    expect(fc.features).toHaveLength(4);
    const stations = await t.ctx.db.kysely
      .selectFrom('orgs')
      .select(['name', 'lon', 'lat'])
      .where('kind', '=', 'police_station')
      .execute();
    for (const s of stations) {
      const area = fc.features.find((f: { properties: { name: string } }) => f.properties.name === s.name);
      expect(booleanPointInPolygon([s.lon!, s.lat!], area.geometry), s.name).toBe(true);
    }
  });

  it('files every gazetteer entry under the jurisdiction it lies in', async () => {
    const rows = await t.ctx.db.kysely
      .selectFrom('gazetteer')
      .select(['lon', 'lat', 'jurisdiction_id'])
      .execute();
    const filed = rows.filter((r) => r.jurisdiction_id !== null);
    expect(filed.length / rows.length).toBeGreaterThan(0.9);
    const city = await t.ctx.places.city(undefined);
    for (const r of filed.slice(0, 20)) expect(city.jurisdictionAt(r.lon, r.lat)?.id).toBe(r.jurisdiction_id);
  });

  it('gives every road node an H3 cell on the statistics grid', async () => {
    const grid = (await get('/api/places/grid?resolution=9')).json();
    const city = await t.ctx.places.city(undefined);
    const sum = (k: 'roadNodes' | 'addresses' | 'places') =>
      grid.cells.reduce((a: number, c: Record<string, number>) => a + c[k], 0);
    expect(sum('roadNodes')).toBe(city.graph.nodeCount);
    expect(sum('addresses')).toBe(3);
    expect(grid.cells.every((c: { h3: string }) => /^89/.test(c.h3))).toBe(true);
    expect((await get('/api/places/grid?resolution=20')).json().errors[0]).toMatchObject({
      field: 'query.resolution',
      rule: 'too_big',
    });
  });

  it('returns 1/3/5-minute isochrones that nest', async () => {
    const r = await get('/api/places/isochrone?lon=114.2075&lat=22.6915&minutes=1,3,5');
    const features = r.json().features as { properties: { minutes: number; reachedNodes: number } }[];
    expect(features.map((f) => f.properties.minutes)).toEqual([5, 3, 1]);
    expect(features[0].properties.reachedNodes).toBeGreaterThan(features[1].properties.reachedNodes);
    expect(features[1].properties.reachedNodes).toBeGreaterThan(features[2].properties.reachedNodes);
  });

  it('names the field and rule for a point outside the city and an unknown city', async () => {
    const outside = await get('/api/places/reverse?lon=116.39&lat=39.9', 'en');
    expect(outside.statusCode).toBe(400);
    expect(outside.json().errors[0]).toMatchObject({ field: 'lon', rule: 'outside_city' });
    const unknown = await get('/api/places/search?q=x&city=atlantis');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().detail).toBe('城市不存在：atlantis');
    const badLon = await get('/api/places/reverse?lon=500&lat=22');
    expect(badLon.json().errors[0]).toMatchObject({ field: 'query.lon', rule: 'too_big' });
  });

  it('refuses a station area whose ring is not closed, keeping the areas as they were', async () => {
    const before = (await get('/api/jurisdictions')).json().features;
    // Four corners of a real block in Longgang, the last not repeating the first.
    const open = [
      [114.206, 22.686],
      [114.216, 22.686],
      [114.216, 22.696],
      [114.206, 22.696],
    ];
    const put = await t.as(cookie, {
      method: 'PUT',
      url: '/api/jurisdictions',
      headers: { 'accept-language': 'zh-CN' },
      payload: {
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { name: '测试区' },
            geometry: { type: 'Polygon', coordinates: [open] },
          },
        ],
      },
    });
    expect(put.statusCode).toBe(400);
    expect(put.json().errors[0]).toMatchObject({
      field: 'features.0.geometry.coordinates.0',
      rule: 'not_closed',
    });
    const patch = await t.as(cookie, {
      method: 'PATCH',
      url: `/api/jurisdictions/${before[0].properties.id}`,
      payload: { geometry: { type: 'Polygon', coordinates: [open] } },
    });
    expect(patch.statusCode).toBe(400);
    expect(patch.json().errors[0]).toMatchObject({ rule: 'not_closed' });
    expect((await get('/api/jurisdictions')).json().features).toEqual(before);
    // Point-in-polygon over the city's areas still answers.
    expect((await get('/api/places/reverse?lon=114.2247&lat=22.6831')).statusCode).toBe(200);
  });

  it('keeps the previous import whole when a re-import fails', async () => {
    const corrupt = path.join(tmpdir(), `corrupt-${process.pid}.osm.pbf`);
    writeFileSync(corrupt, Buffer.from([0, 0, 0, 13, 10, 9, 79, 83, 77, 72, 101, 97, 100, 101, 114, 24, 99]));
    await expect(
      importCity(t.ctx.db.kysely, { file: corrupt, name: BUNDLED_CITY.name }, t.ctx.now()),
    ).rejects.toThrow();
    const noRoads = path.join(tmpdir(), `noroads-${process.pid}.osm`);
    writeFileSync(
      noRoads,
      '<?xml version="1.0"?><osm version="0.6"><node id="1" lat="22.69" lon="114.2"/></osm>',
    );
    await expect(
      importCity(t.ctx.db.kysely, { file: noRoads, name: BUNDLED_CITY.name }, t.ctx.now()),
    ).rejects.toThrow(/no drivable road/);
    t.ctx.places.cities.invalidate(BUNDLED_CITY.name);
    const r = await get(`/api/places/search?q=${encodeURIComponent('龙翔大道2001')}`);
    expect(r.json().items[0].label).toBe('广东省深圳市龙岗区龙翔大道2001号');
  });
});
