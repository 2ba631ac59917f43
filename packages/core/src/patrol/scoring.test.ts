import { describe, expect, it } from 'vitest';
import { bestCapture, flaggedUnits, poolScores, rankByDensity, scoreForecast } from './scoring';

describe('NIJ scoring: hit rate, PAI, PEI', () => {
  // Four cells of equal area; 8 test incidents in cells, 2 more in no cell (N = 10).
  const measure = [1, 1, 1, 1];
  const expected = [3, 2, 1, 0];
  const observed = [2, 0, 5, 1];

  it('scores a forecast by hand: one cell of four, then two', () => {
    const [quarter, half] = scoreForecast(expected, observed, measure, 4, 10, [0.25, 0.5]);
    // One cell flagged (the forecast's best), holding 2 of 10: hit 0.2 on 25 % of the area.
    expect(quarter).toMatchObject({ captured: 2, total: 10, flagged: 1, flaggedUnits: 1, best: 5 });
    const q = poolScores([quarter]);
    expect(q.hitRate).toBeCloseTo(0.2);
    expect(q.pai).toBeCloseTo(0.8);
    // The best single cell held 5: PEI = 2 / 5.
    expect(q.pei).toBeCloseTo(0.4);
    const h = poolScores([half]);
    expect(half).toMatchObject({ captured: 2, flagged: 2, best: 7 });
    expect(h.hitRate).toBeCloseTo(0.2);
    expect(h.pai).toBeCloseTo(0.4);
    expect(h.pei).toBeCloseTo(2 / 7);
  });

  it('gives a perfect forecast PEI 1 and a PAI of hit rate over area', () => {
    const [s] = scoreForecast(observed, observed, measure, 4, 8, [0.25]);
    const p = poolScores([s]);
    expect(p.pei).toBe(1);
    expect(p.hitRate).toBeCloseTo(5 / 8);
    expect(p.pai).toBeCloseTo(5 / 8 / 0.25);
  });

  it('ranks by expected density, so long segments need more to rank high', () => {
    // 100 m with 1 expected beats 1000 m with 5 expected.
    expect([...rankByDensity([5, 1], [1000, 100])]).toEqual([1, 0]);
    // Ties keep the lower index first (a deterministic order, not a lucky one).
    expect([...rankByDensity([1, 1, 1], [1, 1, 1])]).toEqual([0, 1, 2]);
  });

  it('never flags more than the coverage: a unit that would overflow is skipped for one that fits', () => {
    const { units, used } = flaggedUnits(rankByDensity([9, 1], [3, 1]), [3, 1], 4, 0.5);
    expect(units).toEqual([1]);
    expect(used).toBe(1);
    // Nothing fits: nothing flagged, and PAI is not a number then.
    const [s] = scoreForecast([1], [1], [10], 10, 1, [0.05]);
    expect(s.flaggedUnits).toBe(0);
    expect(poolScores([s]).pai).toBeNull();
  });

  it('bounds the best capture by the fractional knapsack (PEI is never overstated)', () => {
    // Budget 1 of a 3-long unit holding 6: a third of it.
    expect(bestCapture([0, 6], [1, 3], 1)).toBeCloseTo(2);
    const [s] = scoreForecast([1, 2], [0, 6], [1, 3], 4, 6, [0.25]);
    expect(s).toMatchObject({ captured: 0, best: 2 });
    expect(poolScores([s]).pei).toBe(0);
  });

  it('pools windows as sums: Σn/ΣN, (Σn/ΣN)/(Σa/ΣA), Σn/Σn*', () => {
    const a = { captured: 2, total: 10, flagged: 1, totalMeasure: 4, flaggedUnits: 1, best: 5 };
    const b = { captured: 6, total: 10, flagged: 1, totalMeasure: 4, flaggedUnits: 1, best: 6 };
    const p = poolScores([a, b]);
    expect(p.hitRate).toBeCloseTo(0.4);
    expect(p.pai).toBeCloseTo(1.6);
    expect(p.pei).toBeCloseTo(8 / 11);
    expect(poolScores([]).hitRate).toBeNull();
  });
});
