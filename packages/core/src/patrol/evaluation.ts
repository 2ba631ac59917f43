/**
 * Did the patrol work? (巡逻成效评估): incidents in the planned hot spots against the rest of the
 * area, week by week before and after the plan started, and the dose each hot spot received
 * against its change in incidents.
 *
 * - Places are H3 cells. "Planned" cells are those the plan's targets cover (or, without a plan,
 *   the hot spots selected for the start: the top cells by prior counts at a coverage share).
 * - Weeks are counted from the start: week −1 is the 7 days before it, week 0 the 7 days from it.
 * - The change is read as a difference in differences of rates: the ratio after/before inside the
 *   planned cells divided by the same ratio outside (1 = no change relative to the rest of the
 *   area; < 1 = fewer incidents where the patrol went). Counts per week, not a significance test:
 *   a few weeks of a few cells cannot carry one, and the page says so.
 */
import { latLngToCell } from 'h3-js';
import { z } from 'zod';

export const EVALUATION_RESOLUTION = 9;
const WEEK_MS = 7 * 86_400_000;

export const evaluationWeekSchema = z.object({
  week: z.number(),
  from: z.string(),
  to: z.string(),
  inside: z.number(),
  outside: z.number(),
});

export const dosageRowSchema = z.object({
  cell: z.string(),
  name: z.string().nullable(),
  /** Minutes of patrol the place received per week after the start (null: not measured). */
  doseMinutesPerWeek: z.number().nullable(),
  beforePerWeek: z.number(),
  afterPerWeek: z.number(),
});

export const outcomeSchema = z.object({
  city: z.string(),
  start: z.string(),
  weeksBefore: z.number(),
  weeksAfter: z.number(),
  /** Where the planned places come from. */
  source: z.object({
    kind: z.enum(['plan', 'hotspots']),
    planId: z.string().nullable(),
    planName: z.string().nullable(),
    coverage: z.number().nullable(),
  }),
  cells: z.number(),
  weeks: z.array(evaluationWeekSchema),
  summary: z.object({
    insideBefore: z.number(),
    insideAfter: z.number(),
    outsideBefore: z.number(),
    outsideAfter: z.number(),
    /** (inside after / before) ÷ (outside after / before); null where a count is 0. */
    relativeChange: z.number().nullable(),
    /** Weeks after the start not over yet are left out of the "after" rates. */
    weeksAfterComplete: z.number(),
  }),
  dosage: z.array(dosageRowSchema),
  /** Whether dosage was measured (from the plan's compliance); otherwise only counts. */
  dosageMeasured: z.boolean(),
});
export type Outcome = z.infer<typeof outcomeSchema>;

export interface OutcomeInput {
  incidents: { lon: ArrayLike<number>; lat: ArrayLike<number>; time: ArrayLike<number> };
  /** Planned cells with a display name and, where measured, minutes of patrol over the after-weeks. */
  planned: ReadonlyMap<string, { name: string | null; doseMinutes: number | null }>;
  start: Date;
  now: Date;
  weeksBefore: number;
  weeksAfter: number;
  resolution?: number;
}

/** Weekly counts inside and outside the planned cells, the summary, and dose against outcome. */
export function evaluateOutcome(input: OutcomeInput) {
  const res = input.resolution ?? EVALUATION_RESOLUTION;
  const s = input.start.getTime();
  const weeks = Array.from({ length: input.weeksBefore + input.weeksAfter }, (_, i) => {
    const week = i - input.weeksBefore;
    return {
      week,
      from: new Date(s + week * WEEK_MS).toISOString(),
      to: new Date(s + (week + 1) * WEEK_MS).toISOString(),
      inside: 0,
      outside: 0,
    };
  });
  const perCell = new Map<string, { before: number; after: number }>();
  for (const cell of input.planned.keys()) perCell.set(cell, { before: 0, after: 0 });
  const { lon, lat, time } = input.incidents;
  for (let i = 0; i < time.length; i++) {
    const week = Math.floor((time[i] - s) / WEEK_MS);
    if (week < -input.weeksBefore || week >= input.weeksAfter) continue;
    const cell = latLngToCell(lat[i], lon[i], res);
    const row = weeks[week + input.weeksBefore];
    const mine = perCell.get(cell);
    if (mine) {
      row.inside++;
      if (week < 0) mine.before++;
      else mine.after++;
    } else row.outside++;
  }
  // Only weeks already over count towards "after" rates.
  const now = input.now.getTime();
  const complete = weeks.filter((w) => w.week >= 0 && Date.parse(w.to) <= now);
  const before = weeks.filter((w) => w.week < 0);
  const sum = (rows: typeof weeks, k: 'inside' | 'outside') => rows.reduce((a, w) => a + w[k], 0);
  const insideBefore = sum(before, 'inside');
  const outsideBefore = sum(before, 'outside');
  const insideAfter = sum(complete, 'inside');
  const outsideAfter = sum(complete, 'outside');
  const rate = (n: number, w: number) => (w > 0 ? n / w : 0);
  const relativeChange =
    insideBefore > 0 && outsideBefore > 0 && outsideAfter > 0 && complete.length > 0
      ? rate(insideAfter, complete.length) /
        rate(insideBefore, before.length) /
        (rate(outsideAfter, complete.length) / rate(outsideBefore, before.length))
      : null;
  const afterWeeks = Math.max(1, Math.min(input.weeksAfter, (now - s) / WEEK_MS));
  const dosage = [...input.planned].map(([cell, p]) => {
    const c = perCell.get(cell)!;
    return {
      cell,
      name: p.name,
      doseMinutesPerWeek: p.doseMinutes === null ? null : p.doseMinutes / afterWeeks,
      beforePerWeek: rate(c.before, input.weeksBefore),
      afterPerWeek: c.after / afterWeeks,
    };
  });
  dosage.sort(
    (a, b) =>
      (b.doseMinutesPerWeek ?? -1) - (a.doseMinutesPerWeek ?? -1) || b.beforePerWeek - a.beforePerWeek,
  );
  return {
    weeks,
    summary: {
      insideBefore,
      insideAfter,
      outsideBefore,
      outsideAfter,
      relativeChange,
      weeksAfterComplete: complete.length,
    },
    dosage,
  };
}
