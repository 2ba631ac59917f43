import type { RoadGraph } from '@citywatch/core/roads/graph';
import { VectorTile, type VectorTileLayer } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import type { LoadedCity } from '../roads/city-registry.js';
import { loadGraphFromOsmFile } from '../roads/load.js';
import { PUBLIC_TILE_BURST } from './routes.js';
import {
  chainSegments,
  createTileSource,
  renderTile,
  roadFeatures,
  TILE_EXTENT,
  type TileSource,
} from './tiles.js';

const DATA = '/work/shared/data/roads';

async function loadCity(
  name: string,
  file: string,
  jurisdictions: LoadedCity['jurisdictions'] = [],
): Promise<LoadedCity> {
  const { extract, graph } = await loadGraphFromOsmFile(`${DATA}/${file}`);
  let minLon = Infinity;
  let minLat = Infinity;
  let maxLon = -Infinity;
  let maxLat = -Infinity;
  for (let v = 0; v < graph.nodeCount; v++) {
    minLon = Math.min(minLon, graph.nodeLon[v]);
    maxLon = Math.max(maxLon, graph.nodeLon[v]);
    minLat = Math.min(minLat, graph.nodeLat[v]);
    maxLat = Math.max(maxLat, graph.nodeLat[v]);
  }
  return {
    id: name,
    name,
    bounds: { minLon, minLat, maxLon, maxLat },
    graph,
    buildings: extract.buildings,
    jurisdictions,
  };
}

/** Web-mercator tile holding a point. */
function tileAt(lon: number, lat: number, z: number): { z: number; x: number; y: number } {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return {
    z,
    x: Math.floor(((lon + 180) / 360) * n),
    y: Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n),
  };
}

function decode(bytes: Uint8Array | null): VectorTile {
  if (!bytes) throw new Error('expected a tile, got nothing');
  return new VectorTile(new PbfReader(bytes));
}

function features(layer: VectorTileLayer | undefined) {
  if (!layer) return [];
  return Array.from({ length: layer.length }, (_, i) => layer.feature(i));
}

/** Midpoint of the first edge of a way with this name. */
function pointOnStreet(graph: RoadGraph, name: string): { lon: number; lat: number } {
  for (let e = 0; e < graph.edgeCount; e++) {
    if (graph.ways[graph.edgeWay[e]].name !== name) continue;
    const a = graph.edgeTail[e];
    const b = graph.edgeHead[e];
    return { lon: (graph.nodeLon[a] + graph.nodeLon[b]) / 2, lat: (graph.nodeLat[a] + graph.nodeLat[b]) / 2 };
  }
  throw new Error(`no street named ${name}`);
}

describe('chainSegments', () => {
  it('joins a two-way street into one line and breaks at forks', () => {
    expect(
      chainSegments(
        [
          [0, 1],
          [1, 2],
          [2, 3],
        ],
        false,
      ),
    ).toEqual([[0, 1, 2, 3]]);
    // 1 is a fork: three runs meet there.
    const fork = chainSegments(
      [
        [0, 1],
        [1, 2],
        [1, 3],
      ],
      false,
    );
    expect(fork).toHaveLength(3);
    expect(fork.every((run) => run.length === 2)).toBe(true);
  });

  it('keeps one-way runs in the travel direction and closes loops', () => {
    expect(
      chainSegments(
        [
          [2, 3],
          [0, 1],
          [1, 2],
        ],
        true,
      ),
    ).toEqual([[0, 1, 2, 3]]);
    const roundabout = chainSegments(
      [
        [0, 1],
        [1, 2],
        [2, 0],
      ],
      true,
    );
    expect(roundabout).toHaveLength(1);
    expect(roundabout[0]).toHaveLength(4);
    expect(roundabout[0][0]).toBe(roundabout[0][3]);
  });
});

