/**
 * Perimeter's indicators (圈层查控): ring closure rate (share of the checkpoints of the closure
 * plans activated in the period that a unit reached), hotlist hits at the subtree's checkpoints and
 * the share of hits with the action taken recorded. The drill-down lists assignments or hits; a
 * hit's plate or ID number is personal data and is not listed (the hit's own page shows it,
 * audited).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import {
  figure,
  type IndicatorContext,
  type IndicatorDeclaration,
  type IndicatorRows,
  iso,
  pagedRows,
  shareOf,
} from '../indicators/indicator.js';
import { orgsUnder } from '../scope.js';

function assignmentsQuery(ctx: IndicatorContext) {
  return ctx.db
    .selectFrom('closure_assignments')
    .innerJoin('closure_plans', 'closure_plans.id', 'closure_assignments.plan_id')
    .innerJoin('checkpoints', 'checkpoints.id', 'closure_assignments.checkpoint_id')
    .leftJoin('rings', 'rings.id', 'closure_plans.ring_id')
    .where('closure_plans.org_id', 'in', orgsUnder(ctx.db, ctx.scope))
    .where('closure_plans.activated_at', '>=', ctx.from)
    .where('closure_plans.activated_at', '<', ctx.to);
}

function hitsQuery(ctx: IndicatorContext) {
  const db: Kysely<Database> = ctx.db;
  return db
    .selectFrom('hotlist_hits')
    .innerJoin('checkpoints', 'checkpoints.id', 'hotlist_hits.checkpoint_id')
    .innerJoin('hotlist_entries', 'hotlist_entries.id', 'hotlist_hits.entry_id')
    .where('checkpoints.org_id', 'in', orgsUnder(db, ctx.scope))
    .where('hotlist_hits.read_at', '>=', ctx.from)
    .where('hotlist_hits.read_at', '<', ctx.to);
}

function hitCounts(ctx: IndicatorContext) {
  return ctx.memo('perimeter.hits', async () => {
    const r = await hitsQuery(ctx)
      .select((eb) => [
        eb.fn.countAll<string>().as('hits'),
        eb.fn.count<string>('hotlist_hits.action_taken').as('acted'),
      ])
      .executeTakeFirstOrThrow();
    return { hits: Number(r.hits), acted: Number(r.acted) };
  });
}

async function hitRows(ctx: IndicatorContext, limit: number): Promise<IndicatorRows> {
  const [rows, counts] = await Promise.all([
    hitsQuery(ctx)
      .select([
        'hotlist_hits.id',
        'hotlist_hits.read_at',
        'checkpoints.name as checkpoint',
        'hotlist_hits.direction',
        'hotlist_entries.category',
        'hotlist_hits.acknowledged_at',
        'hotlist_hits.action_taken',
      ])
      .orderBy('hotlist_hits.read_at', 'desc')
      .limit(limit)
      .execute(),
    hitCounts(ctx),
  ]);
  return {
    columns: [
      { key: 'readAt', zh: '比中时间', en: 'Read at' },
      { key: 'checkpoint', zh: '卡口', en: 'Checkpoint' },
      { key: 'direction', zh: '方向', en: 'Direction' },
      { key: 'category', zh: '布控类别', en: 'Category' },
      { key: 'acknowledgedAt', zh: '签收时间', en: 'Acknowledged' },
      { key: 'actionTaken', zh: '处置措施', en: 'Action taken' },
    ],
    total: counts.hits,
    rows: rows.map((r) => ({
      id: r.id,
      readAt: iso(r.read_at),
      checkpoint: r.checkpoint,
      direction: r.direction,
      category: r.category,
      acknowledgedAt: iso(r.acknowledged_at),
      actionTaken: r.action_taken,
    })),
  };
}

export function perimeterIndicators(): IndicatorDeclaration[] {
  return [
    {
      id: 'perimeter.closure_rate',
      name: { zh: '圈层封控到位率', en: 'Ring closure rate' },
      unit: 'share',
      target: 1,
      higherIsBetter: true,
      ruleVersion: 1,
      async compute(ctx) {
        const r = await assignmentsQuery(ctx)
          .select((eb) => [
            eb.fn.countAll<string>().as('all'),
            eb.fn.count<string>('closure_assignments.arrived_at').as('arrived'),
          ])
          .executeTakeFirstOrThrow();
        return shareOf(Number(r.arrived), Number(r.all));
      },
      async rows(ctx, limit) {
        const q = assignmentsQuery(ctx);
        const { rows, total } = await pagedRows(q, (q) =>
          q
            .select([
              'closure_plans.id as planId',
              'rings.name as ring',
              'closure_plans.reason',
              'closure_plans.activated_at',
              'checkpoints.name as checkpoint',
              'closure_assignments.status',
              'closure_assignments.eta_seconds',
              'closure_assignments.arrived_at',
            ])
            .orderBy('closure_plans.activated_at', 'desc')
            .orderBy('checkpoints.name')
            .limit(limit)
            .execute(),
        );
        return {
          columns: [
            { key: 'ring', zh: '圈层', en: 'Ring' },
            { key: 'reason', zh: '启动事由', en: 'Reason' },
            { key: 'activatedAt', zh: '启动时间', en: 'Activated' },
            { key: 'checkpoint', zh: '卡口', en: 'Checkpoint' },
            { key: 'status', zh: '状态', en: 'Status' },
            { key: 'etaSeconds', zh: '预计到达(秒)', en: 'ETA (s)' },
            { key: 'arrivedAt', zh: '到位时间', en: 'Arrived' },
          ],
          total,
          rows: rows.map((r) => ({
            planId: r.planId,
            ring: r.ring,
            reason: r.reason,
            activatedAt: iso(r.activated_at),
            checkpoint: r.checkpoint,
            status: r.status,
            etaSeconds: r.eta_seconds === null ? null : Math.round(r.eta_seconds),
            arrivedAt: iso(r.arrived_at),
          })),
        };
      },
    },
    {
      id: 'perimeter.hotlist_hits',
      name: { zh: '卡口布控比中数', en: 'Checkpoint hotlist hits' },
      unit: 'count',
      target: null,
      higherIsBetter: true,
      ruleVersion: 1,
      compute: async (ctx) => figure((await hitCounts(ctx)).hits),
      rows: hitRows,
    },
    {
      id: 'perimeter.hit_action_rate',
      name: { zh: '比中处置率', en: 'Hits with action recorded' },
      unit: 'share',
      target: 1,
      higherIsBetter: true,
      ruleVersion: 1,
      async compute(ctx) {
        const c = await hitCounts(ctx);
        return shareOf(c.acted, c.hits);
      },
      rows: hitRows,
    },
  ];
}
