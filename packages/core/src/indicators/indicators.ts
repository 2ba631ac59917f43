/**
 * Indicators (评价指标): what a module declares about one of its figures, how a period is named,
 * and how a value is judged against its target. Pure: the server computes the values.
 */
import { z } from 'zod';

/** How a value reads: a share (0–1, shown as %), seconds, a count, metres, days. */
export const INDICATOR_UNITS = ['share', 'seconds', 'count', 'metres', 'days'] as const;
export type IndicatorUnit = (typeof INDICATOR_UNITS)[number];

export const UNIT_LABELS: Record<IndicatorUnit, { zh: string; en: string }> = {
  share: { zh: '%', en: '%' },
  seconds: { zh: '秒', en: 's' },
  count: { zh: '次', en: '' },
  metres: { zh: '米', en: 'm' },
  days: { zh: '天', en: 'days' },
};

/** What the registry tells about an indicator (its module holds how it is computed). */
export const indicatorMetaSchema = z.object({
  id: z.string(),
  module: z.string(),
  name: z.object({ zh: z.string(), en: z.string() }),
  unit: z.enum(INDICATOR_UNITS),
  target: z.number().nullable(),
  higherIsBetter: z.boolean(),
  ruleVersion: z.number().int(),
  /** True when the figure is the city's whatever the org (e.g. coverage by every post). */
  cityWide: z.boolean(),
});
export type IndicatorMeta = z.infer<typeof indicatorMetaSchema>;

/** A value as computed or as snapshotted: null when there is nothing to count (no calls). */
export const indicatorValueSchema = z.object({
  value: z.number().nullable(),
  numerator: z.number().nullable(),
  denominator: z.number().nullable(),
});
export type IndicatorValue = z.infer<typeof indicatorValueSchema>;

export type TargetStatus = 'met' | 'missed' | 'none';

/** Met when on the good side of the target (or on it); 'none' without a value or a target. */
export function targetStatus(
  value: number | null,
  target: number | null,
  higherIsBetter: boolean,
): TargetStatus {
  if (value === null || target === null) return 'none';
  return (higherIsBetter ? value >= target : value <= target) ? 'met' : 'missed';
}

/** Orders values best first (nulls last), for a ranking of stations. */
export function compareBestFirst(higherIsBetter: boolean) {
  return (a: number | null, b: number | null): number => {
    if (a === null) return b === null ? 0 : 1;
    if (b === null) return -1;
    return higherIsBetter ? b - a : a - b;
  };
}

/** A value as people read it: 36.4 %, 95 秒, 12, 1.2 km, 30 天. */
export function formatIndicator(value: number | null, unit: IndicatorUnit, lang: 'zh' | 'en' = 'zh'): string {
  if (value === null) return '—';
  switch (unit) {
    case 'share':
      return `${(value * 100).toFixed(1)}%`;
    case 'seconds':
      return lang === 'zh' ? `${Math.round(value)} 秒` : `${Math.round(value)} s`;
    case 'metres':
      return value >= 10_000 ? `${(value / 1000).toFixed(1)} km` : `${Math.round(value)} m`;
    case 'days':
      return lang === 'zh' ? `${Math.round(value)} 天` : `${Math.round(value)} days`;
    default:
      return Number.isInteger(value) ? String(value) : value.toFixed(2);
  }
}
