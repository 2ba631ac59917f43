/**
 * Dispatch's indicators (评价指标): 110 validity rate, call-to-dispatch and call-to-arrival times
 * (median and 90th percentile) by priority, and the share of P1 calls with a unit on scene within
 * 1, 3 and 5 minutes ("1-3-5"). Over the non-demo incidents of an org's subtree received in the
 * period; the drill-down lists those incidents (no caller number, no narrative).
 */
import type { Priority } from '@citywatch/core/dispatch/incident';
import { sql } from 'kysely';
import {
  figure,
  type HistogramFamily,
  type HistogramRow,
  type IndicatorContext,
  type IndicatorDeclaration,
  type IndicatorRows,
  iso,
  pagedRows,
  type RowColumn,
  secondsBetween,
  shareOf,
} from '../indicators/indicator.js';
import { orgsUnder, subtreePattern } from '../scope.js';

const PRIORITIES: Priority[] = ['P1', 'P2', 'P3', 'P4'];

function incidentsQuery(ctx: IndicatorContext) {
  return ctx.db
    .selectFrom('incidents')
    .innerJoin('orgs', 'orgs.id', 'incidents.org_id')
    .where('incidents.org_id', 'in', orgsUnder(ctx.db, ctx.scope))
    .where('incidents.demo', '=', false)
    .where('incidents.received_at', '>=', ctx.from)
    .where('incidents.received_at', '<', ctx.to);
}

interface PriorityStats {
  priority: Priority;
  calls: number;
  police: number;
  n_dispatch: number;
  d50: number | null;
  d90: number | null;
  n_arrival: number;
  a50: number | null;
  a90: number | null;
  within1: number;
  within3: number;
  within5: number;
}

/**
 * The figures of every priority in one aggregate query (the rows stay in the database): counts,
 * nearest-rank medians and 90th percentiles (percentile_disc, as core's quantile) of the whole
 * seconds (rounded down) from call to dispatch and to arrival, and arrivals within 1, 3 and 5
 * minutes (exact seconds). Whole seconds since rule version 2: a period's quantile is then the
 * quantile of its days' whole-second histograms, exactly (secondsHistogram).
 */
function statsOf(ctx: IndicatorContext): Promise<Map<string, PriorityStats>> {
  return ctx.memo('dispatch.stats', async () => {
    const { rows } = await sql<PriorityStats>`
      select priority,
        count(*)::int as calls,
        (count(*) filter (where police))::int as police,
        (count(*) filter (where d >= 0))::int as n_dispatch,
        percentile_disc(0.5) within group (order by floor(d)) filter (where d >= 0) as d50,
        percentile_disc(0.9) within group (order by floor(d)) filter (where d >= 0) as d90,
        (count(*) filter (where a >= 0))::int as n_arrival,
        percentile_disc(0.5) within group (order by floor(a)) filter (where a >= 0) as a50,
        percentile_disc(0.9) within group (order by floor(a)) filter (where a >= 0) as a90,
        (count(*) filter (where a >= 0 and a <= 60))::int as within1,
        (count(*) filter (where a >= 0 and a <= 180))::int as within3,
        (count(*) filter (where a >= 0 and a <= 300))::int as within5
      from (
        select priority, police,
          extract(epoch from dispatched_at - received_at)::float8 as d,
          extract(epoch from arrived_at - received_at)::float8 as a
        from incidents
        where org_id in (select id from orgs where path like ${subtreePattern(ctx.scope)})
          and demo = false and received_at >= ${ctx.from} and received_at < ${ctx.to}
      ) i
      group by priority`.execute(ctx.db);
    return new Map(rows.map((r) => [r.priority, r]));
  });
}

/** Rule version of the response-time quantiles (2: whole seconds, rounded down). */
const TIME_RULE = 2;

/**
 * The whole seconds from call to dispatch and to arrival counted by Shanghai day, owning org,
 * series (`P1:call_to_dispatch`) and second: the stored per-day histograms of the time quantiles.
 */
