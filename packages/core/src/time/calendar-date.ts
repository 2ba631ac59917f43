import { z } from 'zod';

/**
 * A calendar day 'YYYY-MM-DD' that exists (2026-02-29 and 2026-13-01 do not). The shape alone let
 * impossible days into text columns, where date arithmetic later turned them into NaN. Refused with
 * the rule `invalid_date`, worded in http/problem.ts.
 */
export function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const at = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().startsWith(s);
}

export const calendarDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine(isCalendarDate, { message: 'invalid_date', params: { rule: 'invalid_date' } });
