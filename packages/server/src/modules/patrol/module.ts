import { fileURLToPath } from 'node:url';
import type {} from '@citywatch/core/patrol/events';
import { defineModule } from '../module.js';
import { planAdder } from './adjust-plan.js';
import { adjustRoutes } from './adjust-routes.js';
import { AdjustService } from './adjust-service.js';
import { evaluationRoutes } from './evaluation-routes.js';
import { EvaluationService } from './evaluation-service.js';
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
  needs: ['places', 'workers', 'dispatch'],
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
    const plans = new PlansService(deps.db.kysely, deps.places, deps.now);
    plansRoutes(app, plans);
    const db = deps.db.kysely;
    adjustRoutes(
      app,
      new AdjustService({
        db,
        now: deps.now,
        city: (n) => deps.places.city(n),
        dispatch: deps.dispatch,
        plans: planAdder(plans, deps.now),
      }),
    );
    evaluationRoutes(app, new EvaluationService(db, patrol, deps.now, plans));
  },
});
