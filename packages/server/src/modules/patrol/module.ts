import { fileURLToPath } from 'node:url';
import type {} from '@citywatch/core/patrol/events';
import { defineModule } from '../module.js';
import { phoneRoutes } from './phone.js';
import { plansRoutes } from './plans-routes.js';
import { PlansService } from './plans-service.js';
import { patrolRoutes } from './routes.js';
import { PatrolService } from './service.js';
import type {} from './tables.js';

declare module '../module.js' {
  interface ModuleServices {
    patrol: PatrolService;
  }
}

/**
 * 单元防控 (patrol): incident history, hot spots on H3 cells or street segments for a time window,
 * and the models' honest evaluation (NIJ hit rate / PAI / PEI beside prior counts). Patrol plans,
 * compliance and the patrol phone come later.
 */
export const patrolModule = defineModule({
  name: 'patrol',
  needs: ['places', 'workers'],
  permissions: {
    'patrol.read': ['commander', 'dispatcher', 'patrol_officer', 'auditor', 'admin'],
    'patrol.write': ['commander', 'admin'],
  },
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: { 'patrol.history_imported': 'patrol.read' },
  create: (deps) => new PatrolService(deps.db.kysely, deps.places, deps.workers, deps.now, deps.publish),
  routes: (app, deps, patrol) => {
    patrolRoutes(app, patrol);
    phoneRoutes(app, deps);
    plansRoutes(app, new PlansService(deps.db.kysely, deps.places, deps.now));
  },
});
