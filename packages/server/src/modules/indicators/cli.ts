/**
 * `citywatch indicators backfill --from YYYY-MM-DD --to YYYY-MM-DD [--org CODE]`: stores the daily
 * snapshots of those days for the org's subtree (default the city) as the daily job would have
 * (a city importing its history, days a node missed), so periods over them are answered from the
 * stored days.
 *
 * `citywatch reports generate --kind daily|weekly|monthly --format pdf|xlsx --out FILE [--org CODE]
 * [--period YYYY-MM-DD|YYYY-MM]`: writes one report from the configured database (embedded PGlite
 * under ./data by default, or DATABASE_URL) and archives it with its SHA-256, as the server does.
 * Without --org, the city (root of the org tree); without --period, the last complete one.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  dayStart,
  previousPeriod,
  type ReportKind,
  reportPeriod,
  shanghaiDay,
} from '@citywatch/core/indicators/period';
import type { Command } from 'commander';
import { type AppHandle, buildApp } from '../../app.js';
import { createInProcessBus } from '../../bus/index.js';
import { loadConfig } from '../../config.js';
import { openDatabase } from '../../db/database.js';
import { migrate } from '../../db/migrate.js';
import { generateReport } from './report.js';
import type { OrgRef } from './service.js';

const KINDS: readonly ReportKind[] = ['daily', 'weekly', 'monthly'];
const FORMATS = ['pdf', 'xlsx'] as const;

class ReportInputError extends Error {}

export interface ReportOptions {
  kind: string;
  format: string;
  out: string;
  org?: string;
  period?: string;
}

export async function runReport(options: ReportOptions, env: NodeJS.ProcessEnv = process.env) {
  const kind = options.kind as ReportKind;
  if (!KINDS.includes(kind)) throw new ReportInputError(`--kind must be one of ${KINDS.join(', ')}`);
  const format = options.format as (typeof FORMATS)[number];
  if (!FORMATS.includes(format)) throw new ReportInputError(`--format must be one of ${FORMATS.join(', ')}`);
  const now = new Date();
  const period = options.period ? reportPeriod(kind, options.period) : previousPeriod(kind, now);
  if (!period) {
    throw new ReportInputError(
      `--period ${options.period} is not a ${kind === 'monthly' ? 'month (YYYY-MM) or a day in it' : 'day (YYYY-MM-DD)'}`,
    );
  }
  return withOrg(options.org, env, async (ctx, org) => {
    const report = await generateReport(ctx.indicators, { org, kind, format, period, userId: null, now });
    const out = path.resolve(options.out);
    await writeFile(out, report.bytes);
    return { out, org, report };
  });
}

export interface BackfillOptions {
  from: string;
  to: string;
  org?: string;
}

export async function runBackfill(options: BackfillOptions, env: NodeJS.ProcessEnv = process.env) {
  const from = dayStart(options.from);
  const to = dayStart(options.to);
  if (!from) throw new ReportInputError(`--from ${options.from} is not a day (YYYY-MM-DD)`);
  if (!to) throw new ReportInputError(`--to ${options.to} is not a day (YYYY-MM-DD)`);
  if (to < from) throw new ReportInputError('--to is before --from');
  // A day not over yet has no history to store (the service refuses it too).
  if (options.to >= shanghaiDay(new Date())) throw new ReportInputError(`--to ${options.to} is not over yet`);
  return withOrg(options.org, env, async (ctx, org) => ({
    org,
    result: await ctx.indicators.backfill(options.from, options.to, org),
  }));
}

/**
 * Runs `work` on the configured database (migrated) with the app's services and the org of the code
 * given (default the city), closing everything after.
 */
async function withOrg<T>(
  orgCode: string | undefined,
  env: NodeJS.ProcessEnv,
  work: (ctx: AppHandle['ctx'], org: OrgRef) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ LOG_LEVEL: 'error', ...env, CITYWATCH_DEMO: 'off' } as NodeJS.ProcessEnv);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: `${config.dataDir}/pglite` });
  const bus = createInProcessBus();
  try {
    await migrate(db);
    const { app, ctx } = await buildApp({ config, db, bus });
    try {
      const org = await ctx.indicators.orgByCode(orgCode);
      if (!org) {
        throw new ReportInputError(
          orgCode
            ? `no org with code ${orgCode}`
            : 'the database has no org tree yet (start the server once)',
        );
      }
      return await work(ctx, org);
    } finally {
      await app.close();
    }
  } finally {
    await bus.close();
    await db.close();
  }
}

export function registerReportCommands(program: Command) {
  program
    .command('indicators')
    .description('indicators (评价指标)')
    .command('backfill')
    .description('store the daily snapshots of past days, as the daily job would have made them')
    .requiredOption('--from <day>', 'first day, YYYY-MM-DD (Shanghai)')
    .requiredOption('--to <day>', 'last day, YYYY-MM-DD (Shanghai), included')
    .option('--org <code>', 'org code (default: the city, root of the org tree); its whole subtree')
    .action(async (options: BackfillOptions) => {
      try {
        const { org, result } = await runBackfill(options);
        console.log(
          `stored ${result.values} values for ${result.days} days (${result.from} to ${result.to}) of ${result.orgs} orgs under ${org.name} in ${result.ms} ms`,
        );
      } catch (error) {
        if (error instanceof ReportInputError) {
          console.error(`citywatch indicators backfill: ${error.message}`);
          process.exitCode = 2;
          return;
        }
        throw error;
      }
    });

  const reports = program
    .command('reports')
    .description('indicator reports (日报、周报、月报) as PDF or Excel');
  reports
    .command('generate')
    .description('write a report from the configured database and archive it with its SHA-256')
    .requiredOption('--kind <kind>', 'daily | weekly | monthly')
    .requiredOption('--format <format>', 'pdf | xlsx')
    .requiredOption('--out <file>', 'file to write')
    .option('--org <code>', 'org code (default: the city, root of the org tree)')
    .option('--period <period>', 'YYYY-MM-DD (daily, weekly: the week holding it) or YYYY-MM (monthly)')
    .action(async (options: ReportOptions) => {
      try {
        const { out, org, report } = await runReport(options);
        console.log(
          `wrote ${out}: ${org.name} ${report.label} (${report.bytes.length} bytes, sha256 ${report.sha256}), archived as ${report.id}`,
        );
      } catch (error) {
        if (error instanceof ReportInputError) {
          console.error(`citywatch reports generate: ${error.message}`);
          process.exitCode = 2;
          return;
        }
        throw error;
      }
    });
}
