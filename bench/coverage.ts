/**
 * Coverage benchmark: the 1-3-5 minute coverage (share of addresses and of road length within 60,
 * 180 and 300 s) of 100 posts on the largest bundled city, i.e. the bundled road file with the
 * most graph edges.
 *
 *   npx tsx bench/coverage.ts [--smoke] [--posts 100] [--reps 20] [--seed 1] [--osm FILE]
 *
 * Posts sit at random points of the city snapped to the road (seeded RNG, so runs repeat). Each
 * repetition is one full `CoverageEngine.compute` — the multi-source search, road length per
 * band and every address timed — on engines built once, as the server holds them per city.
 * `--smoke` loads only the smallest file (by bytes) and runs 3 repetitions, to check the script works.
 *
 * Prints exactly one JSON line on stdout; progress goes to stderr.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { CoverageEngine, type EdgePosition, type WeightedPosition } from '@citywatch/core/coverage/coverage';
import { DijkstraEngine } from '@citywatch/core/roads/dijkstra';
import { EdgeSnapper } from '@citywatch/core/roads/snap';
import { REPO_ROOT } from '../packages/server/src/config';
import { type LoadedRoadGraph, loadGraphFromOsmFile } from '../packages/server/src/modules/roads/load';

const TARGET_MS = 200;
const THRESHOLDS = [60, 180, 300];
const SNAP_LIMIT_M = 500;

function log(message: string): void {
  process.stderr.write(`[bench:coverage] ${message}\n`);
}

/** mulberry32: small, seeded, reproducible. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bundledRoadFiles(): string[] {
  const root = path.resolve(REPO_ROOT, '../shared/data/roads');
  const files: string[] = [];
  for (const dir of readdirSync(root)) {
    const folder = path.join(root, dir);
    if (!statSync(folder).isDirectory()) continue;
    for (const name of readdirSync(folder))
      if (/\.osm(\.gz|\.pbf)?$/.test(name)) files.push(path.join(folder, name));
  }
  return files.sort();
}

function option(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const smoke = argv.includes('--smoke');
  const postCount = Number(option(argv, '--posts') ?? 100);
  const repetitions = Number(option(argv, '--reps') ?? (smoke ? 3 : 20));
  const seed = Number(option(argv, '--seed') ?? 1);
  const explicit = option(argv, '--osm');

  let files = explicit ? [explicit] : bundledRoadFiles();
  if (smoke && !explicit) files = [files.reduce((a, b) => (statSync(a).size <= statSync(b).size ? a : b))];
  let largest: { file: string; loaded: LoadedRoadGraph } | null = null;
  for (const file of files) {
    const started = performance.now();
    const loaded = await loadGraphFromOsmFile(file);
    log(
      `${path.basename(file)}: ${loaded.graph.nodeCount} nodes, ${loaded.graph.edgeCount} edges (${Math.round(performance.now() - started)} ms)`,
    );
    if (!largest || loaded.graph.edgeCount > largest.loaded.graph.edgeCount) largest = { file, loaded };
  }
  if (!largest) throw new Error('no bundled road file found');
  const { graph, extract } = largest.loaded;
  const city = path.basename(path.dirname(largest.file));
  log(`largest: ${city}`);

  const snapper = new EdgeSnapper(graph);
  const coverage = new CoverageEngine(new DijkstraEngine(graph));

  let minLon = Number.POSITIVE_INFINITY;
  let maxLon = Number.NEGATIVE_INFINITY;
  let minLat = Number.POSITIVE_INFINITY;
  let maxLat = Number.NEGATIVE_INFINITY;
  for (let v = 0; v < graph.nodeCount; v++) {
    minLon = Math.min(minLon, graph.nodeLon[v]);
    maxLon = Math.max(maxLon, graph.nodeLon[v]);
    minLat = Math.min(minLat, graph.nodeLat[v]);
    maxLat = Math.max(maxLat, graph.nodeLat[v]);
  }
  const random = randomSource(seed);
  const posts: EdgePosition[] = [];
  for (let attempt = 0; posts.length < postCount && attempt < postCount * 1000; attempt++) {
    const lon = minLon + random() * (maxLon - minLon);
    const lat = minLat + random() * (maxLat - minLat);
    const hit = snapper.snap(lon, lat, SNAP_LIMIT_M);
    if (hit) posts.push({ edge: hit.edge, t: hit.t });
  }
  // Demand: the file's address points plus every building (most OSM extracts tag few addresses,
  // and the server's gazetteer holds one address per building), so the per-point work is real.
  const addresses: WeightedPosition[] = [];
  const demandPoints = [
    ...extract.addresses.map((a) => [a.lon, a.lat] as const),
    ...extract.buildings.map((b) => [b.centroidLon, b.centroidLat] as const),
  ];
  for (const [lon, lat] of demandPoints) {
    const hit = snapper.snap(lon, lat, SNAP_LIMIT_M);
    if (hit) addresses.push({ edge: hit.edge, t: hit.t });
  }
  log(`${posts.length} posts, ${addresses.length} address and building points snapped`);

  // One untimed run to warm the JIT, as a long-running server would be.
  const warm = coverage.compute(posts, addresses, THRESHOLDS);
  const times: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const started = performance.now();
    coverage.compute(posts, addresses, THRESHOLDS);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const shares = warm.thresholds.map((t) => ({
    seconds: t.seconds,
    address_share: round(t.addressShare),
    road_length_share: round(t.roadLengthShare),
  }));
  process.stdout.write(
    `${JSON.stringify({
      city,
      nodes: graph.nodeCount,
      edges: graph.edgeCount,
      posts: posts.length,
      p50_ms: round(percentile(times, 0.5)),
      p99_ms: round(percentile(times, 0.99)),
      max_ms: round(times[times.length - 1]),
      target_ms: TARGET_MS,
      repetitions,
      demand_points: addresses.length,
      coverage: shares,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
