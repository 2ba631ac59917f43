/**
 * 巡逻成效评估: incidents in the planned hot spots against the rest, week by week before and after
 * the start, and dose against outcome (core/patrol/evaluation.ts), as JSON and as an .xlsx book.
 *
 * The planned places are either a patrol plan's targets (the H3 cells of their anchors; the start
 * is the plan's shift start unless given; dose = minutes received at each target in the plan's
 * shift, measured from AVL by the plan's compliance), or, without a plan, the hot spots selected
 * for the start: the cells the prior-counts model flags at the coverage share, trained on the 8
 * weeks before the start (what a plan built from the hot-spot map would have covered), with no
 * measured dose (`dosageMeasured` false).
 */
import { EVALUATION_RESOLUTION, evaluateOutcome, type Outcome } from '@citywatch/core/patrol/evaluation';
import ExcelJS from 'exceljs';
import { latLngToCell } from 'h3-js';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import type { Actor } from '../../identity/service.js';
import type { PlansService } from './plans-service.js';
import type { PatrolService } from './service.js';
import * as store from './store.js';

const WEEK_MS = 7 * 86_400_000;

export const EVALUATION_MESSAGES = {
  startInFuture: { zh: '起始时间不能晚于现在', en: 'The start cannot be later than now' },
};

export interface OutcomeQuery {
  city: string | undefined;
  /** Default: the plan's shift start (required without a plan). */
  start?: Date;
  planId?: string;
  weeksBefore: number;
  weeksAfter: number;
  coverage: number;
}

export class EvaluationService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly patrol: Pick<PatrolService, 'city' | 'hotspots'>,
    private readonly now: () => Date,
    private readonly plans?: Pick<PlansService, 'get' | 'compliance'>,
  ) {}

  async outcome(q: OutcomeQuery, actor: Actor): Promise<Outcome> {
    const now = this.now();
    const plan = q.planId && this.plans ? await this.plans.get(q.planId, undefined, actor) : null;
    const start = q.start ?? (plan ? new Date(plan.body.shift.start) : null);
    if (!start || start.getTime() > now.getTime()) {
      throw new ProblemError('validation', EVALUATION_MESSAGES.startInFuture, [
        {
          field: 'start',
          rule: start ? 'not_in_future' : 'required',
          message: EVALUATION_MESSAGES.startInFuture.zh,
        },
      ]);
    }
    const city = await this.patrol.city(plan?.city ?? q.city);
    const planned = new Map<string, { name: string | null; doseMinutes: number | null }>();
    if (plan && this.plans) {
      const dose = await this.plans.compliance(plan.id, undefined, actor);
      for (const t of dose.targets) {
        const cell = latLngToCell(t.lat, t.lon, EVALUATION_RESOLUTION);
        const seen = planned.get(cell);
        planned.set(cell, {
          name: seen?.name ?? t.name,
          doseMinutes: (seen?.doseMinutes ?? 0) + t.receivedMin,
        });
      }
    } else {
      const hot = await this.patrol.hotspots(
        city,
        {
          model: 'prior_counts',
          unit: `h3:${EVALUATION_RESOLUTION}`,
          from: start,
          to: new Date(start.getTime() + WEEK_MS),
          trainDays: 56,
          coverage: q.coverage,
          limit: 1000,
          categories: [],
        },
        actor,
      );
      for (const f of hot.features)
        if (f.properties.flagged) planned.set(f.id, { name: f.properties.label, doseMinutes: null });
    }
    const incidents = await store.historyColumns(this.db, city.name, actor, {
      from: new Date(start.getTime() - q.weeksBefore * WEEK_MS),
      to: new Date(start.getTime() + q.weeksAfter * WEEK_MS),
    });
    const result = evaluateOutcome({
      incidents,
      planned,
      start,
      now,
      weeksBefore: q.weeksBefore,
      weeksAfter: q.weeksAfter,
    });
    return {
      city: city.name,
      start: start.toISOString(),
      weeksBefore: q.weeksBefore,
      weeksAfter: q.weeksAfter,
      source: plan
        ? { kind: 'plan', planId: plan.id, planName: plan.name, coverage: null }
        : { kind: 'hotspots', planId: null, planName: null, coverage: q.coverage },
      cells: planned.size,
      ...result,
      dosageMeasured: plan !== null,
    };
  }
}

/** The evaluation as a workbook: summary, weeks, and dose against outcome per place. */
export async function outcomeXlsx(o: Outcome): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = 'citywatch';
  const summary = book.addWorksheet('汇总 Summary');
  summary.columns = [
    { header: '项目 Item', key: 'k', width: 44 },
    { header: '值 Value', key: 'v', width: 28 },
  ];
  const s = o.summary;
  summary.addRows([
    { k: '城市 City', v: o.city },
    { k: '起始 Start', v: o.start },
    {
      k: '计划热点来源 Planned places',
      v:
        o.source.kind === 'plan'
          ? `计划 ${o.source.planName ?? o.source.planId}`
          : `热点（历史计数，标记 ${(100 * (o.source.coverage ?? 0)).toFixed(0)}%）`,
    },
    { k: '计划热点网格数 Planned cells', v: o.cells },
    { k: '之前周数 Weeks before', v: o.weeksBefore },
    { k: '之后已满周数 Weeks after (complete)', v: s.weeksAfterComplete },
    { k: '热点内·之前 Inside before', v: s.insideBefore },
    { k: '热点内·之后 Inside after', v: s.insideAfter },
    { k: '其余·之前 Outside before', v: s.outsideBefore },
    { k: '其余·之后 Outside after', v: s.outsideAfter },
    { k: '相对变化 Relative change (inside ÷ outside)', v: s.relativeChange ?? '—' },
    { k: '剂量已测 Dosage measured', v: o.dosageMeasured ? '是 yes' : '否 no' },
  ]);
  const weeks = book.addWorksheet('每周 Weeks');
  weeks.columns = [
    { header: '周 Week', key: 'week', width: 8 },
    { header: '自 From', key: 'from', width: 26 },
    { header: '至 To', key: 'to', width: 26 },
    { header: '热点内 Inside', key: 'inside', width: 14 },
    { header: '其余 Outside', key: 'outside', width: 14 },
  ];
  weeks.addRows(o.weeks);
  const dosage = book.addWorksheet('剂量与成效 Dosage');
  dosage.columns = [
    { header: '网格 Cell', key: 'cell', width: 18 },
    { header: '位置 Place', key: 'name', width: 24 },
    { header: '巡逻分钟/周 Dose min/week', key: 'dose', width: 22 },
    { header: '之前 起/周 Before per week', key: 'before', width: 22 },
    { header: '之后 起/周 After per week', key: 'after', width: 22 },
  ];
  dosage.addRows(
    o.dosage.map((d) => ({
      cell: d.cell,
      name: d.name ?? '',
      dose: d.doseMinutesPerWeek ?? '—',
      before: d.beforePerWeek,
      after: d.afterPerWeek,
    })),
  );
  for (const sheet of [summary, weeks, dosage]) sheet.getRow(1).font = { bold: true };
  return Buffer.from(await book.xlsx.writeBuffer());
}
