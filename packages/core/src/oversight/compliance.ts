import { z } from 'zod';
import { calendarDateSchema } from '../time/calendar-date.js';
import { daysBetween, type Industry } from './schemas.js';

/**
 * 内保单位 compliance: schools, hospitals and other key units are assessed on four items, each
 * with a stated rule. A failing item becomes a rectification case (order).
 * - guards: full-time guards per pupils (schools: at least 1 per 500 pupils and at least 2;
 *   hospitals: 1 per 100 beds and at least 2; others: at least 1)
 * - closed_campus: closed management (schools and hospitals must; others where declared)
 * - alarm_110: one-button alarm linked to 110, tested within the last 31 days (monthly)
 * - video: video covers the key areas (entrances, perimeter, key rooms) fully: 100 %
 */
export const COMPLIANCE_ITEMS = ['guards', 'closed_campus', 'alarm_110', 'video'] as const;
export type ComplianceItem = (typeof COMPLIANCE_ITEMS)[number];

export const COMPLIANCE_TEXT: Record<ComplianceItem, { zh: string; en: string }> = {
  guards: { zh: '专职保安员配备达标', en: 'Full-time guards as required' },
  closed_campus: { zh: '封闭式管理', en: 'Closed campus' },
  alarm_110: { zh: '一键式报警与110联网并每月测试', en: 'One-button alarm linked to 110, tested monthly' },
  video: { zh: '重点部位视频监控全覆盖', en: 'Video covers every key area' },
};

/** Days within which the alarm's last test must lie. */
export const ALARM_TEST_DAYS = 31;

export const assessmentSchema = z.strictObject({
  /** Pupils (schools) or beds (hospitals); omitted for other units. */
  population: z.number().int().min(0).max(1_000_000).optional(),
  guards: z.number().int().min(0).max(10_000),
  closedCampus: z.boolean(),
  alarmLinked: z.boolean(),
  /** Last test of the one-button alarm ('YYYY-MM-DD'). */
  alarmTestedOn: calendarDateSchema.nullable(),
  /** Share of key areas under video, percent. */
  videoCoveragePct: z.number().min(0).max(100),
});
export type Assessment = z.infer<typeof assessmentSchema>;

export function guardsRequired(industry: Industry, population: number | undefined): number {
  if (industry === 'school') return Math.max(2, Math.ceil((population ?? 0) / 500));
  if (industry === 'hospital') return Math.max(2, Math.ceil((population ?? 0) / 100));
  return 1;
}

export interface ItemResult {
  item: ComplianceItem;
  ok: boolean;
  /** Why, in figures: "2 / 3", "last test 2026-10-01 (59 days)". */
  detail: string;
}

/** Each item's result for an assessment on `today`. */
export function evaluateCompliance(industry: Industry, a: Assessment, today: string): ItemResult[] {
  const need = guardsRequired(industry, a.population);
  const tested = a.alarmTestedOn ? daysBetween(a.alarmTestedOn, today) : null;
  const closedNeeded = industry === 'school' || industry === 'hospital';
  return [
    { item: 'guards', ok: a.guards >= need, detail: `${a.guards} / ${need}` },
    {
      item: 'closed_campus',
      ok: a.closedCampus || !closedNeeded,
      detail: a.closedCampus ? '封闭' : closedNeeded ? '未封闭' : '不要求',
    },
    {
      item: 'alarm_110',
      ok: a.alarmLinked && tested !== null && tested >= 0 && tested <= ALARM_TEST_DAYS,
      detail: !a.alarmLinked ? '未联网' : tested === null ? '未测试' : `${a.alarmTestedOn}（${tested} 天前）`,
    },
    { item: 'video', ok: a.videoCoveragePct >= 100, detail: `${a.videoCoveragePct}%` },
  ];
}

export const complianceUnitSchema = z.object({
  unitId: z.string(),
  unitName: z.string(),
  industry: z.string(),
  orgId: z.string(),
  orgName: z.string(),
  assessedAt: z.string().nullable(),
  compliant: z.boolean(),
  items: z.array(z.object({ item: z.enum(COMPLIANCE_ITEMS), ok: z.boolean(), detail: z.string() })),
});
export const complianceRateSchema = z.object({
  orgId: z.string().nullable(),
  orgName: z.string(),
  units: z.number(),
  assessed: z.number(),
  compliant: z.number(),
  /** Compliant units over all units (an unassessed unit counts as not compliant). */
  rate: z.number(),
});
export const complianceReportSchema = z.object({
  units: z.array(complianceUnitSchema),
  byStation: z.array(complianceRateSchema),
  total: complianceRateSchema,
});
export type ComplianceReport = z.infer<typeof complianceReportSchema>;
