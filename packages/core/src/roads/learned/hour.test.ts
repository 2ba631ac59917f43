import { describe, expect, it } from 'vitest';
import type { RoadGraph } from '../graph';
import {
  DEFAULT_CITY_TIME_ZONE,
  hourOfWeekAt,
  learnedProfileLabel,
  parseLearnedLabel,
  utcOffsetSeconds,
} from './hour';
import { HOURS_PER_WEEK, TraversalStats } from './profile';

describe('learned hours of week in the city’s local time', () => {
  it('reads labels back to their hour, and refuses anything else', () => {
    for (let how = 0; how < HOURS_PER_WEEK; how++)
      expect(parseLearnedLabel(learnedProfileLabel(how))).toBe(how);
    for (const bad of ['learned:Mon-24', 'learned:mon-08', 'static', 'learned:Mon-8', 'learned'])
      expect(parseLearnedLabel(bad)).toBeNull();
  });

  it('puts Sunday 23:00 in Shenzhen in Sunday’s last hour, though it is Sunday 15:00 UTC', () => {
    expect(DEFAULT_CITY_TIME_ZONE).toBe('Asia/Shanghai');
    expect(utcOffsetSeconds('Asia/Shanghai', new Date('2026-11-29T15:30:00Z'))).toBe(8 * 3600);
    // Sunday 23:30 local = Sunday 15:30 UTC.
    const sunday = new Date('2026-11-29T15:30:00Z');
    expect(hourOfWeekAt(sunday, 'Asia/Shanghai')).toBe(167);
    expect(learnedProfileLabel(hourOfWeekAt(sunday, 'Asia/Shanghai'))).toBe('learned:Sun-23');
    expect(hourOfWeekAt(sunday)).toBe(6 * 24 + 15);
    // Monday 00:00 local is still Sunday in UTC (16:00); Monday 00:30 UTC is Monday 08:00 local.
    expect(hourOfWeekAt(new Date('2026-11-29T16:00:00Z'), 'Asia/Shanghai')).toBe(0);
    expect(hourOfWeekAt(new Date('2026-11-29T16:00:00Z'))).toBe(6 * 24 + 16);
    expect(hourOfWeekAt(new Date('2026-11-30T00:30:00Z'), 'Asia/Shanghai')).toBe(8);
    expect(hourOfWeekAt(new Date('2026-11-30T00:30:00Z'))).toBe(0);
    // A zone with daylight saving: the offset of the moment.
    expect(utcOffsetSeconds('Europe/Paris', new Date('2026-07-01T12:00:00Z'))).toBe(2 * 3600);
    expect(utcOffsetSeconds('Europe/Paris', new Date('2026-12-01T12:00:00Z'))).toBe(3600);
  });

  it('learns a traversal under the same local hour a user picks (the boundary on either side)', () => {
    const graph = {
      nodeCount: 2,
      edgeCount: 1,
      edgeLength: Float64Array.of(100),
      edgeTime: Float64Array.of(10),
      ways: [],
    } as unknown as RoadGraph;
    const sundayLate = Date.parse('2026-11-29T15:59:00Z') / 1000; // Sunday 23:59 in Shenzhen
    const mondayEarly = Date.parse('2026-11-29T16:01:00Z') / 1000; // Monday 00:01 in Shenzhen
    const stats = new TraversalStats(graph, utcOffsetSeconds('Asia/Shanghai', new Date(sundayLate * 1000)));
    expect(stats.add(0, sundayLate, sundayLate + 12)).toBe(true);
    expect(stats.add(0, mondayEarly, mondayEarly + 14)).toBe(true);
    expect(stats.n[parseLearnedLabel('learned:Sun-23')!]).toBe(1);
    expect(stats.sum[parseLearnedLabel('learned:Sun-23')!]).toBe(12);
    expect(stats.n[parseLearnedLabel('learned:Mon-00')!]).toBe(1);
    expect(stats.sum[parseLearnedLabel('learned:Mon-00')!]).toBe(14);
    // The picked hour and the current hour name the cell the traversal went to.
    expect(stats.n[hourOfWeekAt(new Date(sundayLate * 1000), 'Asia/Shanghai')]).toBe(1);
    expect(stats.n[6 * 24 + 15]).toBe(0); // not the UTC hour
  });
});
