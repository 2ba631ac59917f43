/**
 * `citywatch incidents import` and `citywatch hotspots evaluate`: the patrol module's operator
 * commands. Each prints one JSON line on stdout (progress on stderr) and exits 1 with one line
 * naming the problem when the input cannot be used.
 *
 *   citywatch incidents import FILE --city NAME [--map time=DATE,category=primary_type,…]
 *       [--date-format auto|iso|mdy|dmy|ymd|unix|unix-ms] [--tz ZONE] [--epoch-local]
 *       [--crs wgs84|gcj02|bd09] [--categories MAP.json]
 *
 *   citywatch hotspots evaluate --incidents FILE [--osm FILE] [--unit h3:9|segment]
 *       [--train-days 56] [--test-days 7] [--windows 8] [--coverage 0.01,0.05,0.10]
 *       [--models prior_counts,kde,recent,network_kde] [--bandwidth 200] [--half-life 14]
 *       [--only CATEGORY,…] and the import options above
 *
 * `hotspots evaluate` imports into a throw-away embedded database (PGlite in a temp dir, removed
 * afterwards) through the same import as `incidents import` (with --osm: the road file is imported
 * as the city first, so addresses are geocoded against it and H3 cells are those of its road
 * nodes), then runs the rolling-window evaluation (analysis.ts) and prints:
 *
 *   {"unit":"h3:9","windows":8,"incidents_tested":N,"models":{"prior_counts":{"hit_0.05":…,
 *    "pai_0.05":…,"pei_0.05":…,…},"kde":{…},"recent":{…}},…,"import":{…}}
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MappingError, parseMappingOption } from '@citywatch/core/patrol/columns';
import { MODELS, type ModelName } from '@citywatch/core/patrol/names';
import type { Crs } from '@citywatch/core/patrol/rows';
import { DATE_FORMATS, type DateFormat } from '@citywatch/core/patrol/time';
import { parseUnitSpec, unitSpecName } from '@citywatch/core/patrol/units';
import { type Command, Option } from 'commander';
import { loadConfig } from '../../config.js';
import { type Db, openDatabase } from '../../db/database.js';
import { migrate } from '../../db/migrate.js';
import type { Jobs } from '../../workers/jobs.js';
import { WorkerPool } from '../../workers/pool.js';
import { PlacesService } from '../places/service.js';
import { CityImportError, importCity } from '../roads/city-import.js';
import { DbCityRegistry } from '../roads/registry.js';
import { evaluate, localCity } from './analysis.js';
import { DEFAULT_TZ, ImportInputError, type ImportOptions, importIncidents } from './import.js';
import * as store from './store.js';

/** Input the commands cannot work with; the message names the option or file and the problem. */
export class PatrolInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatrolInputError';
  }
}

interface ImportFlags {
  map?: string;
  dateFormat?: DateFormat;
  tz?: string;
  epochLocal?: boolean;
  crs?: Crs;
  categories?: string;
}

export interface EvaluateFlags extends ImportFlags {
  incidents: string;
  osm?: string;
  unit: string;
  trainDays: string;
  testDays: string;
  windows: string;
  coverage: string;
  models?: string;
  bandwidth?: string;
  halfLife?: string;
  only?: string;
  city?: string;
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(error);
    throw new PatrolInputError(`cannot read ${what} ${file}: ${reason}`);
  }
}

async function importOptions(file: string, city: string, flags: ImportFlags): Promise<ImportOptions> {
  let mapping: ImportOptions['mapping'];
  try {
    mapping = parseMappingOption(flags.map);
  } catch (error) {
    if (error instanceof MappingError) throw new PatrolInputError(error.message);
    throw error;
  }
  let categoryMap: Record<string, string> | undefined;
  if (flags.categories) {
    const text = await readText(flags.categories, 'category map');
    try {
      const parsed: unknown = JSON.parse(text);
      if (
        typeof parsed !== 'object' ||
        parsed === null ||
        Array.isArray(parsed) ||
        !Object.values(parsed).every((v) => typeof v === 'string')
      ) {
        throw new Error('expected an object of "source category": "code"');
      }
      categoryMap = parsed as Record<string, string>;
    } catch (error) {
      throw new PatrolInputError(`category map ${flags.categories}: ${(error as Error).message}`);
    }
  }
  return {
    city,
    fileName: file,
    text: await readText(file, 'incident file'),
    mapping,
    dateFormat: flags.dateFormat,
    tz: flags.tz ?? DEFAULT_TZ,
    epochIsLocal: flags.epochLocal,
    crs: flags.crs,
    categoryMap,
  };
}

