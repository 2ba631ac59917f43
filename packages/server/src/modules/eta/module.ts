import { fileURLToPath } from 'node:url';
import { everyOnOneNode } from '../../db/singleton.js';
import { defineModule, type Stop } from '../module.js';
import { etaRoutes } from './routes.js';
import { EtaService } from './service.js';

declare module '../module.js' {
  interface ModuleServices {
    eta: EtaService;
  }
}

/** How often the leader looks whether yesterday is learned (the day's run row claims it once). */
const LEARN_CHECK_MS = 30 * 60_000;

/**
 * Travel times learned from the fleet (issue 16 item 4): a nightly run on one node matches the
 * previous UTC day's AVL fixes to the road graph and accumulates per edge × hour-of-week
 * statistics; `EtaService.profile()` estimates the time profile from them. `POST /api/eta/learn`
 * runs the same learning on demand; dispatch routes with `hourTimes()` of the current hour.
 */
export const etaModule = defineModule({
  name: 'eta',
  needs: ['places'],
  permissions: {
    // Re-learning the city's travel times is an administrator's (city-level) act.
    'eta.learn': ['admin'],
  },
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  create: (deps) => new EtaService(deps.db.kysely, deps.places, deps.now),
  routes: (app, deps, eta) => etaRoutes(app, deps, eta),
  start: (deps, eta): Stop =>
    everyOnOneNode(
      deps.db,
      'eta.learn',
      LEARN_CHECK_MS,
      async () => {
        // No city imported yet: nothing to learn on.
        if (!(await eta.hasCity())) return;
        await eta.learnDay(eta.yesterday(), 'nightly');
      },
      (error) => deps.log.error({ err: error }, 'nightly travel-time learning failed'),
      { runAtStart: false },
    ),
});
