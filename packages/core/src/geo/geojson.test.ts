import { booleanClockwise, area as turfArea } from '@turf/turf';
import gcoord from 'gcoord';
import { describe, expect, it } from 'vitest';
import { haversineMetres } from '../roads/osm-to-graph';
import { featureCollection, readArea, readAreaOrThrow } from './geojson';

// A box around 龙岗中心城 (Shenzhen), clockwise as some tools write it (left-hand).
const CLOCKWISE = [
  [114.195, 22.676],
  [114.195, 22.699],
  [114.225, 22.699],
  [114.225, 22.676],
  [114.195, 22.676],
];

/** What `ogr2ogr -f GeoJSON out.geojson in.shp` writes for a one-polygon layer. */
const ogr2ogrFile = (coordinates: number[][][][]) => ({
  type: 'FeatureCollection',
  name: 'longgang_ring',
  crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:OGC:1.3:CRS84' } },
  features: [
    {
      type: 'Feature',
      properties: { fid: 1, name: '龙岗中心圈', level: 'district' },
      geometry: { type: 'MultiPolygon', coordinates },
    },
  ],
});

const rulesOf = (input: unknown, options = {}) =>
  readArea(input, options).issues.map((i) => ({ field: i.field, rule: i.rule }));

describe('areas as GIS tools write them', () => {
  it('reads an ogr2ogr FeatureCollection (crs CRS84, MultiPolygon) with its name and level', () => {
    const area = readAreaOrThrow(ogr2ogrFile([[CLOCKWISE]]));
    expect(area.name).toBe('龙岗中心圈');
    expect(area.level).toBe('district');
    expect(area.geometry.type).toBe('MultiPolygon');
  });

  it('stores outer rings counter-clockwise and holes clockwise (RFC 7946 right-hand rule)', () => {
    const hole = [
      [114.2, 22.68],
      [114.21, 22.68],
      [114.21, 22.69],
      [114.2, 22.69],
      [114.2, 22.68],
    ]; // counter-clockwise: wrong for a hole
    const area = readAreaOrThrow({ type: 'Polygon', coordinates: [CLOCKWISE, hole] });
    const [outer, inner] = area.geometry.coordinates as number[][][];
    expect(booleanClockwise(outer)).toBe(false);
    expect(booleanClockwise(inner)).toBe(true);
    // Same area either way: the rewind only reverses the order.
    expect(turfArea(area.geometry)).toBeCloseTo(
      turfArea({ type: 'Polygon', coordinates: [CLOCKWISE, hole] }),
      3,
    );
  });

  it('converts GCJ-02 and BD-09 to where the WGS-84 ring lies (within 1 m)', () => {
    for (const datum of ['gcj02', 'bd09'] as const) {
      const shifted = CLOCKWISE.map(
        ([lon, lat]) =>
          gcoord.transform(
            [lon, lat],
            gcoord.WGS84,
            datum === 'gcj02' ? gcoord.GCJ02 : gcoord.BD09,
          ) as number[],
      );
      // The offset in these datums is hundreds of metres: the conversion is not a no-op.
      expect(haversineMetres(shifted[0][0], shifted[0][1], CLOCKWISE[0][0], CLOCKWISE[0][1])).toBeGreaterThan(
        300,
      );
      const area = readAreaOrThrow({ type: 'Polygon', coordinates: [shifted] }, { datum });
      const expected = readAreaOrThrow({ type: 'Polygon', coordinates: [CLOCKWISE] });
      const got = area.geometry.coordinates[0] as number[][];
      (expected.geometry.coordinates[0] as number[][]).forEach(([lon, lat], i) => {
        expect(haversineMetres(got[i][0], got[i][1], lon, lat)).toBeLessThan(1);
      });
    }
  });

  it('refuses a hole outside its shell, a self-crossing ring, a short ring and an open one, naming field and rule', () => {
    const farHole = [
      [115, 23],
      [115.01, 23],
      [115.01, 23.01],
      [115, 23],
    ];
    expect(rulesOf({ type: 'Polygon', coordinates: [CLOCKWISE, farHole] })).toEqual([
      { field: 'geometry.coordinates.1', rule: 'hole_outside_shell' },
    ]);
    const bowTie = [
      [114.195, 22.676],
      [114.225, 22.699],
      [114.225, 22.676],
      [114.195, 22.699],
      [114.195, 22.676],
    ];
    expect(rulesOf(ogr2ogrFile([[bowTie]]))).toEqual([
      { field: 'geometry.features.0.geometry', rule: 'self_intersecting' },
    ]);
    expect(rulesOf({ type: 'Polygon', coordinates: [CLOCKWISE.slice(0, 3)] }, { field: 'area' })).toEqual([
      { field: 'area.coordinates.0', rule: 'too_few_positions' },
    ]);
    expect(rulesOf({ type: 'Polygon', coordinates: [CLOCKWISE.slice(0, 4)] })).toEqual([
      { field: 'geometry.coordinates.0', rule: 'not_closed' },
    ]);
  });

  it('refuses a projected crs, a collection of two polygons, and an unknown datum', () => {
    const projected = {
      ...ogr2ogrFile([[CLOCKWISE]]),
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::3857' } },
    };
    expect(rulesOf(projected)).toEqual([{ field: 'geometry.crs', rule: 'unsupported_crs' }]);
    const two = ogr2ogrFile([[CLOCKWISE]]);
    two.features.push(two.features[0]);
    expect(rulesOf(two)).toEqual([{ field: 'geometry.features', rule: 'ambiguous_feature' }]);
    expect(rulesOf(CLOCKWISE, { datum: 'osgb36' })).toEqual([{ field: 'datum', rule: 'unsupported_datum' }]);
  });

  it('unwraps a one-part MultiPolygon where one polygon is wanted, refuses two parts', () => {
    const one = readAreaOrThrow(ogr2ogrFile([[CLOCKWISE]]), { single: true });
    expect(one.geometry.type).toBe('Polygon');
    const moved = CLOCKWISE.map(([x, y]) => [x + 0.1, y]);
    expect(rulesOf(ogr2ogrFile([[CLOCKWISE], [moved]]), { single: true })).toEqual([
      { field: 'geometry.features.0.geometry.coordinates', rule: 'too_many_polygons' },
    ]);
  });

  it('exports a FeatureCollection with string ids, flat properties, no crs, right-hand rule', () => {
    const fc = featureCollection('rings', [
      {
        id: 'a',
        geometry: { type: 'Polygon', coordinates: [CLOCKWISE] },
        properties: { name: 'x', level: 'city' },
      },
    ]);
    expect(fc.type).toBe('FeatureCollection');
    expect('crs' in fc).toBe(false);
    expect(fc.features[0]).toMatchObject({
      type: 'Feature',
      id: 'a',
      properties: { name: 'x', level: 'city' },
    });
    expect(booleanClockwise(fc.features[0].geometry.coordinates[0] as number[][])).toBe(false);
    // And it reads back as the same area.
    expect(readAreaOrThrow(fc).name).toBe('x');
  });
});
