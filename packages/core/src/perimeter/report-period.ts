/**
 * The checkpoint reporting rhythm (日报告、周通报、月点评): the day, the Monday-to-Sunday week or
 * the calendar month that contains a date, in the bureau's time zone (China has one, UTC+8 with no
 * daylight saving, so the boundaries are fixed offsets from UTC).
 */
export type ReportPeriod = 'day' | 'week' | 'month';

export const REPORT_TITLES: Record<ReportPeriod, { zh: string; en: string }> = {
  day: { zh: '卡口日报告', en: 'Checkpoint daily report' },
  week: { zh: '卡口周通报', en: 'Checkpoint weekly bulletin' },
  month: { zh: '卡口月点评', en: 'Checkpoint monthly review' },
};

const SHANGHAI_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/** [from, to) in UTC for the period containing `date` (YYYY-MM-DD, Asia/Shanghai). */
export function reportRange(period: ReportPeriod, date: string): { from: Date; to: Date; label: string } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`date must be YYYY-MM-DD, got ${date}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const midnight = Date.UTC(y, mo - 1, d) - SHANGHAI_OFFSET_MS;
  if (Number.isNaN(midnight) || new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d)
    throw new RangeError(`no such day: ${date}`);
  if (period === 'day') return { from: new Date(midnight), to: new Date(midnight + DAY_MS), label: date };
  if (period === 'week') {
    const weekday = (new Date(Date.UTC(y, mo - 1, d)).getUTCDay() + 6) % 7; // Monday = 0
    const start = midnight - weekday * DAY_MS;
    const end = start + 7 * DAY_MS;
    const fmt = (t: number) => new Date(t + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
    return { from: new Date(start), to: new Date(end), label: `${fmt(start)} 至 ${fmt(end - DAY_MS)}` };
  }
  const start = Date.UTC(y, mo - 1, 1) - SHANGHAI_OFFSET_MS;
  const end = Date.UTC(y, mo, 1) - SHANGHAI_OFFSET_MS;
  return { from: new Date(start), to: new Date(end), label: `${m[1]}年${Number(m[2])}月` };
}

/** Hour of day (0–23) in Asia/Shanghai of an instant. */
export function shanghaiHour(at: Date): number {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).getUTCHours();
}
