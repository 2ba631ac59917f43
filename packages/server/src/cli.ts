import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrate } from './db/migrate.js';
import { verifyAuditChain } from './identity/audit.js';
import { registerEtaCommands } from './modules/eta/cli.js';
import { registerExplosivesCommands } from './modules/explosives/cli.js';
import { registerReportCommands } from './modules/indicators/cli.js';
import { registerPatrolCommands } from './modules/patrol/cli.js';
import { registerPerimeterCommands } from './modules/perimeter/cli.js';
import { CityImportError, importCity } from './modules/roads/city-import.js';
import { registerVideoCommands } from './modules/video/cli.js';
import { start } from './platform.js';

/** `citywatch …`: operator commands. Each exits non-zero with a message when it fails. */
const program = new Command('citywatch').description('citywatch 社会治安防控平台 — operator commands');

async function withDatabase<T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: `${config.dataDir}/pglite` });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

program
  .command('migrate')
  .description('apply pending database migrations (PGlite under ./data, or DATABASE_URL)')
  .action(async () => {
    const config = loadConfig();
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: `${config.dataDir}/pglite` });
    try {
      const applied = await migrate(db);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    } finally {
      await db.close();
    }
  });

program
  .command('serve')
  .description('start the platform (same as npm start without building the web app)')
  .action(async () => {
    await start();
  });

program
  .command('simulate')
  .description('run the platform with the city-day simulator: units patrol and answer calls along real roads')
  .option('--city <name>', 'city to simulate (default: the default city)')
  .option('--speed <n>', 'simulated seconds per real second', '60')
  .action(async (options: { city?: string; speed: string }) => {
    const speed = Number(options.speed);
    if (!Number.isFinite(speed) || speed <= 0 || speed > 3600) {
      console.error(
        'citywatch simulate: --speed must be a number of simulated seconds per second, 0 < speed ≤ 3600',
      );
      process.exitCode = 2;
      return;
    }
    await start({ simulate: { city: options.city, speed } });
  });

program
  .command('import-osm')
  .description('import an OpenStreetMap file (.osm, .osm.gz, .osm.pbf) as a city, replacing it atomically')
  .argument('<file>', 'OSM file')
  .requiredOption('--city <name>', 'city name: lower-case letters, digits, - or _')
  .option('--default', 'make it the default city')
  .action(async (file: string, options: { city: string; default?: boolean }) => {
    try {
      const report = await withDatabase((db) =>
        importCity(
          db.kysely,
          { file: path.resolve(file), name: options.city, makeDefault: options.default },
          new Date(),
        ),
      );
      console.log(`imported ${report.city} from ${report.file} in ${report.elapsedMs} ms`);
      console.log(
        `  read:  ${report.read.nodes} nodes, ${report.read.ways} ways, ${report.read.relations} relations`,
      );
      console.log(
        `  roads: ${report.graph.waysKept} drivable ways → ${report.graph.nodes} nodes, ${report.graph.edges} directed edges`,
      );
      const skipped = Object.entries(report.graph.waysSkipped).filter(([, n]) => n > 0);
      if (skipped.length) console.log(`  skipped ways: ${skipped.map(([k, n]) => `${k} ${n}`).join(', ')}`);
      const k = report.kept;
      console.log(
        `  kept:  ${k.addresses} addresses, ${k.places} named places, ${k.streets} named streets, ${k.buildings} buildings, ${k.jurisdictions} station areas, ${k.restrictions} turn restrictions`,
      );
      const t = report.turnRestrictions;
      const notApplied = Object.entries(t.skipped).filter(([, n]) => n > 0);
      console.log(
        `  turn restrictions: ${t.applied} of ${t.relations} applied${notApplied.length ? `; not applied: ${notApplied.map(([reason, n]) => `${reason} ${n}`).join(', ')}` : ''}${t.conflictingOnlyMerged ? `; ${t.conflictingOnlyMerged} contradicting only_* merged` : ''}`,
      );
    } catch (error) {
      if (error instanceof CityImportError) {
        console.error(`citywatch import-osm: ${error.message}; nothing was changed`);
        process.exitCode = 1;
        return;
      }
      throw error;
    }
  });

const audit = program.command('audit').description('the tamper-evident audit log');
audit
  .command('verify')
  .description('check the hash chain; exits 0 when intact, 1 naming every bad row')
  .action(async () => {
    const result = await withDatabase((db) => verifyAuditChain(db.kysely));
    if (result.ok) {
      console.log(`audit chain intact: ${result.checked} rows verified`);
    } else {
      console.error(
        `audit chain BROKEN: ${result.problems.length} problem(s), ${result.checked} rows verified`,
      );
      for (const p of result.problems) console.error(`  row ${p.seq} ${p.kind}: ${p.reason}`);
      process.exitCode = 1;
    }
  });

registerPerimeterCommands(program);
registerPatrolCommands(program);
registerVideoCommands(program);
registerExplosivesCommands(program);
registerReportCommands(program);
registerEtaCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`citywatch: ${(error as Error).message}`);
  process.exit(2);
});
