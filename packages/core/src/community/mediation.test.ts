import { describe, expect, it } from 'vitest';
import { agreementSchema, canTransitionCase, caseRates, dueAt, slaState } from './mediation';

const day = 86_400_000;
const t0 = new Date('2026-11-01T00:00:00Z');

describe('mediation rules', () => {
  it('settles within 30 days by default; the clock stops when mediation ends', () => {
    const due = dueAt(t0);
    expect(due.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(slaState(new Date(t0.getTime() + 10 * day), due, null)).toEqual({
      daysLeft: 20,
      overdue: false,
      onTime: null,
    });
    expect(slaState(new Date(t0.getTime() + 31 * day), due, null)).toMatchObject({
      overdue: true,
      onTime: null,
    });
    // Ended on day 29, looked at on day 40: on time, not overdue.
    expect(slaState(new Date(t0.getTime() + 40 * day), due, new Date(t0.getTime() + 29 * day))).toEqual({
      daysLeft: 1,
      overdue: false,
      onTime: true,
    });
  });
  it('allows only the steps of the rules', () => {
    expect(canTransitionCase('intake', 'mediating')).toBe(true);
    expect(canTransitionCase('intake', 'agreed')).toBe(false);
    expect(canTransitionCase('agreed', 'closed')).toBe(true);
    expect(canTransitionCase('closed', 'mediating')).toBe(false);
  });
  it('requires every part of a written agreement', () => {
    const ok = {
      facts: '双方因楼上漏水损坏楼下天花板发生纠纷',
      responsibilities: '楼上住户承担维修费用',
      performance: '一次性支付 3000 元',
      performBy: '2026-12-15',
    };
    expect(agreementSchema.safeParse(ok).success).toBe(true);
    for (const field of Object.keys(ok)) {
      const r = agreementSchema.safeParse({ ...ok, [field]: undefined });
      expect(r.success, field).toBe(false);
    }
  });
  it('counts resolution and on-time rates over ended cases only', () => {
    const c = (key: string, agreed: boolean, endedDay: number | null) => ({
      key,
      name: key,
      status: (endedDay === null ? 'mediating' : agreed ? 'agreed' : 'failed') as 'mediating',
      agreed,
      dueAt: dueAt(t0),
      endedAt: endedDay === null ? null : new Date(t0.getTime() + endedDay * day),
    });
    const rows = caseRates(
      [c('A', true, 10), c('A', true, 35), c('A', false, 20), c('A', false, null), c('B', false, null)],
      new Date(t0.getTime() + 45 * day),
    );
    const a = rows.find((r) => r.key === 'A')!;
    expect(a).toMatchObject({ cases: 4, ended: 3, agreed: 2, onTime: 2, open: 1, overdue: 1 });
    expect(a.resolutionRate).toBeCloseTo(2 / 3);
    expect(a.onTimeRate).toBeCloseTo(2 / 3);
    expect(rows.find((r) => r.key === 'B')).toMatchObject({
      resolutionRate: null,
      onTimeRate: null,
      overdue: 1,
    });
  });
});
