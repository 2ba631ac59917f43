/**
 * The patrol officer's phone (巡逻终端): what the phone page needs beyond the dispatch routes it
 * uses as they are (sign-on, AVL from the signed-on crew, unit status, the incident it was sent
 * to) and the plan routes of this module: the road route from where the phone is to where the
 * officer goes next.
 */
import { ROUTE_SNAP_LIMIT_M, roadRoute, roadRouteSchema } from '@citywatch/core/patrol/phone';
import { z } from 'zod';
import { ProblemError } from '../../http/problem.js';
import type { Deps, ZodApp } from '../module.js';
import { cityNameSchema } from '../places/schemas.js';

const lon = z.coerce.number().min(-180).max(180);
const lat = z.coerce.number().min(-90).max(90);

const routeQuery = z.strictObject({
  city: cityNameSchema,
  fromLon: lon,
  fromLat: lat,
  toLon: lon,
  toLat: lat,
});

export const PHONE_MESSAGES = {
  noRoute: {
    zh: `起点或终点距道路超过 ${ROUTE_SNAP_LIMIT_M} 米，或终点无法经道路到达`,
    en: `The start or the end is more than ${ROUTE_SNAP_LIMIT_M} m from a road, or the end cannot be reached by road`,
  },
};

export function phoneRoutes(app: ZodApp, deps: Pick<Deps<'places'>, 'places'>): void {
  // The road graph belongs to no org (the base map); the answer names no incident, unit or person.
  app.get(
    '/api/patrol/route',
    {
      config: { permission: 'patrol.read' },
      schema: { tags: ['patrol'], querystring: routeQuery, response: { 200: roadRouteSchema } },
    },
    async (request) => {
      const q = request.query;
      const city = await deps.places.city(q.city);
      const route = roadRoute(
        city.dijkstra,
        city.snapper,
        { lon: q.fromLon, lat: q.fromLat },
        { lon: q.toLon, lat: q.toLat },
      );
      if (!route) {
        throw new ProblemError('validation', PHONE_MESSAGES.noRoute, [
          { field: 'toLon', rule: 'no_road_route', message: PHONE_MESSAGES.noRoute.zh },
        ]);
      }
      return route;
    },
  );
}
