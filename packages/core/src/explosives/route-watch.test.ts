import { describe, expect, it } from 'vitest';
import { distanceToRouteM, type Fix, watchRoute } from './route-watch.js';

// A straight permitted route east along latitude 22.70 from 114.10 to 114.20 (about 10.3 km).
const ROUTE: [number, number][] = [
  [114.1, 22.7],
  [114.2, 22.7],
];
const M_PER_DEG_LAT = 111_195;
const T0 = Date.parse('2026-11-29T08:00:00+08:00');
const fix = (minute: number, lon: number, northM = 0): Fix => ({
  at: T0 + minute * 60_000,
  lon,
  lat: 22.7 + northM / M_PER_DEG_LAT,
});

describe('explosives transport watch (AVL against the permitted route)', () => {
  it('measures the distance to the route in metres', () => {
    expect(distanceToRouteM([114.15, 22.7 + 300 / M_PER_DEG_LAT], ROUTE)).toBeCloseTo(300, 0);
    // Beyond the end: to the end point.
    expect(distanceToRouteM([114.2 + 0.001, 22.7], ROUTE)).toBeCloseTo(102.7, 0);
  });

  it('a vehicle on its route, moving, raises nothing; a single stray fix is not a deviation', () => {
    const track = Array.from({ length: 20 }, (_, i) => fix(i * 2, 114.1 + i * 0.005, i === 7 ? 900 : 10));
    expect(watchRoute(ROUTE, track, { maxOffRouteM: 500, maxStopMin: 20 })).toEqual([]);
  });

  it('leaving the route by more than the set distance raises one alarm for the episode', () => {
    const track = Array.from({ length: 20 }, (_, i) =>
      fix(i * 2, 114.1 + i * 0.005, i >= 8 && i <= 11 ? 600 + i * 100 : 0),
    );
    const alarms = watchRoute(ROUTE, track, { maxOffRouteM: 500, maxStopMin: 20 });
    expect(alarms).toEqual([
      {
        kind: 'route_deviation',
        from: T0 + 16 * 60_000,
        to: T0 + 22 * 60_000,
        maxDistanceM: 1700,
        lon: expect.any(Number),
        lat: expect.any(Number),
      },
    ]);
  });

  it('standing still longer than allowed raises a long stop; a short stop does not', () => {
    const moving = (from: number, n: number, lon0: number) =>
      Array.from({ length: n }, (_, i) => fix(from + i, lon0 + i * 0.003));
    const track = [
      ...moving(0, 5, 114.1),
      ...Array.from({ length: 40 }, (_, i) => fix(5 + i, 114.115, (i % 3) * 5)), // 39 min in one place
      ...moving(45, 5, 114.12),
      ...Array.from({ length: 10 }, (_, i) => fix(50 + i, 114.135)), // 9 min
      ...moving(60, 5, 114.14),
    ];
    expect(watchRoute(ROUTE, track, { maxOffRouteM: 500, maxStopMin: 30 })).toEqual([
      {
        kind: 'long_stop',
        from: T0 + 5 * 60_000,
        to: T0 + 44 * 60_000,
        minutes: 39,
        lon: 114.115,
        lat: 22.7,
      },
    ]);
  });
});
