import { z } from 'zod';

/**
 * Answers of the places API (cities, search, reverse lookup, isochrones), shared by server and web.
 * Coordinates are WGS-84 throughout, like the tiles.
 */
export const cityBoundsSchema = z.object({
  minLon: z.number(),
  minLat: z.number(),
  maxLon: z.number(),
  maxLat: z.number(),
});
export type CityBounds = z.infer<typeof cityBoundsSchema>;

/** One imported city, as `GET /api/cities` lists it. */
export const citySummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  importedAt: z.string(),
  isDefault: z.boolean(),
  bounds: cityBoundsSchema.nullable(),
  stats: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type CitySummary = z.infer<typeof citySummarySchema>;
export const cityListSchema = z.object({ items: z.array(citySummarySchema) });

export const SEARCH_HIT_KINDS = ['address', 'place', 'street'] as const;
export type SearchHitKind = (typeof SEARCH_HIT_KINDS)[number];

/** A hit of `GET /api/places/search`: an address, a place or a street. */
export const placeSearchHitSchema = z.object({
  id: z.string(),
  kind: z.enum(SEARCH_HIT_KINDS),
  label: z.string(),
  /** A place's category; a street's OSM highway value. */
  category: z.string().nullable(),
  lon: z.number(),
  lat: z.number(),
  score: z.number(),
});
export type PlaceSearchHit = z.infer<typeof placeSearchHitSchema>;
export const placeSearchResultSchema = z.object({ items: z.array(placeSearchHitSchema) });

/** `GET /api/places/reverse`: the nearest road and address, and the jurisdiction, at a point. */
export const placeReverseSchema = z.object({
  road: z
    .object({
      name: z.string().nullable(),
      highway: z.string(),
      lon: z.number(),
      lat: z.number(),
      distanceM: z.number(),
      edge: z.number(),
    })
    .nullable(),
  address: z
    .object({ id: z.string(), label: z.string(), lon: z.number(), lat: z.number(), distanceM: z.number() })
    .nullable(),
  jurisdiction: z.object({ id: z.string(), name: z.string() }).nullable(),
  h3: z.string(),
});
export type PlaceReverse = z.infer<typeof placeReverseSchema>;

/** A GeoJSON area: a Polygon or a MultiPolygon (positions are [lon, lat, ...]). */
export const areaSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(z.array(z.number()))) }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(z.array(z.array(z.number())))) }),
]);
export type Area = z.infer<typeof areaSchema>;

/** `GET /api/places/isochrone`: one area per minute limit asked for. */
export const isochroneCollectionSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      properties: z.object({ minutes: z.number(), reachedNodes: z.number().optional() }),
      /** null when nothing is reachable from the point within the limit. */
      geometry: areaSchema.nullable(),
    }),
  ),
});
export type IsochroneCollection = z.infer<typeof isochroneCollectionSchema>;
