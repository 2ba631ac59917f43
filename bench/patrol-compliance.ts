/**
 * Patrol compliance benchmark: visits, dwell and line coverage rebuilt from 1,000 units × 8 h of
 * 1 Hz GPS fixes (28.8 M fixes) against 2,000 must-patrol targets, with the core code the server
 * runs (core/src/patrol/compliance.ts).
 *
 *   npx tsx bench/patrol-compliance.ts [--smoke] [--units 1000] [--hours 8] [--targets 2000] [--seed 1] [--osm FILE]
 *
 * The fixes are generated along the real roads of Andorra (© OpenStreetMap contributors, ODbL):
 * each unit walks the road graph at random (edge speed, at most 14 m/s), stops 10–16 minutes at
 * a must-patrol point now and then (so visits happen), with 5 m Gaussian GPS noise, accuracy
 * 4–20 m, 0.5 % of fixes thrown 300–2,000 m (multipath jumps) and 0.2 % of seconds lost. The
 * targets: 1,800 points (radius 50 m) and 150 lines (≈ 500 m road paths, corridor 20 m) on road
 * nodes, and 50 areas (200 m squares). Generation is not timed; `fixes_per_s` is the tracker
 * reading every unit's fixes (`addUnit`), as the server does per unit from the AVL history; the
 * summary against a plan is timed apart. Prints one JSON line; progress to stderr.
 */
import path from 'node:path';
import {
  type ComplianceTarget,
  ComplianceTracker,
  type PlannedDose,
  summarise,
  TargetIndex,
  type UnitFixes,
} from '@citywatch/core/patrol/compliance';
import { seededRandom } from '@citywatch/core/patrol/plans';
import type { RoadGraph } from '@citywatch/core/roads/graph';
import { REPO_ROOT } from '../packages/server/src/config';
import { loadGraphFromOsmFile } from '../packages/server/src/modules/roads/load';

const TARGET_FIXES_PER_S = 2_000_000;
const ANDORRA = path.resolve(REPO_ROOT, '../shared/data/roads/andorra/andorra.osm.pbf');

function log(message: string): void {
  process.stderr.write(`[bench:patrol-compliance] ${message}\n`);
}

