import { describe, expect, it } from 'vitest';
import {
  checkPlanStructure,
  type PlanBodyInput,
  planBodySchema,
  scheduleVisits,
  visitsNeeded,
} from './plans';

const U1 = '00000000-0000-4000-8000-000000000001';
const U2 = '00000000-0000-4000-8000-000000000002';

function square(lon: number, lat: number, d: number) {
  return {
    type: 'Polygon' as const,
    coordinates: [
      [
        [lon, lat],
        [lon + d, lat],
        [lon + d, lat + d],
        [lon, lat + d],
        [lon, lat],
      ],
    ],
  };
}

function body(extra: Partial<PlanBodyInput> = {}) {
  return planBodySchema.parse({
    name: 'Night shift',
    city: 'demo',
    shift: { start: '2026-11-29T20:00:00Z', end: '2026-11-30T04:00:00Z' },
    zones: [{ key: 'z1', name: 'Zone 1', geometry: square(1.5, 42.5, 0.01) }],
    targets: [
      {
        key: 'p1',
        name: 'P1',
        kind: 'point',
        geometry: { type: 'Point', coordinates: [1.502, 42.502] },
        zoneKey: 'z1',
      },
      {
        key: 'p2',
        name: 'P2',
        kind: 'point',
        geometry: { type: 'Point', coordinates: [1.508, 42.508] },
        zoneKey: 'z1',
      },
    ],
    assignments: [{ unitId: U1, zoneKey: 'z1' }],
    ...extra,
  });
}

describe('patrol plans', () => {
  it('fills in the Koper defaults', () => {
    const t = body().targets[0];
    expect([t.dwellMinMin, t.dwellMaxMin, t.revisitMaxMin, t.visitsPerShift]).toEqual([10, 16, 120, 2]);
    // 8 h shift, revisit ≤ 2 h → at least 4 visits even though 2 were asked
    expect(visitsNeeded(t, 480)).toBe(4);
  });

  it('schedules every needed visit inside its window, dwell 10–16 min, in a seeded random order', () => {
    const b = body();
    const { visits, problems } = scheduleVisits(b, 7);
    expect(problems).toEqual([]);
    expect(visits).toHaveLength(8);
    for (const v of visits) {
      const dwell = (Date.parse(v.end) - Date.parse(v.start)) / 60_000;
      expect(dwell).toBeGreaterThanOrEqual(10);
      expect(dwell).toBeLessThanOrEqual(16);
    }
    // no gap between two visits of a target beyond 2 h + the dwell
    for (const key of ['p1', 'p2']) {
      const starts = visits.filter((v) => v.targetKey === key).map((v) => Date.parse(v.start));
      for (let i = 1; i < starts.length; i++)
        expect(starts[i] - starts[i - 1]).toBeLessThanOrEqual(4 * 3_600_000);
    }
    expect(scheduleVisits(b, 7).visits).toEqual(visits);
    expect(scheduleVisits(b, 8).visits).not.toEqual(visits);
  });

  it('refuses more visits than a shift can hold, naming the target', () => {
    const targets = Array.from({ length: 12 }, (_, i) => ({
      key: `t${i}`,
      name: `T${i}`,
      kind: 'point' as const,
      geometry: { type: 'Point' as const, coordinates: [1.5 + i * 0.0008, 42.505] as [number, number] },
      zoneKey: 'z1',
      visitsPerShift: 4,
    }));
    const { problems } = scheduleVisits(body({ targets }), 1);
    expect(problems.some((p) => p.rule === 'shift_capacity' && p.field.startsWith('targets.'))).toBe(true);
    // two units hold it? 48 visits × 13 min ≈ 10 h > 8 h for one, fits in 16 h of two
    const two = scheduleVisits(
      body({
        targets,
        assignments: [
          { unitId: U1, zoneKey: 'z1' },
          { unitId: U2, zoneKey: 'z1' },
        ],
      }),
      1,
    );
    expect(two.problems).toEqual([]);
  });

  it('refuses overlapping zones and dangling keys', () => {
    const b = body({
      zones: [
        { key: 'z1', name: 'Zone 1', geometry: square(1.5, 42.5, 0.01) },
        { key: 'z2', name: 'Zone 2', geometry: square(1.505, 42.505, 0.01) },
        { key: 'z3', name: 'Zone 3', geometry: square(1.51, 42.5, 0.01) },
      ],
      assignments: [{ unitId: U1, zoneKey: 'nope' }],
    });
    const problems = checkPlanStructure(b);
    expect(problems.filter((p) => p.rule === 'zones_overlap').map((p) => p.field)).toEqual([
      'zones.1.geometry',
      'zones.2.geometry',
    ]);
    expect(problems.some((p) => p.rule === 'zone_exists' && p.field === 'assignments.0.zoneKey')).toBe(true);
  });

  it('refuses a zone with targets and no unit', () => {
    expect(scheduleVisits(body({ assignments: [] }), 1).problems.map((p) => p.rule)).toEqual([
      'zone_unassigned',
    ]);
  });
});
