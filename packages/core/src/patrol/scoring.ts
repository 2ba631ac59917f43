/**
 * Scoring hot-spot forecasts the way the NIJ Real-Time Crime Forecasting Challenge (2017) did,
 * so anyone can check a model against the simplest one.
 *
 * A forecast flags the top-ranked units until a share `c` of the city's area (H3: km²; street
 * segments: length) is used. Then, over the test period:
 * - hit rate = n / N: incidents in flagged units over all incidents;
 * - PAI (predictive accuracy index) = (n / N) / (a / A): hit rate over the share of area flagged;
 * - PEI (predictive efficiency index) = n / n*: incidents captured over the most any choice of
 *   units with the same area could have captured, knowing the outcome. n* is computed as the
 *   fractional knapsack bound (units by realised density, the last one in part), which is never
 *   below the best whole-unit choice: PEI is, if anything, understated.
 *
 * Units are ranked by expected incidents per unit of measure (density), ties by unit index, so
 * the area budget buys the most expected incidents; with H3 cells (almost equal areas) that is
 * the expected count's order. Units are taken in rank order and a unit that would overflow the
 * budget is skipped for the next one that fits, so no forecast flags more than `c`.
 */

export interface CoverageScore {
  /** Incidents in flagged units. */
  captured: number;
  /** All test incidents (including those in no unit: no forecast can capture those). */
  total: number;
  /** Measure flagged, and the city's. */
  flagged: number;
  totalMeasure: number;
  flaggedUnits: number;
  /** Most incidents the same measure could have captured (fractional knapsack bound). */
  best: number;
}

/** Unit indices by expected density, highest first (ties: lower index first). */
export function rankByDensity(expected: ArrayLike<number>, measure: ArrayLike<number>): Uint32Array {
  const n = expected.length;
  const density = new Float64Array(n);
  for (let u = 0; u < n; u++) density[u] = measure[u] > 0 ? expected[u] / measure[u] : 0;
  const order = new Uint32Array(n);
  for (let u = 0; u < n; u++) order[u] = u;
  order.sort((a, b) => density[b] - density[a] || a - b);
  return order;
}

/** The units flagged at coverage `c` (in rank order) and the measure they use. */
export function flaggedUnits(
  order: ArrayLike<number>,
  measure: ArrayLike<number>,
  totalMeasure: number,
  coverage: number,
): { units: number[]; used: number } {
  const budget = coverage * totalMeasure;
  const units: number[] = [];
  let used = 0;
  for (let k = 0; k < order.length; k++) {
    const u = order[k];
    const m = measure[u];
    if (used + m > budget + 1e-9 * totalMeasure) continue;
    units.push(u);
    used += m;
    if (budget - used <= 0) break;
  }
  return { units, used };
}

/** The most incidents measure `budget` can hold: units by realised density, the last in part. */
export function bestCapture(observed: ArrayLike<number>, measure: ArrayLike<number>, budget: number): number {
  const order = rankByDensity(observed, measure);
  let left = budget;
  let captured = 0;
  for (let k = 0; k < order.length && left > 0; k++) {
    const u = order[k];
    if (observed[u] <= 0) break;
    const m = measure[u];
    if (m <= left) {
      captured += observed[u];
      left -= m;
    } else {
      captured += observed[u] * (left / m);
      left = 0;
    }
  }
  return captured;
}

/** Scores one forecast (expected per unit) against the test counts, at each coverage. */
export function scoreForecast(
  expected: ArrayLike<number>,
  observed: ArrayLike<number>,
  measure: ArrayLike<number>,
  totalMeasure: number,
  totalIncidents: number,
  coverages: readonly number[],
): CoverageScore[] {
  const order = rankByDensity(expected, measure);
  return coverages.map((c) => {
    const { units, used } = flaggedUnits(order, measure, totalMeasure, c);
    let captured = 0;
    for (const u of units) captured += observed[u];
    return {
      captured,
      total: totalIncidents,
      flagged: used,
      totalMeasure,
      flaggedUnits: units.length,
      best: bestCapture(observed, measure, used),
    };
  });
}

export interface PooledScore {
  hitRate: number | null;
  pai: number | null;
  pei: number | null;
  /** Share of the measure actually flagged (≤ the coverage asked for). */
  areaShare: number | null;
  captured: number;
  total: number;
}

/**
 * Scores of several test windows pooled: hit = Σn / ΣN, PAI = (Σn / ΣN) / (Σa / ΣA),
 * PEI = Σn / Σn*. Null where a denominator is 0.
 */
export function poolScores(scores: readonly CoverageScore[]): PooledScore {
  let n = 0;
  let N = 0;
  let a = 0;
  let A = 0;
  let best = 0;
  for (const s of scores) {
    n += s.captured;
    N += s.total;
    a += s.flagged;
    A += s.totalMeasure;
    best += s.best;
  }
  const hitRate = N > 0 ? n / N : null;
  const areaShare = A > 0 ? a / A : null;
  return {
    hitRate,
    pai: hitRate !== null && areaShare !== null && areaShare > 0 ? hitRate / areaShare : null,
    pei: best > 0 ? Math.min(1, n / best) : null,
    areaShare,
    captured: n,
    total: N,
  };
}
