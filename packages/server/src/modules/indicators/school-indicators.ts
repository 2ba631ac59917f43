/**
 * Oversight's school indicator, declared here and attached to the oversight module in MODULES:
 * school internal-security compliance (校园内保达标率). Of the schools of the org's subtree assessed
 * before the period ended, the share whose last assessment meets every item (guards for the
 * population, closed campus, 110-linked alarm tested within its interval, full video coverage),
 * judged by core's evaluateCompliance as of the period's last day, as the oversight page judges
 * it. The drill-down lists the assessed schools with their failing items.
 */
import { shanghaiDay } from '@citywatch/core/indicators/period';
import { COMPLIANCE_TEXT, evaluateCompliance } from '@citywatch/core/oversight/compliance';
import { ASSESSMENT_COLUMNS, storedAssessment } from '../oversight/compliance.js';
import { orgsUnder } from '../scope.js';
import { type IndicatorContext, type IndicatorDeclaration, iso, shareOf } from './indicator.js';

interface SchoolResult {
  id: string;
  name: string;
  orgName: string;
  assessedAt: string | null;
  compliant: boolean;
  failing: string[];
}

function schools(ctx: IndicatorContext): Promise<SchoolResult[]> {
  return ctx.memo('oversight.schools', async () => {
    const lastDay = shanghaiDay(new Date(ctx.to.getTime() - 1));
    const rows = await ctx.db
      .selectFrom('oversight_units as u')
      .innerJoin('oversight_compliance as k', 'k.unit_id', 'u.id')
      .innerJoin('orgs', 'orgs.id', 'u.org_id')
      .select(['u.id', 'u.name', 'orgs.name as org_name'])
      .select(ASSESSMENT_COLUMNS)
      .where('u.org_id', 'in', orgsUnder(ctx.db, ctx.scope))
      .where('u.industry', '=', 'school')
      .where('k.assessed_at', '<', ctx.to)
      .orderBy('orgs.name')
      .orderBy('u.name')
      .execute();
    return rows.map((r) => {
      const items = evaluateCompliance('school', storedAssessment(r), lastDay);
      const failing = items.filter((i) => !i.ok);
      return {
        id: r.id,
        name: r.name,
        orgName: r.org_name,
        assessedAt: iso(r.assessed_at),
        compliant: failing.length === 0,
        failing: failing.map((i) => `${COMPLIANCE_TEXT[i.item].zh}（${i.detail}）`),
      };
    });
  });
}

export function schoolIndicators(): IndicatorDeclaration[] {
  return [
    {
      id: 'oversight.school_compliance_rate',
      name: { zh: '校园内保达标率', en: 'School internal-security compliance' },
      unit: 'share',
      target: 1,
      higherIsBetter: true,
      ruleVersion: 1,
      async compute(ctx) {
        const list = await schools(ctx);
        return shareOf(list.filter((s) => s.compliant).length, list.length);
      },
      async rows(ctx, limit) {
        const list = await schools(ctx);
        const ordered = [...list].sort((a, b) => Number(a.compliant) - Number(b.compliant));
        return {
          columns: [
            { key: 'school', zh: '学校', en: 'School' },
            { key: 'station', zh: '管辖单位', en: 'Station' },
            { key: 'assessedAt', zh: '评定时间', en: 'Assessed' },
            { key: 'compliant', zh: '达标', en: 'Compliant' },
            { key: 'failing', zh: '不达标项', en: 'Failing items' },
          ],
          total: list.length,
          rows: ordered.slice(0, limit).map((s) => ({
            id: s.id,
            school: s.name,
            station: s.orgName,
            assessedAt: s.assessedAt,
            compliant: s.compliant,
            failing: s.failing.join('；'),
          })),
        };
      },
    },
  ];
}
