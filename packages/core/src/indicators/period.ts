/**
 * Periods of indicators and reports, in the bureau's time zone (Asia/Shanghai: UTC+8, no daylight
 * saving, so day boundaries are fixed offsets from UTC). A period is [from, to) in UTC.
 */
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
export const DAY_MS = 86_400_000;

export type ReportKind = 'daily' | 'weekly' | 'monthly';

export interface Period {
  from: Date;
  to: Date;
  /** How people name it: 2026-11-23, 2026-11-16 至 2026-11-22, 2026年11月. */
  label: string;
}

/** The Shanghai calendar day (YYYY-MM-DD) of an instant. */
export function shanghaiDay(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** Midnight (Shanghai) starting a YYYY-MM-DD day, or null when the text names no day. */
export function dayStart(day: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = Date.UTC(y, mo - 1, d);
  if (Number.isNaN(utc) || new Date(utc).getUTCDate() !== d || new Date(utc).getUTCMonth() !== mo - 1)
    return null;
  return new Date(utc - SHANGHAI_OFFSET_MS);
}

/** The Shanghai days [from, to) covers, oldest first (to excluded). */
export function daysBetween(from: Date, to: Date): string[] {
  const days: string[] = [];
  for (let t = dayStart(shanghaiDay(from))!.getTime(); t < to.getTime(); t += DAY_MS)
    days.push(shanghaiDay(new Date(t)));
  return days;
}

/**
 * The report period: `daily` a day (YYYY-MM-DD), `weekly` the Monday-to-Sunday week holding the
 * day, `monthly` the calendar month (YYYY-MM, or a day in it). Null when the text fits not.
 */
export function reportPeriod(kind: ReportKind, period: string): Period | null {
  const month = /^(\d{4})-(\d{2})$/.exec(period);
  const start = month ? dayStart(`${period}-01`) : dayStart(period);
  if (!start) return null;
  if (kind === 'daily') {
    if (month) return null;
    return { from: start, to: new Date(start.getTime() + DAY_MS), label: period };
  }
  if (kind === 'weekly') {
    if (month) return null;
    const weekday = (new Date(start.getTime() + SHANGHAI_OFFSET_MS).getUTCDay() + 6) % 7; // Monday = 0
    const from = new Date(start.getTime() - weekday * DAY_MS);
    const to = new Date(from.getTime() + 7 * DAY_MS);
    return { from, to, label: `${shanghaiDay(from)} 至 ${shanghaiDay(new Date(to.getTime() - DAY_MS))}` };
  }
  const local = new Date(start.getTime() + SHANGHAI_OFFSET_MS);
  const [y, mo] = [local.getUTCFullYear(), local.getUTCMonth()];
  const from = new Date(Date.UTC(y, mo, 1) - SHANGHAI_OFFSET_MS);
  const to = new Date(Date.UTC(y, mo + 1, 1) - SHANGHAI_OFFSET_MS);
  return { from, to, label: `${y}年${mo + 1}月` };
}

/** The last complete period of a kind before `now` (yesterday, last week, last month). */
export function previousPeriod(kind: ReportKind, now: Date): Period {
  const today = dayStart(shanghaiDay(now))!;
  const yesterday = shanghaiDay(new Date(today.getTime() - DAY_MS));
  if (kind === 'daily') return reportPeriod('daily', yesterday)!;
  if (kind === 'weekly') {
    const thisWeek = reportPeriod('weekly', shanghaiDay(now))!;
    return reportPeriod('weekly', shanghaiDay(new Date(thisWeek.from.getTime() - DAY_MS)))!;
  }
  const thisMonth = reportPeriod('monthly', shanghaiDay(now))!;
  return reportPeriod('monthly', shanghaiDay(new Date(thisMonth.from.getTime() - DAY_MS)))!;
}
