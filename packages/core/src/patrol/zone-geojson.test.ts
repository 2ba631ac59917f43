import gcoord from 'gcoord';
import { describe, expect, it } from 'vitest';
import { haversineMetres } from '../roads/osm-to-graph';
import { zoneInputSchema as zoneSchema } from './plans';

const SQUARE = [
  [114.2, 22.72],
  [114.2, 22.73],
  [114.21, 22.73],
  [114.21, 22.72],
  [114.2, 22.72],
];

describe('patrol zones from GIS files and Chinese basemaps', () => {
  it('takes a QGIS FeatureCollection (crs, one-part MultiPolygon) as a Polygon zone', () => {
    const zone = zoneSchema.parse({
      key: 'Z1',
      name: '龙城一片',
      geometry: {
        type: 'FeatureCollection',
        crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:OGC:1.3:CRS84' } },
        features: [
          { type: 'Feature', properties: {}, geometry: { type: 'MultiPolygon', coordinates: [[SQUARE]] } },
        ],
      },
    });
    expect(zone.geometry.type).toBe('Polygon');
    expect(zone.source).toBe('drawn');
  });

  it('puts a BD-09 zone where the WGS-84 one lies (within 1 m) and leaves a plain Polygon as it is', () => {
    const plain = zoneSchema.parse({
      key: 'Z1',
      name: 'a',
      geometry: { type: 'Polygon', coordinates: [SQUARE] },
    });
    expect(plain.geometry.coordinates[0]).toEqual(SQUARE);
    const bd = SQUARE.map(([x, y]) => gcoord.transform([x, y], gcoord.WGS84, gcoord.BD09) as number[]);
    const zone = zoneSchema.parse({
      key: 'Z2',
      name: 'b',
      datum: 'bd09',
      geometry: { type: 'Polygon', coordinates: [bd] },
    });
    const got = zone.geometry.coordinates[0];
    // Right-hand rule: the clockwise input comes back counter-clockwise; compare as sets of corners.
    for (const [lon, lat] of SQUARE) {
      expect(Math.min(...got.map((p) => haversineMetres(p[0], p[1], lon, lat)))).toBeLessThan(1);
    }
  });

  it('refuses a self-crossing file and an unknown datum, naming field and rule', () => {
    const bowTie = [SQUARE[0], SQUARE[2], SQUARE[1], SQUARE[3], SQUARE[0]];
    const crossing = zoneSchema.safeParse({
      key: 'Z3',
      name: 'c',
      geometry: { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [bowTie] } },
    });
    expect(
      crossing.error?.issues.map((i) => [
        i.path.join('.'),
        (i as { params?: { rule?: string } }).params?.rule,
      ]),
    ).toEqual([['geometry.geometry', 'self_intersecting']]);
    const datum = zoneSchema.safeParse({
      key: 'Z4',
      name: 'd',
      datum: 'osgb',
      geometry: { type: 'Polygon', coordinates: [SQUARE] },
    });
    expect(datum.error?.issues[0].path).toEqual(['datum']);
  });
});
