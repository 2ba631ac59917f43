import { z as zod } from 'zod';
import { actorOf } from '../../http/auth.js';
import { ProblemError } from '../../http/problem.js';
import type { CoreDeps, ZodApp } from '../module.js';
import { assertCityLevel } from '../scope.js';
import { assignGazetteerJurisdictions, replaceJurisdictions, updateJurisdiction } from './jurisdictions.js';
import {
  cityNameSchema,
  isochroneQuerySchema,
  jurisdictionImportSchema,
  jurisdictionPatchSchema,
  pointQuerySchema,
  reverseResultSchema,
  searchHitSchema,
  searchQuerySchema,
} from './schemas.js';
import type { PlacesService } from './service.js';

const cityQuery = zod.strictObject({ city: cityNameSchema });
const idParams = zod.strictObject({ id: zod.string().uuid() });
const gridQuerySchema = zod.strictObject({
  city: cityNameSchema,
  resolution: zod.coerce.number().int().min(5).max(11).default(9),
});

/** A GeoJSON geometry as stored or computed (Polygon or MultiPolygon here), coordinates as given. */
const geometryOut = zod.object({ type: zod.string(), coordinates: zod.array(zod.unknown()) });
const citySchema = zod.object({
  id: zod.string(),
  name: zod.string(),
  importedAt: zod.string(),
  isDefault: zod.boolean(),
  bounds: zod.object({
    minLon: zod.number(),
    minLat: zod.number(),
    maxLon: zod.number(),
    maxLat: zod.number(),
  }),
  stats: zod.record(zod.string(), zod.unknown()).describe('Import figures: what was read, the graph built'),
});
const gridSchema = zod.object({
  resolution: zod.number().int(),
  cells: zod.array(
    zod.object({
      h3: zod.string().describe('H3 cell index'),
      roadNodes: zod.number().int(),
      roadLengthM: zod.number(),
      addresses: zod.number().int(),
      places: zod.number().int(),
    }),
  ),
});
const isochronesSchema = zod.object({
  type: zod.literal('FeatureCollection'),
  features: zod.array(
    zod.object({
      type: zod.literal('Feature'),
      properties: zod.object({ minutes: zod.number(), reachedNodes: zod.number().int() }),
      geometry: geometryOut.nullable().describe('In the datum asked for; null when nothing is reached'),
    }),
  ),
});
const jurisdictionsSchema = zod.object({
  type: zod.literal('FeatureCollection'),
  features: zod.array(
    zod.object({
      type: zod.literal('Feature'),
      id: zod.string(),
      properties: zod.object({ id: zod.string(), name: zod.string() }),
      geometry: geometryOut,
    }),
  ),
});

export function placesRoutes(app: ZodApp, ctx: Pick<CoreDeps, 'db' | 'now'>, places: PlacesService) {
  app.get(
    '/api/cities',
    {
      config: { permission: 'places.read' },
      schema: { tags: ['places'], response: { 200: zod.object({ items: zod.array(citySchema) }) } },
    },
    async () => ({
      items: await places.cities.list(),
    }),
  );

  app.get(
    '/api/places/search',
    {
      config: { permission: 'places.read' },
      schema: {
        tags: ['places'],
        querystring: searchQuerySchema,
        response: { 200: zod.object({ items: zod.array(searchHitSchema) }) },
      },
    },
    async (request) => ({ items: await places.search(request.query) }),
  );

  app.get(
    '/api/places/reverse',
    {
      config: { permission: 'places.read' },
      schema: { tags: ['places'], querystring: pointQuerySchema, response: { 200: reverseResultSchema } },
    },
    async (request) => places.reverse(request.query),
  );

  app.get(
    '/api/places/grid',
    {
      config: { permission: 'places.read' },
      schema: { tags: ['places'], querystring: gridQuerySchema, response: { 200: gridSchema } },
    },
    async (request) => places.grid(request.query),
  );

  app.get(
    '/api/places/isochrone',
    {
      config: { permission: 'places.read' },
      schema: { tags: ['places'], querystring: isochroneQuerySchema, response: { 200: isochronesSchema } },
    },
    async (request) => places.isochrones(request.query),
  );

  app.get(
    '/api/jurisdictions',
    {
      config: { permission: 'places.read' },
      schema: { tags: ['places'], querystring: cityQuery, response: { 200: jurisdictionsSchema } },
    },
    async (request) => {
      const city = await places.city(request.query.city);
      return {
        type: 'FeatureCollection' as const,
        features: city.jurisdictions.map((j) => ({
          type: 'Feature' as const,
          id: j.id,
          properties: { id: j.id, name: j.name },
          geometry: j.geometry,
        })),
      };
    },
  );

  app.put(
    '/api/jurisdictions',
    {
      config: { permission: 'places.write' },
      schema: {
        tags: ['places'],
        querystring: cityQuery,
        body: jurisdictionImportSchema,
        response: { 200: zod.object({ replaced: zod.number().int() }) },
      },
    },
    async (request) => {
      // Replacing every jurisdiction of the city is the city bureau's to do.
      assertCityLevel(actorOf(request));
      const city = await places.city(request.query.city);
      const body = request.body;
      const n = await replaceJurisdictions(ctx.db.kysely, city.id, body, ctx.now());
      await assignGazetteerJurisdictions(ctx.db.kysely, places.cities, city.name);
      return { replaced: n };
    },
  );

  app.patch(
    '/api/jurisdictions/:id',
    {
      config: { permission: 'places.write' },
      schema: {
        tags: ['places'],
        params: idParams,
        body: jurisdictionPatchSchema,
        response: { 200: zod.object({ ok: zod.boolean() }) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const cityName = await updateJurisdiction(ctx.db.kysely, id, request.body, ctx.now(), actorOf(request));
      if (!cityName) throw new ProblemError('not_found');
      await assignGazetteerJurisdictions(ctx.db.kysely, places.cities, cityName);
      return { ok: true };
    },
  );
}
