import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findSelfContact, hasSelfContactBruteForce } from './self-intersection';

type Ring = number[][];

const close = (points: number[][]): Ring => [...points, points[0]];

/** Rings on a small integer grid: shared vertices, collinear runs and vertical edges are common. */
const gridRing = (size: number, max: number) =>
  fc
    .array(fc.tuple(fc.integer({ min: 0, max: size }), fc.integer({ min: 0, max: size })), {
      minLength: 3,
      maxLength: max,
    })
    .map((pts) => close(pts.map(([x, y]) => [x, y])));

describe('self-contact sweep', () => {
  it('agrees with the all-pairs test on random degenerate polygons and multipolygons', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(gridRing(6, 9), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
        (polygons) => {
          const sweep = findSelfContact(polygons);
          expect(sweep?.kind ?? null).toBe(hasSelfContactBruteForce(polygons));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('agrees on simple-ish rings made of star polygons with holes (mostly valid inputs)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.5, max: 1, noNaN: true }), { minLength: 3, maxLength: 40 }),
        fc.array(fc.double({ min: 0.05, max: 0.3, noNaN: true }), { minLength: 3, maxLength: 12 }),
        fc.boolean(),
        (radii, holeRadii, vertical) => {
          const star = (rs: number[], cx: number, cy: number) =>
            close(
              rs.map((r, i) => {
                const a = (2 * Math.PI * i) / rs.length;
                const x = cx + r * Math.cos(a);
                return [vertical && i % 3 === 0 ? Math.round(x * 4) / 4 : x, cy + r * Math.sin(a)];
              }),
            );
          const polygons = [[star(radii, 0, 0), star(holeRadii, 0, 0)]];
          expect(findSelfContact(polygons)?.kind ?? null).toBe(hasSelfContactBruteForce(polygons));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('finds the classic cases', () => {
    const square = close([
      [0, 0],
      [4, 0],
      [4, 4],
      [0, 4],
    ]);
    expect(findSelfContact([[square]])).toBeNull();
    const bowTie = close([
      [0, 0],
      [1, 1],
      [1, 0],
      [0, 1],
    ]);
    expect(findSelfContact([[bowTie]])).toEqual({ kind: 'contact', at: [0.5, 0.5] });
    // A hole touching the outer ring at a vertex, and one crossing it.
    const touching = close([
      [0, 0],
      [2, 1],
      [2, 3],
    ]);
    expect(findSelfContact([[square, touching]])?.kind).toBe('contact');
    const inside = close([
      [1, 1],
      [2, 1],
      [2, 2],
    ]);
    expect(findSelfContact([[square, inside]])).toBeNull();
    // Two polygons sharing an edge touch; apart they do not.
    const right = close([
      [4, 0],
      [8, 0],
      [8, 4],
      [4, 4],
    ]);
    expect(findSelfContact([[square], [right]])?.kind).toBe('contact');
    const farRight = right.map(([x, y]) => [x + 1, y]);
    expect(findSelfContact([[square], [farRight]])).toBeNull();
    // A spike: out and straight back.
    const spike = close([
      [0, 0],
      [4, 0],
      [4, 2],
      [6, 2],
      [4, 2],
      [4, 4],
      [0, 4],
    ]);
    expect(findSelfContact([[spike]])).toEqual({ kind: 'spike', at: [6, 2] });
    // Repeated positions are one vertex.
    const repeated = close([
      [0, 0],
      [4, 0],
      [4, 0],
      [4, 4],
      [0, 4],
      [0, 4],
    ]);
    expect(findSelfContact([[repeated]])).toBeNull();
  });

  it('stays n·log n: a ring of 200,000 vertices and 3,000 holes in well under a second each', () => {
    const n = 200_000;
    const circle = close(
      Array.from({ length: n }, (_, i) => {
        const a = (2 * Math.PI * i) / n;
        return [Math.cos(a), Math.sin(a)];
      }),
    );
    let started = performance.now();
    expect(findSelfContact([[circle]])).toBeNull();
    const circleMs = performance.now() - started;
    const holes: Ring[] = [];
    for (let i = 0; i < 3000; i++) {
      const x = -0.5 + (i % 60) / 60;
      const y = -0.5 + Math.floor(i / 60) / 60;
      holes.push(
        close([
          [x, y],
          [x + 0.01, y],
          [x + 0.01, y + 0.01],
          [x, y + 0.01],
        ]),
      );
    }
    started = performance.now();
    expect(
      findSelfContact([
        [
          circle
            .slice(0, -1)
            .filter((_, i) => i % 10 === 0)
            .concat([circle[0]]),
          ...holes,
        ],
      ]),
    ).toBeNull();
    const holesMs = performance.now() - started;
    console.log(
      `self-contact sweep: 200,000-vertex ring ${circleMs.toFixed(0)} ms, 3,000 holes ${holesMs.toFixed(0)} ms`,
    );
    // No timed assertion (CI machines are noisy): a pairwise check of 200,000 segments would take
    // minutes and fail on the test's timeout; the sweep takes well under a second.
  });
});
