import { fileURLToPath } from 'node:url';
import { defineModule } from '../module.js';
import { NoticeService } from './notices.js';
import { noticeRoutes } from './notices-routes.js';
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
  permissions: {
    'cap.notices.read': ['admin', 'commander', 'dispatcher', 'auditor'],
    'cap.notices.draft': ['admin', 'commander', 'dispatcher'],
    // The second pair of eyes: a commander (or admin), never the notice's drafter.
    'cap.notices.approve': ['admin', 'commander'],
  },
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  create: (deps) => new CapService(deps),
  routes: (app, deps, cap) => {
    capRoutes(app, cap);
    noticeRoutes(app, new NoticeService(deps, cap));
  },
  start: (_deps, cap) => () => cap.settle(),
});
