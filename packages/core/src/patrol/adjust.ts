/**
 * Smart adjustment (智能调整): a place where incidents cluster beyond what the history expected.
 *
 * The test, per H3 cell (resolution 9 by default, about 0.1 km²):
 * - observed k: incidents in the cell during the last `windowHours` hours [now − W, now);
 * - expected λ: the mean count in the same cell during the same hours of the week in each of the
 *   `weeks` weeks before ([now − W − 7d·i, now − 7d·i), i = 1…weeks), counting only weeks the
 *   history covers, plus half an incident spread over those weeks (λ = (Σ + 0.5) / weeks) so a
 *   cell that never had an incident is not "infinitely" surprised by one;
 * - a one-sided Poisson test: p = P(X ≥ k | λ). Flagged when k ≥ `minCount` and p < `alpha`.
 * Only cells with k ≥ minCount are tested (so a few cells, not thousands: the 1 % level is not
 * diluted by the many empty ones). With no prior week in the history a cell cannot be tested.
 */
import { cellToLatLng, latLngToCell } from 'h3-js';
import { z } from 'zod';

export const ADJUST_DEFAULTS = { windowHours: 6, weeks: 8, alpha: 0.01, minCount: 3, resolution: 9 } as const;

export const adjustParamsSchema = z.strictObject({
  windowHours: z.number().min(1).max(48).default(ADJUST_DEFAULTS.windowHours),
  weeks: z.number().int().min(1).max(52).default(ADJUST_DEFAULTS.weeks),
  alpha: z.number().gt(0).max(0.1).default(ADJUST_DEFAULTS.alpha),
  minCount: z.number().int().min(2).max(100).default(ADJUST_DEFAULTS.minCount),
});
export type AdjustParams = z.infer<typeof adjustParamsSchema>;

export interface IncidentTimes {
  lon: ArrayLike<number>;
  lat: ArrayLike<number>;
  /** ms since the epoch */
  time: ArrayLike<number>;
}

export interface Cluster {
  cell: string;
  lon: number;
  lat: number;
  observed: number;
  expected: number;
  pValue: number;
  /** Prior weeks the expectation was taken over. */
  weeks: number;
}

export interface ClusterScan {
  /** Cells with at least minCount incidents in the window (the ones tested). */
  tested: number;
  /** Cells that could not be tested: the history holds none of the prior weeks. */
  untestable: number;
  clusters: Cluster[];
}

const WEEK_MS = 7 * 86_400_000;

/** P(X ≥ k) for X ~ Poisson(λ), summed in log space so large k and small λ stay exact. */
export function poissonUpperTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  if (lambda <= 0) return 0;
  // P(X ≥ k) = 1 − Σ_{i<k} p(i); when that sum is close to 1, sum the upper terms instead.
  if (k > lambda) {
    let term = Math.exp(-lambda + k * Math.log(lambda) - logFactorial(k));
    let sum = 0;
    for (let i = k; term > sum * 1e-16 && i < k + 10_000; i++) {
      sum += term;
      term *= lambda / (i + 1);
    }
    return Math.min(1, sum);
  }
  let term = Math.exp(-lambda);
  let below = 0;
  for (let i = 0; i < k; i++) {
    below += term;
    term *= lambda / (i + 1);
  }
  return Math.max(0, 1 - below);
}

function logFactorial(n: number): number {
  let s = 0;
  for (let i = 2; i <= n; i++) s += Math.log(i);
  return s;
}

/**
 * The cells whose count in the last window is improbably high for that time of the week.
 * `historyFrom` is when the history begins (a prior week before it is not counted as zero).
 */
