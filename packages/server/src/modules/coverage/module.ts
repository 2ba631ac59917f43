import { fileURLToPath } from 'node:url';
import { STAFF_ROLES } from '@citywatch/core/identity/schemas';
import { defineModule } from '../module.js';
import { coverageRoutes } from './routes.js';
import { CoverageService } from './service.js';
import type {} from './tables.js';

declare module '../module.js' {
  interface ModuleServices {
    coverage: CoverageService;
  }
}

/** 1-3-5 minute coverage of posts by road time, and where to add posts. */
export const coverageModule = defineModule({
  name: 'coverage',
  needs: ['places', 'workers', 'eta'],
  permissions: {
    'coverage.read': STAFF_ROLES,
    'coverage.write': ['admin', 'commander'],
  },
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  create: (deps) =>
    new CoverageService(deps.db.kysely, deps.places, deps.now, deps.workers, { eta: deps.eta }),
  routes: (app, _deps, coverage) => coverageRoutes(app, coverage),
});
