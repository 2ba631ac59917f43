import type { CheckpointDirections, CheckpointKind, RingGeometry, RingLevel } from '../../api/perimeter';

/** Ring levels, widest first (as core/perimeter/ring.ts names them; that module pulls in turf). */
export const RING_LEVELS = ['city', 'core', 'district'] as const satisfies readonly RingLevel[];

export const KIND_COLORS: Record<CheckpointKind, string> = {
  station: '#1d39c4',
  post: '#08979c',
  camera: '#722ed1',
};
export const CHECKPOINT_KINDS = Object.keys(KIND_COLORS) as CheckpointKind[];
export const CHECKPOINT_DIRECTIONS = [
  'both',
  'inbound',
  'outbound',
] as const satisfies readonly CheckpointDirections[];

/** The colour of a closure rate: 100 % meets the standard. */
export function closureColor(rate: number): string {
  if (rate >= 1) return '#389e0d';
  if (rate >= 0.6) return '#fa8c16';
  return '#cf1322';
}

/** A ring's bounding box (for fitting the map). */
export function geometryBounds(
  geometry: RingGeometry,
): { minLon: number; minLat: number; maxLon: number; maxLat: number } | null {
  const rings = geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
  let minLon = Number.POSITIVE_INFINITY;
  let minLat = Number.POSITIVE_INFINITY;
  let maxLon = Number.NEGATIVE_INFINITY;
  let maxLat = Number.NEGATIVE_INFINITY;
  for (const ring of rings) {
    for (const [lon, lat] of ring) {
      minLon = Math.min(minLon, lon);
      minLat = Math.min(minLat, lat);
      maxLon = Math.max(maxLon, lon);
      maxLat = Math.max(maxLat, lat);
    }
  }
  return Number.isFinite(minLon) ? { minLon, minLat, maxLon, maxLat } : null;
}
