import { describe, expect, it } from 'vitest';
import {
  nodesInside,
  parseRing,
  perimeterRingSchema,
  pointInRingTester,
  RING_LIMITS,
  RingValidationError,
  ringLimitIssues,
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
    // An altitude is a number; anything else after lon and lat is not a position.
    const nested = {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0, 5],
          [1, 0, [[[1]]]],
          [1, 1],
          [0, 0],
        ],
      ],
    };
    expect(issuesOf(() => parseRing(nested))).toEqual([
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

describe('ring size limits', () => {
  const square = (x: number, y: number, size: number) => [
    [x, y],
    [x + size, y],
    [x + size, y + size],
    [x, y + size],
    [x, y],
  ];

  it('refuses 3,000 holes at once, naming the limit', () => {
    const holes = Array.from({ length: 3000 }, (_, i) =>
      square(0.1 + (i % 60) * 0.015, 0.1 + Math.floor(i / 60) * 0.015, 0.01),
    );
    const geometry = { type: 'Polygon', coordinates: [square(0, 0, 1), ...holes] };
    // A hole crossing the shell would be reported by the geometric checks: refused "at once" means
    // the count is checked first and nothing geometric runs (no timing here: CI machines are noisy).
    holes[2999] = [
      [0.9, 0.9],
      [1.5, 0.9],
      [1.5, 1.5],
      [0.9, 1.5],
      [0.9, 0.9],
    ];
    const issues = validateRingGeometry(geometry);
    expect(issues.map((i) => [i.field, i.rule])).toEqual([['geometry.coordinates', 'too_many_holes']]);
    expect(issues[0].message).toContain(String(RING_LIMITS.holesPerPolygon));
  });

  it('refuses 200,000 vertices, per ring and in all', () => {
    const n = 200_000;
    const ring = Array.from({ length: n }, (_, i) => [
      Math.cos((2 * Math.PI * i) / n),
      Math.sin((2 * Math.PI * i) / n),
    ]);
    ring.push(ring[0]);
    const issues = validateRingGeometry({ type: 'Polygon', coordinates: [ring] });
    expect(issues.map((i) => [i.field, i.rule])).toEqual([
      ['geometry.coordinates.0', 'too_many_positions'],
      ['geometry.coordinates', 'too_many_positions_in_total'],
    ]);
    // Many rings each under the per-ring limit still add up.
    const parts = Array.from({ length: 30 }, (_, k) => [square(k * 2, 0, 1).concat()]);
    const big = parts.map(([r]) => {
      const dense: number[][] = [];
      for (let i = 0; i < 4000; i++) dense.push([r[0][0] + i / 4000, r[0][1]]);
      dense.push([r[1][0], r[2][1]], [r[0][0], r[2][1]], r[0]);
      return [dense];
    });
    expect(ringLimitIssues({ type: 'MultiPolygon', coordinates: big }).map((i) => i.rule)).toEqual([
      'too_many_positions_in_total',
    ]);
    const islands = Array.from({ length: RING_LIMITS.polygonsPerMultiPolygon + 1 }, (_, k) => [
      square(k * 0.01, 0, 0.005),
    ]);
    expect(
      validateRingGeometry({ type: 'MultiPolygon', coordinates: islands }).map((i) => [i.field, i.rule]),
    ).toEqual([['geometry.coordinates', 'too_many_polygons']]);
  });

  it('accepts a ring at the limits (its checks are n·log n: a pairwise one would run past the timeout)', () => {
    const n = RING_LIMITS.positionsPerRing - 1;
    const ring = Array.from({ length: n }, (_, i) => [
      114 + 0.1 * Math.cos((2 * Math.PI * i) / n),
      22.6 + 0.1 * Math.sin((2 * Math.PI * i) / n),
    ]);
    ring.push(ring[0]);
    const holes = Array.from({ length: RING_LIMITS.holesPerPolygon }, (_, i) =>
      square(113.95 + (i % 25) * 0.004, 22.55 + Math.floor(i / 25) * 0.004, 0.002),
    );
    // No timed assertion: on a CI machine running every suite at once this took 3 s.
    expect(validateRingGeometry({ type: 'Polygon', coordinates: [ring, ...holes] })).toEqual([]);
  });
});

describe('point in ring by bands', () => {
  /** The plain ray cast over every edge, as the banded test must answer. */
  function naive(rings: number[][][], lon: number, lat: number): boolean {
    let inside = false;
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
      }
    }
    return inside;
  }

  it('answers exactly as the plain ray cast on a jagged ring with holes', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const n = 3000;
    const outer = Array.from({ length: n }, (_, i) => {
      const a = (2 * Math.PI * i) / n;
      const r = 0.7 + 0.3 * random();
      return [r * Math.cos(a), i % 7 === 0 ? Math.round(r * Math.sin(a) * 20) / 20 : r * Math.sin(a)];
    });
    outer.push(outer[0]);
    const hole = [
      [-0.2, -0.2],
      [0.2, -0.2],
      [0.2, 0.2],
      [-0.2, 0.2],
      [-0.2, -0.2],
    ];
    const rings = [outer, hole];
    const test = pointInRingTester({ type: 'Polygon', coordinates: rings });
    for (let k = 0; k < 20_000; k++) {
      const lon = -1.1 + 2.2 * random();
      const lat = k % 5 === 0 ? outer[Math.floor(random() * n)][1] : -1.1 + 2.2 * random();
      expect(test(lon, lat)).toBe(naive(rings, lon, lat));
    }
  });
});
