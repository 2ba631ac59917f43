/**
 * Incident export files as rows of named fields: CSV (RFC 4180: quoted fields may hold commas,
 * quotes and line breaks), JSON arrays of objects, GeoJSON feature collections, and Esri JSON
 * feature sets (ArcGIS REST query answers: `fields` with types, `features[].attributes`,
 * optional `geometry` {x, y} in WGS-84 or Web Mercator).
 */
import gcoord from 'gcoord';

export type RecordFormat = 'csv' | 'json' | 'geojson' | 'esri';

/** A point that came with a row as geometry (GeoJSON, Esri), already in WGS-84 or in `crs`. */
export interface RowGeometry {
  lon: number;
  lat: number;
}

export interface RecordSet {
  format: RecordFormat;
  /** Field names in file order. */
  fields: string[];
  /** Esri field types by name (`esriFieldTypeDate` marks epoch-ms times). */
  fieldTypes: Record<string, string>;
  rows: Record<string, unknown>[];
  /** Per row, the geometry the format carried, if any. */
  geometry: (RowGeometry | null)[];
}

export class RecordReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordReadError';
  }
}

/** Parses CSV text into a header and rows of strings. A leading BOM is dropped. */
export function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let atFieldStart = true;
  const n = s.length;
  while (i < n) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
      i++;
      continue;
    }
    if (ch === ',') {
      record.push(field);
      field = '';
      atFieldStart = true;
      i++;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      record.push(field);
      field = '';
      atFieldStart = true;
      if (!(record.length === 1 && record[0] === '')) records.push(record);
      record = [];
      i += ch === '\r' && s[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    field += ch;
    atFieldStart = false;
    i++;
  }
  if (quoted) throw new RecordReadError('the CSV ends inside a quoted field');
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  if (records.length === 0) throw new RecordReadError('the CSV has no header row');
  const header = records[0].map((h) => h.trim());
  return { header, rows: records.slice(1) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const WEB_MERCATOR_WKIDS = new Set([102100, 102113, 3857, 900913]);

function esriPoint(geometry: unknown, wkid: number | undefined): RowGeometry | null {
  if (!isRecord(geometry)) return null;
  const x = Number(geometry.x);
  const y = Number(geometry.y);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
  if (wkid !== undefined && WEB_MERCATOR_WKIDS.has(wkid)) {
    const [lon, lat] = gcoord.transform([x, y], gcoord.WebMercator, gcoord.WGS84);
    return { lon, lat };
  }
  if (wkid !== undefined && wkid !== 4326) return null;
  return { lon: x, lat: y };
}

function geoJsonPoint(geometry: unknown): RowGeometry | null {
  if (!isRecord(geometry) || geometry.type !== 'Point' || !Array.isArray(geometry.coordinates)) return null;
  const [lon, lat] = geometry.coordinates.map(Number);
  return Number.isFinite(lon) && Number.isFinite(lat) ? { lon, lat } : null;
}

function fieldsOf(rows: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows.slice(0, 1000)) for (const k of Object.keys(row)) seen.add(k);
  return [...seen];
}

/** Reads a file's text as rows; the format comes from the content (JSON starts with `{` or `[`). */
export function readRecords(text: string): RecordSet {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (!start.startsWith('{') && !start.startsWith('[')) {
    const { header, rows } = parseCsv(text);
    const seen = new Map<string, number>();
    const fields = header.map((h, i) => {
      const name = h === '' ? `column_${i + 1}` : h;
      const n = seen.get(name) ?? 0;
      seen.set(name, n + 1);
      return n === 0 ? name : `${name}_${n + 1}`;
    });
    return {
      format: 'csv',
      fields,
      fieldTypes: {},
      rows: rows.map((r) => Object.fromEntries(fields.map((f, i) => [f, r[i] ?? '']))),
      geometry: rows.map(() => null),
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(start);
  } catch (error) {
    throw new RecordReadError(`not valid JSON: ${(error as Error).message}`);
  }
  if (Array.isArray(json)) {
    const rows = json.filter(isRecord);
    if (rows.length !== json.length) throw new RecordReadError('a JSON array of incidents must hold objects');
    return { format: 'json', fields: fieldsOf(rows), fieldTypes: {}, rows, geometry: rows.map(() => null) };
  }
  if (!isRecord(json)) throw new RecordReadError('expected a JSON array or object');
  if (Array.isArray(json.features) && Array.isArray(json.fields)) {
    // Esri JSON feature set.
    const sr = isRecord(json.spatialReference) ? json.spatialReference : undefined;
    const wkid = sr ? Number(sr.latestWkid ?? sr.wkid) : undefined;
    const fieldTypes: Record<string, string> = {};
    for (const f of json.fields)
      if (isRecord(f) && typeof f.name === 'string') fieldTypes[f.name] = String(f.type);
    const features = json.features.filter(isRecord);
    return {
      format: 'esri',
      fields: Object.keys(fieldTypes),
      fieldTypes,
      rows: features.map((f) => (isRecord(f.attributes) ? f.attributes : {})),
      geometry: features.map((f) => esriPoint(f.geometry, Number.isFinite(wkid) ? wkid : undefined)),
    };
  }
  if (Array.isArray(json.features)) {
    const features = json.features.filter(isRecord);
    const rows = features.map((f) => (isRecord(f.properties) ? f.properties : {}));
    return {
      format: 'geojson',
      fields: fieldsOf(rows),
      fieldTypes: {},
      rows,
      geometry: features.map((f) => geoJsonPoint(f.geometry)),
    };
  }
  for (const key of ['data', 'items', 'records', 'results']) {
    const inner = json[key];
    if (Array.isArray(inner) && inner.every(isRecord)) {
      return {
        format: 'json',
        fields: fieldsOf(inner),
        fieldTypes: {},
        rows: inner,
        geometry: inner.map(() => null),
      };
    }
  }
  throw new RecordReadError(
    'expected a JSON array of incidents, a GeoJSON FeatureCollection or an Esri JSON feature set',
  );
}
