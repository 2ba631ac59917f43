/**
 * bench:indicators — every indicator over a city's generated history.
 *
 *   npx tsx bench/indicators.ts [--smoke] [--incidents 300000] [--days 365] [--stations 20]
 *       [--backends pglite,postgres] [--avl-step SECONDS]
 *
 * Per backend: a fresh database, the seeded org tree grown to `--stations` police stations, the
 * bundled city, and `--incidents` incidents spread at random over `--days` days before the last
 * day (generated in SQL: stations, priorities, a 36 % police share, dispatch 30–120 s and arrival
 * 2–9 min after the call), plus every other module's records in its own tables
 * (generateModuleRows: 1,000 units, a daily patrol plan per station with its units' AVL fixes —
 * ~30 M rows a year on PostgreSQL, into the monthly partitions — magazine counts, schools,
 * devices, mediation and rectification cases, hot-list hits, closure drills). Measured: a full
 * daily snapshot (every indicator for every org of the tree, stored) and an ad-hoc query (every
 * indicator for the city over the whole period, live), and the ranking of the stations by one
 * indicator over the period. Targets (issue 15, for one year of a 1,000-unit city): snapshot ≤ 60 s
 * and period query ≤ 2 s on PostgreSQL. Each indicator's denominator is reported (`counted`); one
 * computed over no rows and without a value (`empty`) makes the bench exit 1. `--smoke` runs 3,000
 * incidents over 30 days with sparse AVL. One JSON line on stdout.
 */
import { parseArgs } from 'node:util';
import { reportPeriod, shanghaiDay } from '@citywatch/core/indicators/period';
import { planBodySchema, scheduleVisits } from '@citywatch/core/patrol/plans';
import { type Kysely, sql } from 'kysely';
import { buildApp } from '../packages/server/src/app';
import { createInProcessBus } from '../packages/server/src/bus/index';
import { loadConfig } from '../packages/server/src/config';
import { ensureMonthlyPartitions } from '../packages/server/src/db/partitions';
import type { Database } from '../packages/server/src/db/schema';
import { ensureBundledCity } from '../packages/server/src/demo';
import { seedIfEmpty } from '../packages/server/src/seed';
import { createTestDb } from '../packages/server/src/test/db';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    incidents: { type: 'string' },
    days: { type: 'string' },
    stations: { type: 'string', default: '20' },
    backends: { type: 'string', default: 'pglite,postgres' },
    'avl-step': { type: 'string' },
    'check-live': { type: 'boolean' },
  },
});
const INCIDENTS = Number(args.incidents ?? (args.smoke ? 3000 : 300_000));
const DAYS = Number(args.days ?? (args.smoke ? 30 : 365));
const STATIONS = Number(args.stations);
/** Also compute the period live and compare (default in --smoke; the full year live takes minutes). */
const CHECK_LIVE = args['check-live'] ?? args.smoke;
/** Indicators of the modules that came after the first set (issue 15's later list): must be computed. */
const REQUIRED = ['patrol.dosage', 'explosives.variance_free_days', 'oversight.school_compliance_rate'];
const log = (line: string) => process.stderr.write(`${line}\n`);
/** Units per station (20 stations: a 1,000-unit city), and how many of them one patrol shift takes. */
const UNITS_PER_STATION = 50;
const UNITS_PER_PLAN = 4;
const GROUPS = Math.floor(UNITS_PER_STATION / UNITS_PER_PLAN);
const SHIFT_S = 8 * 3600;
/**
 * Seconds between a patrolling unit's AVL fixes: 28 s on PostgreSQL gives 20 stations × 4 units ×
 * 1,029 fixes × 365 shifts ≈ 30 M rows; PGlite (in-process WASM) and the smoke take fewer.
 */
