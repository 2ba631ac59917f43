import { describe, expect, it } from 'vitest';
import { reportRange, shanghaiHour } from './report-period';

describe('report periods in Asia/Shanghai', () => {
  it('starts a day at local midnight', () => {
    const r = reportRange('day', '2026-11-23');
    expect(r.from.toISOString()).toBe('2026-11-22T16:00:00.000Z');
    expect(r.to.toISOString()).toBe('2026-11-23T16:00:00.000Z');
  });
  it('runs a week Monday to Sunday', () => {
    // 2026-11-26 is a Thursday; its week is 23–29 November.
    const r = reportRange('week', '2026-11-26');
    expect(r.from.toISOString()).toBe('2026-11-22T16:00:00.000Z');
    expect(r.label).toBe('2026-11-23 至 2026-11-29');
  });
  it('covers a calendar month, across a year end', () => {
    const r = reportRange('month', '2026-12-31');
    expect(r.from.toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(r.to.toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(r.label).toBe('2026年12月');
  });
  it('refuses impossible dates', () => {
    expect(() => reportRange('day', '2026-02-30')).toThrow(/no such day/);
    expect(() => reportRange('day', '23/11/2026')).toThrow(/YYYY-MM-DD/);
  });
  it('tells the local hour', () => {
    expect(shanghaiHour(new Date('2026-11-23T17:30:00Z'))).toBe(1);
  });
});