const secondsHistogram: HistogramFamily = {
  id: 'dispatch.seconds',
  load: (ctx) =>
    ctx.memo('dispatch.seconds', async () => {
      const { rows } = await sql<HistogramRow>`
        select day, org_id as "orgId", priority || ':' || leg as series, bucket::int as bucket, count(*)::int as n
        from (
          select to_char(received_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as day, org_id, priority,
            extract(epoch from dispatched_at - received_at)::float8 as d,
            extract(epoch from arrived_at - received_at)::float8 as a
          from incidents
          where org_id in (select id from orgs where path like ${subtreePattern(ctx.scope)})
            and demo = false and received_at >= ${ctx.from} and received_at < ${ctx.to}
        ) i
        cross join lateral (values ('call_to_dispatch', floor(d)), ('call_to_arrival', floor(a))) l(leg, bucket)
        where bucket >= 0
        group by day, org_id, priority, leg, bucket`.execute(ctx.db);
      return rows;
    }),
};

/** Calls, police matters and P1 arrivals (within 1, 3, 5 min) by Shanghai day and owning org. */
interface DayCounts {
  day: string;
  orgId: string;
  calls: number;
  police: number;
  p1Arrived: number;
  within1: number;
  within3: number;
  within5: number;
}

function dayCounts(ctx: IndicatorContext): Promise<DayCounts[]> {
  return ctx.memo('dispatch.days', async () => {
    const { rows } = await sql<DayCounts>`
      select day, org_id as "orgId", count(*)::int as calls,
        (count(*) filter (where police))::int as police,
        (count(*) filter (where p1 and a >= 0))::int as "p1Arrived",
        (count(*) filter (where p1 and a >= 0 and a <= 60))::int as within1,
        (count(*) filter (where p1 and a >= 0 and a <= 180))::int as within3,
        (count(*) filter (where p1 and a >= 0 and a <= 300))::int as within5
      from (
        select to_char(received_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as day, org_id, police,
          priority = 'P1' as p1, extract(epoch from arrived_at - received_at)::float8 as a
        from incidents
        where org_id in (select id from orgs where path like ${subtreePattern(ctx.scope)})
          and demo = false and received_at >= ${ctx.from} and received_at < ${ctx.to}
      ) i
      group by day, org_id`.execute(ctx.db);
    return rows;
  });
}

const COLUMNS: RowColumn[] = [
  { key: 'number', zh: '警情编号', en: 'Number' },
  { key: 'station', zh: '所属单位', en: 'Station' },
  { key: 'category', zh: '类别', en: 'Category' },
  { key: 'priority', zh: '等级', en: 'Priority' },
  { key: 'police', zh: '有效警情', en: 'Police matter' },
  { key: 'receivedAt', zh: '接警时间', en: 'Received' },
  { key: 'callToDispatchS', zh: '接警至派警(秒)', en: 'Call to dispatch (s)' },
  { key: 'callToArrivalS', zh: '接警至到场(秒)', en: 'Call to arrival (s)' },
];

async function incidentRows(
  ctx: IndicatorContext,
  limit: number,
  filter: { priority?: Priority; arrived?: boolean },
): Promise<IndicatorRows> {
  let q = incidentsQuery(ctx);
  if (filter.priority) q = q.where('incidents.priority', '=', filter.priority);
  if (filter.arrived) q = q.where('incidents.arrived_at', 'is not', null);
  const { rows, total } = await pagedRows(q, (q) =>
    q
      .select([
        'incidents.number',
        'orgs.name as station',
        'incidents.category',
        'incidents.priority',
        'incidents.police',
        'incidents.received_at',
        'incidents.dispatched_at',
        'incidents.arrived_at',
      ])
      .orderBy('incidents.received_at', 'desc')
      .limit(limit)
      .execute(),
  );
  return {
    columns: COLUMNS,
    total,
    rows: rows.map((r) => ({
      number: r.number,
      station: r.station,
      category: r.category,
      priority: r.priority,
      police: r.police,
      receivedAt: iso(r.received_at),
      callToDispatchS: secondsBetween(r.received_at, r.dispatched_at),
      callToArrivalS: secondsBetween(r.received_at, r.arrived_at),
    })),
  };
}

/** Targets of the 1-3-5 rule for urgent calls: dispatched within a minute, on scene within three. */
const DISPATCH_TARGET: Partial<Record<Priority, number>> = { P1: 60, P2: 120 };
const ARRIVAL_TARGET: Partial<Record<Priority, number>> = { P1: 180, P2: 300 };

