/**
 * `citywatch cameras import FILE.csv [--org CODE]`: imports the camera registry CSV on the
 * configured database (migrating a fresh one) and prints one JSON line
 * `{"imported":N,"refused":[{"line":L,"field":F,"rule":R}]}` (the header is line 1). Cameras go to
 * the org named by `--org` (org code), else each line's `org_code`, else the city bureau. A fresh
 * database is migrated and seeded with the org tree as on the platform's first start.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { openDatabase } from '../../db/database.js';
import { migrate } from '../../db/migrate.js';
import { IdentityService } from '../../identity/service.js';
import { seedIfEmpty } from '../../seed.js';
import { VideoService, videoSettings } from './service.js';

export function registerVideoCommands(program: Command) {
  const cameras = program.command('cameras').description('the camera registry (视频资源)');
  cameras
    .command('import')
    .description(
      'import cameras from CSV: code,name,lon,lat,height_m,heading_deg,fov_deg,range_m,owner,hls_url',
    )
    .argument('<file>', 'CSV file')
    .option(
      '--org <code>',
      'org code the cameras belong to (default: the line’s org_code, else the city bureau)',
    )
    .action(async (file: string, options: { org?: string }) => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        console.error(`citywatch cameras import: cannot read ${file}: ${(error as Error).message}`);
        process.exitCode = 1;
        return;
      }
      const config = loadConfig();
      const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: `${config.dataDir}/pglite` });
      try {
        await migrate(db);
        // A fresh database gets the org tree (and admin) the platform seeds on its first start, so
        // the cameras have orgs to belong to; the admin's generated password goes to stderr.
        const identity = new IdentityService(db.kysely, () => new Date(), { grants: () => false });
        await seedIfEmpty(identity, config.adminPassword, (line) => console.error(line));
        const video = new VideoService({ db: db.kysely, now: () => new Date(), settings: videoSettings() });
        const result = await video.importCsv(text, null, null, options.org);
        console.log(JSON.stringify(result));
      } finally {
        await db.close();
      }
    });
}
