// `npm test`: every test. Vitest runs core, server on PGlite, server on PostgreSQL and the browser
// tests (vitest.config.ts); then each benchmark runs as a short smoke whose one JSON line is checked.
// Ends with the plain line `N passed, N failed, N skipped`. Extra results from earlier CI steps
// (lint, type-check) come in through CITYWATCH_EXTRA_RESULTS="lint:pass,typecheck:fail".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { leftoverProcesses } from './leftovers.mjs';
import { ensureWebBuilt } from './web-build.mjs';

const root = path.resolve(import.meta.dirname, '..');
const tmp = path.join(root, '.tmp');
mkdirSync(tmp, { recursive: true });
let passed = 0;
let failed = 0;
let skipped = 0;
// Named again just above the last line: CI keeps only the tail of the output.
const failures = [];

for (const item of (process.env.CITYWATCH_EXTRA_RESULTS ?? '').split(',').filter(Boolean)) {
  const [name, result] = item.split(':');
  if (result === 'pass') passed++;
  else {
    failed++;
    console.log(`FAILED step: ${name}`);
  }
}

try {
  ensureWebBuilt();
} catch (error) {
  console.log(`FAILED: ${error.message}`);
  failed++;
}

const extraArgs = process.argv.slice(2);
const report = path.join(tmp, 'vitest-report.json');
const vitestStarted = Date.now();
const vitest = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extraArgs],
  { cwd: root, stdio: 'inherit' },
);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  // A suite that failed to load (syntax error, failed beforeAll) counts as a failure too.
  failed += r.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  for (const file of r.testResults) {
    const where = path.relative(root, file.name);
    if (file.status === 'failed' && file.assertionResults.length === 0) {
      failures.push(`${where}: did not load: ${(file.message ?? '').split('\n')[0]}`);
    }
    for (const t of file.assertionResults) {
      if (t.status !== 'failed') continue;
      const why = (t.failureMessages?.[0] ?? '').split('\n')[0].slice(0, 300);
      failures.push(`${where} > ${t.fullName}: ${why}`);
    }
  }
  printWhereTimeWent(r, (Date.now() - vitestStarted) / 1000);
} else {
  console.log(`FAILED: vitest produced no report (exit ${vitest.status})`);
  failures.push(`vitest produced no report (exit ${vitest.status})`);
  failed++;
}

const SMOKE_LIMIT_S = 600;

// CI must finish inside 90 minutes: say where the time went, per project and the slowest files.
function printWhereTimeWent(report, wallSeconds) {
  const perProject = new Map();
  const files = [];
  for (const f of report.testResults) {
    const seconds = (f.endTime - f.startTime) / 1000;
    const project = projectOf(f.name);
    perProject.set(project, (perProject.get(project) ?? 0) + seconds);
    files.push({ where: `${project} ${path.relative(root, f.name)}`, seconds });
  }
  files.sort((a, b) => b.seconds - a.seconds);
  console.log(`vitest wall time ${Math.round(wallSeconds)} s; file time by project:`);
  for (const [project, seconds] of perProject) console.log(`  ${project}: ${Math.round(seconds)} s`);
  console.log('slowest files:');
  for (const f of files.slice(0, 15)) console.log(`  ${Math.round(f.seconds)} s ${f.where}`);
}

function projectOf(file) {
  const rel = path.relative(root, file);
  if (rel.startsWith('e2e/')) return 'e2e';
  if (rel.startsWith('packages/core/')) return 'core';
  return 'server';
}

