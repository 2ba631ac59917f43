/**
 * Community's indicator: the mediation resolution rate (调解成功率), the share of the mediation
 * cases of an org's subtree ended in the period that ended in an agreement. The drill-down lists
 * the cases (number, category, status, dates; no party's name or phone).
 */
import {
  type IndicatorContext,
  type IndicatorDeclaration,
  iso,
  pagedRows,
  shareOf,
} from '../indicators/indicator.js';
import { orgsUnder } from '../scope.js';

function endedQuery(ctx: IndicatorContext) {
  return ctx.db
    .selectFrom('mediation_cases')
    .where('org_id', 'in', orgsUnder(ctx.db, ctx.scope))
    .where('ended_at', '>=', ctx.from)
    .where('ended_at', '<', ctx.to);
}

export function communityIndicators(): IndicatorDeclaration[] {
  return [
    {
      id: 'community.mediation_resolution_rate',
      name: { zh: '矛盾纠纷调解成功率', en: 'Mediation resolution rate' },
      unit: 'share',
      target: 0.97,
      higherIsBetter: true,
      ruleVersion: 1,
      async compute(ctx) {
        const r = await endedQuery(ctx)
          .select((eb) => [
            eb.fn.countAll<string>().as('all'),
            eb.fn.count<string>('id').filterWhere('status', '=', 'agreed').as('agreed'),
          ])
          .executeTakeFirstOrThrow();
        return shareOf(Number(r.agreed), Number(r.all));
      },
      async rows(ctx, limit) {
        const q = endedQuery(ctx);
        const { rows, total } = await pagedRows(q, (q) =>
          q
            .select(['id', 'number', 'category', 'status', 'opened_at', 'ended_at'])
            .orderBy('ended_at', 'desc')
            .limit(limit)
            .execute(),
        );
        return {
          columns: [
            { key: 'number', zh: '案件编号', en: 'Number' },
            { key: 'category', zh: '纠纷类别', en: 'Category' },
            { key: 'status', zh: '结果', en: 'Outcome' },
            { key: 'openedAt', zh: '受理时间', en: 'Opened' },
            { key: 'endedAt', zh: '办结时间', en: 'Ended' },
          ],
          total,
          rows: rows.map((r) => ({
            id: r.id,
            number: r.number,
            category: r.category,
            status: r.status,
            openedAt: iso(r.opened_at),
            endedAt: iso(r.ended_at),
          })),
        };
      },
    },
  ];
}
