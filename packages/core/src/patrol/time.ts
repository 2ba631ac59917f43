/**
 * Times in real incident exports, read into UTC instants.
 *
 * Exports write times in the agency's local wall-clock time, in many shapes: ISO 8601 with or
 * without an offset, `M/D/YYYY h:mm[:ss] [AM|PM]` (US open-data portals), `YYYY/MM/DD HH:mm`,
 * `YYYY年M月D日 HH:mm` (Chinese systems), Unix seconds or milliseconds, or a date and a time of
 * day in two columns. A wall-clock time without an offset is read in the given IANA time zone;
 * the zone's offset comes from the runtime's Intl data (no table of our own), cached per UTC hour
 * so millions of instants cost a map lookup each.
 */

export const DATE_FORMATS = ['auto', 'iso', 'mdy', 'dmy', 'ymd', 'unix', 'unix-ms'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

export interface TimeReadOptions {
  /** Forces one format; `auto` (default) recognises each value's shape. */
  format?: DateFormat;
  /** IANA zone of wall-clock times without an offset. */
  tz: string;
  /**
   * Epoch numbers hold local wall-clock time written as if it were UTC (Open Baltimore's exports
   * do this): their UTC reading is taken as a wall-clock time in `tz`.
   */
  epochIsLocal?: boolean;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, number>>();

/** Whether the runtime knows the IANA zone. */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The zone's offset from UTC at an instant, in ms (local = utc + offset). */
export function zoneOffsetMs(tz: string, utcMs: number): number {
  let perHour = offsetCache.get(tz);
  if (!perHour) {
    perHour = new Map();
    offsetCache.set(tz, perHour);
  }
  // Offsets change on whole hours or half hours in every zone in use; the cache key is the UTC
  // quarter-hour, which is safe for both.
  const key = Math.floor(utcMs / 900_000);
  let offset = perHour.get(key);
  if (offset === undefined) {
    const parts = formatter(tz).formatToParts(new Date(key * 900_000));
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    const local = Date.UTC(
      get('year'),
      get('month') - 1,
      get('day'),
      get('hour'),
      get('minute'),
      get('second'),
    );
    offset = local - key * 900_000;
    if (perHour.size > 200_000) perHour.clear();
    perHour.set(key, offset);
  }
  return offset;
}

/**
 * The UTC instant of a wall-clock time in a zone. In the hour a clock is set back, the earlier
 * instant; in the hour it skips, the time is read with the offset before the jump (as most
 * libraries do).
 */
export function zonedToUtc(
  tz: string,
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  ms = 0,
): number {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Two passes settle every case but the skipped hour.
  let utc = asUtc - zoneOffsetMs(tz, asUtc);
  const second_ = asUtc - zoneOffsetMs(tz, utc);
  if (second_ !== utc) {
    // Around a change: prefer the candidate whose local reading gives back the wall-clock time.
    const candidates = [utc, second_].sort((a, b) => a - b);
    utc = candidates.find((c) => c + zoneOffsetMs(tz, c) === asUtc) ?? candidates[0];
  }
  return utc;
}

/** Local (zone) milliseconds since the epoch of an instant: its wall-clock reading as if UTC. */
export function localMs(tz: string, utcMs: number): number {
  return utcMs + zoneOffsetMs(tz, utcMs);
}

/** Hour of the week in the zone, 0 = Monday 00:00–01:00 … 167 = Sunday 23:00–24:00. */
export function hourOfWeek(tz: string, utcMs: number): number {
  const local = localMs(tz, utcMs);
  const day = Math.floor(local / DAY_MS);
  // 1970-01-01 was a Thursday (Monday-based index 3).
  const dow = (((day + 3) % 7) + 7) % 7;
  const hour = Math.floor((local - day * DAY_MS) / HOUR_MS);
  return dow * 24 + hour;
}

/** The instant of the local midnight that starts the day holding `utcMs`, in the zone. */
export function startOfLocalDay(tz: string, utcMs: number): number {
  const local = localMs(tz, utcMs);
  const d = new Date(Math.floor(local / DAY_MS) * DAY_MS);
  return zonedToUtc(tz, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** `days` local calendar days after the local midnight `utcMidnight` (DST-safe). */
export function addLocalDays(tz: string, utcMidnight: number, days: number): number {
  const local = localMs(tz, utcMidnight);
  const d = new Date(Math.round(local / DAY_MS) * DAY_MS + days * DAY_MS);
  return zonedToUtc(tz, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

interface DateParts {
  year: number;
  month: number;
  day: number;
}
interface ClockParts {
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

const ISO =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const MDY = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]+(.+))?$/;
const YMD = /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:[ T]+(.+))?$/;
const CHINESE = /^(\d{4})年(\d{1,2})月(\d{1,2})日\s*(.*)$/;
const CLOCK =
  /^(\d{1,2})(?::|时)(\d{2})(?:(?::|分)(\d{2})(?:[.,](\d{1,9}))?)?(?:秒|分)?\s*([AaPp]\.?[Mm]\.?)?$/;
const COMPACT_CLOCK = /^(\d{2})(\d{2})$/;
const EPOCH = /^-?\d{9,13}(?:\.\d+)?$/;

function validDate(p: DateParts): boolean {
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.year < 1900 || p.year > 2200) return false;
  const last = new Date(Date.UTC(p.year, p.month, 0)).getUTCDate();
  return p.day <= last;
}

/** A time of day: `HH:mm`, `HH:mm:ss(.fff)`, `h:mm AM`, `HHmm`, `HH时mm分`. */
export function parseClock(text: string): ClockParts | null {
  const s = text.trim();
  if (s === '') return null;
  let m = CLOCK.exec(s);
  if (!m) {
    const c = COMPACT_CLOCK.exec(s);
    if (!c) return null;
    m = [s, c[1], c[2], undefined, undefined, undefined] as unknown as RegExpExecArray;
  }
  let hour = Number(m[1]);
  const minute = Number(m[2]);
  const second = m[3] ? Number(m[3]) : 0;
  const ms = m[4] ? Math.round(Number(`0.${m[4]}`) * 1000) : 0;
  const meridiem = m[5]?.replace(/\./g, '').toLowerCase();
  if (meridiem) {
    if (hour < 1 || hour > 12) return null;
    if (meridiem === 'am' && hour === 12) hour = 0;
    else if (meridiem === 'pm' && hour !== 12) hour += 12;
  }
  if (hour > 24 || minute > 59 || second > 60 || (hour === 24 && (minute > 0 || second > 0))) return null;
  return { hour, minute, second, ms };
}

function fromEpoch(value: number, unit: 'seconds' | 'ms', options: TimeReadOptions): number | null {
  const ms = unit === 'seconds' ? value * 1000 : value;
  if (!Number.isFinite(ms)) return null;
  if (!options.epochIsLocal) return Math.round(ms);
  const d = new Date(ms);
  return zonedToUtc(
    options.tz,
    d.getUTCFullYear(),
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

function offsetMs(text: string): number {
  if (/^z$/i.test(text)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(text);
  if (!m) return Number.NaN;
  const sign = m[1] === '-' ? -1 : 1;
  return sign * (Number(m[2]) * 60 + Number(m[3] ?? 0)) * 60_000;
}

function wallClock(date: DateParts, clock: ClockParts | null, tz: string): number | null {
  if (!validDate(date)) return null;
  const c = clock ?? { hour: 0, minute: 0, second: 0, ms: 0 };
  return zonedToUtc(tz, date.year, date.month, date.day, c.hour, c.minute, Math.min(59, c.second), c.ms);
}

/** The value's text shape, as far as `format` allows: which pattern matched, and its groups. */
function shapeOf(
  s: string,
  format: DateFormat,
): { kind: 'iso' | 'mdy' | 'dmy' | 'ymd' | 'zh' | 'epoch'; m: RegExpExecArray } | null {
  const allow = (f: DateFormat) => format === 'auto' || format === f;
  if (format === 'unix' || format === 'unix-ms' || (format === 'auto' && EPOCH.test(s))) {
    const m = /^.*$/.exec(s);
    return m ? { kind: 'epoch', m } : null;
  }
  const iso = allow('iso') ? ISO.exec(s) : null;
  if (iso) return { kind: 'iso', m: iso };
  const mdy = allow('mdy') || format === 'dmy' ? MDY.exec(s) : null;
  if (mdy) return { kind: format === 'dmy' ? 'dmy' : 'mdy', m: mdy };
  const ymd = allow('ymd') ? YMD.exec(s) : null;
  if (ymd) return { kind: 'ymd', m: ymd };
  const zh = format === 'auto' ? CHINESE.exec(s) : null;
  if (zh) return { kind: 'zh', m: zh };
  return null;
}

/** Year, month and day of a matched shape (ISO, M/D/Y, D/M/Y, Y/M/D, 年月日). */
function datePartsOf(kind: 'iso' | 'mdy' | 'dmy' | 'ymd' | 'zh', m: RegExpExecArray): DateParts {
  if (kind === 'mdy') return { year: Number(m[3]), month: Number(m[1]), day: Number(m[2]) };
  if (kind === 'dmy') return { year: Number(m[3]), month: Number(m[2]), day: Number(m[1]) };
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** The date part alone of a value (its time of day, if any, is ignored). */
export function parseDatePart(value: unknown, options: TimeReadOptions): DateParts | null {
  if (typeof value === 'number') {
    const t = parseDateTime(value, options);
    if (t === null) return null;
    const d = new Date(localMs(options.tz, t));
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
  }
  if (typeof value !== 'string') return null;
  const s = value.trim();
  const shape = shapeOf(s, options.format ?? 'auto');
  if (!shape) {
    // An ISO date followed by anything (a time in some other shape).
    const lead = (options.format ?? 'auto') === 'auto' ? /^(\d{4})-(\d{1,2})-(\d{1,2})/.exec(s) : null;
    return lead ? datePartsOf('iso', lead) : null;
  }
  if (shape.kind === 'epoch') return parseDatePart(Number(s), options);
  const parts = datePartsOf(shape.kind, shape.m);
  return validDate(parts) ? parts : null;
}

/**
 * One value (text or number) as a UTC instant in ms, or null when it is not a time this reads.
 * Numbers: Unix seconds, or milliseconds from 10^11 up (auto), or as `format` says.
 */
export function parseDateTime(value: unknown, options: TimeReadOptions): number | null {
  const format = options.format ?? 'auto';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    if (format === 'unix') return fromEpoch(value, 'seconds', options);
    if (format === 'unix-ms') return fromEpoch(value, 'ms', options);
    if (format !== 'auto') return null;
    return fromEpoch(value, Math.abs(value) >= 1e11 ? 'ms' : 'seconds', options);
  }
  if (typeof value !== 'string') return null;
  const s = value.trim();
  if (s === '') return null;
  const shape = shapeOf(s, format);
  if (!shape) return null;
  const { kind, m } = shape;
  if (kind === 'epoch') {
    const n = Number(s);
    return Number.isFinite(n) ? parseDateTime(n, options) : null;
  }
  const date = datePartsOf(kind, m);
  if (kind === 'iso') {
    const clock: ClockParts | null = m[4]
      ? {
          hour: Number(m[4]),
          minute: Number(m[5]),
          second: m[6] ? Number(m[6]) : 0,
          ms: m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0,
        }
      : null;
    if (clock && (clock.hour > 23 || clock.minute > 59 || clock.second > 60)) return null;
    if (!m[8]) return wallClock(date, clock, options.tz);
    if (!validDate(date)) return null;
    const off = offsetMs(m[8]);
    if (Number.isNaN(off)) return null;
    const c = clock ?? { hour: 0, minute: 0, second: 0, ms: 0 };
    return (
      Date.UTC(date.year, date.month - 1, date.day, c.hour, c.minute, Math.min(59, c.second), c.ms) - off
    );
  }
  const rest = m[4];
  const clock = rest ? parseClock(rest) : null;
  if (rest && !clock) return null;
  return wallClock(date, clock, options.tz);
}

/** A date in one column and a time of day in another (`03/13/2019 12:00:00 AM` + `07:24`). */
export function combineDateAndClock(date: unknown, clock: unknown, options: TimeReadOptions): number | null {
  const d = parseDatePart(date, options);
  if (!d) return null;
  const c =
    typeof clock === 'number' ? parseClock(String(clock).padStart(4, '0')) : parseClock(String(clock ?? ''));
  if (!c) return null;
  return wallClock(d, c, options.tz);
}
