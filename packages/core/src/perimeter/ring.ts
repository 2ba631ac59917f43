/**
 * Perimeter rings (圈层): the polygons a bureau draws around the city, its core and its districts,
 * and which road-graph nodes lie inside them.
 *
 * A ring is a GeoJSON Polygon or MultiPolygon (holes allowed) with a level. Everything the closure
 * analysis and the minimum cut say rests on one per-node answer, "inside or not", so a ring that
 * is not a proper area (open, degenerate, crossing itself) is rejected with typed issues instead
 * of producing a plausible-looking but meaningless result.
 */
import { buffer } from '@turf/turf';
import { z } from 'zod';
import type { RoadGraph } from '../roads/graph';
import { findSelfContact } from './self-intersection';

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
  | 'hole_outside_shell'
  | 'unsupported_crs'
  | 'unsupported_datum'
  | 'invalid_level'
  | 'ambiguous_feature'
  | 'no_road_inside'
  | 'band_too_wide'
  | 'too_many_positions'
  | 'too_many_holes'
  | 'too_many_polygons'
  | 'too_many_positions_in_total';

/**
 * How big a ring may be, checked before any per-position work (a ring is a user's upload: a
 * 262 kB polygon of 3,000 holes used to take the process down). Generous for real rings:
 * - a district or county boundary from OpenStreetMap has 1,000–10,000 vertices, and a whole
 *   prefecture-level city outline with its coastline 20,000–40,000: 50,000 per linear ring;
 * - holes are enclaves and excluded lakes or airports, a few dozen at most: 500 per polygon;
 * - parts are islands (a coastal city's islets, a few hundred): 1,000 polygons;
 * - 100,000 positions in all: about 4 MB of GeoJSON at full precision. At that size validation
 *   takes about 0.1 s and the point-in-ring test of every road node of a city a few seconds in a
 *   worker thread; anything larger is simplified first (QGIS, mapshaper) without losing meaning
 *   at the scale of checkpoints.
 */
export const RING_LIMITS = {
  positionsPerRing: 50_000,
  holesPerPolygon: 500,
  polygonsPerMultiPolygon: 1_000,
  positionsInTotal: 100_000,
} as const;

/**
 * Bytes of JSON a ring upload may take: 100,000 positions at full precision, with room for
 * indentation. Larger than the API's general body limit so that an oversized ring is refused by
 * the limit it breaks (named in the answer) rather than by its byte count.
 */
export const RING_GEOJSON_MAX_BYTES = 8 * 1024 * 1024;

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
 * The size limits (`RING_LIMITS`) alone: counts of polygons, rings and positions, read from array
 * lengths without looking at any position, so an oversized upload is refused at once. Tolerates
 * malformed input (the structural checks report it).
 */
export function ringLimitIssues(geometry: unknown, field = 'geometry'): RingIssue[] {
  if (!isRecord(geometry) || !Array.isArray(geometry.coordinates)) return [];
  const multi = geometry.type === 'MultiPolygon';
  if (!multi && geometry.type !== 'Polygon') return [];
  const coordinates = geometry.coordinates as unknown[];
  if (multi && coordinates.length > RING_LIMITS.polygonsPerMultiPolygon) {
    return [
      {
        field: `${field}.coordinates`,
        rule: 'too_many_polygons',
        message: `a MultiPolygon may have at most ${RING_LIMITS.polygonsPerMultiPolygon} polygons, this one has ${coordinates.length}`,
      },
    ];
  }
  const polygons = multi ? coordinates : [coordinates];
  const issues: RingIssue[] = [];
  // Enough to name the problem; a file with thousands of oversized rings gets the first few.
  const MAX_ISSUES = 10;
  let total = 0;
  polygons.forEach((polygon, p) => {
    if (!Array.isArray(polygon)) return;
    const polygonField = multi ? `${field}.coordinates.${p}` : `${field}.coordinates`;
    if (polygon.length - 1 > RING_LIMITS.holesPerPolygon) {
      if (issues.length < MAX_ISSUES) {
        issues.push({
          field: polygonField,
          rule: 'too_many_holes',
          message: `a polygon may have at most ${RING_LIMITS.holesPerPolygon} holes, this one has ${polygon.length - 1}`,
        });
      }
      return;
    }
    polygon.forEach((ring: unknown, r) => {
      if (!Array.isArray(ring)) return;
      total += ring.length;
      if (ring.length > RING_LIMITS.positionsPerRing && issues.length < MAX_ISSUES) {
        issues.push({
          field: `${polygonField}.${r}`,
          rule: 'too_many_positions',
          message: `a linear ring may have at most ${RING_LIMITS.positionsPerRing} positions, this one has ${ring.length}`,
        });
      }
    });
  });
  if (total > RING_LIMITS.positionsInTotal) {
    issues.push({
      field: `${field}.coordinates`,
      rule: 'too_many_positions_in_total',
      message: `a ring may have at most ${RING_LIMITS.positionsInTotal} positions in all, this one has ${total}`,
    });
  }
  return issues;
}

