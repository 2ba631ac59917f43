import { describe, expect, it } from 'vitest';
import { compareBestFirst, formatIndicator, targetStatus } from './indicators';
import { previousPeriod, reportPeriod, shanghaiDay } from './period';
import { barChartSvg, lineChartSvg } from './svg';

describe('indicator targets and periods', () => {
  it('judges a value against its target in the direction that is better', () => {
    expect(targetStatus(0.4, 0.364, true)).toBe('met');
    expect(targetStatus(0.2, 0.364, true)).toBe('missed');
    expect(targetStatus(200, 180, false)).toBe('missed');
    expect(targetStatus(180, 180, false)).toBe('met');
    expect(targetStatus(null, 180, false)).toBe('none');
    expect(targetStatus(3, null, true)).toBe('none');
    expect([3, null, 1, 2].sort(compareBestFirst(false))).toEqual([1, 2, 3, null]);
    expect(formatIndicator(0.364, 'share')).toBe('36.4%');
    expect(formatIndicator(95.4, 'seconds')).toBe('95 秒');
  });

  it('names days, weeks and months in Shanghai time', () => {
    expect(shanghaiDay(new Date('2026-11-22T16:30:00Z'))).toBe('2026-11-23');
    expect(reportPeriod('daily', '2026-11-23')).toEqual({
      from: new Date('2026-11-22T16:00:00Z'),
      to: new Date('2026-11-23T16:00:00Z'),
      label: '2026-11-23',
    });
    // 2026-11-25 is a Wednesday: its week runs Monday 23 to Sunday 29.
    expect(reportPeriod('weekly', '2026-11-25')).toMatchObject({
      from: new Date('2026-11-22T16:00:00Z'),
      label: '2026-11-23 至 2026-11-29',
    });
    expect(reportPeriod('monthly', '2026-11')).toEqual({
      from: new Date('2026-10-31T16:00:00Z'),
      to: new Date('2026-11-30T16:00:00Z'),
      label: '2026年11月',
    });
    expect(reportPeriod('monthly', '2026-12-31')?.label).toBe('2026年12月');
    expect(reportPeriod('daily', '2026-11')).toBeNull();
    expect(reportPeriod('daily', '2026-02-30')).toBeNull();
    expect(previousPeriod('monthly', new Date('2026-12-01T01:00:00Z')).label).toBe('2026年11月');
    expect(previousPeriod('daily', new Date('2026-11-23T15:59:00Z')).label).toBe('2026-11-22');
  });

  it('draws charts as SVG with the labels escaped', () => {
    const bars = barChartSvg([{ label: '龙城<所>', value: 0.5, text: '50%' }], { target: 0.4 });
    expect(bars).toContain('龙城&lt;所&gt;');
    expect(bars).toContain('stroke-dasharray');
    const lines = lineChartSvg(
      ['11-01', '11-02', '11-03'],
      [{ name: '有效率', color: '#1677ff', values: [1, null, 2] }],
    );
    // A gap: the third point starts a new stroke.
    expect(lines.match(/M/g)?.length).toBeGreaterThanOrEqual(2);
  });
});
