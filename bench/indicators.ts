/**
 * bench:indicators — every indicator over a city's generated incident history.
 *
 *   npx tsx bench/indicators.ts [--smoke] [--incidents 300000] [--days 365] [--stations 20]
 *       [--backends pglite,postgres]
 *
 * Per backend: a fresh database, the seeded org tree grown to `--stations` police stations, and
 * `--incidents` incidents spread at random over `--days` days before the last day (generated in
 * SQL: stations, priorities, a 36 % police share, dispatch 30–120 s and arrival 2–9 min after the
 * call). Measured: a full daily snapshot (every indicator for every org of the tree, stored) and an
 * ad-hoc query (every indicator for the city over the whole period, live), and the ranking of the
 * stations by one indicator over the period. Targets (issue 15, for one year of a 1,000-unit city):
 * snapshot ≤ 60 s and period query ≤ 2 s on PostgreSQL. AVL rows are not generated: no indicator
 * reads them yet. `--smoke` runs 3,000 incidents over 30 days. One JSON line on stdout.
 */
import { parseArgs } from 'node:util';
import { reportPeriod, shanghaiDay } from '@citywatch/core/indicators/period';
import { sql } from 'kysely';
import { buildApp } from '../packages/server/src/app';
import { createInProcessBus } from '../packages/server/src/bus/index';
import { loadConfig } from '../packages/server/src/config';
import { seedIfEmpty } from '../packages/server/src/seed';
import { createTestDb } from '../packages/server/src/test/db';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    incidents: { type: 'string' },
    days: { type: 'string' },
    stations: { type: 'string', default: '20' },
    backends: { type: 'string', default: 'pglite,postgres' },
  },
});
const INCIDENTS = Number(args.incidents ?? (args.smoke ? 3000 : 300_000));
const DAYS = Number(args.days ?? (args.smoke ? 30 : 365));
const STATIONS = Number(args.stations);
/** Indicators of the modules that came after the first set (issue 15's later list): must be computed. */
const REQUIRED = ['patrol.dosage', 'explosives.variance_free_days', 'oversight.school_compliance_rate'];
const log = (line: string) => process.stderr.write(`${line}\n`);

/** A fresh migrated database on the back end (the tests' createTestDb, which reads CITYWATCH_TEST_DB). */
async function openBackend(kind: 'pglite' | 'postgres') {
  process.env.CITYWATCH_TEST_DB = kind;
  return createTestDb();
}

