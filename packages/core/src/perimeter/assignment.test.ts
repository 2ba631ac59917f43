import { describe, expect, it } from 'vitest';
import { AssignmentInputError, solveAssignment } from './assignment';

/** Deterministic PRNG (mulberry32) so a failure names its seed and can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The best (most feasible pairs, then least total cost) over every way of pairing rows with
 * distinct columns, each row possibly left out: plain enumeration, no shared code with the solver.
 */
function bruteForce(costs: number[][]): { pairs: number; totalCost: number } {
  const rows = costs.length;
  const columns = rows === 0 ? 0 : costs[0].length;
  const taken = new Array<boolean>(columns).fill(false);
  let best = { pairs: -1, totalCost: Number.POSITIVE_INFINITY };
  const visit = (row: number, pairs: number, total: number) => {
    if (row === rows) {
      if (pairs > best.pairs || (pairs === best.pairs && total < best.totalCost - 1e-9)) {
        best = { pairs, totalCost: total };
      }
      return;
    }
    visit(row + 1, pairs, total);
    for (let c = 0; c < columns; c++) {
      if (taken[c] || !Number.isFinite(costs[row][c])) continue;
      taken[c] = true;
      visit(row + 1, pairs + 1, total + costs[row][c]);
      taken[c] = false;
    }
  };
  visit(0, 0, 0);
  return best.pairs < 0 ? { pairs: 0, totalCost: 0 } : best;
}

function randomMatrix(random: () => number, rows: number, columns: number, impossibleShare: number) {
  return Array.from({ length: rows }, () =>
    Array.from({ length: columns }, () =>
      random() < impossibleShare ? Number.POSITIVE_INFINITY : Math.round(random() * 1200 * 10) / 10,
    ),
  );
}

describe('solveAssignment', () => {
  it('beats greedy where the nearest unit is nearest to two checkpoints', () => {
    // Greedy gives checkpoint 0 to unit 0 (60 s) and checkpoint 1 to unit 1 (900 s): 960 s.
    const costs = [
      [60, 70],
      [80, 900],
    ];
    const result = solveAssignment(costs);
    expect(result.rowToColumn).toEqual([1, 0]);
    expect(result.totalCost).toBe(150);
    expect(result.pairs).toBe(2);
  });

  it('matches brute force on random small rectangular matrices, with impossible pairs', () => {
    for (let seed = 1; seed <= 600; seed++) {
      const random = mulberry32(seed);
      const rows = 1 + Math.floor(random() * 6);
      const columns = 1 + Math.floor(random() * 6);
      const costs = randomMatrix(random, rows, columns, seed % 3 === 0 ? 0.5 : 0.15);
      const result = solveAssignment(costs);
      const truth = bruteForce(costs);
      expect(result.pairs, `seed ${seed}`).toBe(truth.pairs);
      expect(result.totalCost, `seed ${seed}`).toBeCloseTo(truth.totalCost, 6);
      // The reported pairs are consistent and only use possible pairs.
      let total = 0;
      result.rowToColumn.forEach((c, r) => {
        if (c < 0) return;
        expect(result.columnToRow[c]).toBe(r);
        expect(Number.isFinite(costs[r][c])).toBe(true);
        total += costs[r][c];
      });
      expect(total).toBeCloseTo(result.totalCost, 6);
      expect(new Set(result.rowToColumn.filter((c) => c >= 0)).size).toBe(result.pairs);
    }
  });

  it('handles negative costs and never trades a real pair for a cheaper impossible one', () => {
    const costs = [
      [-5, Number.POSITIVE_INFINITY],
      [1000, Number.POSITIVE_INFINITY],
      [Number.POSITIVE_INFINITY, 1e6],
    ];
    const result = solveAssignment(costs);
    expect(result.pairs).toBe(2);
    expect(result.totalCost).toBe(-5 + 1e6);
  });

  it('returns no pairs for empty or all-impossible matrices', () => {
    expect(solveAssignment([])).toEqual({ rowToColumn: [], columnToRow: [], totalCost: 0, pairs: 0 });
    expect(solveAssignment([[], []]).pairs).toBe(0);
    const none = solveAssignment([[Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]]);
    expect(none).toEqual({ rowToColumn: [-1], columnToRow: [-1, -1], totalCost: 0, pairs: 0 });
  });

  it('rejects ragged rows and NaN', () => {
    expect(() => solveAssignment([[1, 2], [3]])).toThrow(AssignmentInputError);
    expect(() => solveAssignment([[Number.NaN]])).toThrow(AssignmentInputError);
  });

  it('solves 300 units × 60 checkpoints, every checkpoint manned by a different unit', () => {
    const random = mulberry32(42);
    const costs = randomMatrix(random, 300, 60, 0.05);
    const result = solveAssignment(costs);
    expect(result.pairs).toBe(60);
    const units = result.columnToRow.filter((row) => row >= 0);
    expect(new Set(units).size).toBe(60);
  });
});
