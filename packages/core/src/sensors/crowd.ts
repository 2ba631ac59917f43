import { polygon, area as turfArea } from '@turf/turf';
import type { CrowdLevel } from './schemas.js';

/** The area of a closed ring of [lon, lat] in m² (turf's geodesic area). */
export function ringAreaM2(ring: readonly (readonly [number, number])[]): number {
  return turfArea(polygon([ring.map(([x, y]) => [x, y])]));
}

/** People per m². */
export function density(count: number, areaM2: number): number {
  return areaM2 > 0 ? count / areaM2 : 0;
}

export function crowdLevel(d: number, warn: number, alarm: number): CrowdLevel {
  if (d >= alarm) return 'alarm';
  if (d >= warn) return 'warning';
  return 'normal';
}

/**
 * Whether a count is implausible: negative, or beyond what the area holds. Such a count is stored
 * and flagged, never alarmed on (a counter glitch must not send units).
 */
export function countFlag(count: number, capacity: number): 'negative' | 'beyond_capacity' | null {
  if (count < 0) return 'negative';
  if (count > capacity) return 'beyond_capacity';
  return null;
}

/** Counts spread over less than this give no trend (a burst of counts is no rate). */
export const MIN_TREND_SPAN_MS = 60_000;

/**
 * Trend over the last counts: people per minute by least squares; null with fewer than two counts
 * or when they span less than a minute.
 */
export function trendPerMinute(points: readonly { atMs: number; count: number }[]): number | null {
  if (points.length < 2) return null;
  const span = Math.max(...points.map((p) => p.atMs)) - Math.min(...points.map((p) => p.atMs));
  if (span < MIN_TREND_SPAN_MS) return null;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.atMs, 0) / n;
  const my = points.reduce((s, p) => s + p.count, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.atMs - mx) * (p.count - my);
    den += (p.atMs - mx) ** 2;
  }
  return (num / den) * 60_000;
}
