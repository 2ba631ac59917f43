import { fileURLToPath } from 'node:url';
import { STAFF_ROLES } from '@citywatch/core/identity/schemas';
import { defineModule } from '../module.js';
import { DbCityRegistry } from '../roads/registry.js';
import { placesRoutes } from './routes.js';
import { PlacesService } from './service.js';
import type {} from './tables.js';

declare module '../module.js' {
  interface ModuleServices {
    places: PlacesService;
  }
}

/** Cities (road graphs from OSM), the gazetteer of standard addresses, and jurisdictions. */
export const placesModule = defineModule({
  name: 'places',
  needs: ['workers'],
  permissions: {
    'places.read': STAFF_ROLES,
    'places.write': ['admin'],
  },
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  create: (deps) =>
    new PlacesService(
      deps.db.kysely,
      new DbCityRegistry(deps.db.kysely, { uTurnSeconds: deps.config.uTurnSeconds }),
      deps.workers,
    ),
  routes: (app, deps, places) => placesRoutes(app, deps, places),
});
