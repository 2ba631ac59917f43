import { describe, expect, it } from 'vitest';
import { checkInDistance, hoursServed, monthOf, overlaps, signUpRefusal } from './volunteers.js';

const shift = (from: string, to: string, id = 's') => ({
  id,
  startsAt: `2026-11-30T${from}:00Z`,
  endsAt: `2026-11-30T${to}:00Z`,
});
const NOW = new Date('2026-11-30T00:00:00Z');

describe('volunteer rules', () => {
  it('overlap: touching ends do not overlap, a shared minute does', () => {
    expect(overlaps(shift('08:00', '10:00'), shift('10:00', '12:00'))).toBe(false);
    expect(overlaps(shift('08:00', '10:01'), shift('10:00', '12:00'))).toBe(true);
  });

  it('refuses a full shift, an overlapping one, a repeat and a past one, naming field and rule', () => {
    const s = { ...shift('08:00', '10:00'), capacity: 2, signed: 2 };
    expect(signUpRefusal(s, [], NOW)).toEqual({ field: 'shiftId', rule: 'capacity' });
    const open = { ...s, signed: 1 };
    expect(signUpRefusal(open, [shift('09:00', '11:00', 'x')], NOW)?.rule).toBe('overlap');
    expect(signUpRefusal(open, [shift('08:00', '10:00')], NOW)?.rule).toBe('already_signed');
    expect(signUpRefusal(open, [], new Date('2026-11-30T10:00:00Z'))?.rule).toBe('shift_over');
    expect(signUpRefusal(open, [shift('10:00', '11:00', 'x')], NOW)).toBeNull();
  });

  it('accepts a check-in within the radius or inside the area', () => {
    const place = { lon: 114.1955, lat: 22.6955, radiusM: 200, area: null };
    expect(checkInDistance(place, { lon: 114.1965, lat: 22.6955 }).ok).toBe(true);
    expect(checkInDistance(place, { lon: 114.1955, lat: 22.7055 })).toMatchObject({ ok: false });
    const area = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [114.19, 22.69],
          [114.21, 22.69],
          [114.21, 22.71],
          [114.19, 22.71],
          [114.19, 22.69],
        ] as [number, number][],
      ],
    };
    expect(checkInDistance({ ...place, area }, { lon: 114.1955, lat: 22.7055 }).ok).toBe(true);
  });

  it('counts hours from check-in or start to check-out or end', () => {
    const s = shift('08:00', '10:00');
    expect(hoursServed(s, null, null)).toBe(0);
    expect(hoursServed(s, '2026-11-30T07:40:00Z', null)).toBe(2);
    expect(hoursServed(s, '2026-11-30T08:30:00Z', '2026-11-30T09:15:00Z')).toBe(0.75);
    expect(monthOf('2026-11-30T16:30:00Z')).toBe('2026-12');
  });
});