function option(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

let peakRss = 0;
function sampleRss(): void {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}

function makeTargets(graph: RoadGraph, count: number, random: () => number): ComplianceTarget[] {
  const targets: ComplianceTarget[] = [];
  const nPoints = Math.round(count * 0.9);
  const nLines = Math.round(count * 0.075);
  const nAreas = count - nPoints - nLines;
  const node = () => Math.floor(random() * graph.nodeCount);
  for (let i = 0; i < nPoints; i++) {
    const v = node();
    targets.push({
      key: `p${i}`,
      kind: 'point',
      coordinates: [graph.nodeLon[v], graph.nodeLat[v]],
      radiusM: 50,
      dwellMinMin: 10,
    });
  }
  for (let i = 0; i < nLines; i++) {
    let v = node();
    const coords: number[][] = [[graph.nodeLon[v], graph.nodeLat[v]]];
    let length = 0;
    while (length < 500) {
      const out = graph.firstOut[v + 1] - graph.firstOut[v];
      if (out === 0) break;
      const e = graph.firstOut[v] + Math.floor(random() * out);
      length += graph.edgeLength[e];
      v = graph.edgeHead[e];
      coords.push([graph.nodeLon[v], graph.nodeLat[v]]);
    }
    if (coords.length < 2) coords.push([coords[0][0] + 0.001, coords[0][1]]);
    targets.push({ key: `l${i}`, kind: 'line', coordinates: coords, radiusM: 20, dwellMinMin: 0 });
  }
  for (let i = 0; i < nAreas; i++) {
    const v = node();
    const lon = graph.nodeLon[v];
    const lat = graph.nodeLat[v];
    const dx = 100 / (111_320 * Math.cos((lat * Math.PI) / 180));
    const dy = 100 / 111_320;
    targets.push({
      key: `a${i}`,
      kind: 'area',
      coordinates: [
        [lon - dx, lat - dy],
        [lon + dx, lat - dy],
        [lon + dx, lat + dy],
        [lon - dx, lat + dy],
        [lon - dx, lat - dy],
      ],
      radiusM: 0,
      dwellMinMin: 10,
    });
  }
  return targets;
}

/** One unit's 1 Hz fixes: a random walk on the road graph with stops at points, GPS noise and jumps. */
function walk(
  graph: RoadGraph,
  seconds: number,
  random: () => number,
  stopNodes: Uint8Array,
  buf: UnitFixes & { acc: Float32Array },
): void {
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  let v = Math.floor(random() * graph.nodeCount);
  let n = 0;
  let t = 0;
  let edge = -1;
  let along = 0;
  let stopLeft = 0;
  while (t < seconds) {
    let lon: number;
    let lat: number;
    if (stopLeft > 0) {
      stopLeft--;
      lon = graph.nodeLon[v];
      lat = graph.nodeLat[v];
    } else {
      if (edge < 0) {
        const out = graph.firstOut[v + 1] - graph.firstOut[v];
        if (out === 0) v = Math.floor(random() * graph.nodeCount);
        else edge = graph.firstOut[v] + Math.floor(random() * out);
        along = 0;
      }
      if (edge >= 0) {
        const len = graph.edgeLength[edge];
        const speed = Math.min(14, len / Math.max(graph.edgeTime[edge], 0.1));
        along += speed;
        if (along >= len) {
          v = graph.edgeHead[edge];
          edge = -1;
          if (stopNodes[v] && random() < 0.3) stopLeft = 600 + Math.floor(random() * 360);
          lon = graph.nodeLon[v];
          lat = graph.nodeLat[v];
        } else {
          const f = along / len;
          const a = graph.edgeTail[edge];
          const b = graph.edgeHead[edge];
          lon = graph.nodeLon[a] + (graph.nodeLon[b] - graph.nodeLon[a]) * f;
          lat = graph.nodeLat[a] + (graph.nodeLat[b] - graph.nodeLat[a]) * f;
        }
      } else {
        lon = graph.nodeLon[v];
        lat = graph.nodeLat[v];
      }
    }
    t++;
    if (random() < 0.002) continue; // lost second
    let dx = gauss() * 5;
    let dy = gauss() * 5;
    if (random() < 0.005) {
      const d = 300 + random() * 1700;
      const a = random() * 2 * Math.PI;
      dx = Math.cos(a) * d;
      dy = Math.sin(a) * d;
    }
    buf.t[n] = t;
    buf.lon[n] = lon + dx / (111_320 * Math.cos((lat * Math.PI) / 180));
    buf.lat[n] = lat + dy / 111_320;
    buf.acc[n] = 4 + random() * 16;
    n++;
  }
  buf.n = n;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const smoke = argv.includes('--smoke');
  const units = Number(option(argv, '--units') ?? (smoke ? 20 : 1000));
  const hours = Number(option(argv, '--hours') ?? (smoke ? 1 : 8));
  const targetCount = Number(option(argv, '--targets') ?? (smoke ? 200 : 2000));
  const seed = Number(option(argv, '--seed') ?? 1);
  const osm = option(argv, '--osm') ?? ANDORRA;
  const random = seededRandom(seed);

  const loadStarted = performance.now();
  const { graph } = await loadGraphFromOsmFile(osm);
  log(`${path.basename(osm)}: ${graph.nodeCount} nodes (${Math.round(performance.now() - loadStarted)} ms)`);
  sampleRss();

  const targets = makeTargets(graph, targetCount, random);
  const indexStarted = performance.now();
  const index = new TargetIndex(targets);
  const indexMs = performance.now() - indexStarted;
  const tracker = new ComplianceTracker(index);
  // Walkers stop at the nodes nearest the point targets.
  const stopNodes = new Uint8Array(graph.nodeCount);
  {
    const byPos = new Map<string, number>();
    for (let v = 0; v < graph.nodeCount; v++) byPos.set(`${graph.nodeLon[v]},${graph.nodeLat[v]}`, v);
    for (const t of targets) {
      if (t.kind !== 'point') continue;
      const c = t.coordinates as number[];
      const v = byPos.get(`${c[0]},${c[1]}`);
      if (v !== undefined) stopNodes[v] = 1;
    }
  }

  const seconds = hours * 3600;
  const buf = {
    n: 0,
    t: new Float64Array(seconds),
    lon: new Float64Array(seconds),
    lat: new Float64Array(seconds),
    acc: new Float32Array(seconds),
  };
  let fixes = 0;
  let trackMs = 0;
  let generateMs = 0;
  for (let u = 0; u < units; u++) {
    const g0 = performance.now();
    walk(graph, seconds, random, stopNodes, buf);
    const g1 = performance.now();
    tracker.addUnit(u, buf);
    trackMs += performance.now() - g1;
    generateMs += g1 - g0;
    fixes += buf.n;
    if (u % 100 === 99) {
      sampleRss();
      log(`${u + 1} units, ${fixes} fixes, ${Math.round(fixes / (trackMs / 1000))} fixes/s`);
    }
  }
  sampleRss();
  const planned = new Map<string, PlannedDose>(
    targets.map((t) => [t.key, { visits: 4, minutes: 52, revisitMaxMin: 120 }]),
  );
  const sumStarted = performance.now();
  const summary = summarise(tracker, planned, 0, seconds, units);
  const summaryMs = performance.now() - sumStarted;
  sampleRss();
  const dosed = summary.targets.reduce((s, t) => s + t.dosedVisits, 0);
  const lines = summary.targets.filter((t) => t.coverage !== null);
  const meanCoverage = lines.reduce((s, t) => s + (t.coverage ?? 0), 0) / Math.max(1, lines.length);
  const fixesPerS = Math.round(fixes / (trackMs / 1000));
  const result = {
    city: path.basename(osm),
    units,
    hours,
    targets: targets.length,
    fixes,
    fixes_per_s: fixesPerS,
    target_fixes_per_s: TARGET_FIXES_PER_S,
    within_target: fixesPerS >= TARGET_FIXES_PER_S,
    track_ms: Math.round(trackMs),
    index_ms: Math.round(indexMs * 10) / 10,
    summary_ms: Math.round(summaryMs),
    generate_ms: Math.round(generateMs),
    visits: tracker.visitCount,
    dosed_visits: dosed,
    mean_line_coverage: Math.round(meanCoverage * 1000) / 1000,
    dropped: {
      accuracy: tracker.counts.droppedAccuracy,
      jump: tracker.counts.droppedJump,
      order: tracker.counts.droppedOrder,
    },
    gaps: tracker.counts.gaps,
    peak_rss_mb: Math.round(peakRss / 1048576),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
