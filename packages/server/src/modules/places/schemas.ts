import { z } from 'zod';

/** Datum of coordinates a client sends and wants back: WGS-84 (stored), or the Chinese GCJ-02 / BD-09. */
export const crsSchema = z.enum(['wgs84', 'gcj02', 'bd09']).default('wgs84');
export const cityNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/)
  .optional();
const lon = z.coerce.number().min(-180).max(180);
const lat = z.coerce.number().min(-90).max(90);

export const searchQuerySchema = z.strictObject({
  q: z.string().trim().min(1).max(100),
  city: cityNameSchema,
  kind: z.enum(['address', 'place', 'street']).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(10),
  crs: crsSchema,
});

export const pointQuerySchema = z.strictObject({ lon, lat, city: cityNameSchema, crs: crsSchema });

export const isochroneQuerySchema = z.strictObject({
  lon,
  lat,
  city: cityNameSchema,
  crs: crsSchema,
  minutes: z
    .string()
    .default('1,3,5')
    .transform((s) => s.split(',').map((x) => Number(x.trim())))
    .pipe(z.array(z.number().positive().max(60)).min(1).max(6)),
});

// The answers' shapes are core's (shared with the web); the request schemas above are the server's.
export {
  type PlaceReverse as ReverseResult,
  type PlaceSearchHit as SearchHit,
  placeReverseSchema as reverseResultSchema,
  placeSearchHitSchema as searchHitSchema,
} from '@citywatch/core/places/schemas';

const polygon = z.object({
  type: z.literal('Polygon'),
  coordinates: z.array(z.array(z.tuple([lon, lat]).rest(z.number())).min(4)).min(1),
});
const multiPolygon = z.object({
  type: z.literal('MultiPolygon'),
  coordinates: z.array(z.array(z.array(z.tuple([lon, lat]).rest(z.number())).min(4)).min(1)).min(1),
});
export const areaGeometrySchema = z.discriminatedUnion('type', [polygon, multiPolygon]);

export const jurisdictionImportSchema = z.strictObject({
  type: z.literal('FeatureCollection'),
  features: z
    .array(
      z.object({
        type: z.literal('Feature'),
        properties: z.object({ name: z.string().trim().min(1).max(100) }).passthrough(),
        geometry: areaGeometrySchema,
      }),
    )
    .min(1)
    .max(500),
});

/** A change names at least one field: an empty PATCH is refused (400), not answered as a no-op. */
export const jurisdictionPatchSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    geometry: areaGeometrySchema.optional(),
    orgId: z.string().uuid().nullable().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: 'Nothing to change' });
