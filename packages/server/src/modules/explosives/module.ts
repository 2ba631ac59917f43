import { fileURLToPath } from 'node:url';
import type {} from '@citywatch/core/explosives/events';
import { everyOnOneNode } from '../../db/singleton.js';
import { defineModule } from '../module.js';
import { explosivesRoutes } from './routes.js';
import { ExplosivesService } from './service.js';
import type {} from './tables.js';

declare module '../module.js' {
  interface ModuleServices {
    explosives: ExplosivesService;
  }
}

/** How often pending transports and alarms are checked against their 24-hour limits. */
const CLOCK_CHECK_MS = 60_000;

/**
 * 民爆物品 (explosives): permits with four-eyes approval, magazines with capacity, a double-entry
 * ledger in which every detonator code is accounted for, daily close with physical counts, and
 * alarms (variance, serial anomaly, overdue transit) with a 24-hour report clock.
 */
export const explosivesModule = defineModule({
  name: 'explosives',
  // The road graph draws permitted routes; device tokens let transport vehicles send their positions.
  needs: ['places', 'devices'],
  permissions: {
    'explosives.read': ['commander', 'industry_inspector', 'auditor', 'admin', 'enterprise'],
    'explosives.post': ['industry_inspector', 'admin', 'enterprise'],
    'explosives.permits': ['commander', 'industry_inspector', 'auditor', 'admin', 'enterprise'],
    'explosives.apply': ['enterprise', 'industry_inspector', 'admin'],
    'explosives.approve': ['commander', 'industry_inspector', 'admin'],
    'explosives.admin': ['industry_inspector', 'admin'],
    /** Only a vehicle's own device token (no person holds it: a person cannot speak for a device). */
    'explosives.avl': [],
  },
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: {
    'explosives.alarm': 'explosives.read',
    'explosives.report_overdue': 'explosives.read',
    'explosives.permit': 'explosives.permits',
  },
  create: (deps) => new ExplosivesService(deps),
  routes: (app, _deps, ex) => explosivesRoutes(app, ex),
  // Late transports and unreported alarms: every minute, on one node (db/singleton.ts; each claimed
  // row is also handled once by its UPDATE … RETURNING).
  start: (deps, ex) =>
    everyOnOneNode(
      deps.db,
      'explosives.report-clock',
      CLOCK_CHECK_MS,
      () => ex.tick(),
      (error) => deps.log.error({ err: error }, 'explosives clock check failed'),
      { runAtStart: false },
    ),
});
