import { describe, expect, it } from 'vitest';
import { calendarDateSchema, isCalendarDate } from './calendar-date.js';

describe('calendar dates', () => {
  it('takes days that exist, leap days only in leap years', () => {
    for (const d of ['2026-01-31', '2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31'])
      expect(isCalendarDate(d), d).toBe(true);
  });
  it('refuses impossible days and other shapes, naming the rule', () => {
    for (const d of [
      '2026-02-29',
      '1900-02-29',
      '2026-13-01',
      '2026-00-10',
      '2026-04-31',
      '2026-1-01',
      '20260101',
    ])
      expect(isCalendarDate(d), d).toBe(false);
    const r = calendarDateSchema.safeParse('2026-02-30');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({
      code: 'custom',
      message: 'invalid_date',
      params: { rule: 'invalid_date' },
    });
  });
});
