/**
 * Patrol's indicator, declared here and attached to the patrol module in MODULES: patrol dosage
 * (巡逻到位率: planned visits received). For the plans of the org's subtree whose shift
 * starts in the period, each must-patrol target's planned visits and the dosed visits the plan's
 * compliance measured from AVL (the same PlansService.compliance the plan page shows): received
 * = planned − missed (dosed visits beyond the plan count once). The value is the share of planned
 * visits received; the drill-down lists plan × target.
 */
import { shanghaiDay } from '@citywatch/core/indicators/period';
import type { Deps } from '../module.js';
import { PlansService } from '../patrol/plans-service.js';
import { orgsUnder } from '../scope.js';
import { type DayPart, type IndicatorContext, type IndicatorDeclaration, iso, shareOf } from './indicator.js';

interface TargetDoseRow {
  planId: string;
  orgId: string;
  /** The Shanghai day the shift starts. */
  day: string;
  plan: string;
  shiftStart: string | null;
  target: string;
  planned: number;
  received: number;
}

function doses(ctx: IndicatorContext, plans: PlansService): Promise<TargetDoseRow[]> {
  return ctx.memo('patrol.doses', async () => {
    const list = await ctx.db
      .selectFrom('patrol_plans')
      .select(['id', 'org_id', 'name', 'shift_start'])
      .where('org_id', 'in', orgsUnder(ctx.db, ctx.scope))
      .where('shift_start', '>=', ctx.from)
      .where('shift_start', '<', ctx.to)
      .orderBy('shift_start')
      .orderBy('id')
      .execute();
    const out: TargetDoseRow[] = [];
    // One plan at a time: each reads its units' AVL fixes for the shift.
    for (const p of list) {
      const c = await plans.compliance(p.id, undefined, ctx.scope);
      for (const t of c.targets) {
        if (t.plannedVisits === 0) continue;
        out.push({
          planId: p.id,
          orgId: p.org_id,
          day: shanghaiDay(new Date(p.shift_start)),
          plan: p.name,
          shiftStart: iso(p.shift_start),
          target: t.name,
          planned: t.plannedVisits,
          received: t.plannedVisits - t.missed,
        });
      }
    }
    return out;
  });
}

export function patrolIndicators(deps: Deps<'places'>): IndicatorDeclaration[] {
  const plans = new PlansService(deps.db.kysely, deps.places, deps.now);
  return [
    {
      id: 'patrol.dosage',
      name: { zh: '巡逻计划到位率', en: 'Patrol dosage (planned visits received)' },
      unit: 'share',
      target: 0.9,
      higherIsBetter: true,
      ruleVersion: 1,
      combine: { kind: 'share' },
      async byDay(ctx) {
        const parts = new Map<string, DayPart>();
        for (const r of await doses(ctx, plans)) {
          const key = `${r.day}/${r.orgId}`;
          const p = parts.get(key) ?? { day: r.day, orgId: r.orgId, numerator: 0, denominator: 0 };
          p.numerator += r.received;
          p.denominator += r.planned;
          parts.set(key, p);
        }
        return [...parts.values()];
      },
      async compute(ctx) {
        const rows = await doses(ctx, plans);
        return shareOf(
          rows.reduce((s, r) => s + r.received, 0),
          rows.reduce((s, r) => s + r.planned, 0),
        );
      },
      async rows(ctx, limit) {
        const rows = await doses(ctx, plans);
        return {
          columns: [
            { key: 'plan', zh: '巡逻计划', en: 'Plan' },
            { key: 'shiftStart', zh: '班次开始', en: 'Shift start' },
            { key: 'target', zh: '必巡点', en: 'Target' },
            { key: 'planned', zh: '计划次数', en: 'Planned visits' },
            { key: 'received', zh: '到位次数', en: 'Received' },
            { key: 'missed', zh: '缺巡次数', en: 'Missed' },
          ],
          total: rows.length,
          rows: rows.slice(0, limit).map((r) => ({
            id: `${r.planId}/${r.target}`,
            plan: r.plan,
            shiftStart: r.shiftStart,
            target: r.target,
            planned: r.planned,
            received: r.received,
            missed: r.planned - r.received,
          })),
        };
      },
    },
  ];
}
