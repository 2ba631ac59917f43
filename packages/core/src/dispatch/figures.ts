/** Response-time figures: medians, 90th percentiles and shares within 1/3/5 minutes. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  // Nearest-rank on the sorted sample, the definition bureaus' spreadsheets use.
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

export interface ResponseFigures {
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export function summarise(seconds: readonly number[]): ResponseFigures {
  const sorted = [...seconds].filter((s) => Number.isFinite(s) && s >= 0).sort((a, b) => a - b);
  return { count: sorted.length, medianSeconds: quantile(sorted, 0.5), p90Seconds: quantile(sorted, 0.9) };
}

export function shareWithin(seconds: readonly number[], limit: number): number | null {
  return seconds.length ? seconds.filter((s) => s <= limit).length / seconds.length : null;
}
