import { z } from 'zod';
import { type RiskLevel, riskLevelSchema } from './schemas.js';

/**
 * 积分预警: declared rules add points to a unit for what happened there; points decay with a
 * half-life, and thresholds on the sum set the unit's risk level (which sets how often it is
 * inspected). The score explains itself: every contribution names its rule, its event and its
 * points before and after decay.
 */
export const RISK_RULES = {
  finding_minor: { points: 2, zh: '检查发现一般问题', en: 'Minor finding at inspection' },
  finding_serious: { points: 6, zh: '检查发现严重问题', en: 'Serious finding at inspection' },
  rectification_overdue: { points: 8, zh: '逾期未整改', en: 'Rectification overdue' },
  incident_at_premises: { points: 3, zh: '场所内或周边发生警情', en: 'Incident at the premises' },
  licence_expiring: { points: 3, zh: '许可证即将到期', en: 'Licence expiring' },
  licence_expired: { points: 10, zh: '许可证已过期', en: 'Licence expired' },
  compliance_failing: { points: 4, zh: '内保达标项不合格', en: 'Internal-security item failing' },
} as const;
export type RiskRule = keyof typeof RISK_RULES;

/** Half-life of points, days: an event weighs half as much after 90 days. */
export const RISK_HALF_LIFE_DAYS = 90;
/** Score at or above which a unit is medium / high risk. */
export const RISK_THRESHOLDS = { medium: 8, high: 16 } as const;
/** Incidents within this distance of the unit's location count as at the premises. */
export const PREMISES_RADIUS_M = 100;

export interface RiskEvent {
  rule: RiskRule;
  /** What happened: a case number, an incident id, a licence number. */
  ref: string;
  /** When it happened (ISO). */
  at: string;
}

export const riskContributionSchema = z.object({
  rule: z.string(),
  ruleText: z.string(),
  ref: z.string(),
  at: z.string(),
  points: z.number(),
  /** Points after decay to the scoring time. */
  weight: z.number(),
});
export const riskScoreSchema = z.object({
  unitId: z.string(),
  unitName: z.string(),
  score: z.number(),
  level: riskLevelSchema,
  /** The level stored on the unit (the calendar uses it) before this scoring. */
  storedLevel: riskLevelSchema,
  /** The level it was registered with: the floor points lift it from. */
  baseLevel: riskLevelSchema,
  contributions: z.array(riskContributionSchema),
});
export type RiskScore = z.infer<typeof riskScoreSchema>;
export const riskBoardSchema = z.object({ items: z.array(riskScoreSchema) });

export function levelOf(score: number): RiskLevel {
  if (score >= RISK_THRESHOLDS.high) return 'high';
  if (score >= RISK_THRESHOLDS.medium) return 'medium';
  return 'low';
}

/** Sums the events' decayed points at `now`; contributions heaviest first, rounded to 0.01. */
export function scoreEvents(
  events: readonly RiskEvent[],
  now: Date,
  halfLifeDays = RISK_HALF_LIFE_DAYS,
): { score: number; level: RiskLevel; contributions: z.infer<typeof riskContributionSchema>[] } {
  const contributions = events.map((e) => {
    const points = RISK_RULES[e.rule].points;
    const ageDays = Math.max(0, (now.getTime() - Date.parse(e.at)) / 86_400_000);
    const weight = Math.round(points * 0.5 ** (ageDays / halfLifeDays) * 100) / 100;
    return { rule: e.rule, ruleText: RISK_RULES[e.rule].zh, ref: e.ref, at: e.at, points, weight };
  });
  contributions.sort((a, b) => b.weight - a.weight || a.at.localeCompare(b.at));
  const score = Math.round(contributions.reduce((s, c) => s + c.weight, 0) * 100) / 100;
  return { score, level: levelOf(score), contributions };
}
