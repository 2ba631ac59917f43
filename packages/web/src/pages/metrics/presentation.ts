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
