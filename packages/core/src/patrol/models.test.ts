import { describe, expect, it } from 'vitest';
import { evaluateModels, rollingWindows } from './evaluate';
import {
  countPerUnit,
  DEFAULT_MODEL_PARAMS,
  inPeriod,
  kdeRate,
  type LocatedIncidents,
  networkKdeRate,
  priorCountsRate,
  recentRate,
  SegmentNetwork,
} from './models';
import { incidentSlots, windowShares, windowSlots } from './profile';
import { rankHotspots } from './rank';
import { LAT0, LON0, STEP, testCity } from './test-city';
import { locateAll, segmentUnits } from './units';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-05T00:00:00Z'); // a Monday

/** Incidents at points, at the given times. */
function incidents(
  units: ReturnType<typeof segmentUnits>,
  points: [number, number, number][],
): LocatedIncidents {
  const lon = Float64Array.from(points, (p) => p[0]);
  const lat = Float64Array.from(points, (p) => p[1]);
  return { lon, lat, time: Float64Array.from(points, (p) => p[2]), unit: locateAll(units, lon, lat) };
}

describe('hot-spot models', () => {
  const graph = testCity();
  const units = segmentUnits(graph);
  // A hot block on Row 1 Street, one incident a day for 28 days, and a few elsewhere.
  const hotLon = LON0 + 1.5 * STEP;
  const hotLat = LAT0 + STEP + 0.0001;
  const points: [number, number, number][] = [];
  for (let d = 0; d < 28; d++) points.push([hotLon, hotLat, T0 + d * DAY + 20 * 3_600_000]);
  for (let d = 0; d < 28; d += 7)
    points.push([LON0 + 3 * STEP, LAT0 + 2.5 * STEP, T0 + d * DAY + 9 * 3_600_000]);
  const data = incidents(units, points);
  const all = inPeriod(data, T0, T0 + 28 * DAY);
  const hot = data.unit[0];

  it('prior counts: incidents per day per unit', () => {
    const rate = priorCountsRate(units, data, all, 28);
    expect(rate[hot]).toBeCloseTo(1);
    expect(rate.reduce((a, b) => a + b, 0)).toBeCloseTo(32 / 28);
    expect(countPerUnit(units, data, all)[hot]).toBe(28);
  });

  it('recent: a steady rate gives the prior-count rate back; a burst last week weighs more', () => {
    const steady = recentRate(units, data, all, T0 + 28 * DAY, 28, 14);
    // Daily incidents at 20:00 against a continuous weight: close to 1 a day.
    expect(steady[hot]).toBeGreaterThan(0.9);
    expect(steady[hot]).toBeLessThan(1.1);
    const burst = incidents(units, [
      [hotLon, hotLat, T0 + 27 * DAY],
      [LON0 + 3 * STEP, LAT0 + 2.5 * STEP, T0 + DAY],
    ]);
    const rate = recentRate(units, burst, inPeriod(burst, T0, T0 + 28 * DAY), T0 + 28 * DAY, 28, 7);
    expect(rate[burst.unit[0]]).toBeGreaterThan(4 * rate[burst.unit[1]]);
  });

  it('kde and network kde move incidents to neighbours but keep the total', () => {
    const prior = priorCountsRate(units, data, all, 28);
    const total = prior.reduce((a, b) => a + b, 0);
    for (const rate of [
      kdeRate(units, data, all, 28, 150),
      networkKdeRate(new SegmentNetwork(graph, units.segments), units, data, all, 28, 150),
    ]) {
      expect(rate.reduce((a, b) => a + b, 0)).toBeCloseTo(total, 6);
      // The hot block stays the hottest, and some of it reaches blocks with no incident.
      const order = [...rate.keys()].sort((a, b) => rate[b] - rate[a]);
      expect(order[0]).toBe(hot);
      expect([...rate].filter((r, u) => r > 0 && prior[u] === 0).length).toBeGreaterThan(0);
    }
  });

  it('network distances follow the streets', () => {
    const network = new SegmentNetwork(graph, units.segments);
    const seen = new Map<number, number>();
    network.around(hot, 400, (s, d) => seen.set(s, d));
    expect(seen.get(hot)).toBe(0);
    // The next block along Row 1 Street is about one block (~190 m) away, middle to middle.
    const east = units.locate(LON0 + 2.5 * STEP, LAT0 + STEP + 0.0001);
    expect(seen.get(east)).toBeGreaterThan(150);
    expect(seen.get(east)).toBeLessThan(250);
  });

  it('time-of-day profiles cut a week down to a shift', () => {
    const slots = incidentSlots('UTC', data.time);
    const week = windowShares(units.count, data.unit, slots, all, windowSlots('UTC', T0, T0 + 7 * DAY));
    expect(week[hot]).toBeCloseTo(1, 6);
    // Every hot incident happened 20:00–21:00: a Monday evening holds its Mondays (1/7 of them).
    const evening = windowShares(
      units.count,
      data.unit,
      slots,
      all,
      windowSlots('UTC', T0 + 19 * 3_600_000, T0 + 23 * 3_600_000),
    );
    expect(evening[hot]).toBeGreaterThan(0.08);
    const morning = windowShares(
      units.count,
      data.unit,
      slots,
      all,
      windowSlots('UTC', T0 + 5 * 3_600_000, T0 + 8 * 3_600_000),
    );
    expect(morning[hot]).toBeLessThan(evening[hot] / 3);
    const ranking = rankHotspots(
      { units, incidents: data, params: DEFAULT_MODEL_PARAMS },
      {
        model: 'prior_counts',
        from: T0 + 28 * DAY,
        to: T0 + 35 * DAY,
        trainTo: T0 + 28 * DAY,
        trainDays: 28,
        tz: 'UTC',
        coverage: 0.1,
        limit: 5,
      },
    );
    expect(ranking.ranked[0]).toMatchObject({ unit: hot, rank: 1, trainCount: 28, flagged: true });
    expect(ranking.ranked[0].expected).toBeCloseTo(7, 6);
    expect(ranking.totalExpected).toBeCloseTo(8, 6);
  });

  it('evaluates in rolling windows: a stable hot spot is found by every model', () => {
    const windows = rollingWindows(data.time, { trainDays: 14, testDays: 7, windows: 3, tz: 'UTC' });
    expect(windows.map((w) => (w.testTo - w.testFrom) / DAY)).toEqual([7, 7]);
    // The last window ends at the end of the last day with an incident.
    expect(windows[1].testTo).toBe(T0 + 28 * DAY);
    const result = evaluateModels(units, data, {
      trainDays: 14,
      testDays: 7,
      windows: 3,
      coverages: [0.05],
      models: ['prior_counts', 'kde', 'recent', 'network_kde'],
      tz: 'UTC',
      params: DEFAULT_MODEL_PARAMS,
      graph,
      segments: units.segments,
    });
    expect(result.windows).toHaveLength(2);
    expect(result.incidentsTested).toBe(16);
    for (const model of ['prior_counts', 'kde', 'recent', 'network_kde'] as const) {
      const [s] = result.models[model] ?? [];
      expect(s.captured).toBe(14);
      expect(s.pei).toBeCloseTo(1, 6);
    }
  });
});
