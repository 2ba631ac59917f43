import { describe, expect, it } from 'vitest';
import {
  addLocalDays,
  combineDateAndClock,
  hourOfWeek,
  parseClock,
  parseDateTime,
  startOfLocalDay,
  zonedToUtc,
} from './time';

const sh = { tz: 'Asia/Shanghai' };
const la = { tz: 'America/Los_Angeles' };
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('times in real export formats', () => {
  it('reads ISO 8601 with and without an offset', () => {
    expect(iso(parseDateTime('2019-03-13T07:24:00Z', sh))).toBe('2019-03-13T07:24:00.000Z');
    expect(iso(parseDateTime('2019-03-13T07:24:00+08:00', la))).toBe('2019-03-12T23:24:00.000Z');
    expect(iso(parseDateTime('2019-03-13 07:24', sh))).toBe('2019-03-12T23:24:00.000Z');
    expect(iso(parseDateTime('2019-03-13', sh))).toBe('2019-03-12T16:00:00.000Z');
    expect(parseDateTime('2019-02-30T10:00:00', sh)).toBeNull();
  });

  it('reads M/D/YYYY h:mm[:ss] [AM|PM] (US portals) and YYYY/MM/DD HH:mm', () => {
    expect(iso(parseDateTime('03/13/2019 12:00:00 AM', la))).toBe('2019-03-13T07:00:00.000Z');
    expect(iso(parseDateTime('3/13/2019 1:05 PM', la))).toBe('2019-03-13T20:05:00.000Z');
    expect(iso(parseDateTime('3/13/2019 13:05', la))).toBe('2019-03-13T20:05:00.000Z');
    expect(iso(parseDateTime('2026/11/20 21:05', sh))).toBe('2026-11-20T13:05:00.000Z');
    expect(iso(parseDateTime('2026年11月20日 21时05分', sh))).toBe('2026-11-20T13:05:00.000Z');
    expect(iso(parseDateTime('13/03/2019 10:00', { ...sh, format: 'dmy' }))).toBe('2019-03-13T02:00:00.000Z');
    expect(parseDateTime('13/13/2019 10:00', sh)).toBeNull();
    expect(parseDateTime('3/13/2019 13:05 PM', la)).toBeNull();
  });

  it('reads Unix seconds and milliseconds, and epochs that hold local wall-clock time', () => {
    expect(iso(parseDateTime('1552461840', sh))).toBe('2019-03-13T07:24:00.000Z');
    expect(iso(parseDateTime(1552461840000, sh))).toBe('2019-03-13T07:24:00.000Z');
    // Open Baltimore: 1546305660000 reads 2019-01-01T01:21Z, meaning 01:21 in Baltimore.
    expect(iso(parseDateTime(1546305660000, { tz: 'America/New_York', epochIsLocal: true }))).toBe(
      '2019-01-01T06:21:00.000Z',
    );
    // A forced format reads only its own shape.
    expect(parseDateTime('2019-03-13', { ...sh, format: 'mdy' })).toBeNull();
    expect(iso(parseDateTime('1552461840', { ...sh, format: 'unix' }))).toBe('2019-03-13T07:24:00.000Z');
  });

  it('combines a date column and a time-of-day column', () => {
    expect(iso(combineDateAndClock('03/13/2019 12:00:00 AM', '07:24', la))).toBe('2019-03-13T14:24:00.000Z');
    expect(iso(combineDateAndClock('2019-03-13', '0930', la))).toBe('2019-03-13T16:30:00.000Z');
    expect(combineDateAndClock('2019-03-13', '25:00', la)).toBeNull();
    expect(parseClock('7:24 pm')).toEqual({ hour: 19, minute: 24, second: 0, ms: 0 });
  });

  it('handles daylight saving: the skipped and the repeated hour', () => {
    // 2019-03-10 02:30 does not exist in Los Angeles; 2019-11-03 01:30 happens twice.
    expect(iso(zonedToUtc('America/Los_Angeles', 2019, 3, 10, 3, 30))).toBe('2019-03-10T10:30:00.000Z');
    expect(iso(zonedToUtc('America/Los_Angeles', 2019, 11, 3, 1, 30))).toBe('2019-11-03T08:30:00.000Z');
    const midnight = startOfLocalDay('America/Los_Angeles', Date.parse('2019-03-10T20:00:00Z'));
    expect(iso(midnight)).toBe('2019-03-10T08:00:00.000Z');
    // The next local midnight is 23 hours later that day.
    expect(addLocalDays('America/Los_Angeles', midnight, 1) - midnight).toBe(23 * 3_600_000);
  });

  it('gives the hour of the week in the zone, Monday 00:00 first', () => {
    // 2026-11-23 is a Monday.
    expect(hourOfWeek('Asia/Shanghai', Date.parse('2026-11-22T16:30:00Z'))).toBe(0);
    expect(hourOfWeek('Asia/Shanghai', Date.parse('2026-11-29T15:59:00Z'))).toBe(167);
  });
});
