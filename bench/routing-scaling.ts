/**
 * How many-to-one latency grows with graph size: runs the routing benchmark on every city under
 * the roads directory (default ../shared/data/roads) and prints ONE JSON line with p50/p99 per
 * graph, smallest graph first. pgRouting is left out unless --pg-samples N is given (it is slow
 * and already compared by bench/routing.ts and the peer test).
 *
 *   npx tsx bench/routing-scaling.ts [--dir DIR] [--targets 500] [--units 200] [--pg-samples 0]
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { U_TURN_SECONDS } from '@citywatch/core/roads/heading';
import { type RoutingBenchResult, runRoutingBench } from './routing';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

function cityFiles(directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    for (const file of readdirSync(path.join(directory, entry.name))) {
      if (/\.osm(\.pbf|\.gz)?$/.test(file)) files.push(path.join(directory, entry.name, file));
    }
  }
  return files.sort();
}

async function main(): Promise<void> {
  const directory = path.resolve(
    option('--dir', path.resolve(import.meta.dirname, '../../shared/data/roads')),
  );
  const targets = Number(option('--targets', '500'));
  const units = Number(option('--units', '200'));
  const pgSamples = Number(option('--pg-samples', '0'));
  const results: RoutingBenchResult[] = [];
  for (const osmFile of cityFiles(directory)) {
    results.push(
      await runRoutingBench({ osmFile, targets, units, pgSamples, seed: 1, uTurnSeconds: U_TURN_SECONDS }),
    );
  }
  results.sort((a, b) => a.nodes - b.nodes);
  const graphs = results.map((r) => ({
    city: r.city,
    nodes: r.nodes,
    edges: r.edges,
    p50_ms: r.ours.p50_ms,
    p99_ms: r.ours.p99_ms,
    preprocess_ms: r.preprocess_ms,
    dijkstra_p99_ms: r.dijkstra.p99_ms,
    pgrouting_p50_ms: r.pgrouting?.p50_ms ?? null,
    mismatches: r.mismatches,
    restricted: {
      restrictions_applied: r.restricted.restrictions_applied,
      p99_ms: r.restricted.p99_ms,
      preprocess_ms: r.restricted.preprocess_ms,
      mismatches: r.restricted.mismatches,
    },
  }));
  const mismatches = results.reduce((sum, r) => sum + r.mismatches, 0);
  process.stdout.write(`${JSON.stringify({ units, targets, graphs, mismatches })}\n`);
  if (mismatches > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `[bench:routing-scaling] ${error instanceof Error ? (error.stack ?? error.message) : error}\n`,
  );
  process.exitCode = 1;
});
