/**
 * Perimeter rings (圈层): the polygons a bureau draws around the city, its core and its districts,
 * and which road-graph nodes lie inside them.
 *
 * A ring is a GeoJSON Polygon or MultiPolygon (holes allowed) with a level. Everything the closure
 * analysis and the minimum cut say rests on one per-node answer, "inside or not", so a ring that
 * is not a proper area (open, degenerate, crossing itself) is rejected with typed issues instead
 * of producing a plausible-looking but meaningless result.
 */
import { buffer, kinks } from '@turf/turf';
import { z } from 'zod';
import type { RoadGraph } from '../roads/graph';

export const RING_LEVELS = ['city', 'core', 'district'] as const;
export type RingLevel = (typeof RING_LEVELS)[number];

export type Position = number[];
export interface PolygonGeometry {
  type: 'Polygon';
  coordinates: Position[][];
}
export interface MultiPolygonGeometry {
  type: 'MultiPolygon';
  coordinates: Position[][][];
}
export type RingGeometry = PolygonGeometry | MultiPolygonGeometry;

export interface PerimeterRing {
  level: RingLevel;
  name: string | null;
  geometry: RingGeometry;
}

export type RingRule =
  | 'required'
  | 'unsupported_type'
  | 'malformed'
  | 'invalid_position'
  | 'too_few_positions'
  | 'not_closed'
  | 'self_intersecting'
  | 'zero_area'
  | 'invalid_level'
  | 'ambiguous_feature'
  | 'no_road_inside'
  | 'band_too_wide';

export interface RingIssue {
  /** Dotted path to the offending value, e.g. `geometry.coordinates.0`. */
  field: string;
  rule: RingRule;
  message: string;
}