function timeIndicators(
  leg: 'call_to_dispatch' | 'call_to_arrival',
  stat: 'median' | 'p90',
  priority: Priority,
): IndicatorDeclaration {
  const legName =
    leg === 'call_to_dispatch'
      ? { zh: '接警至派警', en: 'call to dispatch' }
      : { zh: '接警至到场', en: 'call to arrival' };
  const statName =
    stat === 'median' ? { zh: '中位数', en: 'median' } : { zh: '90分位', en: '90th percentile' };
  const target =
    stat === 'median' ? (leg === 'call_to_dispatch' ? DISPATCH_TARGET : ARRIVAL_TARGET)[priority] : undefined;
  return {
    id: `dispatch.${leg}.${stat}.${priority}`,
    name: {
      zh: `${priority}警情${legName.zh}时长${statName.zh}`,
      en: `${priority} ${legName.en} time, ${statName.en}`,
    },
    unit: 'seconds',
    target: target ?? null,
    higherIsBetter: false,
    ruleVersion: TIME_RULE,
    combine: {
      kind: 'quantile',
      histogram: secondsHistogram,
      series: `${priority}:${leg}`,
      q: stat === 'median' ? 0.5 : 0.9,
    },
    async compute(ctx) {
      const p = (await statsOf(ctx)).get(priority);
      const dispatch = leg === 'call_to_dispatch';
      const value = p
        ? dispatch
          ? stat === 'median'
            ? p.d50
            : p.d90
          : stat === 'median'
            ? p.a50
            : p.a90
        : null;
      return { ...figure(value), denominator: p ? (dispatch ? p.n_dispatch : p.n_arrival) : 0 };
    },
    rows: (ctx, limit) => incidentRows(ctx, limit, { priority, arrived: leg === 'call_to_arrival' }),
  };
}

function bandIndicator(minutes: 1 | 3 | 5): IndicatorDeclaration {
  return {
    id: `dispatch.p1_arrived_within_${minutes}min`,
    name: { zh: `P1警情${minutes}分钟到场率`, en: `P1 calls on scene within ${minutes} min` },
    unit: 'share',
    target: minutes === 1 ? null : minutes === 3 ? 0.9 : 0.98,
    higherIsBetter: true,
    ruleVersion: 1,
    combine: { kind: 'share' },
    byDay: async (ctx) =>
      (await dayCounts(ctx)).map((r) => ({
        day: r.day,
        orgId: r.orgId,
        numerator: { 1: r.within1, 3: r.within3, 5: r.within5 }[minutes],
        denominator: r.p1Arrived,
      })),
    async compute(ctx) {
      const p1 = (await statsOf(ctx)).get('P1');
      const within = p1 ? { 1: p1.within1, 3: p1.within3, 5: p1.within5 }[minutes] : 0;
      return shareOf(within, p1?.n_arrival ?? 0);
    },
    rows: (ctx, limit) => incidentRows(ctx, limit, { priority: 'P1', arrived: true }),
  };
}

export function dispatchIndicators(): IndicatorDeclaration[] {
  return [
    {
      id: 'dispatch.validity_rate',
      name: { zh: '110有效警情率', en: '110 validity rate' },
      unit: 'share',
      target: 0.364,
      higherIsBetter: true,
      ruleVersion: 1,
      combine: { kind: 'share' },
      byDay: async (ctx) =>
        (await dayCounts(ctx)).map((r) => ({
          day: r.day,
          orgId: r.orgId,
          numerator: r.police,
          denominator: r.calls,
        })),
      async compute(ctx) {
        const all = [...(await statsOf(ctx)).values()];
        return shareOf(
          all.reduce((n, p) => n + p.police, 0),
          all.reduce((n, p) => n + p.calls, 0),
        );
      },
      rows: (ctx, limit) => incidentRows(ctx, limit, {}),
    },
    ...PRIORITIES.flatMap((p) => [
      timeIndicators('call_to_dispatch', 'median', p),
      timeIndicators('call_to_dispatch', 'p90', p),
      timeIndicators('call_to_arrival', 'median', p),
      timeIndicators('call_to_arrival', 'p90', p),
    ]),
    bandIndicator(1),
    bandIndicator(3),
    bandIndicator(5),
  ];
}