export function scanClusters(
  incidents: IncidentTimes,
  now: Date,
  historyFrom: Date | null,
  params: AdjustParams,
  resolution: number = ADJUST_DEFAULTS.resolution,
): ClusterScan {
  const t = now.getTime();
  const w = params.windowHours * 3_600_000;
  const n = incidents.time.length;
  const cellOf = new Array<string | null>(n).fill(null);
  const observed = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const at = incidents.time[i];
    if (at >= t - w && at < t) {
      const cell = latLngToCell(incidents.lat[i], incidents.lon[i], resolution);
      cellOf[i] = cell;
      observed.set(cell, (observed.get(cell) ?? 0) + 1);
    }
  }
  const candidates = new Set([...observed].filter(([, k]) => k >= params.minCount).map(([c]) => c));
  // Prior weeks the history covers entirely.
  const start = historyFrom?.getTime() ?? Number.POSITIVE_INFINITY;
  let weeks = 0;
  for (let i = 1; i <= params.weeks; i++) if (t - w - i * WEEK_MS >= start) weeks = i;
  const prior = new Map<string, number>();
  if (weeks > 0 && candidates.size > 0) {
    for (let i = 0; i < n; i++) {
      const at = incidents.time[i];
      const back = t - at;
      if (back <= 0 || back > weeks * WEEK_MS + w) continue;
      // In the window of prior week j: at ∈ [t − w − j·7d, t − j·7d), i.e. back ∈ (j·7d, j·7d + w].
      const j = Math.floor(back / WEEK_MS);
      if (j < 1 || j > weeks) continue;
      const lo = t - w - j * WEEK_MS;
      if (at < lo || at >= t - j * WEEK_MS) continue;
      const cell = cellOf[i] ?? latLngToCell(incidents.lat[i], incidents.lon[i], resolution);
      if (candidates.has(cell)) prior.set(cell, (prior.get(cell) ?? 0) + 1);
    }
  }
  const clusters: Cluster[] = [];
  if (weeks > 0) {
    for (const cell of candidates) {
      const k = observed.get(cell)!;
      const expected = ((prior.get(cell) ?? 0) + 0.5) / weeks;
      const pValue = poissonUpperTail(k, expected);
      if (pValue < params.alpha) {
        const [lat, lon] = cellToLatLng(cell);
        clusters.push({ cell, lon, lat, observed: k, expected, pValue, weeks });
      }
    }
  }
  clusters.sort((a, b) => a.pValue - b.pValue || b.observed - a.observed);
  return { tested: candidates.size, untestable: weeks === 0 ? candidates.size : 0, clusters };
}

export const ADJUSTMENT_STATUSES = ['proposed', 'accepted', 'dismissed'] as const;

/** A proposed adjustment as the API answers it. */
export const adjustmentSchema = z.object({
  id: z.string(),
  city: z.string(),
  orgId: z.string().nullable(),
  cell: z.string(),
  lon: z.number(),
  lat: z.number(),
  /** The place's main street, for people. */
  place: z.string().nullable(),
  windowStart: z.string(),
  windowEnd: z.string(),
  observed: z.number(),
  expected: z.number(),
  pValue: z.number(),
  weeks: z.number(),
  unit: z.object({ id: z.string(), callSign: z.string(), etaSeconds: z.number().nullable() }).nullable(),
  status: z.enum(ADJUSTMENT_STATUSES),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
  decidedBy: z.string().nullable(),
  note: z.string().nullable(),
  plan: z.object({ id: z.string().nullable(), version: z.number().nullable(), note: z.string().nullable() }),
});
export type Adjustment = z.infer<typeof adjustmentSchema>;

export const adjustmentScanSchema = z.object({
  at: z.string(),
  params: z.object({
    windowHours: z.number(),
    weeks: z.number(),
    alpha: z.number(),
    minCount: z.number(),
    resolution: z.number(),
  }),
  tested: z.number(),
  untestable: z.number(),
  flagged: z.number(),
  /** New proposals; a cell already proposed within the window is not proposed again. */
  created: z.array(adjustmentSchema),
});
export type AdjustmentScan = z.infer<typeof adjustmentScanSchema>;
