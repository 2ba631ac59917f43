import { z } from 'zod';

const position = z.array(z.number()).length(2);

/** GET /api/roads/route: a GeoJSON Feature with the route's LineString and its times. */
export const roadRouteResponseSchema = z.object({
  type: z.literal('Feature'),
  geometry: z.object({ type: z.literal('LineString'), coordinates: z.array(position) }),
  properties: z.object({
    city: z.string(),
    crs: z.enum(['wgs84', 'gcj02', 'bd09']),
    /** The start time asked for, echoed; null when none was given. */
    at: z.string().nullable(),
    /** Which travel times were used: `static` (road class and maxspeed) until learned ones exist. */
    profile: z.literal('static'),
    timeS: z.number(),
    lengthM: z.number(),
    from: z.object({ snapped: position, distanceM: z.number() }),
    to: z.object({ snapped: position, distanceM: z.number() }),
    /** One entry per street driven, in order; from/to index the line's points. */
    segments: z.array(
      z.object({
        name: z.string().nullable(),
        highway: z.string(),
        wayOsmId: z.number(),
        lengthM: z.number(),
        timeS: z.number(),
        startS: z.number(),
        from: z.number().int(),
        to: z.number().int(),
      }),
    ),
    restrictions: z.object({
      /** Turn-restriction relations applied in the city. */
      applied: z.number().int(),
      /** Relations whose approach the route drove and then left by an allowed way. */
      obeyed: z.array(z.number()),
      /** False for a city imported before restrictions were stored (re-import to apply them). */
      stored: z.boolean(),
    }),
    /** U-turns the route makes (at junctions or dead ends) and what each costs; a street's timeS includes it. */
    uTurns: z.object({ count: z.number().int(), secondsEach: z.number() }),
  }),
});

export type RoadRouteResponse = z.infer<typeof roadRouteResponseSchema>;
