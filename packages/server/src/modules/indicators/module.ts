import { fileURLToPath } from 'node:url';
import { previousPeriod, shanghaiDay } from '@citywatch/core/indicators/period';
import { everyOnOneNode } from '../../db/singleton.js';
import { defineModule, type Stop } from '../module.js';
import { generateReport } from './report.js';
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
  // Led by one node (db/singleton.ts); the day's claim row (indicator_jobs) still records each
  // step once, so a leader handed over mid-day does not snapshot or report the same period twice.
  // Not at start: a start is busy enough, the first look comes one interval later.
  start: (deps, indicators): Stop =>
    everyOnOneNode(
      deps.db,
      'indicators.schedule',
      SCHEDULE_CHECK_MS,
      () => indicators.scheduledSnapshot().then(() => scheduledReports(indicators, deps.log)),
      (error) => deps.log.error({ err: error }, 'scheduled indicator snapshot failed'),
      { runAtStart: false },
    ),
});

/**
 * The city's reports of the last complete day, week and month (PDF and workbook), each generated
 * once across nodes (claimed per kind, format and period) and archived.
 */
async function scheduledReports(
  indicators: IndicatorsService,
  log: { error: (o: object, m: string) => void },
) {
  const city = await indicators.orgByCode(undefined);
  if (!city) return;
  const now = indicators.now();
  for (const kind of ['daily', 'weekly', 'monthly'] as const) {
    const period = previousPeriod(kind, now);
    for (const format of ['pdf', 'xlsx'] as const) {
      await indicators
        .once(`report.${kind}.${format}`, shanghaiDay(period.from), async () => {
          await generateReport(indicators, { org: city, kind, format, period, userId: null, now });
        })
        .catch((error: unknown) => log.error({ err: error, kind, format }, 'scheduled report failed'));
    }
  }
}