// Benchmarks as smokes: each must exit 0 and print one JSON line holding its required keys.
const smokes = [
  {
    name: 'bench:routing smoke (monaco)',
    args: [
      'tsx',
      'bench/routing.ts',
      '--osm',
      path.resolve(root, '../shared/data/roads/monaco/monaco.osm.pbf'),
      '--smoke',
    ],
    keys: ['city', 'nodes', 'edges', 'ours', 'pgrouting', 'ratio_p50', 'mismatches', 'restricted'],
    // Turn restrictions too: applied, and no pair unlike pgr_trsp or the restricted Dijkstra.
    check: (j) =>
      j.mismatches === 0 &&
      j.restricted.mismatches === 0 &&
      j.restricted.restrictions_applied > 0 &&
      j.restricted.pairs_checked_pgrouting > 0,
  },
  {
    name: 'bench:matching smoke',
    args: ['tsx', 'bench/matching.ts', '--smoke'],
    keys: ['match_1hz', 'match_1_30s', 'points_per_s_per_core', 'learn'],
    // Output and completeness, not speed: every fix accounted for, most matched, a day learned.
    check: (j) =>
      j.match_1hz.fixes > 1000 &&
      j.match_1hz.matched_share >= 0.9 &&
      j.match_1_30s.matched_share >= 0.9 &&
      j.learn.units === 20 &&
      j.learn.unit_seconds === 20 * 86400 &&
      j.learn.traversals > 0 &&
      Number.isFinite(j.learn.total_s),
  },
  {
    name: 'bench:coverage smoke',
    args: ['tsx', 'bench/coverage.ts', '--smoke'],
    keys: ['city', 'nodes', 'edges', 'posts', 'p50_ms', 'p99_ms', 'max_ms', 'target_ms'],
    // The smoke checks the output, not the figure: CI machines are shared and noisy.
    check: (j) => j.posts === 100 && Number.isFinite(j.p99_ms),
  },
  {
    name: 'bench:plates smoke',
    args: ['tsx', 'bench/plates.ts', '--smoke'],
    keys: ['inprocess_reads_per_s', 'http_reads_per_s', 'hit_to_console_p99_ms', 'stored_nonhits'],
    // The safeguard is checked, not the speed: no plate that hit nothing may be stored.
    check: (j) => j.stored_nonhits === 0 && j.hits_alerted > 0,
  },
  {
    name: 'bench:dispatch smoke (PGlite and PostgreSQL)',
    args: ['tsx', 'bench/dispatch.ts', '--smoke'],
    keys: [
      'console_p50_ms',
      'console_p99_ms',
      'recommend_p99_ms',
      'avl_per_s',
      'errors',
      'pglite',
      'postgres',
    ],
    // Output and completeness are checked; the figures are for the full run, not a shared CI box.
    check: (j) =>
      j.seconds === 5 &&
      j.units === 1000 &&
      j.pglite.incidents > 0 &&
      j.postgres.incidents > 0 &&
      Number.isFinite(j.console_p99_ms),
  },
  {
    name: 'bench:devices smoke',
    args: ['tsx', 'bench/devices.ts', '--smoke'],
    keys: ['messages_per_s', 'offline_p99_s', 'alarm_to_console_p99_ms', 'lost', 'embedded'],
    // No acknowledged message may be lost, every publish is acknowledged, every stopped device is
    // declared offline and every alarm reaches the console; the rates are for the full run on a
    // quiet machine.
    check: (j) =>
      j.lost === 0 &&
      j.embedded.publish_errors === 0 &&
      j.embedded.acked === j.embedded.published &&
      j.embedded.offline_detected === j.embedded.offline_stopped &&
      j.embedded.alarms_sent > 0 &&
      j.embedded.alarms_seen === j.embedded.alarms_sent,
  },
  {
    name: 'bench:patrol smoke',
    args: ['tsx', 'bench/patrol.ts', '--smoke'],
    keys: ['incidents', 'h3', 'segment', 'total_ms', 'within_target', 'compliance'],
    // Output and completeness are checked; the 10 s and 2,000,000 fixes/s targets are for the full
    // run on a quiet machine.
    check: (j) =>
      j.incidents > 0 &&
      Number.isFinite(j.total_ms) &&
      j.compliance.fixes > 0 &&
      j.compliance.visits > 0 &&
      Number.isFinite(j.compliance.fixes_per_s) &&
      Number.isFinite(j.compliance.peak_rss_mb),
  },
  {
    name: 'bench:oversight smoke (PGlite and PostgreSQL)',
    args: ['tsx', 'bench/oversight.ts', '--smoke'],
    keys: ['pglite', 'postgres', 'reconcile', 'postings_per_s_min', 'within_target'],
    // Output and completeness are checked (the planted faults found), not the figures.
    check: (j) =>
      j.pglite.postings === 3000 && j.postgres.postings === 3000 && j.reconcile.found_planted_only === true,
  },
  {
    name: 'bench:indicators smoke (PGlite and PostgreSQL)',
    args: ['tsx', 'bench/indicators.ts', '--smoke'],
    keys: ['incidents', 'pglite', 'postgres', 'within_target'],
    // Output and completeness are checked (every generated call counted, every station ranked), not the figures.
    check: (j) =>
      j.pglite.validity_counted === j.incidents &&
      j.postgres.validity_counted === j.incidents &&
      j.postgres.stations_ranked === 20 &&
      j.pglite.empty.length === 0 &&
      j.postgres.empty.length === 0 &&
      Number.isFinite(j.postgres.snapshot_ms) &&
      Number.isFinite(j.postgres.period_query_ms),
  },
  {
    name: 'bench:video smoke',
    args: ['tsx', 'bench/video.ts', '--smoke'],
    keys: ['cameras', 'nearest_p99_ms', 'coverage_s', 'import_per_s', 'within_target'],
    // Output and completeness are checked; the targets are for 50,000 cameras on a quiet machine.
    check: (j) =>
      j.cameras === 2000 &&
      j.imported === 2000 &&
      Number.isFinite(j.nearest_p99_ms) &&
      Number.isFinite(j.coverage_s),
  },
  {
    // The cheapest failure drill (scripts/cluster/drill.mjs): 2 API nodes behind HAProxy on NATS ×3
    // and PostgreSQL with a standby, one killed -9 under load. Nothing acknowledged may be lost.
    name: 'drill --quick (API node killed behind HAProxy)',
    args: ['node', 'scripts/cluster/drill.mjs', '--quick', '--json'],
    keys: ['pass', 'drills'],
    check: (j) => j.pass === true && j.drills[0].acked_lost === 0 && j.drills[0].events_missed_steady === 0,
  },
  {
    name: 'bench:cluster smoke',
    args: ['tsx', 'bench/cluster.ts', '--smoke'],
    keys: ['console_p99_ms', 'errors', 'events_missed_after_resume', 'failover_s', 'recommend_p99_ms'],
    // Output and completeness are checked; the targets are for the full run on a quiet machine.
    check: (j) => j.incidents_acked > 0 && j.acked_lost === 0 && Number.isFinite(j.console_p99_ms),
  },
];
if (extraArgs.length === 0) {
  for (const smoke of smokes) {
    if (!existsSync(path.join(root, smoke.args[1]))) continue;
    // coreutils `timeout` signals its whole process group, so a smoke that overruns takes its
    // servers and brokers with it (spawnSync's own timeout would kill npx alone).
    const smokeStarted = Date.now();
    const r = spawnSync('timeout', ['-k', '10', String(SMOKE_LIMIT_S), 'npx', ...smoke.args], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    console.log(`${smoke.name}: ${Math.round((Date.now() - smokeStarted) / 1000)} s`);
    const lines = (r.stdout ?? '').trim().split('\n').filter(Boolean);
    let ok = r.status === 0 && lines.length === 1;
    try {
      const j = JSON.parse(lines[0]);
      ok = ok && smoke.keys.every((k) => k in j) && smoke.check(j);
      console.log(`${smoke.name}: ${lines[0]}`);
    } catch {
      ok = false;
    }
    if (ok) passed++;
    else {
      failed++;
      console.log(`FAILED ${smoke.name}: exit ${r.status}, stdout: ${(r.stdout ?? '').slice(0, 500)}`);
      failures.push(`${smoke.name}: exit ${r.status}`);
    }
  }
}

// Nothing of the project may be left running after the suite (servers, simulators, benchmarks).
await new Promise((resolve) => setTimeout(resolve, 1_000));
const left = leftoverProcesses();
if (left.length === 0) passed++;
else {
  failed++;
  console.log(
    `FAILED: processes left running after the suite:\n${left.map((p) => `  ${p.pid} ${p.command}`).join('\n')}`,
  );
}

if (failures.length > 0) console.log(`Failed tests:\n${failures.map((f) => `  ${f}`).join('\n')}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
