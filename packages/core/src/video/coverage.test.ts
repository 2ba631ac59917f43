import { describe, expect, it } from 'vitest';
import { at, LAT0, testCity } from '../patrol/test-city';
import { advisePlacement, pointCoverage, roadCoverage, roadGaps, roadSamples } from './coverage';
import { SectorIndex } from './sector';

describe('camera coverage (sector model)', () => {
  const graph = testCity();
  const samples = roadSamples(graph, 10);
  const node = (x: number, y: number) => ({ lon: graph.nodeLon[at(x, y)], lat: graph.nodeLat[at(x, y)] });

  it('samples each street segment once (two-way pairs counted once)', () => {
    let directed = 0;
    for (let e = 0; e < graph.edgeCount; e++) directed += graph.edgeLength[e];
    expect(samples.totalM).toBeCloseTo(directed / 2, 0);
    let sum = 0;
    for (const l of samples.length) sum += l;
    expect(sum).toBeCloseTo(samples.totalM, 3);
  });

  it('measures the share of road length, of points, and the gaps', () => {
    const none = new SectorIndex([], LAT0);
    expect(roadCoverage(none, samples).share).toBe(0);
    // A full disc of 120 m at an inner intersection covers about 4 × 120 m of street.
    const one = new SectorIndex([{ ...node(1, 1), headingDeg: 0, fovDeg: 360, rangeM: 120 }], LAT0);
    const cov = roadCoverage(one, samples);
    expect(cov.coveredM).toBeGreaterThan(4 * 100);
    expect(cov.coveredM).toBeLessThan(4 * 130);
    // A 60° sector looking east covers only the street to the east.
    const east = new SectorIndex([{ ...node(1, 1), headingDeg: 90, fovDeg: 60, rangeM: 120 }], LAT0);
    const ce = roadCoverage(east, samples);
    expect(ce.coveredM).toBeGreaterThan(100);
    expect(ce.coveredM).toBeLessThan(130);
    const gaps = roadGaps(samples, cov.covered);
    expect(gaps.length).toBeGreaterThan(0);
    expect(gaps[0].uncoveredM).toBeGreaterThanOrEqual(gaps.at(-1)!.uncoveredM);
    const points = [node(1, 1), node(3, 3)];
    const pc = pointCoverage(one, points);
    expect(pc).toMatchObject({ total: 2, covered: 1, share: 0.5 });
    expect(pc.uncovered).toEqual([node(3, 3)]);
  });

  it('advises placements greedily: each pick adds the most uncovered road, gains never grow', () => {
    const cov = roadCoverage(new SectorIndex([], LAT0), samples);
    const candidates = Array.from({ length: graph.nodeCount }, (_, v) => ({
      lon: graph.nodeLon[v],
      lat: graph.nodeLat[v],
    }));
    const picks = advisePlacement(
      samples,
      cov.covered,
      candidates,
      { fovDeg: 360, rangeM: 120, headings: [0] },
      3,
      LAT0,
    );
    expect(picks).toHaveLength(3);
    for (let i = 1; i < picks.length; i++)
      expect(picks[i].gainM).toBeLessThanOrEqual(picks[i - 1].gainM + 1e-9);
    // The first pick is the best single camera (checked by brute force over every candidate).
    const single = candidates.map(
      (c) =>
        roadCoverage(new SectorIndex([{ ...c, headingDeg: 0, fovDeg: 360, rangeM: 120 }], LAT0), samples)
          .coveredM,
    );
    expect(picks[0].gainM).toBeCloseTo(Math.max(...single), 6);
    // The picks' coverage equals the sum of their gains.
    const placed = new SectorIndex(
      picks.map((p) => ({ ...p, fovDeg: 360, rangeM: 120 })),
      LAT0,
    );
    expect(roadCoverage(placed, samples).coveredM).toBeCloseTo(
      picks.reduce((s, p) => s + p.gainM, 0),
      3,
    );
  });
});
