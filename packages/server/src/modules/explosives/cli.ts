/**
 * `citywatch explosives reconcile` and `citywatch explosives generate`: anyone can rerun the
 * reconciliation of issue 12 §5 on their own files.
 *
 *   citywatch explosives reconcile --movements M.csv --counts C.csv [--batch 5000]
 *     → {"movements":N,"refused":[…],"variances":[…],"serial_anomalies":[…],"overdue_transit":[…],"balanced":true}
 *
 *   citywatch explosives generate --out DIR [--seed 1] [--days 365] [--crews 6] [--faults 3]
 *     → writes DIR/movements.csv, DIR/counts.csv, DIR/expected.json (the planted faults' report)
 *
 * `reconcile` posts into a throw-away in-memory PGlite holding only the identity and explosives
 * migrations, through the same service (and the same posting transaction) the server uses; permits
 * named in the file are recorded but not checked (the file carries none).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  formatCountsCsv,
  formatMovementsCsv,
  parseCountsCsv,
  parseMovementsCsv,
} from '@citywatch/core/explosives/csv';
import { generateYear } from '@citywatch/core/explosives/generator';
import { type ReconcileReport, reconcile } from '@citywatch/core/explosives/reconcile';
import type { Command } from 'commander';
import { uuidv7 } from 'uuidv7';
import { transactWithoutOutbox } from '../../bus/outbox.js';
import { openDatabase } from '../../db/database.js';
import { migrate } from '../../db/migrate.js';
import { identityModule } from '../../identity/module.js';
import { explosivesModule } from './module.js';
import { ExplosivesService } from './service.js';

/** Movements per posting transaction of the reconcile command. */
export const RECONCILE_BATCH = 5_000;

export interface ReconcileRun {
  report: ReconcileReport;
  seconds: number;
}

/** Reconciles file contents on a fresh in-memory PGlite through the explosives service. */
export async function reconcileFiles(
  movementsCsv: string,
  countsCsv: string,
  options: { batch?: number; now?: Date; daily?: boolean } = {},
): Promise<ReconcileRun> {
  const started = performance.now();
  const movements = parseMovementsCsv(movementsCsv);
  const counts = parseCountsCsv(countsCsv);
  const db = await openDatabase({ dataDir: 'memory://' });
  try {
    await migrate(
      db,
      [identityModule.migrations, explosivesModule.migrations].filter((d): d is string => !!d),
    );
    const orgId = uuidv7();
    await db.kysely
      .insertInto('orgs')
      .values({
        id: orgId,
        parent_id: null,
        kind: 'city_bureau',
        name: 'reconcile',
        code: 'RECONCILE',
        path: `/${orgId}/`,
      })
      .execute();
    const now = options.now ?? new Date();
    const service = new ExplosivesService({
      db,
      now: () => now,
      publish: () => {},
      transact: transactWithoutOutbox(db, () => {}),
    });
    const report = await reconcile(
      movements,
      counts,
      service.reconcileBook({ enterpriseId: 'reconcile', orgId }, { daily: options.daily }),
      {
        now,
        batch: options.batch ?? RECONCILE_BATCH,
      },
    );
    return { report, seconds: (performance.now() - started) / 1000 };
  } finally {
    await db.close();
  }
}

export function registerExplosivesCommands(program: Command) {
  const ex = program.command('explosives').description('民爆物品: the explosives ledger');
  ex.command('reconcile')
    .description('post movements and compare daily counts on a throw-away database; one JSON line')
    .requiredOption('--movements <file>', 'movements CSV: id,time,from,to,product,quantity,serials,permit')
    .requiredOption('--counts <file>', 'counts CSV: date,account,product,counted')
    .option('--batch <n>', 'movements per posting transaction', String(RECONCILE_BATCH))
    .option('--daily', 'post day by day and read the book after each day (the slower walk)')
    .action(async (o: { movements: string; counts: string; batch: string; daily?: boolean }) => {
      const [m, c] = await Promise.all([readFile(o.movements, 'utf8'), readFile(o.counts, 'utf8')]);
      const { report } = await reconcileFiles(m, c, {
        batch: Number(o.batch) || RECONCILE_BATCH,
        daily: o.daily,
      });
      process.stdout.write(`${JSON.stringify(report)}\n`);
    });
  ex.command('generate')
    .description(
      "a year of a mine's explosives with planted faults (movements.csv, counts.csv, expected.json)",
    )
    .requiredOption('--out <dir>', 'directory to write into')
    .option('--seed <n>', 'random seed', '1')
    .option('--days <n>', 'days', '365')
    .option('--crews <n>', 'blasting crews a day (about nine movements each)', '6')
    .option('--faults <n>', 'faults planted of each kind', '3')
    .action(async (o: { out: string; seed: string; days: string; crews: string; faults: string }) => {
      const year = generateYear({
        seed: Number(o.seed),
        days: Number(o.days),
        crews: Number(o.crews),
        faults: Number(o.faults),
      });
      await writeFile(path.join(o.out, 'movements.csv'), formatMovementsCsv(year.movements));
      await writeFile(path.join(o.out, 'counts.csv'), formatCountsCsv(year.counts));
      await writeFile(path.join(o.out, 'expected.json'), `${JSON.stringify(year.expected)}\n`);
      process.stdout.write(
        `${JSON.stringify({ movements: year.movements.length, counts: year.counts.length, planted: year.planted })}\n`,
      );
    });
}