describe.each([
  {
    city: 'shenzhen-longgang',
    file: 'shenzhen-longgang/shenzhen_longgang.osm',
    street: '龙岗大道',
    zoom: 15,
  },
  { city: 'baltimore', file: 'baltimore/baltimore.osm.pbf', street: 'East Baltimore Street', zoom: 16 },
])('vector tiles of $city', ({ city: cityName, file, street, zoom }) => {
  let city: LoadedCity;
  let source: TileSource;

  beforeAll(async () => {
    city = await loadCity(cityName, file);
    source = createTileSource(city);
  });

  it('draws every street segment once, whichever way it is driven', () => {
    const lines = roadFeatures(city.graph);
    const drawnSegments = lines.reduce((n, f) => n + f.geometry.coordinates.length - 1, 0);
    // A two-way street has two directed edges per segment, a one-way street one.
    let expected = 0;
    for (let e = 0; e < city.graph.edgeCount; e++) {
      expected += city.graph.ways[city.graph.edgeWay[e]].oneway ? 1 : 0.5;
    }
    expect(drawnSegments).toBe(expected);
    // Merged into runs: far fewer lines than segments.
    expect(lines.length).toBeLessThan(drawnSegments / 2);
  });

  it(`has ${street} in the roads layer of the tile over it, inside the tile`, () => {
    const point = pointOnStreet(city.graph, street);
    const { z, x, y } = tileAt(point.lon, point.lat, zoom);
    const tile = decode(renderTile(source, z, x, y));
    const roads = tile.layers.roads;
    expect(roads.extent).toBe(TILE_EXTENT);
    expect(roads.version).toBe(2);
    const named = features(roads).filter((f) => f.properties.name === street);
    expect(named.length).toBeGreaterThan(0);
    for (const f of named) {
      expect(f.type).toBe(2); // LineString
      expect(typeof f.properties.highway).toBe('string');
      expect(typeof f.properties.oneway).toBe('boolean');
      expect(f.properties.speed).toBeGreaterThan(0);
      const points = f.loadGeometry().flat();
      // Clipped to the tile plus its 64-unit buffer.
      for (const p of points) {
        expect(p.x).toBeGreaterThanOrEqual(-64);
        expect(p.x).toBeLessThanOrEqual(TILE_EXTENT + 64);
        expect(p.y).toBeGreaterThanOrEqual(-64);
        expect(p.y).toBeLessThanOrEqual(TILE_EXTENT + 64);
      }
    }
    // The point we aimed at is on one of the lines (within a couple of tile units of a segment).
    const n = 2 ** z;
    const px = (((point.lon + 180) / 360) * n - x) * TILE_EXTENT;
    const r = (point.lat * Math.PI) / 180;
    const py = (((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n - y) * TILE_EXTENT;
    const nearest = Math.min(
      ...named.flatMap((f) =>
        f
          .loadGeometry()
          .flatMap((line) => line.slice(1).map((b, i) => distanceToSegment(px, py, line[i], b))),
      ),
    );
    expect(nearest).toBeLessThan(3);
  });

  it('returns nothing far outside the city and outside the zoom range', () => {
    const far = tileAt(0.5, 0.5, 14);
    expect(renderTile(source, far.z, far.x, far.y)).toBeNull();
    const centre = tileAt(
      (city.bounds.minLon + city.bounds.maxLon) / 2,
      (city.bounds.minLat + city.bounds.maxLat) / 2,
      9,
    );
    expect(renderTile(source, centre.z, centre.x, centre.y)).toBeNull();
    expect(renderTile(source, 10, 2 ** 10, 0)).toBeNull();
  });

  it('shows buildings at z15 but not at z12', () => {
    const building = city.buildings.find((b) => b.ring.length >= 4);
    if (!building) throw new Error('no building in the extract');
    const [lon, lat] = building.ring[0];
    const at15 = tileAt(lon, lat, 15);
    expect(
      features(decode(renderTile(source, at15.z, at15.x, at15.y)).layers.buildings).length,
    ).toBeGreaterThan(0);
    const at12 = tileAt(lon, lat, 12);
    const tile12 = decode(renderTile(source, at12.z, at12.x, at12.y));
    expect(tile12.layers.buildings).toBeUndefined();
    expect(tile12.layers.roads.length).toBeGreaterThan(0);
  });
});

function distanceToSegment(
  px: number,
  py: number,
  a: { x: number; y: number },
  b: { x: number; y: number },
): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - a.x) * dx + (py - a.y) * dy) / len2));
  return Math.hypot(px - (a.x + t * dx), py - (a.y + t * dy));
}

