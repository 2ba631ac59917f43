import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ProblemError, pickLanguage } from '../../http/problem.js';
import type { ZodApp } from '../module.js';
import { cityNameSchema } from '../places/schemas.js';
import type { CityRegistry, LoadedCity } from '../roads/city-registry.js';
import { createTileSource, renderTile, type TileSource } from './tiles.js';

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
export function tilesRoutes(app: ZodApp, ctx: { cities: CityRegistry }) {
  // Keyed by the loaded city object: when the registry reloads a city (import, jurisdiction edit)
  // the new object gets a fresh source and the old one is collected with it.
  const sources = new WeakMap<LoadedCity, TileSource>();
  // Tiles come out of the source's cache as the same array, so their tag is hashed once.
  const etags = new WeakMap<Uint8Array, string>();

  app.get(
    '/api/tiles/:z/:x/:y.pbf',
    {
      config: { permission: 'session.self' },
      schema: {
        tags: ['places'],
        summary: 'A Mapbox vector tile of the city’s roads',
        params: tileParams,
        querystring: tileQuery,
        response: {
          200: {
            description: 'The tile (Mapbox Vector Tile protobuf), with an ETag',
            content: { 'application/x-protobuf': { schema: z.string().meta({ format: 'binary' }) } },
          },
          204: z.null().describe('The city has nothing in this tile'),
          304: z.null().describe('Not modified (If-None-Match)'),
        },
      },
    },
    async (request, reply) => {
      const { z: zoom, x, y } = request.params;
      const { city: cityName } = request.query;
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

      const city = await ctx.cities.get(cityName);
      if (!city) {
        const shown = cityName ?? '(default)';
        throw new ProblemError('not_found', {
          zh: `城市不存在：${cityName ?? '（未导入默认城市）'}`,
          en: `No such city: ${shown}`,
        });
      }
      let source = sources.get(city);
      if (!source) {
        source = createTileSource(city);
        sources.set(city, source);
      }

      const bytes = renderTile(source, zoom, x, y);
      // Private: tiles are only for signed-in users, so shared caches must not keep them.
      reply.header('cache-control', 'private, max-age=300');
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