/**
 * Structural and geometric checks. Returns the issues (empty when the geometry is usable). The
 * size limits come first, then the structure; the geometric checks (self-intersection, area)
 * only run once the structure is sound, so a broken file gets the structural message.
 */
export function validateRingGeometry(geometry: unknown, field = 'geometry'): RingIssue[] {
  const structure = checkStructure(geometry, field);
  if (structure.issues.length > 0) return structure.issues;
  const found = findSelfContact(structure.polygons);
  // A spike on a flat ring is the flatness; any other contact is the message that helps.
  if (found && (found.kind === 'contact' || structure.flatRings.length === 0)) {
    const [lon, lat] = found.at;
    const near = `${lon.toFixed(6)}, ${lat.toFixed(6)}`;
    return [
      {
        field,
        rule: 'self_intersecting',
        message:
          found.kind === 'spike'
            ? `the ring turns straight back on itself (a spike at ${near})`
            : `the ring crosses itself (first crossing near ${near})`,
      },
    ];
  }
  if (structure.flatRings.length > 0) return structure.flatRings;
  return holesOutsideShell(structure.polygons, geometry as RingGeometry, field);
}

/**
 * Holes that lie outside their polygon's outer ring (OGC: a hole must lie inside its shell).
 * Run after the contact check, so a hole crosses no ring: it lies wholly inside or wholly outside,
 * and one of its positions off the shell's boundary tells which.
 */
function holesOutsideShell(polygons: Position[][][], geometry: RingGeometry, field: string): RingIssue[] {
  const issues: RingIssue[] = [];
  polygons.forEach((polygon, p) => {
    const shell = pointInRingTester({ type: 'Polygon', coordinates: [polygon[0]] });
    const polygonField = geometry.type === 'Polygon' ? `${field}.coordinates` : `${field}.coordinates.${p}`;
    for (let r = 1; r < polygon.length; r++) {
      // Without contacts, every vertex of a hole is strictly inside or strictly outside the shell.
      const [lon, lat] = polygon[r][0];
      if (!shell(lon, lat)) {
        issues.push({
          field: `${polygonField}.${r}`,
          rule: 'hole_outside_shell',
          message: 'a hole must lie inside its outer ring, this one lies outside it',
        });
      }
    }
  });
  return issues;
}

/**
 * The cheap checks alone (limits, types, positions, closure; linear in the positions, no
 * geometry): when they pass, the value is a plain Polygon or MultiPolygon of number pairs, fit to
 * hand to another thread for the geometric checks.
 */
export function ringStructureIssues(geometry: unknown, field = 'geometry'): RingIssue[] {
  return checkStructure(geometry, field).issues;
}

function checkStructure(
  geometry: unknown,
  field: string,
): { issues: RingIssue[]; flatRings: RingIssue[]; polygons: Position[][][] } {
  const fail = (issues: RingIssue[]) => ({ issues, flatRings: [], polygons: [] });
  if (geometry === undefined || geometry === null) {
    return fail([{ field, rule: 'required', message: 'a Polygon or MultiPolygon geometry is required' }]);
  }
  if (!isRecord(geometry) || (geometry.type !== 'Polygon' && geometry.type !== 'MultiPolygon')) {
    const type = isRecord(geometry) ? String(geometry.type) : typeof geometry;
    return fail([
      {
        field: `${field}.type`,
        rule: 'unsupported_type',
        message: `a ring must be a Polygon or MultiPolygon, not ${type}`,
      },
    ]);
  }
  const coordinates = geometry.coordinates;
  const polygons: unknown[] =
    geometry.type === 'Polygon' ? [coordinates] : Array.isArray(coordinates) ? coordinates : [];
  if (!Array.isArray(coordinates) || polygons.length === 0) {
    return fail([
      { field: `${field}.coordinates`, rule: 'malformed', message: 'coordinates must be a non-empty array' },
    ]);
  }
  const limits = ringLimitIssues(geometry, field);
  if (limits.length > 0) return fail(limits);

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
          pos.length > 3 ||
          (pos.length === 3 && !Number.isFinite(pos[2])) ||
          !Number.isFinite(pos[0]) ||
          !Number.isFinite(pos[1]) ||
          Math.abs(pos[0]) > 180 ||
          Math.abs(pos[1]) > 90,
      );
      if (badPosition >= 0) {
        issues.push({
          field: `${ringField}.${badPosition}`,
          rule: 'invalid_position',
          message:
            'a position must be [lon, lat] (or [lon, lat, altitude]) with lon in [-180, 180] and lat in [-90, 90]',
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
  return { issues, flatRings, polygons: polygons as Position[][][] };
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

/**
 * One polygon ready for the per-node test: its outer bounding box, and the edges of all its rings
 * (outer and holes) bucketed by horizontal band, so a point is tested against the edges of its
 * band only instead of every edge (a city ring of 50,000 vertices against 100,000 road nodes).
 */
interface PreparedPolygon {
  minLon: number;
  maxLon: number;
  minLat: number;
  maxLat: number;
  /** Per edge: xi, yi, xj, yj (the ray-casting loop's current and previous vertex). */
  edges: Float64Array;
  bandMinLat: number;
  bandHeight: number;
  bandCount: number;
  /** Edges of band b: bandEdges[bandStart[b] .. bandStart[b + 1] - 1]. */
  bandStart: Uint32Array;
  bandEdges: Uint32Array;
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
    // Horizontal edges never cross a horizontal ray: left out.
    let total = 0;
    for (const ring of polygon) total += ring.length;
    const edges = new Float64Array(total * 4);
    let count = 0;
    let lowest = Number.POSITIVE_INFINITY;
    let highest = Number.NEGATIVE_INFINITY;
    for (const ring of polygon) {
      const n = ring.length;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const yi = ring[i][1];
        const yj = ring[j][1];
        if (yi === yj) continue;
        edges[4 * count] = ring[i][0];
        edges[4 * count + 1] = yi;
        edges[4 * count + 2] = ring[j][0];
        edges[4 * count + 3] = yj;
        lowest = Math.min(lowest, yi, yj);
        highest = Math.max(highest, yi, yj);
        count++;
      }
    }
    const bands = bandIndex(edges, count, lowest, highest);
    return { minLon, maxLon, minLat, maxLat, edges: edges.subarray(0, count * 4), ...bands };
  });
}

