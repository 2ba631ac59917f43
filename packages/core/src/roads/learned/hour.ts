/**
 * Which travel-time profile a route was timed with, as a short label the dispatch answer carries:
 * `static` (road class and maxspeed) or `learned:Mon-08` (the learned profile of hour of week
 * Monday 08:00–09:00). Hours of week are those the learning stores: UTC (the nightly run builds
 * its statistics with offset 0), Monday 00:00 = 0.
 */
import { HOURS_PER_WEEK, hourOfWeek } from './profile';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

export type TimeProfileLabel = 'static' | `learned:${string}`;

/** `learned:Mon-08` for hour of week 8. */
export function learnedProfileLabel(how: number): TimeProfileLabel {
  if (!(Number.isInteger(how) && how >= 0 && how < HOURS_PER_WEEK))
    throw new RangeError(`bad hour of week ${how}`);
  return `learned:${WEEKDAYS[Math.floor(how / 24)]}-${String(how % 24).padStart(2, '0')}`;
}

/** The UTC hour of week of a time. */
export function hourOfWeekAt(at: Date): number {
  return hourOfWeek(Math.floor(at.getTime() / 1000), 0);
}
