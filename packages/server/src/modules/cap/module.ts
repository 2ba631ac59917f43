import { fileURLToPath } from 'node:url';
import { defineModule } from '../module.js';
import { capRoutes } from './routes.js';
import { CapService } from './service.js';
import type {} from './tables.js';

declare module '../module.js' {
  interface ModuleServices {
    cap: CapService;
  }
}

/**
 * CAP 1.2 out (OASIS Common Alerting Protocol): other modules issue alerts through this one's
 * service (the builder is core/cap); it keeps them, publishes the public ones as an Atom feed and
 * POSTs every one to the configured webhooks.
 */
export const capModule = defineModule({
  name: 'cap',
  permissions: {},
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  create: (deps) => new CapService(deps),
  routes: (app, _deps, cap) => capRoutes(app, cap),
  start: (_deps, cap) => () => cap.settle(),
});
