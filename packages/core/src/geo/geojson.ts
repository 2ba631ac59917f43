/**
 * Areas as GIS tools hand them over: a bare Polygon/MultiPolygon, a Feature, or a
 * FeatureCollection holding one polygon feature (QGIS and ogr2ogr write the last, often with a
 * MultiPolygon and a `crs` member naming CRS84). One reader for every place an area comes in
 * (perimeter rings, patrol zones, crowd areas; the API, the web's paste box and the CLI), so the
 * same file is accepted or refused the same way everywhere.
 *
 * Coordinates may be in a Chinese basemap's datum (GCJ-02 of AMap/Tencent, BD-09 of Baidu) and
 * are converted to WGS-84 here, at the edge, with gcoord. What is stored follows RFC 7946's
 * right-hand rule (outer rings counter-clockwise, holes clockwise), applied with turf's rewind.
 */
import { rewind } from '@turf/turf';
import gcoord from 'gcoord';
import {
  type RingGeometry,
  type RingIssue,
  RingValidationError,
  ringStructureIssues,
  validateRingGeometry,
} from '../perimeter/ring';

export const DATUMS = ['wgs84', 'gcj02', 'bd09'] as const;
export type Datum = (typeof DATUMS)[number];
const GCOORD_DATUM = { wgs84: gcoord.WGS84, gcj02: gcoord.GCJ02, bd09: gcoord.BD09 } as const;

/**
 * The `crs` names that mean plain longitude/latitude on WGS-84 (GeoJSON 2008's named CRS, as
 * GDAL/QGIS still write it). EPSG:4326 is listed because GDAL writes it for lon/lat data too.
 */
const WGS84_CRS_NAMES = new Set([
  'urn:ogc:def:crs:OGC:1.3:CRS84',
  'urn:ogc:def:crs:OGC::CRS84',
  'http://www.opengis.net/def/crs/OGC/1.3/CRS84',
  'CRS84',
  'EPSG:4326',
  'urn:ogc:def:crs:EPSG::4326',
  'urn:ogc:def:crs:EPSG:4326',
  'http://www.opengis.net/def/crs/EPSG/0/4326',
]);

export type AreaIssue = RingIssue;

export interface AreaOptions {
  /** Path of the value in the request, prefixed to every issue's field (default `geometry`). */
  field?: string;
  /** Datum of the coordinates (default WGS-84). */
  datum?: Datum;
  /** A single Polygon is wanted (patrol zones, crowd areas): a MultiPolygon of one part is unwrapped. */
  single?: boolean;
  /** Skip the geometric checks (self-contact, holes): the caller runs them elsewhere (a worker). */
  structureOnly?: boolean;
}

