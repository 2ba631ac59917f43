/**
 * Oversight's indicator: on-time rectification (按期整改率), the share of the rectification cases of
 * an org's subtree whose deadline fell in the period that the unit reported fixed by the end of the
 * deadline day (Asia/Shanghai). The drill-down lists those cases.
 */
import { DAY_MS, dayStart, shanghaiDay } from '@citywatch/core/indicators/period';
import {
  type IndicatorContext,
  type IndicatorDeclaration,
  iso,
  pagedRows,
  shareOf,
} from '../indicators/indicator.js';
import { orgsUnder } from '../scope.js';

function dueQuery(ctx: IndicatorContext) {
  return ctx.db
    .selectFrom('oversight_cases')
    .innerJoin('oversight_units', 'oversight_units.id', 'oversight_cases.unit_id')
    .where('oversight_cases.org_id', 'in', orgsUnder(ctx.db, ctx.scope))
    .where('oversight_cases.deadline', '>=', shanghaiDay(ctx.from))
    .where('oversight_cases.deadline', '<=', shanghaiDay(new Date(ctx.to.getTime() - 1)));
}

const onTime = (deadline: string, reportedAt: Date | string | null) =>
  reportedAt !== null && new Date(reportedAt).getTime() < dayStart(deadline)!.getTime() + DAY_MS;

export function oversightIndicators(): IndicatorDeclaration[] {
  return [
    {
      id: 'oversight.on_time_rectification_rate',
      name: { zh: '隐患按期整改率', en: 'Rectified on time' },
      unit: 'share',
      target: 0.95,
      higherIsBetter: true,
      ruleVersion: 1,
      async compute(ctx) {
        const rows = await dueQuery(ctx)
          .select(['oversight_cases.deadline', 'oversight_cases.reported_at'])
          .execute();
        return shareOf(rows.filter((r) => onTime(r.deadline, r.reported_at)).length, rows.length);
      },
      async rows(ctx, limit) {
        const q = dueQuery(ctx);
        const { rows, total } = await pagedRows(q, (q) =>
          q
            .select([
              'oversight_cases.id',
              'oversight_cases.number',
              'oversight_units.name as unit',
              'oversight_cases.kind',
              'oversight_cases.deadline',
              'oversight_cases.reported_at',
              'oversight_cases.status',
            ])
            .orderBy('oversight_cases.deadline', 'desc')
            .limit(limit)
            .execute(),
        );
        return {
          columns: [
            { key: 'number', zh: '文书编号', en: 'Number' },
            { key: 'unit', zh: '单位', en: 'Unit' },
            { key: 'kind', zh: '类型', en: 'Kind' },
            { key: 'deadline', zh: '整改期限', en: 'Deadline' },
            { key: 'reportedAt', zh: '报告整改', en: 'Reported fixed' },
            { key: 'onTime', zh: '按期', en: 'On time' },
          ],
          total,
          rows: rows.map((r) => ({
            id: r.id,
            number: r.number,
            unit: r.unit,
            kind: r.kind,
            deadline: r.deadline,
            reportedAt: iso(r.reported_at),
            onTime: onTime(r.deadline, r.reported_at),
          })),
        };
      },
    },
  ];
}
