import { fileURLToPath } from 'node:url';
import { defineModule, type Stop } from '../module.js';
import { indicatorRoutes } from './routes.js';
import { IndicatorsService } from './service.js';
import type {} from './tables.js';

declare module '../module.js' {
  interface ModuleServices {
    indicators: IndicatorsService;
  }
}

/** How often the scheduler looks whether yesterday's snapshot is stored (claimed once per day). */
const SCHEDULE_CHECK_MS = 15 * 60_000;
/** The first look comes this long after start, not at once: a start is busy enough. */
const FIRST_CHECK_MS = 5 * 60_000;

/**
 * Indicators and reports (评价指标): every module's indicators in one registry, computed live for an
 * org's subtree, snapshotted daily per org with their rule version, drilled down to their rows.
 */
export const indicatorsModule = defineModule({
  name: 'indicators',
  permissions: {
    'indicators.read': ['admin', 'commander', 'dispatcher', 'auditor'],
    'indicators.write': ['admin', 'commander'],
  },
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  create: (deps) => new IndicatorsService(deps),
  routes: (app, _deps, indicators) => indicatorRoutes(app, indicators),
  start: (deps, indicators): Stop => {
    let running: Promise<unknown> = Promise.resolve();
    const run = () => {
      running = indicators
        .scheduledSnapshot()
        .catch((error: unknown) => deps.log.error({ err: error }, 'scheduled indicator snapshot failed'));
    };
    let timer: NodeJS.Timeout | undefined;
    const first = setTimeout(() => {
      run();
      timer = setInterval(run, SCHEDULE_CHECK_MS);
      timer.unref();
    }, FIRST_CHECK_MS);
    first.unref();
    return async () => {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    };
  },
});
