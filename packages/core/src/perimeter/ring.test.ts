import { describe, expect, it } from 'vitest';
import {
  nodesInside,
  parseRing,
  perimeterRingSchema,
  pointInRingTester,
  RingValidationError,
  validateRingGeometry,
} from './ring';
import { box, gridGraph } from './test-graphs';

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (error instanceof RingValidationError)
      return error.issues.map((i) => ({ field: i.field, rule: i.rule }));
    throw error;
  }
  throw new Error('expected a RingValidationError');
}

describe('ring validation', () => {
  it('accepts a box, a Feature with a level and a one-feature FeatureCollection', () => {
    expect(validateRingGeometry(box(0, 0, 2, 2))).toEqual([]);
    const ring = parseRing({
      type: 'Feature',
      properties: { level: 'core', name: '核心圈' },
      geometry: box(0, 0, 2, 2),
    });
    expect(ring.level).toBe('core');
    expect(ring.name).toBe('核心圈');
    const fromCollection = parseRing({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [0, 0] } },
        { type: 'Feature', properties: { level: 'district' }, geometry: box(0, 0, 1, 1) },
      ],
    });
    expect(fromCollection.level).toBe('district');
  });

  it('rejects a self-intersecting bow-tie', () => {
    const bowTie = {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [1, 1],
          [1, 0],
          [0, 1],
          [0, 0],
        ],
      ],
    };
    expect(issuesOf(() => parseRing(bowTie))).toEqual([{ field: 'geometry', rule: 'self_intersecting' }]);
  });

  it('names open rings, short rings, flat rings, bad positions and wrong types', () => {
    const open = {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 1],
        ],
      ],
    };
    expect(issuesOf(() => parseRing(open))).toEqual([
      { field: 'geometry.coordinates.0', rule: 'not_closed' },
    ]);
    const short = {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [1, 0],
          [0, 0],
        ],
      ],
    };
    expect(issuesOf(() => parseRing(short))).toEqual([
      { field: 'geometry.coordinates.0', rule: 'too_few_positions' },
    ]);
    const flat = {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [1, 0],
          [2, 0],
          [0, 0],
        ],
      ],
    };
    expect(issuesOf(() => parseRing(flat))).toEqual([{ field: 'geometry.coordinates.0', rule: 'zero_area' }]);
    const badLat = {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [1, 95],
          [1, 1],
          [0, 0],
        ],
      ],
    };
    expect(issuesOf(() => parseRing(badLat))).toEqual([
      { field: 'geometry.coordinates.0.1', rule: 'invalid_position' },
    ]);
    expect(issuesOf(() => parseRing({ type: 'LineString', coordinates: [] }))).toEqual([
      { field: 'geometry.type', rule: 'unsupported_type' },
    ]);
    expect(issuesOf(() => parseRing({ type: 'Feature', properties: {}, geometry: null }))).toEqual([
      { field: 'geometry', rule: 'required' },
    ]);
    expect(
      issuesOf(() =>
        parseRing({ type: 'Feature', properties: { level: 'galaxy' }, geometry: box(0, 0, 1, 1) }),
      ),
    ).toEqual([{ field: 'properties.level', rule: 'invalid_level' }]);
    expect(issuesOf(() => parseRing({ type: 'FeatureCollection', features: [] }))).toEqual([
      { field: 'features', rule: 'ambiguous_feature' },
    ]);
    const multi = {
      type: 'MultiPolygon',
      coordinates: [
        box(0, 0, 1, 1).coordinates,
        [
          [
            [0, 0],
            [1, 0],
            [0, 0],
          ],
        ],
      ],
    };
    expect(issuesOf(() => parseRing(multi))).toEqual([
      { field: 'geometry.coordinates.1.0', rule: 'too_few_positions' },
    ]);
  });
});

describe('perimeterRingSchema (API bodies)', () => {
  it('accepts a ring and reports geometry problems on their field', () => {
    const ok = perimeterRingSchema.safeParse({ level: 'city', geometry: box(0, 0, 1, 1) });
    expect(ok.success).toBe(true);
    if (ok.success)
      expect(ok.data).toMatchObject({ level: 'city', name: null, geometry: { type: 'Polygon' } });
    const bad = perimeterRingSchema.safeParse({
      level: 'core',
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 1],
            [1, 0],
            [0, 1],
            [0, 0],
          ],
        ],
      },
    });
    expect(bad.success).toBe(false);
    if (!bad.success) {
      expect(bad.error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
        ['geometry', expect.stringMatching(/crosses itself/)],
      ]);
    }
    expect(perimeterRingSchema.safeParse({ level: 'suburb', geometry: box(0, 0, 1, 1) }).success).toBe(false);
  });
});

describe('point in ring', () => {
  it('marks the grid nodes inside a box, honouring holes and multipolygons', () => {
    const graph = gridGraph(5);
    const inside = nodesInside(graph, box(0.5, 0.5, 3.5, 3.5));
    const expected = Array.from({ length: 25 }, (_, i) => {
      const x = i % 5;
      const y = Math.floor(i / 5);
      return x >= 1 && x <= 3 && y >= 1 && y <= 3 ? 1 : 0;
    });
    expect(Array.from(inside)).toEqual(expected);

    const withHole = {
      type: 'Polygon' as const,
      coordinates: [box(0.5, 0.5, 3.5, 3.5).coordinates[0], box(1.5, 1.5, 2.5, 2.5).coordinates[0]],
    };
    const test = pointInRingTester(withHole);
    expect(test(0.001, 0.001)).toBe(true);
    expect(test(0.002, 0.002)).toBe(false);
    expect(test(0.004, 0.004)).toBe(false);

    const multi = {
      type: 'MultiPolygon' as const,
      coordinates: [box(-0.5, -0.5, 0.5, 0.5).coordinates, box(3.5, 3.5, 4.5, 4.5).coordinates],
    };
    const corners = nodesInside(graph, multi);
    expect(corners[0]).toBe(1);
    expect(corners[24]).toBe(1);
    expect(corners.reduce((a, b) => a + b, 0)).toBe(2);
  });
});