async function run(kind: 'pglite' | 'postgres') {
  const { db, drop } = await openBackend(kind);
  const bus = createInProcessBus();
  try {
    const config = loadConfig({ CITYWATCH_DEMO: 'off', LOG_LEVEL: 'error' } as NodeJS.ProcessEnv);
    const { app, ctx } = await buildApp({ config, db, bus });
    try {
      await seedIfEmpty(ctx.identity, 'bench-admin-password', () => {});
      const orgs = await ctx.identity.listOrgsUnscoped();
      const branch = orgs.find((o) => o.kind === 'branch_bureau')!;
      const have = orgs.filter((o) => o.kind === 'police_station').length;
      for (let i = have; i < STATIONS; i++)
        await ctx.identity.createRootOrg(
          {
            kind: 'police_station',
            name: `压测派出所${i + 1}`,
            code: `440307-${String(i + 1).padStart(2, '0')}`,
            lon: 114.2,
            lat: 22.69,
          },
          branch.id,
        );
      const stationIds = (await ctx.identity.listOrgsUnscoped())
        .filter((o) => o.kind === 'police_station')
        .map((o) => o.id);
      // The last day of the history is yesterday (Shanghai); it is the snapshot's day.
      const lastDay = shanghaiDay(new Date(Date.now() - 86_400_000));
      const end = reportPeriod('daily', lastDay)!.to;
      const start = new Date(end.getTime() - DAYS * 86_400_000);
      const loadStarted = performance.now();
      const stationArray = `{${stationIds.join(',')}}`;
      for (let done = 0; done < INCIDENTS; done += 50_000) {
        const n = Math.min(50_000, INCIDENTS - done);
        await sql`
          insert into incidents (id, number, org_id, category, priority, status, police, narrative, lon, lat, h3,
                                 received_at, dispatched_at, arrived_at, updated_at, demo)
          select gen_random_uuid(), 'B' || (${done}::int + g), (${stationArray}::uuid[])[1 + floor(random() * ${stationIds.length})::int],
                 'criminal', (array['P1','P2','P3','P4'])[1 + floor(random() * 4)::int], 'closed', random() < 0.36,
                 'bench', 114.2, 22.69, '8941a3b2a2bffff', t, t + (30 + random() * 90) * interval '1 second',
                 t + (120 + random() * 420) * interval '1 second', t, false
          from (select g, ${start}::timestamptz + random() * ${DAYS * 86400} * interval '1 second' as t
                from generate_series(1, ${n}) g) s`.execute(db.kysely);
      }
      const loadMs = performance.now() - loadStarted;
      log(`${kind}: ${INCIDENTS} incidents over ${DAYS} days loaded in ${Math.round(loadMs)} ms`);
      const city = (await ctx.indicators.orgByCode(undefined))!;
      const snapStarted = performance.now();
      const snap = await ctx.indicators.snapshot(lastDay, city);
      const snapshotMs = performance.now() - snapStarted;
      const period = { from: start, to: end };
      const periodStarted = performance.now();
      const figures = await ctx.indicators.compute(city, period);
      const periodMs = performance.now() - periodStarted;
      const rankStarted = performance.now();
      const ranking = await ctx.indicators.ranking('dispatch.validity_rate', city, period);
      const rankingMs = performance.now() - rankStarted;
      const validity = figures.find((f) => f.id === 'dispatch.validity_rate')!;
      // Every registered indicator is computed (the later modules' too): none missing, none failed.
      const registered = ctx.indicatorRegistry.map((i) => i.id);
      const missing = [...REQUIRED, ...registered].filter((id) => !figures.some((f) => f.id === id));
      const failed = figures.filter((f) => f.error).map((f) => `${f.id}: ${f.error}`);
      // Each indicator alone over the period, to name the slow ones.
      const each: { id: string; ms: number }[] = [];
      for (const id of registered) {
        const t = performance.now();
        await ctx.indicators.compute(city, period, [id]);
        each.push({ id, ms: Math.round(performance.now() - t) });
      }
      each.sort((a, b) => b.ms - a.ms);
      log(
        `${kind}: snapshot ${snap.orgs} orgs × ${ctx.indicatorRegistry.length} indicators ${Math.round(snapshotMs)} ms; period ${Math.round(periodMs)} ms; ranking ${Math.round(rankingMs)} ms`,
      );
      return {
        incidents: INCIDENTS,
        load_ms: Math.round(loadMs),
        snapshot_ms: Math.round(snapshotMs),
        snapshot_orgs: snap.orgs,
        snapshot_values: snap.values,
        period_query_ms: Math.round(periodMs),
        ranking_ms: Math.round(rankingMs),
        stations_ranked: ranking.stations.length,
        validity_counted: validity.denominator,
        indicators: registered.length,
        snapshot_values_per_org: Math.round(snap.values / snap.orgs),
        missing,
        failed,
        slowest_period_ms: Object.fromEntries(each.slice(0, 5).map((e) => [e.id, e.ms])),
        new_indicators: Object.fromEntries(
          REQUIRED.map((id) => [id, figures.find((f) => f.id === id)?.denominator ?? null]),
        ),
      };
    } finally {
      await app.close();
    }
  } finally {
    await bus.close();
    await drop();
  }
}

const backends = args.backends.split(',') as ('pglite' | 'postgres')[];
const out: Record<string, unknown> = { incidents: INCIDENTS, days: DAYS, stations: STATIONS };
for (const kind of backends) out[kind] = await run(kind);
const pgResult = out.postgres as { snapshot_ms: number; period_query_ms: number } | undefined;
out.within_target = pgResult ? pgResult.snapshot_ms <= 60_000 && pgResult.period_query_ms <= 2000 : null;
process.stdout.write(`${JSON.stringify(out)}\n`);
const broken = backends.some((k) => {
  const r = out[k] as { missing: string[]; failed: string[] };
  return r.missing.length > 0 || r.failed.length > 0;
});
if (broken) log('some indicator was not computed or failed (see missing / failed)');
process.exit(broken ? 1 : 0);
