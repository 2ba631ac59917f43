/**
 * Which travel-time profile a route was timed with, as a short label the dispatch answer carries:
 * `static` (road class and maxspeed) or `learned:Mon-08` (the learned profile of hour of week
 * Monday 08:00–09:00). Hours of week are the city's local wall-clock hours (Asia/Shanghai unless
 * the city says otherwise), Monday 00:00 = 0: the learning stores each traversal under the local
 * hour of its entry, and a user's pick (`learned:Sun-23`) or the current time is read the same way.
 */
import { HOURS_PER_WEEK, hourOfWeek } from './profile';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

/** The city time zone when none is configured (Shenzhen, UTC+8 all year). */
export const DEFAULT_CITY_TIME_ZONE = 'Asia/Shanghai';

export type TimeProfileLabel = 'static' | `learned:${string}`;

/** `learned:Mon-08` for hour of week 8. */
export function learnedProfileLabel(how: number): TimeProfileLabel {
  if (!(Number.isInteger(how) && how >= 0 && how < HOURS_PER_WEEK))
    throw new RangeError(`bad hour of week ${how}`);
  return `learned:${WEEKDAYS[Math.floor(how / 24)]}-${String(how % 24).padStart(2, '0')}`;
}

/**
 * `learned:Mon-08:emergency`: the emergency-driving profile (lights and siren) of that hour. Still
 * a `learned:` label (stored ETAs accept it as such), but no hour a user may pick for coverage.
 */
export function emergencyProfileLabel(how: number): TimeProfileLabel {
  return `${learnedProfileLabel(how) as `learned:${string}`}:emergency`;
}

/** The hour of week a label names (`learned:Sun-23` → 167), null for anything else. */
export function parseLearnedLabel(label: string): number | null {
  const m = /^learned:(Mon|Tue|Wed|Thu|Fri|Sat|Sun)-([01]\d|2[0-3])$/.exec(label);
  if (!m) return null;
  return WEEKDAYS.indexOf(m[1] as (typeof WEEKDAYS)[number]) * 24 + Number(m[2]);
}

/** The offset of a time zone from UTC at a moment, in seconds (east positive). */
export function utcOffsetSeconds(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((wall - Math.floor(at.getTime() / 1000) * 1000) / 1000);
}

/** The hour of week of a time in a time zone (UTC when none is given). */
export function hourOfWeekAt(at: Date, timeZone?: string): number {
  const offset = timeZone ? utcOffsetSeconds(timeZone, at) : 0;
  return hourOfWeek(Math.floor(at.getTime() / 1000), offset);
}
