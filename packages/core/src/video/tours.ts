/**
 * The video patrol schedule's shifts, Beijing time (UTC+8, no daylight saving): day 08:00–20:00
 * (00:00–12:00 UTC), night 20:00–08:00 (12:00–24:00 UTC). A tour scheduled for a shift is due once
 * in each occurrence of it; an occurrence that has ended without a completed run is missed.
 */
import type { TourShift } from './schemas';

const HALF_DAY = 12 * 3_600_000;

export interface ShiftOccurrence {
  shift: TourShift;
  start: Date;
  end: Date;
}

/** The shift occurrence a moment falls in. */
export function shiftAt(at: Date): ShiftOccurrence {
  const start = Math.floor(at.getTime() / HALF_DAY) * HALF_DAY;
  const shift: TourShift = (start / HALF_DAY) % 2 === 0 ? 'day' : 'night';
  return { shift, start: new Date(start), end: new Date(start + HALF_DAY) };
}

/** The occurrences of the given shifts that start in [from, to). */
export function shiftsBetween(from: Date, to: Date, shifts: readonly TourShift[]): ShiftOccurrence[] {
  const out: ShiftOccurrence[] = [];
  for (let s = Math.floor(from.getTime() / HALF_DAY) * HALF_DAY; s < to.getTime(); s += HALF_DAY) {
    if (s < from.getTime()) continue;
    const o = shiftAt(new Date(s));
    if (shifts.includes(o.shift)) out.push(o);
  }
  return out;
}
