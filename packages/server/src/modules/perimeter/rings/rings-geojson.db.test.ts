import { haversineMetres } from '@citywatch/core/roads/osm-to-graph';
import { booleanClockwise } from '@turf/turf';
import gcoord from 'gcoord';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../../test/app.js';

// The Longgang centre box (on the bundled city's roads), clockwise as a shapefile stores it.
const LONGGANG = [
  [114.195, 22.676],
  [114.195, 22.699],
  [114.225, 22.699],
  [114.225, 22.676],
  [114.195, 22.676],
];

/** What `ogr2ogr -f GeoJSON ring.geojson ring.shp` (or QGIS "Export → Save Features As") writes. */
const ogr2ogrRing = (coordinates: number[][][][], properties: Record<string, unknown>) => ({
  type: 'FeatureCollection',
  name: 'ring',
  crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:OGC:1.3:CRS84' } },
  features: [
    {
      type: 'Feature',
      properties: { fid: 1, ...properties },
      geometry: { type: 'MultiPolygon', coordinates },
    },
  ],
});

describe(`rings from GIS files, in any datum, and out as GeoJSON (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  const created: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
  }, 120_000);
  afterAll(() => t.close());

  it('takes a QGIS/ogr2ogr FeatureCollection (crs CRS84, MultiPolygon), name and level from its properties, and reads it back', async () => {
    const file = ogr2ogrRing([[LONGGANG]], { name: '龙岗中心圈', level: 'district' });
    const r = await t.as(admin, { method: 'POST', url: '/api/perimeter/rings', payload: { geometry: file } });
    expect(r.statusCode, r.body).toBe(201);
    const ring = r.json();
    created.push(ring.id);
    expect(ring).toMatchObject({ name: '龙岗中心圈', level: 'district' });
    expect(ring.geometry.type).toBe('MultiPolygon');
    // Stored by the right-hand rule: the clockwise shell is now counter-clockwise, same positions.
    const shell = ring.geometry.coordinates[0][0] as number[][];
    expect(booleanClockwise(shell)).toBe(false);
    expect([...shell].sort()).toEqual([...LONGGANG].sort());

    const back = await t.as(admin, { method: 'GET', url: `/api/perimeter/rings/${ring.id}` });
    expect(back.json()).toMatchObject({ name: '龙岗中心圈', level: 'district', geometry: ring.geometry });

    // The file as it is, posted as the body; the body's own name wins over the properties.
    const raw = await t.as(admin, { method: 'POST', url: '/api/perimeter/rings?city=', payload: file });
    expect(raw.statusCode).toBe(400); // city= is empty: refused by name
    expect(raw.json().errors[0]).toMatchObject({ field: 'query.city' });
    const plain = await t.as(admin, { method: 'POST', url: '/api/perimeter/rings', payload: file });
    expect(plain.statusCode, plain.body).toBe(201);
    created.push(plain.json().id);
    const named = await t.as(admin, {
      method: 'POST',
      url: '/api/perimeter/rings',
      payload: { name: '改名', level: 'core', geometry: file },
    });
    expect(named.json()).toMatchObject({ name: '改名', level: 'core' });
    created.push(named.json().id);
  });

  it('puts a GCJ-02 (AMap) and a BD-09 (Baidu) ring where the WGS-84 one lies, within 1 m', async () => {
    const wgs = await t.as(admin, {
      method: 'POST',
      url: '/api/perimeter/rings',
      payload: { name: 'WGS-84', level: 'core', geometry: { type: 'Polygon', coordinates: [LONGGANG] } },
    });
    expect(wgs.statusCode, wgs.body).toBe(201);
    created.push(wgs.json().id);
    const expected = wgs.json().geometry.coordinates[0] as number[][];
    for (const [datum, crs] of [
      ['gcj02', gcoord.GCJ02],
      ['bd09', gcoord.BD09],
    ] as const) {
      const shifted = LONGGANG.map(
        ([lon, lat]) => gcoord.transform([lon, lat], gcoord.WGS84, crs) as number[],
      );
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/perimeter/rings',
        payload: { name: datum, level: 'core', datum, geometry: { type: 'Polygon', coordinates: [shifted] } },
      });
      expect(r.statusCode, r.body).toBe(201);
      created.push(r.json().id);
      const got = r.json().geometry.coordinates[0] as number[][];
      expect(got).toHaveLength(expected.length);
      got.forEach(([lon, lat], i) => {
        expect(haversineMetres(lon, lat, expected[i][0], expected[i][1])).toBeLessThan(1);
      });
      // Unconverted, the same numbers would lie hundreds of metres off.
      expect(haversineMetres(shifted[0][0], shifted[0][1], LONGGANG[0][0], LONGGANG[0][1])).toBeGreaterThan(
        300,
      );
    }
  });

  it('refuses a hole outside its shell, a projected crs and a file without a name, naming field and rule', async () => {
    const farHole = [
      [114.3, 22.8],
      [114.31, 22.8],
      [114.31, 22.81],
      [114.3, 22.8],
    ];
    const hole = await t.as(admin, {
      method: 'POST',
      url: '/api/perimeter/rings',
      payload: {
        name: '洞在外',
        level: 'core',
        geometry: { type: 'Polygon', coordinates: [LONGGANG, farHole] },
      },
    });
    expect(hole.statusCode).toBe(400);
    expect(hole.headers['content-type']).toContain('application/problem+json');
    expect(hole.json().errors).toEqual([
      expect.objectContaining({ field: 'geometry.coordinates.1', rule: 'hole_outside_shell' }),
    ]);
    const projected = ogr2ogrRing([[LONGGANG]], { name: 'x', level: 'core' });
    projected.crs.properties.name = 'urn:ogc:def:crs:EPSG::3857';
    const p = await t.as(admin, { method: 'POST', url: '/api/perimeter/rings', payload: projected });
    expect(p.json().errors).toEqual([
      expect.objectContaining({ field: 'geometry.crs', rule: 'unsupported_crs' }),
    ]);
    const nameless = await t.as(admin, {
      method: 'POST',
      url: '/api/perimeter/rings',
      payload: ogr2ogrRing([[LONGGANG]], {}),
    });
    expect(nameless.statusCode).toBe(400);
    expect(nameless.json().errors.map((e: { field: string; rule: string }) => [e.field, e.rule])).toEqual([
      ['name', 'required'],
      ['level', 'required'],
    ]);
  });

  it('exports the rings as one FeatureCollection a GIS tool opens', async () => {
    {
      const r = await t.as(admin, { method: 'GET', url: '/api/perimeter/rings?format=geojson' });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toContain('application/geo+json');
      const fc = r.json();
      expect(fc.type).toBe('FeatureCollection');
      expect(fc.crs).toBeUndefined(); // RFC 7946: WGS-84 lon/lat, no crs member
      expect(fc.features.map((f: { id: string }) => f.id).sort()).toEqual([...created].sort());
      for (const f of fc.features) {
        expect(f.type).toBe('Feature');
        expect(typeof f.id).toBe('string');
        expect(['Polygon', 'MultiPolygon']).toContain(f.geometry.type);
        // Flat properties: each becomes a column in QGIS.
        for (const v of Object.values(f.properties)) expect(typeof v === 'object' && v !== null).toBe(false);
        const polygons = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
        for (const polygon of polygons) {
          polygon.forEach((ring: number[][], i: number) => {
            expect(ring[0]).toEqual(ring.at(-1));
            expect(booleanClockwise(ring)).toBe(i > 0);
          });
        }
      }
    }
    // And the export goes back in as it came out.
    const exported = (
      await t.as(admin, { method: 'GET', url: '/api/perimeter/rings?format=geojson' })
    ).json();
    const again = await t.as(admin, {
      method: 'POST',
      url: '/api/perimeter/rings',
      payload: { ...exported, features: [exported.features[0]] },
    });
    expect(again.statusCode, again.body).toBe(201);
    // The body schema (a preprocess for raw files) still documents.
    expect((await t.as(admin, { method: 'GET', url: '/api/openapi.json' })).statusCode).toBe(200);
  });
  it('station areas (GET /api/jurisdictions) come as a FeatureCollection a GIS tool opens as well', async () => {
    const r = await t.as(admin, { method: 'GET', url: '/api/jurisdictions' });
    expect(r.statusCode).toBe(200);
    const fc = r.json();
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features.length).toBeGreaterThan(0);
    for (const f of fc.features) {
      expect(f.type).toBe('Feature');
      expect(typeof f.id).toBe('string');
      expect(['Polygon', 'MultiPolygon']).toContain(f.geometry.type);
      for (const v of Object.values(f.properties)) expect(typeof v === 'object' && v !== null).toBe(false);
      const polygons = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
      for (const polygon of polygons) for (const ring of polygon) expect(ring[0]).toEqual(ring.at(-1));
    }
  });
});