describe('GET /api/tiles/:z/:x/:y.pbf', () => {
  let t: TestApp;
  let cookie: string;
  let city: LoadedCity;
  let streetTile: { z: number; x: number; y: number };

  beforeAll(async () => {
    city = await loadCity('shenzhen-longgang', 'shenzhen-longgang/shenzhen_longgang.osm');
    const point = pointOnStreet(city.graph, '龙岗大道');
    streetTile = tileAt(point.lon, point.lat, 14);
    // The app's own registry serves the route: the bundled city with its seeded station areas.
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    cookie = await t.login('admin', ADMIN_PASSWORD);
  });

  afterAll(async () => {
    await t?.close();
  });

  const url = (z: number, x: number, y: number, query = '') => `/api/tiles/${z}/${x}/${y}.pbf${query}`;

  it('answers a tile as protobuf with private caching and an ETag, then 304', async () => {
    const { z, x, y } = streetTile;
    const res = await t.as(cookie, { method: 'GET', url: url(z, x, y) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    expect(res.headers['cache-control']).toBe('private, max-age=300');
    const etag = res.headers.etag;
    expect(typeof etag).toBe('string');
    const tile = decode(new Uint8Array(res.rawPayload));
    expect(features(tile.layers.roads).some((f) => f.properties.name === '龙岗大道')).toBe(true);
    const areas = features(tile.layers.jurisdictions).map((f) => String(f.properties.name));
    expect(areas.length).toBeGreaterThan(0);
    expect(areas.every((name) => name.endsWith('派出所'))).toBe(true);

    const again = await t.as(cookie, {
      method: 'GET',
      url: url(z, x, y, '?city=shenzhen-longgang'),
      headers: { 'if-none-match': String(etag) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
  });

  it('answers 204 for a tile with nothing in it', async () => {
    const far = tileAt(0.5, 0.5, 14);
    const res = await t.as(cookie, { method: 'GET', url: url(far.z, far.x, far.y) });
    expect(res.statusCode).toBe(204);
    expect(res.headers['cache-control']).toBe('private, max-age=300');
  });

  it('refuses coordinates outside the zoom level with field errors', async () => {
    const res = await t.as(cookie, {
      method: 'GET',
      url: url(3, 8, 2),
      headers: { 'accept-language': 'en' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().errors).toEqual([
      { field: 'params.x', rule: 'out_of_range', message: 'Must be below 8 at zoom 3' },
    ]);

    const deep = await t.as(cookie, { method: 'GET', url: url(23, 0, 0) });
    expect(deep.statusCode).toBe(400);
    expect(deep.json().errors[0].field).toBe('params.z');

    const notNumber = await t.as(cookie, { method: 'GET', url: '/api/tiles/14/abc/1.pbf' });
    expect(notNumber.statusCode).toBe(400);
  });

  it('answers 404 for an unknown city', async () => {
    const { z, x, y } = streetTile;
    const res = await t.as(cookie, { method: 'GET', url: url(z, x, y, '?city=atlantis') });
    expect(res.statusCode).toBe(404);
    expect(res.json().detail).toBe('城市不存在：atlantis');
  });

  it('needs a session', async () => {
    const { z, x, y } = streetTile;
    const res = await t.app.inject({ method: 'GET', url: url(z, x, y) });
    expect(res.statusCode).toBe(401);
  });
});

describe('GET /api/public/tiles/:z/:x/:y.pbf (no login)', () => {
  let t: TestApp;
  let streetTile: { z: number; x: number; y: number };

  beforeAll(async () => {
    const city = await loadCity('shenzhen-longgang', 'shenzhen-longgang/shenzhen_longgang.osm');
    const point = pointOnStreet(city.graph, '龙岗大道');
    streetTile = tileAt(point.lon, point.lat, 14);
    t = await createTestApp();
    // Seeds the bundled city's station areas, so the signed-in tile has them to leave out here.
    await ensureBundledCity(t.ctx, () => {});
  });

  afterAll(async () => {
    await t?.close();
  });

  const url = ({ z, x, y }: { z: number; x: number; y: number }, query = '') =>
    `/api/public/tiles/${z}/${x}/${y}.pbf${query}`;

  it('answers an anonymous client the roads without the station areas, cacheable, then 304', async () => {
    const res = await t.app.inject({ method: 'GET', url: url(streetTile), remoteAddress: '198.51.100.1' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
    const tile = decode(new Uint8Array(res.rawPayload));
    expect(Object.keys(tile.layers)).not.toContain('jurisdictions');
    expect(features(tile.layers.roads).some((f) => f.properties.name === '龙岗大道')).toBe(true);

    const again = await t.app.inject({
      method: 'GET',
      url: url(streetTile, '?city=shenzhen-longgang'),
      remoteAddress: '198.51.100.1',
      headers: { 'if-none-match': String(res.headers.etag) },
    });
    expect(again.statusCode).toBe(304);

    const far = tileAt(0.5, 0.5, 14);
    const empty = await t.app.inject({ method: 'GET', url: url(far), remoteAddress: '198.51.100.1' });
    expect(empty.statusCode).toBe(204);
  });

  it('serves only the pin map zooms (10–18)', async () => {
    for (const z of [9, 19]) {
      const res = await t.app.inject({
        method: 'GET',
        url: url({ z, x: 0, y: 0 }),
        remoteAddress: '198.51.100.2',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].field).toBe('params.z');
    }
  });

  it('answers one address 429 with Retry-After once its burst is spent, others still get tiles', async () => {
    let refused: Awaited<ReturnType<typeof t.app.inject>> | undefined;
    let granted = 0;
    for (let i = 0; i < PUBLIC_TILE_BURST * 2 && !refused; i++) {
      const res = await t.app.inject({ method: 'GET', url: url(streetTile), remoteAddress: '203.0.113.9' });
      if (res.statusCode === 429) refused = res;
      else granted++;
    }
    expect(refused).toBeDefined();
    // The burst, plus what trickled back while the loop ran.
    expect(granted).toBeGreaterThanOrEqual(PUBLIC_TILE_BURST);
    expect(refused!.headers['content-type']).toContain('application/problem+json');
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused!.json()).toMatchObject({ status: 429, detail: '地图请求过于频繁，请稍后再试' });

    const other = await t.app.inject({ method: 'GET', url: url(streetTile), remoteAddress: '203.0.113.10' });
    expect(other.statusCode).toBe(200);
  });

  it('tells an anonymous page where the city is', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/public/map', remoteAddress: '198.51.100.3' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.city).toBe('shenzhen-longgang');
    expect(body.center.lon).toBeGreaterThan(body.bounds.minLon);
    expect(body.center.lon).toBeLessThan(body.bounds.maxLon);
    expect(body.tiles).toBe('/api/public/tiles/{z}/{x}/{y}.pbf?city=shenzhen-longgang');
  });
});
