/**
 * Patrol benchmark: hot-spot ranking over 1,000,000 history incidents on a 16k-node city
 * (Andorra), on H3 cells (res 9) and on street segments, every model that applies.
 *
 *   npx tsx bench/patrol.ts [--smoke] [--incidents 1000000] [--seed 1] [--osm FILE] [--unit h3:9]
 *
 * The incidents are synthetic but shaped by real ones: the Berkeley PD calls (City of Berkeley,
 * open data; ../shared/data/incidents/berkeley-pd-calls-2019/SOURCE.md) are read with the
 * importer's own parser, each of their block locations is moved to a random intersection of the
 * city (so the real concentration — how many calls each place gets — is kept), and the incidents
 * are drawn by resampling the real calls: the place of the call plus 20 m of Gaussian jitter, its
 * hour of the week, in one of 52 weeks. Andorra is the road file (© OpenStreetMap contributors,
 * ODbL). Nothing else is timed than what the server does per request on a loaded city: locating
 * the incidents in units and ranking them with each model (training on the whole year, for the
 * next week). Building the units of a city (kept per graph in the server) is reported apart.
 *
 * Patrol compliance (1,000 units × 8 h of 1 Hz fixes against 2,000 must-patrol targets) runs as
 * bench/patrol-compliance.ts in a child process of its own, so that its peak memory is its own,
 * and its line is given here under `compliance`.
 *
 * `--smoke` ranks 20,000 incidents and tracks 20 units for an hour, to check the script works.
 * Prints one JSON line on stdout; progress goes to stderr.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { detectColumns } from '@citywatch/core/patrol/columns';
import {
  DEFAULT_MODEL_PARAMS,
  type LocatedIncidents,
  type ModelContext,
  modelsFor,
  SegmentNetwork,
} from '@citywatch/core/patrol/models';
import { rankHotspots } from '@citywatch/core/patrol/rank';
import { readRecords } from '@citywatch/core/patrol/records';
import { readIncidentRows } from '@citywatch/core/patrol/rows';
import { hourOfWeek } from '@citywatch/core/patrol/time';
import {
  h3UnitsOfGraph,
  locateAll,
  parseUnitSpec,
  type SpatialUnits,
  segmentUnits,
  unitSpecName,
} from '@citywatch/core/patrol/units';
import { REPO_ROOT } from '../packages/server/src/config';
import { loadGraphFromOsmFile } from '../packages/server/src/modules/roads/load';

const TARGET_MS = 10_000;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const WEEK = 7 * DAY;
const JITTER_M = 20;
const BERKELEY = path.resolve(
  REPO_ROOT,
  '../shared/data/incidents/berkeley-pd-calls-2019/berkeley_pd_calls_for_service_2019.csv',
);
const ANDORRA = path.resolve(REPO_ROOT, '../shared/data/roads/andorra/andorra.osm.pbf');

function log(message: string): void {
  process.stderr.write(`[bench:patrol] ${message}\n`);
}

function option(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
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

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const smoke = argv.includes('--smoke');
  const count = Number(option(argv, '--incidents') ?? (smoke ? 20_000 : 1_000_000));
  const seed = Number(option(argv, '--seed') ?? 1);
  const osm = option(argv, '--osm') ?? ANDORRA;
  const units = (option(argv, '--unit') ?? 'h3:9,segment').split(',');
  const random = randomSource(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

  // The real calls, through the importer's parser.
  const tz = 'America/Los_Angeles';
  const records = readRecords(readFileSync(BERKELEY, 'utf8'));
  const { candidates } = readIncidentRows(records, detectColumns(records), { tz });
  const calls = candidates.filter((c) => c.lon !== undefined && c.lat !== undefined);
  const locationOf = new Map<string, number>();
  const callLocation = calls.map((c) => {
    const key = `${c.lon},${c.lat}`;
    let k = locationOf.get(key);
    if (k === undefined) {
      k = locationOf.size;
      locationOf.set(key, k);
    }
    return k;
  });
  const callHour = calls.map((c) => hourOfWeek(tz, c.occurredAt) + (c.occurredAt % HOUR) / HOUR);
  log(`${calls.length} Berkeley calls at ${locationOf.size} block locations`);

  const loadStarted = performance.now();
  const { graph } = await loadGraphFromOsmFile(osm);
  const city = path.basename(osm).replace(/\.osm(\.pbf|\.gz)?$/, '');
  log(
    `${city}: ${graph.nodeCount} nodes, ${graph.edgeCount} edges (${Math.round(performance.now() - loadStarted)} ms)`,
  );

  // Each Berkeley location → a random intersection (≥ 3 streets) of the city.
  const intersections: number[] = [];
  for (let v = 0; v < graph.nodeCount; v++) {
    const neighbours = new Set<number>();
    for (let e = graph.firstOut[v]; e < graph.firstOut[v + 1]; e++) neighbours.add(graph.edgeHead[e]);
    for (let i = graph.firstIn[v]; i < graph.firstIn[v + 1]; i++)
      neighbours.add(graph.edgeTail[graph.inEdge[i]]);
    if (neighbours.size >= 3) intersections.push(v);
  }
  const placeOf = Int32Array.from(
    { length: locationOf.size },
    () => intersections[Math.floor(random() * intersections.length)],
  );

  // The incidents: resampled calls, jittered, over the 52 weeks before END (a Monday, 00:00 UTC).
  const END = Date.parse('2026-11-23T00:00:00Z');
  const START = END - 52 * WEEK;
  const lon = new Float64Array(count);
  const lat = new Float64Array(count);
  const time = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const j = Math.floor(random() * calls.length);
    const v = placeOf[callLocation[j]];
    const y = graph.nodeLat[v];
    lat[i] = y + (gauss() * JITTER_M) / 111_320;
    lon[i] = graph.nodeLon[v] + (gauss() * JITTER_M) / (111_320 * Math.cos((y * Math.PI) / 180));
    time[i] = START + Math.floor(random() * 52) * WEEK + callHour[j] * HOUR;
  }
  log(`${count} incidents drawn`);

  const results: Record<string, unknown> = {};
  let total = 0;
  let modelsTotal = 0;
  for (const name of units) {
    const spec = parseUnitSpec(name);
    const built = performance.now();
    const u: SpatialUnits & { segments?: ReturnType<typeof segmentUnits>['segments'] } =
      spec.kind === 'h3' ? h3UnitsOfGraph(graph, spec.resolution) : segmentUnits(graph);
    const network = u.segments ? new SegmentNetwork(graph, u.segments) : undefined;
    const buildMs = performance.now() - built;

    const located = performance.now();
    const unit = locateAll(u, lon, lat);
    const assignMs = performance.now() - located;
    let outside = 0;
    for (let i = 0; i < count; i++) if (unit[i] < 0) outside++;

    const incidents: LocatedIncidents = { lon, lat, time, unit };
    const ctx: ModelContext = { units: u, incidents, params: DEFAULT_MODEL_PARAMS, network };
    const modelMs: Record<string, number> = {};
    const top: Record<string, number> = {};
    for (const model of modelsFor(u)) {
      const started = performance.now();
      const ranking = rankHotspots(ctx, {
        model,
        from: END,
        to: END + WEEK,
        trainTo: END,
        trainDays: 364,
        tz: 'UTC',
        coverage: 0.05,
        limit: 100,
      });
      modelMs[model] = round(performance.now() - started);
      top[model] = round(ranking.flaggedExpectedShare, 4);
      if (ranking.trainIncidents !== count)
        throw new Error(`trained on ${ranking.trainIncidents} of ${count}`);
    }
    const models = Object.values(modelMs).reduce((a, b) => a + b, 0);
    const unitTotal = assignMs + models;
    total += unitTotal;
    modelsTotal += models;
    results[spec.kind === 'h3' ? 'h3' : 'segment'] = {
      unit: unitSpecName(spec),
      units: u.count,
      build_ms: round(buildMs),
      assign_ms: round(assignMs),
      outside_units: outside,
      models_ms: modelMs,
      total_ms: round(unitTotal),
      expected_share_in_top_5pct: top,
    };
    log(
      `${unitSpecName(spec)}: ${u.count} units, assign ${Math.round(assignMs)} ms, models ${JSON.stringify(modelMs)}`,
    );
  }

  const compliance = complianceFigures(smoke);
  process.stdout.write(
    `${JSON.stringify({
      incidents: count,
      city,
      nodes: graph.nodeCount,
      edges: graph.edgeCount,
      ...results,
      models_ms: round(modelsTotal),
      total_ms: round(total),
      target_ms: TARGET_MS,
      within_target: total <= TARGET_MS,
      source: `Berkeley PD calls 2019 (${calls.length} located calls at ${locationOf.size} block locations) moved to random intersections of ${city}, ${JITTER_M} m jitter, hour of week kept, 52 weeks`,
      compliance,
      smoke,
    })}\n`,
  );
}

/** bench/patrol-compliance.ts's one line (fixes_per_s, peak_rss_mb, …), run in its own process. */
function complianceFigures(smoke: boolean): Record<string, unknown> {
  const script = path.join(REPO_ROOT, 'bench/patrol-compliance.ts');
  const run = spawnSync('npx', ['tsx', script, ...(smoke ? ['--smoke'] : [])], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) throw new Error(`bench/patrol-compliance.ts failed (exit ${run.status})`);
  const line = run.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Record<string, unknown>;
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
