import {
  type Assessment,
  COMPLIANCE_TEXT,
  type ComplianceReport,
  evaluateCompliance,
} from '@citywatch/core/oversight/compliance';
import { beijingDate, INTERNAL_SECURITY, type Industry } from '@citywatch/core/oversight/schemas';
import type { Kysely } from 'kysely';
import type { Transact } from '../../bus/outbox.js';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import type { Actor } from '../../identity/service.js';
import type { CasesStore } from './cases.js';
import { scopedUnits, type UnitsStore, unitScope } from './units.js';

/** A stored assessment's columns (oversight_compliance as k), read by the page and the indicator. */
export const ASSESSMENT_COLUMNS = [
  'k.population',
  'k.guards',
  'k.closed_campus',
  'k.alarm_linked',
  'k.alarm_tested_on',
  'k.video_coverage_pct',
  'k.assessed_at',
] as const;

/** A stored assessment as core judges it (a left join gives nulls where none was made). */
export function storedAssessment(r: {
  population: number | null;
  guards: number | null;
  closed_campus: boolean | null;
  alarm_linked: boolean | null;
  alarm_tested_on: string | null;
  video_coverage_pct: number | string | null;
}): Assessment {
  return {
    population: r.population ?? undefined,
    guards: r.guards ?? 0,
    closedCampus: r.closed_campus ?? false,
    alarmLinked: r.alarm_linked ?? false,
    alarmTestedOn: r.alarm_tested_on,
    videoCoveragePct: Number(r.video_coverage_pct ?? 0),
  };
}

/** 内保单位 compliance: assessments, failing items as cases, rates per station and in total. */
export class ComplianceStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly units: UnitsStore,
    private readonly cases: CasesStore,
    private readonly now: () => Date,
    private readonly transact: Transact,
  ) {}

  /**
   * Records a unit's assessment; each failing item without an unclosed compliance case of the
   * same item opens one (a rectification order). Answers the unit's result and the new cases.
   */
  async assess(
    actor: Actor,
    unitId: string,
    a: Assessment,
  ): Promise<{ compliant: boolean; caseIds: string[] }> {
    const today = beijingDate(this.now());
    const caseIds: string[] = [];
    let compliant = false;
    await this.transact(async (trx, publish) => {
      const unit = await this.units.assertVisible(trx, actor, unitId);
      const row = await trx
        .selectFrom('oversight_units')
        .select('industry')
        .where('id', '=', unit.id)
        .executeTakeFirstOrThrow();
      const industry = row.industry as Industry;
      if (!INTERNAL_SECURITY.includes(industry))
        throw new ProblemError(
          'validation',
          { zh: '只有内保单位（学校、医院等）评定达标项', en: 'Only internal-security units are assessed' },
          [{ field: 'unitId', rule: 'internal_security_unit', message: '' }],
        );
      if (a.alarmTestedOn && a.alarmTestedOn > today)
        throw new ProblemError('validation', undefined, [
          { field: 'alarmTestedOn', rule: 'not_in_future', message: '' },
        ]);
      const values = {
        population: a.population ?? null,
        guards: a.guards,
        closed_campus: a.closedCampus,
        alarm_linked: a.alarmLinked,
        alarm_tested_on: a.alarmTestedOn,
        video_coverage_pct: a.videoCoveragePct,
        assessed_by: actor.userId,
        assessed_at: this.now(),
      };
      await trx
        .insertInto('oversight_compliance')
        .values({ unit_id: unit.id, ...values })
        .onConflict((oc) => oc.column('unit_id').doUpdateSet(values))
        .execute();
      const results = evaluateCompliance(industry, a, today);
      compliant = results.every((r) => r.ok);
      const open = await trx
        .selectFrom('oversight_cases')
        .select('item')
        .where('unit_id', '=', unit.id)
        .where('source', '=', 'compliance')
        .where('status', '!=', 'closed')
        .execute();
      const pending = new Set(open.map((o) => o.item));
      for (const r of results.filter((x) => !x.ok && !pending.has(x.item))) {
        caseIds.push(
          await this.cases.openCase(trx, publish, actor.userId, {
            unitId: unit.id,
            orgId: unit.org_id,
            inspectionId: null,
            source: 'compliance',
            finding: {
              item: r.item === 'video' ? 'video' : r.item,
              description: `${COMPLIANCE_TEXT[r.item].zh}不达标（${r.detail}）`,
              severity: 'serious',
            },
          }),
        );
      }
    });
    return { compliant, caseIds };
  }

  /** Every internal-security unit of the actor's scope with its items, and the compliance rates. */
  async report(actor: Actor): Promise<ComplianceReport> {
    const scope = await unitScope(this.db, actor);
    const rows = await scopedUnits(this.db, scope)
      .innerJoin('orgs', 'orgs.id', 'u.org_id')
      .leftJoin('oversight_compliance as k', 'k.unit_id', 'u.id')
      .select(['u.id', 'u.name', 'u.industry', 'u.org_id', 'orgs.name as org_name'])
      .select(ASSESSMENT_COLUMNS)
      .where('u.industry', 'in', [...INTERNAL_SECURITY])
      .orderBy('orgs.name')
      .orderBy('u.name')
      .execute();
    const today = beijingDate(this.now());
    const units = rows.map((r) => {
      const items =
        r.assessed_at === null ? [] : evaluateCompliance(r.industry as Industry, storedAssessment(r), today);
      return {
        unitId: r.id,
        unitName: r.name,
        industry: r.industry,
        orgId: r.org_id,
        orgName: r.org_name,
        assessedAt: r.assessed_at ? new Date(r.assessed_at).toISOString() : null,
        compliant: items.length > 0 && items.every((i) => i.ok),
        items,
      };
    });
    const rate = (orgId: string | null, orgName: string, list: typeof units) => {
      const compliant = list.filter((u) => u.compliant).length;
      return {
        orgId,
        orgName,
        units: list.length,
        assessed: list.filter((u) => u.assessedAt).length,
        compliant,
        rate: list.length ? Math.round((compliant / list.length) * 10_000) / 10_000 : 0,
      };
    };
    const byOrg = new Map<string, typeof units>();
    for (const u of units) byOrg.set(u.orgId, [...(byOrg.get(u.orgId) ?? []), u]);
    return {
      units,
      byStation: [...byOrg.entries()].map(([orgId, list]) => rate(orgId, list[0].orgName, list)),
      total: rate(null, actor.orgName, units),
    };
  }
}