function avlStep(kind: 'pglite' | 'postgres'): number {
  if (args['avl-step']) return Number(args['avl-step']);
  if (args.smoke) return 600;
  return kind === 'postgres' ? 28 : 560;
}
const DAY = 86_400_000;
/** Where station i's three must-patrol points lie (about 300 m apart). */
const stationAt = (i: number) => ({ lon: 114.1 + (i % 5) * 0.04, lat: 22.6 + Math.floor(i / 5) * 0.04 });
const TARGET_OFFSETS = [
  [0, 0],
  [0.003, 0],
  [0, 0.003],
] as const;

/**
 * The other modules' records for the bench city, in their own tables, generated in the database
 * (generate_series, in chunks): per station 50 units, a patrol plan per day (an 8-hour shift from
 * 08:00 Shanghai taking 4 of the units, groups in turn, 3 must-patrol points) with the AVL fixes of
 * its units through the shift (each unit parked 20 min at a point in turn, into the monthly
 * partitions of unit_positions), 2 explosives magazines counted daily (3 % of the counts a
 * variance, with its alarm), 10 schools assessed at the start. Returns the rows made per table.
 */
async function generateModuleRows(
  db: Kysely<Database>,
  kind: 'pglite' | 'postgres',
  stationIds: string[],
  adminId: string,
  start: Date,
): Promise<Record<string, number>> {
  const stationArray = `{${stationIds.join(',')}}`;
  await sql`
    insert into units (id, call_sign, kind, capabilities, home_org_id)
    select gen_random_uuid(), '压测' || s.i || '-' || k, 'patrol_car', '{}', s.id
    from unnest(${stationArray}::uuid[]) with ordinality s(id, i), generate_series(1, ${UNITS_PER_STATION}) k`.execute(
    db,
  );
  const units = await db
    .selectFrom('units')
    .select(['id', 'home_org_id'])
    .where('call_sign', 'like', '压测%')
    .orderBy('call_sign')
    .execute();
  // One plan body per station and unit group, the schedule derived as the plans service derives it.
  const templates: unknown[] = [];
  const shiftStart = start.getTime();
  stationIds.forEach((station, i) => {
    const own = units.filter((u) => u.home_org_id === station);
    const at = stationAt(i);
    for (let g = 0; g < GROUPS; g++) {
      const group = own.slice(g * UNITS_PER_PLAN, (g + 1) * UNITS_PER_PLAN);
      const d = 0.01;
      const body = planBodySchema.parse({
        name: `压测巡逻${i + 1}`,
        city: 'bench',
        orgId: station,
        shift: {
          start: new Date(shiftStart).toISOString(),
          end: new Date(shiftStart + SHIFT_S * 1000).toISOString(),
        },
        seed: 1 + g,
        zones: [
          {
            key: 'z1',
            name: '巡区',
            geometry: {
              type: 'Polygon',
              coordinates: [
                [
                  [at.lon - d, at.lat - d],
                  [at.lon + d, at.lat - d],
                  [at.lon + d, at.lat + d],
                  [at.lon - d, at.lat + d],
                  [at.lon - d, at.lat - d],
                ],
              ],
            },
          },
        ],
        targets: TARGET_OFFSETS.map(([dx, dy], k) => ({
          key: `p${k + 1}`,
          name: `必巡点${k + 1}`,
          kind: 'point',
          geometry: { type: 'Point', coordinates: [at.lon + dx, at.lat + dy] },
          zoneKey: 'z1',
        })),
        assignments: group.map((u) => ({ unitId: u.id, zoneKey: 'z1' })),
      });
      const schedule = scheduleVisits(body, body.seed!);
      if (schedule.problems.length > 0) throw new Error(`bench plan: ${JSON.stringify(schedule.problems)}`);
      templates.push({
        station,
        grp: g,
        body,
        schedule: schedule.visits,
        unit_ids: group.map((u) => u.id),
      });
    }
  });
  const iso = (t: string) =>
    sql`to_char((${sql.raw(t)}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  await sql`
    with t as (
      select * from jsonb_to_recordset(${JSON.stringify(templates)}::jsonb)
        as t(station uuid, grp int, body jsonb, schedule jsonb, unit_ids jsonb)
    ), p as materialized (
      select gen_random_uuid() as id, t.*, d,
        ${start}::timestamptz + d * interval '1 day' as s,
        ${start}::timestamptz + d * interval '1 day' + ${SHIFT_S} * interval '1 second' as e
      from t cross join generate_series(0, ${DAYS - 1}) d
      where d % ${GROUPS} = t.grp
    ), plans as (
      insert into patrol_plans (id, org_id, city, name, version, shift_start, shift_end, created_at, updated_at)
      select id, station, 'bench', body->>'name', 1, s, e, s, s from p
      returning id
    )
    insert into patrol_plan_versions (plan_id, version, body, schedule, unit_ids, created_at, created_by, note)
    select p.id, 1,
      jsonb_set(p.body, '{shift}', jsonb_build_object('start', ${iso('p.s')}, 'end', ${iso('p.e')})),
      (select jsonb_agg(jsonb_set(jsonb_set(v, '{start}',
                 to_jsonb(${iso("(v->>'start')::timestamptz + p.d * interval '1 day'")})),
               '{end}', to_jsonb(${iso("(v->>'end')::timestamptz + p.d * interval '1 day'")})))
       from jsonb_array_elements(p.schedule) v),
      array(select jsonb_array_elements_text(p.unit_ids)), p.s, null, null
    from p join plans on plans.id = p.id`.execute(db);
  // AVL: every unit of each day's plan through its shift, into the monthly partitions.
  const end = new Date(start.getTime() + DAYS * DAY);
  await ensureMonthlyPartitions(db, 'unit_positions', 'at', start, end);
  const step = avlStep(kind);
  const places = stationIds.map((id, i) => ({ id, ...stationAt(i) }));
  const CHUNK_DAYS = 10;
  for (let d0 = 0; d0 < DAYS; d0 += CHUNK_DAYS) {
    const from = new Date(start.getTime() + d0 * DAY);
    const to = new Date(start.getTime() + Math.min(DAYS, d0 + CHUNK_DAYS) * DAY);
    await sql`
      insert into unit_positions (unit_id, at, lon, lat, heading, speed)
      select u.unit_id::uuid, p.shift_start + f * ${step} * interval '1 second',
        st.lon + (array[0, 0.003, 0])[1 + t.k] + (random() - 0.5) * 0.0002,
        st.lat + (array[0, 0, 0.003])[1 + t.k] + (random() - 0.5) * 0.0002,
        null, 0
      from patrol_plans p
      join patrol_plan_versions v on v.plan_id = p.id and v.version = p.version
      join jsonb_to_recordset(${JSON.stringify(places)}::jsonb) as st(id uuid, lon float8, lat float8) on st.id = p.org_id
      cross join unnest(v.unit_ids) with ordinality u(unit_id, n)
      cross join generate_series(0, ${Math.floor((SHIFT_S - 1) / step)}) f
      cross join lateral (select ((f * ${step} / 1200 + n) % 3)::int as k) t
      where p.city = 'bench' and p.shift_start >= ${from} and p.shift_start < ${to}`.execute(db);
  }
  // Explosives: two magazines per station, a daily count of each, 3 % of them a variance.
  await sql`insert into explosives_products (code, name, kind) values ('BENCH-DET', '压测雷管', 'itemised')`.execute(
    db,
  );
  await sql`
    insert into explosives_magazines (enterprise_id, name, org_id, address)
    select 'bench-ent-' || s.i, 'M' || m, s.id, ''
    from unnest(${stationArray}::uuid[]) with ordinality s(id, i), generate_series(1, 2) m`.execute(db);
  await sql`
    insert into explosives_counts (enterprise_id, book_date, account, product, counted, book, org_id, entered_by, entered_at)
    select m.enterprise_id, ((${start}::timestamptz + d * interval '1 day') at time zone 'Asia/Shanghai')::date,
      'magazine:' || m.name, 'BENCH-DET', case when random() < 0.03 then 99 else 100 end, 100, m.org_id, null,
      ${start}::timestamptz + (d + 1) * interval '1 day' - interval '1 hour'
    from explosives_magazines m cross join generate_series(0, ${DAYS - 1}) d
    where m.enterprise_id like 'bench-ent-%'`.execute(db);
  await sql`
    insert into explosives_alarms (id, enterprise_id, org_id, kind, subject, detail, raised_at, report_due_at)
    select gen_random_uuid(), c.enterprise_id, c.org_id, 'variance', c.account || '/' || c.product,
      jsonb_build_object('date', to_char(c.book_date, 'YYYY-MM-DD'), 'account', c.account, 'product', c.product,
                         'book', c.book, 'counted', c.counted, 'variance', c.counted - c.book),
      c.entered_at, c.entered_at + interval '24 hours'
    from explosives_counts c where c.enterprise_id like 'bench-ent-%' and c.counted <> c.book`.execute(db);
  // Schools: ten per station, assessed at the start of the history (some short of guards).
  await sql`
    with u as (
      insert into oversight_units (id, org_id, industry, name, created_at, updated_at)
      select gen_random_uuid(), s.id, 'school', '压测学校' || s.i || '-' || k, ${start}, ${start}
      from unnest(${stationArray}::uuid[]) with ordinality s(id, i), generate_series(1, 10) k
      returning id
    )
    insert into oversight_compliance (unit_id, population, guards, closed_campus, alarm_linked, alarm_tested_on,
                                      video_coverage_pct, assessed_by, assessed_at)
    select id, 1200, case when random() < 0.2 then 2 else 3 end, true, true,
      to_char(${start}::timestamptz at time zone 'Asia/Shanghai', 'YYYY-MM-DD'), 100, ${adminId}, ${start}
    from u`.execute(db);
  // Devices: an AVL terminal for each unit, most seen within the last day of the history.
  const end1 = new Date(start.getTime() + DAYS * DAY);
  await sql`
    insert into devices (id, name, kind, unit_id, org_id, token_hash, created_by, created_at, last_seen_at)
    select gen_random_uuid(), u.call_sign, 'avl', u.id, u.home_org_id, md5(u.id::text || random()::text), ${adminId},
      ${start}, ${end1}::timestamptz - random() * case when random() < 0.9 then 1 else 10 end * interval '1 day'
    from units u where u.call_sign like '压测%'`.execute(db);
  // Mediation cases: one a day per station, ended within five days, 95 % agreed.
  await sql`
    insert into mediation_cases (id, number, org_id, source, category, summary, status, sla_days, opened_at, due_at,
                                 ended_at, updated_at)
    select gen_random_uuid(), 'BM' || s.i || '-' || d, s.id, 'walk_in', 'neighbour', 'bench',
      case when random() < 0.95 then 'agreed' else 'failed' end, 15, t, t + interval '15 days',
      least(t + random() * interval '5 days', ${end1}::timestamptz - interval '1 second'), t
    from unnest(${stationArray}::uuid[]) with ordinality s(id, i), generate_series(0, ${DAYS - 1}) d,
      lateral (select ${start}::timestamptz + (d + random()) * interval '1 day' as t) x`.execute(db);
  // Rectification cases: each bench school one a month, due a week later, most reported in time.
  await sql`
    insert into oversight_cases (id, number, unit_id, org_id, source, kind, severity, description, deadline, status,
                                 created_at, reported_at)
    select gen_random_uuid(), 'BO' || u.id || '-' || d, u.id, u.org_id, 'inspection', 'notice', 'minor', 'bench',
      to_char((t + interval '7 days') at time zone 'Asia/Shanghai', 'YYYY-MM-DD'), 'reported', t,
      t + random() * interval '8 days'
    from oversight_units u
    cross join generate_series(0, ${DAYS - 1}) d
    cross join lateral (select ${start}::timestamptz + d * interval '1 day' + interval '2 hours' as t) x
    where u.name like '压测学校%' and d % 30 = abs(hashtext(u.id::text)) % 30`.execute(db);
  // Perimeter: two posts per station, a plate read on the hot list at each a day (90 % acted on),
  // and a closure drill a week per station with both posts, 90 % arrived.
  await sql`
    insert into checkpoints (id, name, org_id, kind, lon, lat)
    select 'BENCH-' || s.i || '-' || k, '压测卡口' || s.i || '-' || k, s.id, 'post', 114.2, 22.69
    from unnest(${stationArray}::uuid[]) with ordinality s(id, i), generate_series(1, 2) k`.execute(db);
  await sql`
    insert into hotlist_entries (id, kind, value, category, legal_basis, org_id, created_by, status, expires_at, created_at)
    values (gen_random_uuid(), 'plate', '粤B00000', 'stolen_vehicle', '压测依据', ${stationIds[0]}, ${adminId},
      'pending', ${start}::timestamptz + interval '30 days', ${start})`.execute(db);
  await sql`
    insert into hotlist_hits (id, entry_id, checkpoint_id, direction, read_at, plate_or_id, confidence, created_at,
                              action_taken)
    select gen_random_uuid(), e.id, c.id, 'in', t, '粤B00000', 0.95, t, case when random() < 0.9 then 'stopped' end
    from checkpoints c cross join (select id from hotlist_entries where legal_basis = '压测依据') e
    cross join generate_series(0, ${DAYS - 1}) d
    cross join lateral (select ${start}::timestamptz + (d + random()) * interval '1 day' as t) x
    where c.id like 'BENCH-%'`.execute(db);
  await sql`
    with p as materialized (
      select gen_random_uuid() as id, s.id as org_id, ${start}::timestamptz + (d + random()) * interval '1 day' as t
      from unnest(${stationArray}::uuid[]) s(id), generate_series(0, ${DAYS - 1}) d where d % 7 = 3
    ), plans as (
      insert into closure_plans (id, status, reason, activated_by, activated_at, expires_at, ended_at, org_id)
      select id, 'ended', '压测封控演练', ${adminId}, t, t + interval '2 hours', t + interval '1 hour', org_id from p
      returning id
    )
    insert into closure_assignments (plan_id, checkpoint_id, unit_id, eta_seconds, status, arrived_at)
    select p.id, c.id, u.id, 300, case when a then 'arrived' else 'assigned' end,
      case when a then p.t + interval '5 minutes' end
    from p join plans on plans.id = p.id
    join checkpoints c on c.org_id = p.org_id and c.id like 'BENCH-%'
    cross join lateral (select id from units where home_org_id = p.org_id order by call_sign limit 1) u
    cross join lateral (select random() < 0.9 as a) r`.execute(db);
  const count = async (table: string, where = sql`true`) =>
    Number(
      (await sql<{ n: string }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(db))
        .rows[0].n,
    );
  return {
    units: await count('units', sql`call_sign like '压测%'`),
    patrol_plans: await count('patrol_plans', sql`city = 'bench'`),
    avl_rows: await count('unit_positions'),
    avl_step_s: step,
    explosives_counts: await count('explosives_counts'),
    explosives_variance_alarms: await count('explosives_alarms'),
    schools_assessed: await count('oversight_compliance'),
    devices: await count('devices'),
    mediation_cases: await count('mediation_cases'),
    rectification_cases: await count('oversight_cases'),
    hotlist_hits: await count('hotlist_hits'),
    closure_assignments: await count('closure_assignments'),
  };
}

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
      // The bundled city (roads, gazetteer, station areas): the places and coverage indicators read it.
      await ensureBundledCity(ctx, () => {});
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
      const admin = await db.kysely
        .selectFrom('users')
        .select('id')
        .where('username', '=', 'admin')
        .executeTakeFirstOrThrow();
      const generated = await generateModuleRows(db.kysely, kind, stationIds, admin.id, start);
      // Planner statistics for the bulk-loaded tables, as after any bulk load: without them the
      // measured plans depend on whether autovacuum happened to analyze the tables in time.
      await sql`analyze`.execute(db.kysely);
      const loadMs = performance.now() - loadStarted;
      log(
        `${kind}: ${INCIDENTS} incidents over ${DAYS} days and ${JSON.stringify(generated)} loaded in ${Math.round(loadMs)} ms`,
      );
      const city = (await ctx.indicators.orgByCode(undefined))!;
      // The days before the snapshot's have their snapshots, as the daily job would have made
      // them: stored by the set-based backfill (as `citywatch indicators backfill`).
      const backfillStarted = performance.now();
      const backfill =
        DAYS > 1
          ? await ctx.indicators.backfill(
              shanghaiDay(start),
              shanghaiDay(new Date(end.getTime() - 2 * DAY)),
              city,
            )
          : { values: 0, days: 0 };
      const backfillMs = performance.now() - backfillStarted;
      log(
        `${kind}: backfill of ${backfill.days} days, ${backfill.values} values in ${Math.round(backfillMs)} ms`,
      );
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
      // The period from stored days must be the live computation's, figure for figure.
      let liveMs: number | null = null;
      const differ: string[] = [];
      if (CHECK_LIVE) {
        const liveStarted = performance.now();
        const liveCtx = ctx.indicators.context({ orgId: city.id, orgPath: city.path }, period);
        for (const i of ctx.indicatorRegistry) {
          const v = await i.compute(liveCtx);
          const f = figures.find((x) => x.id === i.id)!;
          if (v.value !== f.value || v.numerator !== f.numerator || v.denominator !== f.denominator)
            differ.push(
              `${i.id}: live ${JSON.stringify(v)} stored ${JSON.stringify([f.value, f.numerator, f.denominator])}`,
            );
        }
        liveMs = performance.now() - liveStarted;
      }
      // Every registered indicator is computed (the later modules' too): none missing, none failed.
      const registered = ctx.indicatorRegistry.map((i) => i.id);
      const missing = [...REQUIRED, ...registered].filter((id) => !figures.some((f) => f.id === id));
      const failed = figures.filter((f) => f.error).map((f) => `${f.id}: ${f.error}`);
      // What each indicator was computed over: its denominator (rows, calls, visits, days), else
      // whether it has a value. One over no rows and without a value makes the bench fail.
      const counted = Object.fromEntries(
        figures.map((f) => [f.id, f.denominator ?? (f.value === null ? null : 'value')]),
      );
      const empty = figures
        .filter((f) => !(f.denominator && f.denominator > 0) && f.value === null)
        .map((f) => f.id);
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
        backfill_ms: Math.round(backfillMs),
        backfill_days: backfill.days,
        backfill_values: backfill.values,
        snapshot_ms: Math.round(snapshotMs),
        snapshot_orgs: snap.orgs,
        snapshot_values: snap.values,
        period_query_ms: Math.round(periodMs),
        period_live_ms: liveMs === null ? null : Math.round(liveMs),
        period_differs_from_live: CHECK_LIVE ? differ : null,
        ranking_ms: Math.round(rankingMs),
        stations_ranked: ranking.stations.length,
        validity_counted: validity.denominator,
        indicators: registered.length,
        snapshot_values_per_org: Math.round(snap.values / snap.orgs),
        generated,
        missing,
        failed,
        empty,
        counted,
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
  const r = out[k] as {
    missing: string[];
    failed: string[];
    empty: string[];
    period_differs_from_live: string[] | null;
  };
  return (
    r.missing.length > 0 ||
    r.failed.length > 0 ||
    r.empty.length > 0 ||
    (r.period_differs_from_live ?? []).length > 0
  );
});
if (broken)
  log(
    'some indicator was not computed, failed, saw no rows or differed from live (see missing / failed / empty / period_differs_from_live)',
  );
process.exit(broken ? 1 : 0);
