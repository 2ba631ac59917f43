import { roadRouteResponseSchema } from '@citywatch/core/roads/schemas';
import { z } from 'zod';
import type { ZodApp } from '../module.js';
import { cityNameSchema, crsSchema } from '../places/schemas.js';
import type { RoadsService } from './service.js';

/** `lon,lat` in decimal degrees. */
const point = z
  .string()
  .regex(/^\s*-?\d{1,3}(\.\d+)?\s*,\s*-?\d{1,2}(\.\d+)?\s*$/, { message: 'lon,lat' })
  .transform((s) => s.split(',').map((x) => Number(x.trim())) as [number, number])
  .refine(([lon, lat]) => Math.abs(lon) <= 180 && Math.abs(lat) <= 90, { message: 'lon ±180, lat ±90' });

export const routeQuerySchema = z.strictObject({
  from: point,
  to: point,
  /** When the trip starts (ISO 8601); kept for time-of-day travel times, static until they exist. */
  at: z.string().datetime({ offset: true }).optional(),
  /**
   * A moving vehicle's heading (degrees from north) and speed (m/s) at `from`: starting back the
   * way it drives costs a U-turn, as in the unit ranking (ignored below 3 m/s).
   */
  heading: z.coerce.number().min(0).max(360).optional(),
  speed: z.coerce.number().min(0).max(100).optional(),
  city: cityNameSchema,
  crs: crsSchema,
});

export function roadsRoutes(app: ZodApp, roads: RoadsService) {
  app.get(
    '/api/roads/route',
    {
      config: { permission: 'roads.read' },
      schema: { tags: ['roads'], querystring: routeQuerySchema, response: { 200: roadRouteResponseSchema } },
    },
    async (request) => roads.route(request.query),
  );
}
