import { STAFF_ROLES } from '@citywatch/core/identity/schemas';
import { defineModule } from '../module.js';
import { roadsRoutes } from './routes.js';
import { RoadsService } from './service.js';

declare module '../module.js' {
  interface ModuleServices {
    roads: RoadsService;
  }
}

/** Routing on the imported road networks: routes that obey turn restrictions. */
export const roadsModule = defineModule({
  name: 'roads',
  needs: ['places'],
  permissions: {
    'roads.read': STAFF_ROLES,
  },
  create: (deps) => new RoadsService(deps.places),
  routes: (app, _deps, roads) => roadsRoutes(app, roads),
});
