import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ProblemError, pickLanguage } from '../../http/problem.js';
import type { ZodApp } from '../module.js';
import { cityNameSchema } from '../places/schemas.js';
import type { CityRegistry, LoadedCity } from '../roads/city-registry.js';
import { TokenBuckets } from './rate-limit.js';
import {
  createTileSource,
  PUBLIC_TILE_LAYERS,
  renderTile,
  TILE_LAYERS,
  TILE_MAX_ZOOM,
  TILE_MIN_ZOOM,
  type TileLayerName,
  type TileSource,
} from './tiles.js';

const MAX_ZOOM = 22;

const tileParams = z.strictObject({
  z: z.coerce.number().int().min(0).max(MAX_ZOOM),
  x: z.coerce.number().int().min(0),
  y: z.coerce.number().int().min(0),
});
const tileQuery = z.strictObject({ city: cityNameSchema });

/**
 * GET /api/tiles/:z/:x/:y.pbf — Mapbox Vector Tiles of the city (roads, buildings, jurisdictions),
 * for the web map; 204 where the city has nothing.
 */
/** Public base map: each address may burst this many tiles, then gets this many a second. */
export const PUBLIC_TILE_BURST = 300;
export const PUBLIC_TILES_PER_SECOND = 5;

const publicTileParams = z.strictObject({
  z: z.coerce.number().int().min(TILE_MIN_ZOOM).max(TILE_MAX_ZOOM),
  x: z.coerce.number().int().min(0),
  y: z.coerce.number().int().min(0),
});

const tileResponses = {
  200: {
    description: 'The tile (Mapbox Vector Tile protobuf), with an ETag',
    content: { 'application/x-protobuf': { schema: z.string().meta({ format: 'binary' }) } },
  },
  204: z.null().describe('The city has nothing in this tile'),
  304: z.null().describe('Not modified (If-None-Match)'),
};

const publicMapSchema = z.object({
  city: z.string(),
  bounds: z.object({ minLon: z.number(), minLat: z.number(), maxLon: z.number(), maxLat: z.number() }),
  center: z.object({ lon: z.number(), lat: z.number() }),
  minZoom: z.number().int(),
  maxZoom: z.number().int(),
  /** Relative URL template of the public tiles. */
  tiles: z.string(),
});

/**
 * GET /api/tiles/:z/:x/:y.pbf — Mapbox Vector Tiles of the city (roads, buildings, jurisdictions),
 * for the web map; 204 where the city has nothing.
 * GET /api/public/tiles/:z/:x/:y.pbf — the same base map without station areas, for pages without
 * a login (the citizen report's pin map): z10–18 only, rate-limited per address.
 * GET /api/public/map — where that base map is (bounds, centre), to open the pin map on the city.
 */
export function tilesRoutes(app: ZodApp, ctx: { cities: CityRegistry }) {
  // Keyed by the loaded city object: when the registry reloads a city (import, jurisdiction edit)
  // the new object gets a fresh source and the old one is collected with it.
  const sources = new WeakMap<LoadedCity, TileSource>();
  // Tiles come out of the source's cache as the same array, so their tag is hashed once.
  const etags = new WeakMap<Uint8Array, string>();
  const publicBuckets = new TokenBuckets(PUBLIC_TILE_BURST, PUBLIC_TILES_PER_SECOND);

  const cityNamed = async (cityName: string | undefined): Promise<LoadedCity> => {
    const city = await ctx.cities.get(cityName);
    if (!city) {
      const shown = cityName ?? '(default)';
      throw new ProblemError('not_found', {
        zh: `城市不存在：${cityName ?? '（未导入默认城市）'}`,
        en: `No such city: ${shown}`,
      });
    }
    return city;
  };

  const serveTile = async (
    request: {
      params: { z: number; x: number; y: number };
      query: { city?: string };
      headers: FastifyRequest['headers'];
    },
    reply: FastifyReply,
    options: { layers: readonly TileLayerName[]; cacheControl: string },
  ) => {
    const { z: zoom, x, y } = request.params;
    const limit = 2 ** zoom;
    // Named like the schema's own errors (`params.z`), so a client sees one naming scheme.
    const outOfRange = [...(x >= limit ? ['params.x'] : []), ...(y >= limit ? ['params.y'] : [])];
    if (outOfRange.length) {
      const en = pickLanguage(request.headers['accept-language']) === 'en';
      throw new ProblemError(
        'validation',
        undefined,
        outOfRange.map((field) => ({
          field,
          rule: 'out_of_range',
          message: en ? `Must be below ${limit} at zoom ${zoom}` : `缩放级别 ${zoom} 下应小于 ${limit}`,
        })),
      );
    }

    const city = await cityNamed(request.query.city);
    let source = sources.get(city);
    if (!source) {
      source = createTileSource(city);
      sources.set(city, source);
    }

    const bytes = renderTile(source, zoom, x, y, options.layers);
    reply.header('cache-control', options.cacheControl);
    if (!bytes) return reply.code(204).send(null);

    let etag = etags.get(bytes);
    if (!etag) {
      etag = `"${createHash('sha1').update(bytes).digest('base64url')}"`;
      etags.set(bytes, etag);
    }
    reply.header('etag', etag);
    if (ifNoneMatch(request.headers['if-none-match'], etag)) return reply.code(304).send(null);
    return (
      reply
        .type('application/x-protobuf')
        // A Buffer is sent as it is (never serialized); the cast only meets the declared types.
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as string)
    );
  };

  app.get(
    '/api/tiles/:z/:x/:y.pbf',
    {
      config: { permission: 'session.self' },
      schema: {
        tags: ['places'],
        summary: 'A Mapbox vector tile of the city’s roads',
        params: tileParams,
        querystring: tileQuery,
        response: tileResponses,
      },
    },
    // Private: these tiles carry station areas and are only for signed-in users.
    (request, reply) =>
      serveTile(request, reply, { layers: TILE_LAYERS, cacheControl: 'private, max-age=300' }),
  );

  app.get(
    '/api/public/tiles/:z/:x/:y.pbf',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['places'],
        summary: 'A base-map vector tile (OSM roads and buildings only) for pages without a login',
        params: publicTileParams,
        querystring: tileQuery,
        response: tileResponses,
      },
    },
    (request, reply) => {
      const waitMs = publicBuckets.take(request.ip);
      if (waitMs > 0) {
        throw new ProblemError(
          'rate_limited',
          { zh: '地图请求过于频繁，请稍后再试', en: 'Too many map requests; try again shortly' },
          undefined,
          undefined,
          { 'retry-after': String(Math.ceil(waitMs / 1000)) },
        );
      }
      // OSM data only, the same for everyone: shared caches may keep it.
      return serveTile(request, reply, { layers: PUBLIC_TILE_LAYERS, cacheControl: 'public, max-age=3600' });
    },
  );

  app.get(
    '/api/public/map',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['places'],
        summary: 'Where the public base map is: the city’s bounds and centre, and its tile URL',
        querystring: tileQuery,
        response: { 200: publicMapSchema },
      },
    },
    async (request) => {
      const city = await cityNamed(request.query.city);
      const { minLon, minLat, maxLon, maxLat } = city.bounds;
      return {
        city: city.name,
        bounds: { minLon, minLat, maxLon, maxLat },
        center: { lon: (minLon + maxLon) / 2, lat: (minLat + maxLat) / 2 },
        minZoom: TILE_MIN_ZOOM,
        maxZoom: TILE_MAX_ZOOM,
        tiles: `/api/public/tiles/{z}/{x}/{y}.pbf?city=${encodeURIComponent(city.name)}`,
      };
    },
  );
}

function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}