/** A ring that cannot be used; `issues` names every problem found (field + rule). */
export class RingValidationError extends Error {
  readonly issues: readonly RingIssue[];
  constructor(issues: readonly RingIssue[]) {
    super(`invalid ring: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'RingValidationError';
    this.issues = issues;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Twice the signed planar area of a closed linear ring in degrees² (shoelace); 0 when degenerate. */
function signedArea2(ring: readonly Position[]): number {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    sum += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  }
  return sum;
}

/**
 * Structural and geometric checks. Returns the issues (empty when the geometry is usable). The
 * geometric checks (self-intersection, area) only run once the structure is sound, so a broken
 * file gets the structural message, not a turf exception.
 */
export function validateRingGeometry(geometry: unknown, field = 'geometry'): RingIssue[] {
  if (geometry === undefined || geometry === null) {
    return [{ field, rule: 'required', message: 'a Polygon or MultiPolygon geometry is required' }];
  }
  if (!isRecord(geometry) || (geometry.type !== 'Polygon' && geometry.type !== 'MultiPolygon')) {
    const type = isRecord(geometry) ? String(geometry.type) : typeof geometry;
    return [
      {
        field: `${field}.type`,
        rule: 'unsupported_type',
        message: `a ring must be a Polygon or MultiPolygon, not ${type}`,
      },
    ];
  }
  const coordinates = geometry.coordinates;
  const polygons: unknown[] =
    geometry.type === 'Polygon' ? [coordinates] : Array.isArray(coordinates) ? coordinates : [];
  if (!Array.isArray(coordinates) || polygons.length === 0) {
    return [
      { field: `${field}.coordinates`, rule: 'malformed', message: 'coordinates must be a non-empty array' },
    ];
  }

  const issues: RingIssue[] = [];
  // Judged after self-intersection: a symmetric bow-tie has zero signed area, and "crosses itself"
  // is the message that helps there.
  const flatRings: RingIssue[] = [];
  polygons.forEach((polygon, p) => {
    const polygonField = geometry.type === 'Polygon' ? `${field}.coordinates` : `${field}.coordinates.${p}`;
    if (!Array.isArray(polygon) || polygon.length === 0) {
      issues.push({
        field: polygonField,
        rule: 'malformed',
        message: 'a polygon needs at least its outer ring',
      });
      return;
    }
    polygon.forEach((ring: unknown, r) => {
      const ringField = `${polygonField}.${r}`;
      if (!Array.isArray(ring)) {
        issues.push({
          field: ringField,
          rule: 'malformed',
          message: 'a linear ring must be an array of positions',
        });
        return;
      }
      const badPosition = ring.findIndex(
        (pos: unknown) =>
          !Array.isArray(pos) ||
          pos.length < 2 ||
          !Number.isFinite(pos[0]) ||
          !Number.isFinite(pos[1]) ||
          Math.abs(pos[0]) > 180 ||
          Math.abs(pos[1]) > 90,
      );
      if (badPosition >= 0) {
        issues.push({
          field: `${ringField}.${badPosition}`,
          rule: 'invalid_position',
          message: 'a position must be [lon, lat] with lon in [-180, 180] and lat in [-90, 90]',
        });
        return;
      }
      const positions = ring as Position[];
      if (positions.length < 4) {
        issues.push({
          field: ringField,
          rule: 'too_few_positions',
          message: `a linear ring needs at least 4 positions (first = last), it has ${positions.length}`,
        });
        return;
      }
      const first = positions[0];
      const last = positions[positions.length - 1];
      if (first[0] !== last[0] || first[1] !== last[1]) {
        issues.push({
          field: ringField,
          rule: 'not_closed',
          message: 'the last position must repeat the first',
        });
        return;
      }
      if (r === 0 && Math.abs(signedArea2(positions)) < 1e-18) {
        flatRings.push({ field: ringField, rule: 'zero_area', message: 'the outer ring encloses no area' });
      }
    });
  });
  if (issues.length > 0) return issues;

  const found = kinks(geometry as unknown as Parameters<typeof kinks>[0]).features;
  if (found.length > 0) {
    const [lon, lat] = found[0].geometry.coordinates;
    issues.push({
      field,
      rule: 'self_intersecting',
      message: `the ring crosses itself (first crossing near ${lon.toFixed(6)}, ${lat.toFixed(6)})`,
    });
    return issues;
  }
  return flatRings;
}

/**
 * A ring from whatever a user is likely to hand over: a bare Polygon/MultiPolygon, a Feature, or
 * a FeatureCollection holding exactly one polygon feature. The level comes from `level` in the
 * feature's properties (or `defaultLevel`). Throws `RingValidationError`.
 */
export function parseRing(input: unknown, defaultLevel: RingLevel = 'city'): PerimeterRing {
  let geometry: unknown = input;
  let properties: Record<string, unknown> = {};
  let field = 'geometry';
  if (isRecord(input) && input.type === 'FeatureCollection') {
    const features = Array.isArray(input.features) ? input.features : [];
    const polygons = features.filter(
      (f: unknown) =>
        isRecord(f) &&
        isRecord(f.geometry) &&
        (f.geometry.type === 'Polygon' || f.geometry.type === 'MultiPolygon'),
    );
    if (polygons.length !== 1) {
      throw new RingValidationError([
        {
          field: 'features',
          rule: 'ambiguous_feature',
          message: `a ring file must hold exactly one Polygon or MultiPolygon feature, it holds ${polygons.length}`,
        },
      ]);
    }
    const index = features.indexOf(polygons[0]);
    input = polygons[0];
    field = `features.${index}.geometry`;
  }
  if (isRecord(input) && input.type === 'Feature') {
    geometry = input.geometry;
    properties = isRecord(input.properties) ? input.properties : {};
  }
  const issues = validateRingGeometry(geometry, field);
  const level = properties.level ?? defaultLevel;
  if (typeof level !== 'string' || !(RING_LEVELS as readonly string[]).includes(level)) {
    issues.push({
      field: 'properties.level',
      rule: 'invalid_level',
      message: `level must be one of ${RING_LEVELS.join(', ')}`,
    });
  }
  if (issues.length > 0) throw new RingValidationError(issues);
  return {
    level: level as RingLevel,
    name: typeof properties.name === 'string' ? properties.name : null,
    geometry: geometry as RingGeometry,
  };
}

/** zod schema for API bodies: the same rules, reported as zod issues on the same fields. */
export const perimeterRingSchema = z
  .object({
    level: z.enum(RING_LEVELS),
    name: z.string().min(1).max(200).nullable().default(null),
    geometry: z.unknown(),
  })
  .superRefine((value, ctx) => {
    for (const issue of validateRingGeometry(value.geometry)) {
      ctx.addIssue({
        code: 'custom',
        path: issue.field.split('.'),
        message: issue.message,
        params: { rule: issue.rule },
      });
    }
  })
  .transform((value) => value as PerimeterRing);

/** Flattened rings of one polygon with its bounding box, for the per-node test. */
interface PreparedPolygon {
  minLon: number;
  maxLon: number;
  minLat: number;
  maxLat: number;
  /** Each linear ring as [lon0, lat0, lon1, lat1, …] including the closing position. */
  rings: Float64Array[];
}

function preparePolygons(geometry: RingGeometry): PreparedPolygon[] {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  return polygons.map((polygon) => {
    let minLon = Number.POSITIVE_INFINITY;
    let maxLon = Number.NEGATIVE_INFINITY;
    let minLat = Number.POSITIVE_INFINITY;
    let maxLat = Number.NEGATIVE_INFINITY;
    for (const [lon, lat] of polygon[0]) {
      minLon = Math.min(minLon, lon);
      maxLon = Math.max(maxLon, lon);
      minLat = Math.min(minLat, lat);
      maxLat = Math.max(maxLat, lat);
    }
    const rings = polygon.map((ring) => {
      const flat = new Float64Array(ring.length * 2);
      ring.forEach((pos, i) => {
        flat[2 * i] = pos[0];
        flat[2 * i + 1] = pos[1];
      });
      return flat;
    });
    return { minLon, maxLon, minLat, maxLat, rings };
  });
}

/**
 * Point-in-polygon by ray casting (even-odd over the outer ring and its holes), after a bbox
 * check. Planar in lon/lat, which is what GeoJSON means for rings drawn at city scale.
 */
function insidePrepared(polygons: readonly PreparedPolygon[], lon: number, lat: number): boolean {
  for (const polygon of polygons) {
    if (lon < polygon.minLon || lon > polygon.maxLon || lat < polygon.minLat || lat > polygon.maxLat)
      continue;
    let inside = false;
    for (const ring of polygon.rings) {
      const n = ring.length / 2;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const xi = ring[2 * i];
        const yi = ring[2 * i + 1];
        const xj = ring[2 * j];
        const yj = ring[2 * j + 1];
        if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
      }
    }
    if (inside) return true;
  }
  return false;
}

/** A reusable point-in-ring test (the geometry is flattened once). */
export function pointInRingTester(geometry: RingGeometry): (lon: number, lat: number) => boolean {
  const prepared = preparePolygons(geometry);
  return (lon, lat) => insidePrepared(prepared, lon, lat);
}

/** 1 for every graph node inside the ring, 0 otherwise. */
export function nodesInside(graph: RoadGraph, geometry: RingGeometry): Uint8Array {
  const prepared = preparePolygons(geometry);
  const inside = new Uint8Array(graph.nodeCount);
  for (let v = 0; v < graph.nodeCount; v++) {
    inside[v] = insidePrepared(prepared, graph.nodeLon[v], graph.nodeLat[v]) ? 1 : 0;
  }
  return inside;
}

/** Number of set entries of a 0/1 node mask. */
export function countSet(mask: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < mask.length; i++) count += mask[i];
  return count;
}

/**
 * The ring grown outwards (`metres` > 0) or shrunk inwards (< 0) by a geodesic buffer; null when
 * shrinking leaves nothing (the band is wider than the ring).
 */
export function bufferRing(geometry: RingGeometry, metres: number): RingGeometry | null {
  const result = buffer(geometry as unknown as Parameters<typeof buffer>[0], metres, { units: 'meters' });
  const grown = result && result.type === 'Feature' ? result.geometry : null;
  if (!grown || (grown.type !== 'Polygon' && grown.type !== 'MultiPolygon')) return null;
  return grown.type === 'Polygon'
    ? { type: 'Polygon', coordinates: grown.coordinates }
    : { type: 'MultiPolygon', coordinates: grown.coordinates };
}
