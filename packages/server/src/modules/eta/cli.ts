/**
 * `citywatch eta evaluate --osm FILE --traces FILE [--test-share 0.2]`: how much better travel
 * times learned from traces predict held-out trips than the static speed table. Purely in memory
 * (no database is opened or written). Prints one JSON line:
 *
 *   {"trips_train":N,"trips_test":M,"static":{"mape":..,"mae_s":..},"learned":{"mape":..,"mae_s":..},
 *    "matched_share":..,…}
 *
 * `citywatch eta simulate --osm FILE --out FILE [--vehicles 10] [--days 14] [--seed 1]`: writes
 * simulator traces (hidden hour-varying per-edge times, phone-like GPS) as CSV
 * `vehicle_id,time,lon,lat` for the command above.
 *
 * Bad input (missing or unreadable file, no trace row, bad share) exits 1 with one line on stderr.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { evaluateEta, parseTraceCsv } from '@citywatch/core/roads/learned/evaluate';
import { simulateFleet } from '@citywatch/core/roads/matching/simulate';
import type { Command } from 'commander';
import { loadGraphFromOsmFile } from '../roads/load.js';
import { OsmReadError } from '../roads/osm-reader.js';

export class EtaInputError extends Error {}

export interface EtaEvaluateOptions {
  osm: string;
  traces: string;
  testShare?: string;
  utcOffset?: string;
}

export async function etaEvaluate(options: EtaEvaluateOptions) {
  const share = Number(options.testShare ?? '0.2');
  if (!(share > 0 && share < 1))
    throw new EtaInputError(`--test-share must be between 0 and 1, got ${options.testShare}`);
  const offsetH = Number(options.utcOffset ?? '0');
  if (!Number.isFinite(offsetH) || Math.abs(offsetH) > 14)
    throw new EtaInputError(`--utc-offset must be hours in −14..14`);
  let text: string;
  try {
    text = await readFile(options.traces, 'utf8');
  } catch (error) {
    throw new EtaInputError(`${options.traces}: ${(error as Error).message}`);
  }
  const { rows, badRows } = parseTraceCsv(text);
  if (rows.length === 0) throw new EtaInputError(`${options.traces}: no row of vehicle_id,time,lon,lat`);
  const { graph } = await loadGraphFromOsmFile(options.osm);
  const result = evaluateEta(graph, rows, { testShare: share, utcOffsetS: offsetH * 3600 });
  return { ...result, bad_rows: badRows };
}

export async function etaSimulate(options: {
  osm: string;
  out: string;
  vehicles: string;
  days: string;
  seed: string;
}) {
  const vehicles = Number(options.vehicles);
  const days = Number(options.days);
  const seed = Number(options.seed);
  if (!(Number.isInteger(vehicles) && vehicles > 0 && vehicles <= 10_000))
    throw new EtaInputError('--vehicles must be 1..10000');
  if (!(days > 0 && days <= 60)) throw new EtaInputError('--days must be in (0, 60]');
  const { graph } = await loadGraphFromOsmFile(options.osm);
  const { rows, trips } = simulateFleet(graph, { vehicles, days, seed: Number.isFinite(seed) ? seed : 1 });
  const lines = ['vehicle_id,time,lon,lat'];
  for (const r of rows) lines.push(`${r.vehicle},${r.time},${r.lon.toFixed(7)},${r.lat.toFixed(7)}`);
  await writeFile(options.out, `${lines.join('\n')}\n`);
  return { rows: rows.length, trips: trips.length, out: options.out };
}

/** Adds `eta evaluate` and `eta simulate` to the `citywatch` program. */
export function registerEtaCommands(program: Command): void {
  const eta = program
    .command('eta')
    .description('ETA: travel times learned from fleet traces, evaluated against static');
  const run = async (name: string, fn: () => Promise<unknown>) => {
    try {
      console.log(JSON.stringify(await fn()));
    } catch (error) {
      if (error instanceof EtaInputError || error instanceof OsmReadError) {
        console.error(`citywatch eta ${name}: ${error.message}`);
        process.exitCode = 1;
        return;
      }
      throw error;
    }
  };
  eta
    .command('evaluate')
    .description('learn travel times on traces, test static vs learned on held-out trips (one JSON line)')
    .requiredOption('--osm <file>', 'OSM file (.osm, .osm.gz, .osm.pbf)')
    .requiredOption('--traces <file>', 'CSV vehicle_id,time,lon,lat (time ISO 8601 or Unix seconds)')
    .option('--test-share <share>', 'latest share of trips held out for testing', '0.2')
    .option('--utc-offset <hours>', 'local time offset for hours of week (default 0)', '0')
    .action((options: EtaEvaluateOptions) => run('evaluate', () => etaEvaluate(options)));
  eta
    .command('simulate')
    .description('write simulated fleet traces (hidden hour-varying times, phone-like GPS) as CSV')
    .requiredOption('--osm <file>', 'OSM file (.osm, .osm.gz, .osm.pbf)')
    .requiredOption('--out <file>', 'CSV to write')
    .option('--vehicles <n>', 'vehicles', '10')
    .option('--days <n>', 'days from Monday 2026-11-23', '14')
    .option('--seed <n>', 'random seed', '1')
    .action((options) => run('simulate', () => etaSimulate(options)));
}