/** A pool that never starts a thread unless asked (PlacesService wants one; search does not use it). */
function idlePool(): WorkerPool<Jobs> {
  return new WorkerPool<Jobs>({
    size: 1,
    maxQueue: 0,
    timeoutMs: 60_000,
    jobs: new URL('../../workers/jobs.ts', import.meta.url),
  });
}

function whole(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new PatrolInputError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
}

/** The evaluation command's work, without printing. */
export async function evaluateHotspots(flags: EvaluateFlags, log: (line: string) => void = () => {}) {
  const trainDays = whole(flags.trainDays, '--train-days', 1, 3650);
  const testDays = whole(flags.testDays, '--test-days', 1, 365);
  const windows = whole(flags.windows, '--windows', 1, 520);
  const coverages = flags.coverage
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  if (coverages.length === 0 || coverages.some((c) => !(Number(c) > 0 && Number(c) <= 1)))
    throw new PatrolInputError(
      '--coverage must list shares of the area, each > 0 and ≤ 1 (e.g. 0.01,0.05,0.10)',
    );
  let unit: string;
  try {
    unit = unitSpecName(parseUnitSpec(flags.unit));
  } catch (error) {
    throw new PatrolInputError(`--unit: ${(error as Error).message}`);
  }
  if (unit === 'segment' && !flags.osm)
    throw new PatrolInputError('--unit segment needs the road network: --osm FILE');
  const models = flags.models ? flags.models.split(',').map((m) => m.trim()) : undefined;
  for (const m of models ?? []) {
    if (!(MODELS as readonly string[]).includes(m))
      throw new PatrolInputError(`--models: unknown model "${m}" (${MODELS.join(', ')})`);
  }
  const bandwidthM = flags.bandwidth === undefined ? undefined : Number(flags.bandwidth);
  const halfLifeDays = flags.halfLife === undefined ? undefined : Number(flags.halfLife);
  if (bandwidthM !== undefined && !(bandwidthM >= 10 && bandwidthM <= 5000))
    throw new PatrolInputError('--bandwidth must be 10 to 5000 metres');
  if (halfLifeDays !== undefined && !(halfLifeDays > 0 && halfLifeDays <= 3650))
    throw new PatrolInputError('--half-life must be > 0 days');
  const city = flags.city ?? 'study';
  const options = await importOptions(flags.incidents, city, flags);

  const dir = mkdtempSync(path.join(tmpdir(), 'citywatch-hotspots-'));
  let db: Db | undefined;
  const pool = idlePool();
  try {
    db = await openDatabase({ dataDir: path.join(dir, 'pglite') });
    await migrate(db);
    const now = new Date();
    let runtime = null;
    const places = new PlacesService(db.kysely, new DbCityRegistry(db.kysely), pool);
    if (flags.osm) {
      log(`importing roads ${flags.osm}`);
      try {
        await importCity(db.kysely, { file: path.resolve(flags.osm), name: city }, now);
      } catch (error) {
        if (error instanceof CityImportError) throw new PatrolInputError(`--osm: ${error.message}`);
        throw error;
      }
      runtime = (await places.cities.get(city)) ?? null;
    }
    log(`importing incidents ${flags.incidents}`);
    let report: Awaited<ReturnType<typeof importIncidents>>;
    try {
      report = await importIncidents(
        { db: db.kysely, city: runtime, places: runtime ? places : null, now },
        options,
        null,
      );
    } catch (error) {
      if (error instanceof ImportInputError)
        throw new PatrolInputError(`${flags.incidents}: ${error.message}`);
      throw error;
    }
    log(`imported ${report.imported} of ${report.rows} rows; evaluating`);
    const only = flags.only
      ? flags.only
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean)
      : undefined;
    const history = await store.historyColumns(db.kysely, city, null, { categories: only });
    const result = evaluate(localCity(runtime?.graph ?? null), {
      ...history,
      unit,
      trainDays,
      testDays,
      windows,
      coverages,
      models: models as ModelName[] | undefined,
      tz: options.tz ?? DEFAULT_TZ,
      params: {
        ...(bandwidthM !== undefined ? { bandwidthM } : {}),
        ...(halfLifeDays !== undefined ? { halfLifeDays } : {}),
      },
    });
    return {
      ...result,
      categories: only ?? 'all',
      import: {
        file: report.file,
        rows: report.rows,
        imported: report.imported,
        rejected: Object.fromEntries(Object.entries(report.rejected).filter(([, n]) => n > 0)),
        geocoding: report.geocoding.attempted > 0 ? report.geocoding : null,
        period: report.period,
      },
    };
  } finally {
    await db?.close().catch(() => {});
    await pool.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function importFlags(command: Command): Command {
  return command
    .option(
      '--map <pairs>',
      'fields by role: time=F | date=F,clock=F, category=F, lat=F, lon=F, point=F, address=F, id=F',
    )
    .addOption(new Option('--date-format <format>', 'force one date format').choices([...DATE_FORMATS]))
    .option('--tz <zone>', `IANA time zone of wall-clock times (default ${DEFAULT_TZ})`)
    .option('--epoch-local', 'epoch numbers hold local wall-clock time written as UTC (Open Baltimore)')
    .addOption(
      new Option('--crs <datum>', 'datum of the coordinates')
        .choices(['wgs84', 'gcj02', 'bd09'])
        .default('wgs84'),
    )
    .option(
      '--categories <file>',
      'JSON map of source category → category code; rows of other categories are refused',
    );
}

/** Adds `incidents import` and `hotspots evaluate` to the `citywatch` program. */
export function registerPatrolCommands(program: Command): void {
  const incidents = program.command('incidents').description('单元防控: incident history for hot spots');
  importFlags(
    incidents
      .command('import')
      .description(
        'import an incident history file (CSV, JSON, GeoJSON, Esri JSON) into a city, all or nothing; prints the report as one JSON line',
      )
      .argument('<file>', 'incident file')
      .requiredOption('--city <name>', 'the city (imported with import-osm) the incidents belong to'),
  ).action(async (file: string, flags: ImportFlags & { city: string }) => {
    const config = loadConfig();
    let db: Db | undefined;
    const pool = idlePool();
    try {
      const options = await importOptions(file, flags.city, flags);
      db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: `${config.dataDir}/pglite` });
      await migrate(db);
      const places = new PlacesService(db.kysely, new DbCityRegistry(db.kysely), pool);
      const city = await places.cities.get(flags.city);
      if (!city)
        throw new PatrolInputError(
          `no city "${flags.city}": import its roads first (citywatch import-osm FILE --city ${flags.city})`,
        );
      const report = await importIncidents({ db: db.kysely, city, places, now: new Date() }, options, null);
      console.log(JSON.stringify(report));
    } catch (error) {
      if (error instanceof PatrolInputError || error instanceof ImportInputError) {
        console.error(`citywatch incidents import: ${error.message}; nothing was imported`);
        process.exitCode = 1;
        return;
      }
      throw error;
    } finally {
      await db?.close().catch(() => {});
      await pool.stop();
    }
  });

  const hotspots = program.command('hotspots').description('单元防控: hot-spot models');
  importFlags(
    hotspots
      .command('evaluate')
      .description(
        'score the hot-spot models on an incident file in rolling windows (NIJ hit rate, PAI, PEI); one JSON line',
      )
      .requiredOption('--incidents <file>', 'incident file (CSV, JSON, GeoJSON, Esri JSON)')
      .option(
        '--osm <file>',
        'road network of the city: H3 cells of its road nodes, street segments, geocoding',
      )
      .option('--unit <unit>', 'h3:RES (5–12) or segment', 'h3:9')
      .option('--train-days <n>', 'days of history each forecast is trained on', '56')
      .option('--test-days <n>', 'days each forecast is tested on', '7')
      .option('--windows <n>', 'rolling test windows, back to back, ending with the data', '8')
      .option('--coverage <list>', 'shares of the area flagged', '0.01,0.05,0.10')
      .option('--models <list>', `models (default: all that apply: ${MODELS.join(', ')})`)
      .option('--bandwidth <m>', 'KDE bandwidth, metres (default 200)')
      .option('--half-life <days>', 'half-life of the recent model, days (default 14)')
      .option('--only <categories>', 'only incidents of these categories (comma-separated)')
      .option('--city <name>', 'name of the throw-away city', 'study'),
  ).action(async (flags: EvaluateFlags) => {
    try {
      const result = await evaluateHotspots(flags, (line) => process.stderr.write(`[hotspots] ${line}\n`));
      console.log(JSON.stringify(result));
    } catch (error) {
      if (error instanceof PatrolInputError) {
        console.error(`citywatch hotspots evaluate: ${error.message}`);
        process.exitCode = 1;
        return;
      }
      throw error;
    }
  });
}
