import { haversineMetres } from '@citywatch/core/roads/osm-to-graph';
import gcoord from 'gcoord';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

// About 100 m × 100 m at 龙城广场, clockwise as a shapefile stores it.
const SQUARE = [
  [114.2, 22.72],
  [114.2, 22.7209],
  [114.201, 22.7209],
  [114.201, 22.72],
  [114.2, 22.72],
];

describe(`crowd areas from GIS files and Chinese basemaps (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let orgId: string;
  const body = (extra: Record<string, unknown>) => ({
    name: '灯会广场',
    orgId,
    warnDensity: 1,
    alarmDensity: 2,
    capacity: 40_000,
    ...extra,
  });
  const post = (payload: Record<string, unknown>) =>
    t.as(admin, { method: 'POST', url: '/api/sensors/crowd-areas', payload });

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.login('admin', ADMIN_PASSWORD);
    orgId = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items[0].id;
  }, 120_000);
  afterAll(() => t.close());

  it('takes a QGIS FeatureCollection (crs, one-part MultiPolygon) as area, and a GCJ-02 ring where the WGS-84 one lies', async () => {
    const file = {
      type: 'FeatureCollection',
      name: 'square',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:OGC:1.3:CRS84' } },
      features: [
        {
          type: 'Feature',
          properties: { fid: 1 },
          geometry: { type: 'MultiPolygon', coordinates: [[SQUARE]] },
        },
      ],
    };
    const fromFile = await post(body({ area: file }));
    expect(fromFile.statusCode, fromFile.body).toBe(201);
    expect(fromFile.json().areaM2).toBeGreaterThan(9_500);
    expect(fromFile.json().areaM2).toBeLessThan(10_500);

    const plain = await post(body({ name: 'WGS-84', ring: SQUARE }));
    const gcj = SQUARE.map(
      ([lon, lat]) => gcoord.transform([lon, lat], gcoord.WGS84, gcoord.GCJ02) as number[],
    );
    const shifted = await post(body({ name: 'GCJ-02', ring: gcj, datum: 'gcj02' }));
    expect(shifted.statusCode, shifted.body).toBe(201);
    const a = plain.json().ring as number[][];
    const b = shifted.json().ring as number[][];
    expect(b).toHaveLength(a.length);
    b.forEach(([lon, lat], i) => {
      expect(haversineMetres(lon, lat, a[i][0], a[i][1])).toBeLessThan(1);
    });
  });

  it('refuses a self-crossing ring, a polygon with a hole, and neither ring nor area, naming field and rule', async () => {
    const bowTie = [SQUARE[0], SQUARE[2], SQUARE[1], SQUARE[3], SQUARE[0]];
    const crossing = await post(body({ ring: bowTie }));
    expect(crossing.statusCode).toBe(400);
    expect(crossing.json().errors).toEqual([
      expect.objectContaining({ field: 'ring', rule: 'self_intersecting' }),
    ]);
    const hole = [
      [114.2004, 22.7004],
      [114.2006, 22.7004],
      [114.2006, 22.7006],
      [114.2004, 22.7004],
    ].map(([x, y]) => [x, y + 0.02]);
    const holed = await post(body({ area: { type: 'Polygon', coordinates: [SQUARE, hole] } }));
    expect(holed.statusCode).toBe(400);
    expect(holed.json().errors[0]).toMatchObject({ field: 'area.coordinates.1', rule: 'malformed' });
    const none = await post(body({}));
    expect(none.json().errors).toEqual([expect.objectContaining({ field: 'ring', rule: 'required' })]);
  });
});
