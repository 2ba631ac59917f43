import { latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { ADJUST_DEFAULTS, adjustParamsSchema, poissonUpperTail, scanClusters } from './adjust';

const H = 3_600_000;
const WEEK = 7 * 24 * H;
const NOW = new Date('2026-11-29T14:00:00Z');
const PARAMS = adjustParamsSchema.parse({});
const SPOT = { lon: 114.1955, lat: 22.6955 };
const OTHER = { lon: 114.21, lat: 22.7 };

function columns(rows: { lon: number; lat: number; at: number }[]) {
  return {
    lon: rows.map((r) => r.lon),
    lat: rows.map((r) => r.lat),
    time: rows.map((r) => r.at),
  };
}

describe('the Poisson tail', () => {
  it('matches values worked out by hand', () => {
    // P(X ≥ 1 | 1) = 1 − e^−1
    expect(poissonUpperTail(1, 1)).toBeCloseTo(1 - Math.exp(-1), 12);
    // P(X ≥ 3 | 0.5) = 1 − e^−0.5 (1 + 0.5 + 0.125)
    expect(poissonUpperTail(3, 0.5)).toBeCloseTo(1 - Math.exp(-0.5) * 1.625, 12);
    // P(X ≥ 0) = 1; far in the tail it stays positive and tiny.
    expect(poissonUpperTail(0, 3)).toBe(1);
    const far = poissonUpperTail(40, 0.1);
    expect(far).toBeGreaterThan(0);
    expect(far).toBeLessThan(1e-60);
  });
});

describe('clusters beyond what the same hours of past weeks expected', () => {
  const history = new Date(NOW.getTime() - 20 * WEEK);

  it('flags a cell with 4 incidents in the last 6 h where the same hours of 8 weeks held none', () => {
    const rows = [1, 2, 3, 4].map((i) => ({ ...SPOT, at: NOW.getTime() - i * H }));
    const scan = scanClusters(columns(rows), NOW, history, PARAMS);
    expect(scan.tested).toBe(1);
    expect(scan.clusters).toHaveLength(1);
    const c = scan.clusters[0];
    expect(c.cell).toBe(latLngToCell(SPOT.lat, SPOT.lon, ADJUST_DEFAULTS.resolution));
    expect(c.observed).toBe(4);
    expect(c.expected).toBeCloseTo(0.5 / 8, 12);
    expect(c.pValue).toBeCloseTo(poissonUpperTail(4, 0.0625), 15);
    expect(c.weeks).toBe(8);
  });

  it('does not flag the same 4 where the same hours of every past week held about 4 too', () => {
    const rows = [1, 2, 3, 4].map((i) => ({ ...SPOT, at: NOW.getTime() - i * H }));
    for (let w = 1; w <= 8; w++)
      for (let i = 1; i <= 4; i++) rows.push({ ...SPOT, at: NOW.getTime() - w * WEEK - i * H });
    const scan = scanClusters(columns(rows), NOW, history, PARAMS);
    expect(scan.tested).toBe(1);
    expect(scan.clusters).toEqual([]);
  });

  it('counts past weeks only at the same hours: incidents a day off do not raise the expectation', () => {
    const rows = [1, 2, 3, 4].map((i) => ({ ...SPOT, at: NOW.getTime() - i * H }));
    for (let w = 1; w <= 8; w++)
      for (let i = 1; i <= 4; i++) rows.push({ ...SPOT, at: NOW.getTime() - w * WEEK - 24 * H - i * H });
    expect(scanClusters(columns(rows), NOW, history, PARAMS).clusters).toHaveLength(1);
  });

  it('needs the minimum count: 2 incidents are never a cluster, however rare', () => {
    const rows = [1, 2].map((i) => ({ ...SPOT, at: NOW.getTime() - i * H }));
    const scan = scanClusters(columns(rows), NOW, history, PARAMS);
    expect(scan.tested).toBe(0);
    expect(scan.clusters).toEqual([]);
  });

  it('leaves out incidents older than the window and other cells', () => {
    const rows = [
      ...[1, 2, 3].map((i) => ({ ...OTHER, at: NOW.getTime() - i * H })),
      ...[7, 8, 9].map((i) => ({ ...SPOT, at: NOW.getTime() - i * H })),
    ];
    const scan = scanClusters(columns(rows), NOW, history, PARAMS);
    expect(scan.clusters.map((c) => c.cell)).toEqual([latLngToCell(OTHER.lat, OTHER.lon, 9)]);
  });

  it('cannot test without a prior week in the history', () => {
    const rows = [1, 2, 3, 4].map((i) => ({ ...SPOT, at: NOW.getTime() - i * H }));
    const scan = scanClusters(columns(rows), NOW, new Date(NOW.getTime() - 3 * 24 * H), PARAMS);
    expect(scan).toMatchObject({ tested: 1, untestable: 1, clusters: [] });
    // Two prior weeks: the expectation is over those two only.
    const two = scanClusters(columns(rows), NOW, new Date(NOW.getTime() - 15 * 24 * H), PARAMS);
    expect(two.clusters[0]).toMatchObject({ weeks: 2, expected: 0.25 });
  });
});
