import { describe, expect, it } from 'vitest';
import { levelOf, RISK_THRESHOLDS, scoreEvents } from './risk.js';

describe('risk points (积分预警)', () => {
  const now = new Date('2026-11-29T00:00:00Z');
  const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();

  it('halves an event every 90 days and explains each contribution', () => {
    const r = scoreEvents(
      [
        { rule: 'finding_serious', ref: '责改〔2026〕00001号', at: daysAgo(0) },
        { rule: 'finding_serious', ref: '责改〔2026〕00002号', at: daysAgo(90) },
        { rule: 'finding_minor', ref: '提改〔2026〕00003号', at: daysAgo(180) },
      ],
      now,
    );
    expect(r.contributions.map((c) => [c.ref, c.points, c.weight])).toEqual([
      ['责改〔2026〕00001号', 6, 6],
      ['责改〔2026〕00002号', 6, 3],
      ['提改〔2026〕00003号', 2, 0.5],
    ]);
    expect(r.score).toBe(9.5);
    expect(r.level).toBe('medium');
    expect(r.contributions[0].ruleText).toBe('检查发现严重问题');
  });

  it('moves between levels at the thresholds', () => {
    expect(levelOf(0)).toBe('low');
    expect(levelOf(RISK_THRESHOLDS.medium - 0.01)).toBe('low');
    expect(levelOf(RISK_THRESHOLDS.medium)).toBe('medium');
    expect(levelOf(RISK_THRESHOLDS.high)).toBe('high');
    const expired = scoreEvents(
      [
        { rule: 'licence_expired', ref: 'TH-1', at: daysAgo(0) },
        { rule: 'rectification_overdue', ref: 'x', at: daysAgo(0) },
      ],
      now,
    );
    expect(expired).toMatchObject({ score: 18, level: 'high' });
    // A year later the same events have decayed below the medium threshold.
    expect(scoreEvents([{ rule: 'licence_expired', ref: 'TH-1', at: daysAgo(365) }], now).level).toBe('low');
  });
});
