import {
  CASE_CATEGORY_LABELS,
  CASE_STATUS_LABELS,
  type CaseCategory,
  type CaseStatus,
} from '@citywatch/core/community/mediation';
import { findCategory } from '@citywatch/core/dispatch/categories';
import { formatIndicator, type IndicatorUnit } from '@citywatch/core/indicators/indicators';

export const STATUS_COLOR = { met: 'green', missed: 'red', none: 'default' } as const;

/** A figure as the page shows it, in the page's language. */
export function showValue(value: number | null, unit: IndicatorUnit, lang: string): string {
  return formatIndicator(value, unit, lang === 'en' ? 'en' : 'zh');
}

/** A value as the chart plots it: shares in percent, the rest as they are. */
export function plotted(value: number | null, unit: IndicatorUnit): number | null {
  if (value === null) return null;
  return unit === 'share' ? Math.round(value * 1000) / 10 : Math.round(value * 10) / 10;
}

/** Today in Shanghai, YYYY-MM-DD. */
export function shanghaiToday(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

const HOTLIST_LABELS: Record<string, { zh: string; en: string }> = {
  stolen_vehicle: { zh: '被盗车辆', en: 'Stolen vehicle' },
  vehicle_in_crime: { zh: '涉案车辆', en: 'Vehicle used in crime' },
  wanted_person: { zh: '在逃人员', en: 'Wanted person' },
  missing_person: { zh: '失踪人员', en: 'Missing person' },
};

/**
 * A drill-down cell that holds a code (an incident category such as criminal or non_police, a
 * mediation outcome, a hotlist category) as its name in the page's language; other cells as
 * they are. Unknown codes stay as sent.
 */
export function codeName(module: string, key: string, value: string, lang: string): string {
  const pick = (l: { zh: string; en: string } | undefined) => (l ? (lang === 'en' ? l.en : l.zh) : value);
  if (key === 'category') {
    if (module === 'dispatch') return pick(findCategory(value));
    if (module === 'community') return pick(CASE_CATEGORY_LABELS[value as CaseCategory]);
    if (module === 'perimeter') return pick(HOTLIST_LABELS[value]);
  }
  if (key === 'status' && module === 'community') return pick(CASE_STATUS_LABELS[value as CaseStatus]);
  return value;
}
