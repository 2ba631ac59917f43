import { latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { evaluateOutcome } from './evaluation';

const DAY = 86_400_000;
const START = new Date('2026-10-05T00:00:00Z');
const HOT = { lon: 114.1955, lat: 22.6955 };
const ELSEWHERE = { lon: 114.21, lat: 22.7 };

function columns(rows: { lon: number; lat: number; at: number }[]) {
  return { lon: rows.map((r) => r.lon), lat: rows.map((r) => r.lat), time: rows.map((r) => r.at) };
}

describe('incidents in planned hot spots against the rest, before and after the start', () => {
  const hotCell = latLngToCell(HOT.lat, HOT.lon, 9);
  const rows: { lon: number; lat: number; at: number }[] = [];
  // 4 weeks before: 10 a week at the hot spot, 20 elsewhere; 4 weeks after: 5 and 20.
  for (let w = -4; w < 4; w++) {
    for (let k = 0; k < (w < 0 ? 10 : 5); k++)
      rows.push({ ...HOT, at: START.getTime() + w * 7 * DAY + k * 3_600_000 });
    for (let k = 0; k < 20; k++)
      rows.push({ ...ELSEWHERE, at: START.getTime() + w * 7 * DAY + k * 3_600_000 });
  }
  // Outside the weeks asked for: never counted.
  rows.push({ ...HOT, at: START.getTime() - 40 * DAY });

  it('counts each week inside and outside and reads the change against the rest of the area', () => {
    const out = evaluateOutcome({
      incidents: columns(rows),
      planned: new Map([[hotCell, { name: '龙城大道', doseMinutes: 4 * 120 }]]),
      start: START,
      now: new Date(START.getTime() + 30 * DAY),
      weeksBefore: 4,
      weeksAfter: 4,
    });
    expect(out.weeks.map((w) => w.week)).toEqual([-4, -3, -2, -1, 0, 1, 2, 3]);
    expect(out.weeks.map((w) => w.inside)).toEqual([10, 10, 10, 10, 5, 5, 5, 5]);
    expect(out.weeks.every((w) => w.outside === 20)).toBe(true);
    expect(out.summary).toMatchObject({
      insideBefore: 40,
      insideAfter: 20,
      outsideBefore: 80,
      outsideAfter: 80,
    });
    expect(out.summary.relativeChange).toBeCloseTo(0.5, 12);
    expect(out.dosage).toEqual([
      { cell: hotCell, name: '龙城大道', doseMinutesPerWeek: 120, beforePerWeek: 10, afterPerWeek: 5 },
    ]);
  });

  it('leaves weeks not over yet out of the after rates', () => {
    const out = evaluateOutcome({
      incidents: columns(rows),
      planned: new Map([[hotCell, { name: null, doseMinutes: null }]]),
      start: START,
      now: new Date(START.getTime() + 15 * DAY),
      weeksBefore: 4,
      weeksAfter: 4,
    });
    expect(out.summary.weeksAfterComplete).toBe(2);
    expect(out.summary.insideAfter).toBe(10);
    expect(out.dosage[0].doseMinutesPerWeek).toBeNull();
  });

  it('has no relative change without incidents before', () => {
    const out = evaluateOutcome({
      incidents: columns([]),
      planned: new Map([[hotCell, { name: null, doseMinutes: null }]]),
      start: START,
      now: new Date(START.getTime() + 30 * DAY),
      weeksBefore: 2,
      weeksAfter: 2,
    });
    expect(out.summary.relativeChange).toBeNull();
  });
});