/**
 * Buckets edges by the horizontal bands their latitude range overlaps: about 4 edges per band,
 * with fewer bands where long edges would be listed in too many of them (memory stays linear).
 */
function bandIndex(edges: Float64Array, count: number, lowest: number, highest: number) {
  let bandCount = Math.max(1, Math.min(65_536, Math.floor(count / 4)));
  const range = highest - lowest;
  const bandOf = (lat: number, height: number, bands: number) => {
    const b = Math.floor((lat - lowest) / height);
    return b < 0 ? 0 : b >= bands ? bands - 1 : b;
  };
  let height = range > 0 ? range / bandCount : 1;
  for (;;) {
    let entries = 0;
    for (let e = 0; e < count; e++) {
      const y1 = edges[4 * e + 1];
      const y2 = edges[4 * e + 3];
      entries +=
        bandOf(Math.max(y1, y2), height, bandCount) - bandOf(Math.min(y1, y2), height, bandCount) + 1;
    }
    if (entries <= 8 * count + 1024 || bandCount === 1) {
      const bandStart = new Uint32Array(bandCount + 1);
      const spans = new Uint32Array(count * 2);
      for (let e = 0; e < count; e++) {
        const y1 = edges[4 * e + 1];
        const y2 = edges[4 * e + 3];
        const from = bandOf(Math.min(y1, y2), height, bandCount);
        const to = bandOf(Math.max(y1, y2), height, bandCount);
        spans[2 * e] = from;
        spans[2 * e + 1] = to;
        for (let b = from; b <= to; b++) bandStart[b + 1]++;
      }
      for (let b = 0; b < bandCount; b++) bandStart[b + 1] += bandStart[b];
      const fill = bandStart.slice(0, bandCount);
      const bandEdges = new Uint32Array(entries);
      for (let e = 0; e < count; e++) {
        for (let b = spans[2 * e]; b <= spans[2 * e + 1]; b++) bandEdges[fill[b]++] = e;
      }
      return { bandMinLat: lowest, bandHeight: height, bandCount, bandStart, bandEdges };
    }
    bandCount = Math.max(1, Math.floor(bandCount / 2));
    height = range > 0 ? range / bandCount : 1;
  }
}

/**
 * Point-in-polygon by ray casting (even-odd over the outer ring and its holes), after a bbox
 * check. Planar in lon/lat, which is what GeoJSON means for rings drawn at city scale. Only the
 * edges of the point's band can straddle its latitude, so the others are skipped.
 */
function insidePrepared(polygons: readonly PreparedPolygon[], lon: number, lat: number): boolean {
  for (const polygon of polygons) {
    if (lon < polygon.minLon || lon > polygon.maxLon || lat < polygon.minLat || lat > polygon.maxLat)
      continue;
    const { edges, bandCount, bandStart, bandEdges } = polygon;
    let band = Math.floor((lat - polygon.bandMinLat) / polygon.bandHeight);
    band = band < 0 ? 0 : band >= bandCount ? bandCount - 1 : band;
    let inside = false;
    for (let k = bandStart[band]; k < bandStart[band + 1]; k++) {
      const e = bandEdges[k];
      const xi = edges[4 * e];
      const yi = edges[4 * e + 1];
      const xj = edges[4 * e + 2];
      const yj = edges[4 * e + 3];
      if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
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