export interface ReadArea {
  /** WGS-84, right-hand rule. */
  geometry: RingGeometry;
  /** `name` and `level` of the feature's properties, when they are strings. */
  name: string | null;
  level: string | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isPolygonal = (g: unknown) => isRecord(g) && (g.type === 'Polygon' || g.type === 'MultiPolygon');

function crsIssue(value: Record<string, unknown>, field: string): AreaIssue | null {
  if (value.crs === undefined || value.crs === null) return null;
  const crs = value.crs;
  const name = isRecord(crs) && isRecord(crs.properties) ? crs.properties.name : undefined;
  if (isRecord(crs) && crs.type === 'name' && typeof name === 'string' && WGS84_CRS_NAMES.has(name))
    return null;
  return {
    field: `${field}.crs`,
    rule: 'unsupported_crs',
    message: `coordinates must be longitude/latitude (CRS84 or EPSG:4326), not ${typeof name === 'string' ? name : JSON.stringify(crs)}; reproject first (ogr2ogr -t_srs EPSG:4326)`,
  };
}

/** The geometry inside a Geometry/Feature/FeatureCollection, with its field path and properties. */
function unwrap(
  input: unknown,
  field: string,
): { geometry: unknown; field: string; properties: Record<string, unknown>; issues: AreaIssue[] } {
  const issues: AreaIssue[] = [];
  let value = input;
  let path = field;
  if (isRecord(value) && value.type === 'FeatureCollection') {
    const crs = crsIssue(value, path);
    if (crs) issues.push(crs);
    const features = Array.isArray(value.features) ? value.features : [];
    const polygons = features.filter((f: unknown) => isRecord(f) && isPolygonal(f.geometry));
    if (polygons.length !== 1) {
      issues.push({
        field: `${path}.features`,
        rule: 'ambiguous_feature',
        message: `an area file must hold exactly one Polygon or MultiPolygon feature, it holds ${polygons.length}`,
      });
      return { geometry: undefined, field: path, properties: {}, issues };
    }
    path = `${path}.features.${features.indexOf(polygons[0])}`;
    value = polygons[0];
  }
  let properties: Record<string, unknown> = {};
  if (isRecord(value) && value.type === 'Feature') {
    const crs = crsIssue(value, path);
    if (crs) issues.push(crs);
    properties = isRecord(value.properties) ? value.properties : {};
    value = value.geometry;
    path = `${path}.geometry`;
  } else if (isRecord(value)) {
    const crs = crsIssue(value, path);
    if (crs) issues.push(crs);
  }
  return { geometry: value, field: path, properties, issues };
}

function toWgs84(geometry: RingGeometry, datum: Datum): RingGeometry {
  if (datum === 'wgs84') return geometry;
  const from = GCOORD_DATUM[datum];
  const convert = (ring: number[][]) =>
    ring.map((p) => {
      const [lon, lat] = gcoord.transform([p[0], p[1]] as [number, number], from, gcoord.WGS84);
      return p.length > 2 ? [lon, lat, p[2]] : [lon, lat];
    });
  return geometry.type === 'Polygon'
    ? { type: 'Polygon', coordinates: geometry.coordinates.map(convert) }
    : { type: 'MultiPolygon', coordinates: geometry.coordinates.map((poly) => poly.map(convert)) };
}

/**
 * Reads an area; returns it, or the issues that refuse it (each naming the field and the rule).
 * Order: wrapper and `crs`, then structure and size (in the given datum), then the datum
 * conversion, then the geometric checks on what will be stored, then the right-hand rule.
 */
export function readArea(
  input: unknown,
  options: AreaOptions = {},
): { area: ReadArea; issues: [] } | { area: null; issues: AreaIssue[] } {
  const datum = options.datum ?? 'wgs84';
  if (!(DATUMS as readonly string[]).includes(datum)) {
    return {
      area: null,
      issues: [
        { field: 'datum', rule: 'unsupported_datum', message: `datum must be one of ${DATUMS.join(', ')}` },
      ],
    };
  }
  const unwrapped = unwrap(input, options.field ?? 'geometry');
  if (unwrapped.issues.length > 0) return { area: null, issues: unwrapped.issues };
  const field = unwrapped.field;
  let geometry = unwrapped.geometry;
  if (options.single && isRecord(geometry) && geometry.type === 'MultiPolygon') {
    const parts = Array.isArray(geometry.coordinates) ? geometry.coordinates : [];
    if (parts.length !== 1) {
      return {
        area: null,
        issues: [
          {
            field: `${field}.coordinates`,
            rule: 'too_many_polygons',
            message: `one polygon is wanted here, this MultiPolygon has ${parts.length}`,
          },
        ],
      };
    }
    geometry = { type: 'Polygon', coordinates: parts[0] };
  }
  const structure = ringStructureIssues(geometry, field);
  if (structure.length > 0) return { area: null, issues: structure };
  const wgs84 = toWgs84(geometry as RingGeometry, datum);
  if (!options.structureOnly) {
    const geometric = validateRingGeometry(wgs84, field);
    if (geometric.length > 0) return { area: null, issues: geometric };
  }
  const wound = rewind(wgs84 as Parameters<typeof rewind>[0], { mutate: false }) as unknown as RingGeometry;
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
  return {
    area: {
      geometry: { type: wound.type, coordinates: wound.coordinates } as RingGeometry,
      name: text(unwrapped.properties.name),
      level: text(unwrapped.properties.level),
    },
    issues: [],
  };
}

/** `readArea`, throwing `RingValidationError` (its issues name field and rule). */
export function readAreaOrThrow(input: unknown, options: AreaOptions = {}): ReadArea {
  const result = readArea(input, options);
  if (result.area === null) throw new RingValidationError(result.issues);
  return result.area;
}

export interface ExportFeature {
  id: string;
  geometry: RingGeometry;
  properties: Record<string, string | number | boolean | null>;
}

/**
 * A FeatureCollection a GIS tool opens as one layer: RFC 7946 (no `crs`: WGS-84 lon/lat is the
 * only CRS), right-hand rule, string ids, flat properties (QGIS makes each a column).
 */
export function featureCollection(name: string, features: readonly ExportFeature[]) {
  return {
    type: 'FeatureCollection' as const,
    name,
    features: features.map((f) => ({
      type: 'Feature' as const,
      id: f.id,
      properties: f.properties,
      geometry: rewind(f.geometry as Parameters<typeof rewind>[0], {
        mutate: false,
      }) as unknown as RingGeometry,
    })),
  };
}
