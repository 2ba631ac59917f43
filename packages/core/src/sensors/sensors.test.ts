import { describe, expect, it } from 'vitest';
import { acknowledge, alarmForEvent, clear, dueForEscalation, escalate, raiseAgain } from './alarm.js';
import { countFlag, crowdLevel, density, ringAreaM2, trendPerMinute } from './crowd.js';
import { sensorMessageSchema } from './schemas.js';

describe('alarm lifecycle (ThingsBoard)', () => {
  it('acknowledges and clears independently, each once', () => {
    expect(acknowledge('active_unack')).toBe('active_ack');
    expect(acknowledge('active_ack')).toBeNull();
    expect(clear('active_ack')).toBe('cleared_ack');
    expect(clear('active_unack')).toBe('cleared_unack');
    expect(acknowledge('cleared_unack')).toBe('cleared_ack');
    expect(clear('cleared_ack')).toBeNull();
  });
  it('a repeat keeps one alarm, counting and keeping the higher severity', () => {
    const a = raiseAgain(
      { status: 'active_unack', severity: 'minor', repeats: 0, escalated: false },
      'major',
    );
    expect(a).toMatchObject({ repeats: 1, severity: 'major' });
    expect(raiseAgain(a, 'warning').severity).toBe('major');
  });
  it('escalates an unacknowledged active alarm once, after the set time', () => {
    const base = { status: 'active_unack' as const, escalated: false, startedAtMs: 0 };
    expect(dueForEscalation(base, 59_000, 60_000)).toBe(false);
    expect(dueForEscalation(base, 60_000, 60_000)).toBe(true);
    expect(dueForEscalation({ ...base, status: 'active_ack' }, 90_000, 60_000)).toBe(false);
    expect(dueForEscalation({ ...base, escalated: true }, 90_000, 60_000)).toBe(false);
    expect(escalate('minor')).toBe('major');
    expect(escalate('critical')).toBe('critical');
  });
  it('maps events per kind', () => {
    expect(alarmForEvent('alarm_button', 'press')).toEqual({ type: 'alarm_button', severity: 'critical' });
    expect(alarmForEvent('door', 'open')).toBeNull();
    expect(alarmForEvent('door', 'press')).toBeNull();
  });
});

describe('crowd density', () => {
  // About 100 m × 100 m near Longgang.
  const dLon = 100 / (111_320 * Math.cos((22.7 * Math.PI) / 180));
  const dLat = 100 / 110_574;
  const ring: [number, number][] = [
    [114.2, 22.7],
    [114.2 + dLon, 22.7],
    [114.2 + dLon, 22.7 + dLat],
    [114.2, 22.7 + dLat],
    [114.2, 22.7],
  ];
  it('divides the count by the polygon area', () => {
    const m2 = ringAreaM2(ring);
    expect(m2).toBeGreaterThan(9_800);
    expect(m2).toBeLessThan(10_200);
    expect(density(20_000, m2)).toBeCloseTo(2, 1);
    expect(crowdLevel(2, 2, 4)).toBe('warning');
    expect(crowdLevel(4.1, 2, 4)).toBe('alarm');
    expect(crowdLevel(1, 2, 4)).toBe('normal');
  });
  it('flags negative counts and counts beyond capacity', () => {
    expect(countFlag(-1, 100)).toBe('negative');
    expect(countFlag(101, 100)).toBe('beyond_capacity');
    expect(countFlag(100, 100)).toBeNull();
  });
  it('trend is people per minute', () => {
    expect(
      trendPerMinute([
        { atMs: 0, count: 100 },
        { atMs: 60_000, count: 160 },
        { atMs: 120_000, count: 220 },
      ]),
    ).toBeCloseTo(60);
    expect(trendPerMinute([{ atMs: 0, count: 1 }])).toBeNull();
    // A burst within a second is no rate.
    expect(
      trendPerMinute([
        { atMs: 0, count: 100 },
        { atMs: 500, count: 9_000 },
      ]),
    ).toBeNull();
  });
});

describe('device messages', () => {
  it('accepts the four types and refuses the malformed', () => {
    expect(sensorMessageSchema.safeParse({ type: 'heartbeat' }).success).toBe(true);
    expect(sensorMessageSchema.parse({ type: 'event', event: 'press' })).toMatchObject({ count: 1 });
    expect(sensorMessageSchema.safeParse({ type: 'event', event: 'PRESS!' }).success).toBe(false);
    expect(sensorMessageSchema.safeParse({ type: 'photo', data: 'x' }).success).toBe(false);
    expect(sensorMessageSchema.safeParse({ type: 'heartbeat', image: 'x' }).success).toBe(false);
  });
});
