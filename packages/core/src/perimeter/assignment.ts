/**
 * Optimal assignment (the linear assignment problem): given a rectangular cost matrix, rows ×
 * columns (e.g. units × checkpoints, costs = road travel seconds, `Infinity` = cannot get there),
 * pair each row with at most one column and each column with at most one row so that
 *
 *   1. as many pairs as possible are feasible (finite cost), and then
 *   2. the sum of the chosen costs is as small as possible.
 *
 * Greedy ("nearest free unit first") is not optimal: a unit that is nearest to two checkpoints
 * gets taken by the first one asked, and the second waits for someone far away.
 *
 * The solver is the Hungarian method with row/column potentials and shortest augmenting paths
 * (Kuhn–Munkres in the Jonker–Volgenant formulation), O(r² c) for r ≤ c. Written here rather than
 * taken from a package because it is small (about sixty lines), belongs in `core` (pure, no I/O,
 * used by the server and testable without it), and must be exact: the closure plan promises the
 * optimal assignment, and the tests check it against brute force.
 *
 * Impossible pairs are handled by a finite "impossible" cost larger than any assignment's total of
 * real costs can reach, so the solver never prefers one impossible pair over any number of real
 * ones; pairs that end up on that cost are reported as unassigned.
 */

export interface AssignmentResult {
  /** For each row, the column it is paired with, or -1. */
  rowToColumn: number[];
  /** For each column, the row it is paired with, or -1. */
  columnToRow: number[];
  /** Sum of the costs of the pairs made (finite pairs only). */
  totalCost: number;
  /** Number of pairs made. */
  pairs: number;
}

/** A cost matrix that is not a rectangle of numbers (NaN, ragged rows, -Infinity). */
export class AssignmentInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssignmentInputError';
  }
}

/**
 * Solves the assignment for `costs[row][column]`. Rows may outnumber columns or the reverse;
 * every row has the same length. `Infinity` marks a pair that cannot be made.
 */
export function solveAssignment(costs: readonly (readonly number[])[]): AssignmentResult {
  const rowCount = costs.length;
  const columnCount = rowCount === 0 ? 0 : costs[0].length;
  let minFinite = Number.POSITIVE_INFINITY;
  let maxFinite = Number.NEGATIVE_INFINITY;
  costs.forEach((row, r) => {
    if (row.length !== columnCount) {
      throw new AssignmentInputError(`row ${r} has ${row.length} costs, row 0 has ${columnCount}`);
    }
    row.forEach((cost, c) => {
      if (Number.isNaN(cost) || cost === Number.NEGATIVE_INFINITY) {
        throw new AssignmentInputError(`cost [${r}][${c}] is ${cost}; use a number or Infinity`);
      }
      if (Number.isFinite(cost)) {
        minFinite = Math.min(minFinite, cost);
        maxFinite = Math.max(maxFinite, cost);
      }
    });
  });
  const empty: AssignmentResult = {
    rowToColumn: new Array<number>(rowCount).fill(-1),
    columnToRow: new Array<number>(columnCount).fill(-1),
    totalCost: 0,
    pairs: 0,
  };
  if (rowCount === 0 || columnCount === 0 || !Number.isFinite(minFinite)) return empty;

  // The solver below needs rows ≤ columns; otherwise it works on the transpose.
  const transposed = rowCount > columnCount;
  const n = transposed ? columnCount : rowCount;
  const m = transposed ? rowCount : columnCount;
  // Any assignment has at most n pairs, so its real costs total at most n·maxFinite and at least
  // n·minFinite: one impossible pair more must always cost more than that whole spread.
  const impossible = n * (maxFinite - minFinite + 1) + Math.abs(minFinite) + Math.abs(maxFinite) + 1;
  const cost = (i: number, j: number): number => {
    const value = transposed ? costs[j][i] : costs[i][j];
    return Number.isFinite(value) ? value : impossible;
  };

  // 1-based arrays, index 0 is the virtual column that starts each augmenting path.
  const rowPotential = new Float64Array(n + 1);
  const columnPotential = new Float64Array(m + 1);
  const rowOfColumn = new Int32Array(m + 1); // 0 = free
  const previousColumn = new Int32Array(m + 1);
  const slack = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    // Shortest augmenting path from row i (Dijkstra on reduced costs, dense form).
    rowOfColumn[0] = i;
    let column = 0;
    slack.fill(Number.POSITIVE_INFINITY);
    used.fill(0);
    do {
      used[column] = 1;
      const row = rowOfColumn[column];
      let delta = Number.POSITIVE_INFINITY;
      let nextColumn = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const reduced = cost(row - 1, j - 1) - rowPotential[row] - columnPotential[j];
        if (reduced < slack[j]) {
          slack[j] = reduced;
          previousColumn[j] = column;
        }
        if (slack[j] < delta) {
          delta = slack[j];
          nextColumn = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          rowPotential[rowOfColumn[j]] += delta;
          columnPotential[j] -= delta;
        } else {
          slack[j] -= delta;
        }
      }
      column = nextColumn;
    } while (rowOfColumn[column] !== 0);
    // Flip the path back to the virtual column.
    do {
      const previous = previousColumn[column];
      rowOfColumn[column] = rowOfColumn[previous];
      column = previous;
    } while (column !== 0);
  }

  const result = empty;
  for (let j = 1; j <= m; j++) {
    const i = rowOfColumn[j];
    if (i === 0) continue;
    const row = transposed ? j - 1 : i - 1;
    const col = transposed ? i - 1 : j - 1;
    const value = costs[row][col];
    if (!Number.isFinite(value)) continue;
    result.rowToColumn[row] = col;
    result.columnToRow[col] = row;
    result.totalCost += value;
    result.pairs++;
  }
  return result;
}
