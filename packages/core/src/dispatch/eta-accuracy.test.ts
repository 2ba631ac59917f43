import { describe, expect, it } from 'vitest';
import { hourOfWeekAt, learnedProfileLabel } from '../roads/learned/hour';
import { etaAccuracy } from './eta-accuracy';

describe('ETA accuracy figures', () => {
  it('groups actual − predicted by hour, approach road class and profile', () => {
    const a = etaAccuracy(
      [
        { predictedS: 100, actualS: 150, hour: 8, approachClass: 'residential', profile: 'static' },
        { predictedS: 200, actualS: 180, hour: 8, approachClass: 'primary', profile: 'learned:Mon-00' },
        { predictedS: 300, actualS: 330, hour: 17, approachClass: 'residential', profile: 'learned:Mon-09' },
        { predictedS: 60, actualS: 60, hour: 17, approachClass: null, profile: 'static' },
      ],
      2,
    );
    expect(a.all.count).toBe(4);
    // Errors sorted: -20, 0, 30, 50; nearest-rank median = 0.
    expect(a.all.medianErrorS).toBe(0);
    expect(a.all.maeS).toBe(25);
    expect(a.all.p10ErrorS).toBe(-20);
    expect(a.all.p90ErrorS).toBe(50);
    expect(a.all.mape).toBeCloseTo((50 / 150 + 20 / 180 + 30 / 330 + 0) / 4, 12);
    expect(a.byHour).toHaveLength(24);
    expect(a.byHour[8]).toMatchObject({ hour: 8, count: 2, maeS: 35 });
    expect(a.byHour[0]).toMatchObject({ count: 0, medianErrorS: null, mape: null });
    // An on-scene report 5 s after a 240 s promise counts against the 60 s floor (3.9), not 5 s (47).
    const quick = etaAccuracy(
      [{ predictedS: 240, actualS: 5, hour: 9, approachClass: 'primary', profile: 'static' }],
      0,
    );
    expect(quick.all.mape).toBeCloseTo(235 / 60, 12);
    expect(a.byRoadClass.map((c) => [c.roadClass, c.count])).toEqual([
      ['residential', 2],
      ['primary', 1],
      ['unknown', 1],
    ]);
    expect(a.byProfile.map((p) => [p.profile, p.count])).toEqual([
      ['learned', 2],
      ['static', 2],
    ]);
    expect(a.awaitingArrival).toBe(2);
  });

  it('labels the learned profile by UTC hour of week', () => {
    expect(learnedProfileLabel(0)).toBe('learned:Mon-00');
    expect(learnedProfileLabel(8)).toBe('learned:Mon-08');
    expect(learnedProfileLabel(167)).toBe('learned:Sun-23');
    expect(() => learnedProfileLabel(168)).toThrow(RangeError);
    // 2026-11-23 is a Monday.
    expect(hourOfWeekAt(new Date('2026-11-23T08:30:00Z'))).toBe(8);
    expect(hourOfWeekAt(new Date('2026-11-29T23:59:59Z'))).toBe(167);
  });
});
