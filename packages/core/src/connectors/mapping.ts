/**
 * 数据融合 — data connectors: a declarative mapping from a source's columns (CSV header, JSON keys,
 * Esri fields, MQTT message keys) onto the fields of a module's target (incident history, regulated
 * units), checked before any row is read, then applied row by row with a quality report (rows
 * read, accepted, rejected by reason, duplicates).
 *
 * Pure: no I/O. The server reads the source, calls `checkMapping` on its columns, `mapRows` on its
 * rows, and writes the accepted rows in batches through the owning module's service.
 */
import { z } from 'zod';
import { pointInValue } from '../patrol/columns';
import { combineDateAndClock, DATE_FORMATS, isValidTimeZone, parseDateTime } from '../patrol/time';

export const FIELD_TYPES = ['string', 'number', 'integer', 'time', 'boolean', 'point'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface TargetField {
  name: string;
  /** The type the target stores; a mapping entry must declare the same. */
  type: FieldType;
  required: boolean;
  label: { zh: string; en: string };
}

export interface TargetSpec {
  id: TargetId;
  /** The module whose service writes the rows. */
  module: string;
  label: { zh: string; en: string };
  fields: readonly TargetField[];
  /** The field whose repeated value within a run is a duplicate (optional fields: only when set). */
  key: string;
  /** Alternatives that stand in for a required pair (e.g. `point` for lon+lat). */
  oneOf?: readonly (readonly string[])[];
}

export const TARGET_IDS = [
  'patrol.incidents',
  'oversight.units',
  'places.addresses',
  'sensors.devices',
] as const;
export type TargetId = (typeof TARGET_IDS)[number];

const f = (name: string, type: FieldType, required: boolean, zh: string, en: string): TargetField => ({
  name,
  type,
  required,
  label: { zh, en },
});

/** What each target takes. The writing module checks again (place in the city, scope, uniqueness). */
export const TARGETS: Record<TargetId, TargetSpec> = {
  'patrol.incidents': {
    id: 'patrol.incidents',
    module: 'patrol',
    label: { zh: '历史警情（单元防控）', en: 'Incident history (patrol)' },
    fields: [
      f('id', 'string', true, '警情编号', 'Incident id'),
      f('time', 'time', true, '发生时间', 'Time'),
      f('category', 'string', true, '警情类别', 'Category'),
      f('lon', 'number', false, '经度', 'Longitude'),
      f('lat', 'number', false, '纬度', 'Latitude'),
      f('point', 'point', false, '坐标（文本）', 'Point (in text)'),
      f('address', 'string', false, '地址', 'Address'),
    ],
    key: 'id',
    // A location: lon and lat, a point in a text field, or an address to geocode.
    oneOf: [['lon', 'lat'], ['point'], ['address']],
  },
  'oversight.units': {
    id: 'oversight.units',
    module: 'oversight',
    label: { zh: '重点单位（要素管控）', en: 'Regulated units (oversight)' },
    fields: [
      f('industry', 'string', true, '行业', 'Industry'),
      f('name', 'string', true, '单位名称', 'Name'),
      f('licenceNo', 'string', false, '许可证号', 'Licence number'),
      f('address', 'string', false, '地址', 'Address'),
      f('lon', 'number', false, '经度', 'Longitude'),
      f('lat', 'number', false, '纬度', 'Latitude'),
    ],
    key: 'licenceNo',
  },
  'places.addresses': {
    id: 'places.addresses',
    module: 'places',
    label: { zh: '标准地址（地址库）', en: 'Standard addresses (gazetteer)' },
    fields: [
      f('province', 'string', false, '省', 'Province'),
      f('city', 'string', false, '市', 'City'),
      f('district', 'string', false, '区县', 'District'),
      f('street', 'string', false, '街路巷', 'Street'),
      f('housenumber', 'string', false, '门牌号', 'House number'),
      f('postcode', 'string', false, '邮政编码', 'Postcode'),
      f('full', 'string', false, '完整地址', 'Full address'),
      f('name', 'string', false, '建筑物/单位名称', 'Name of what stands there'),
      f('lon', 'number', true, '经度', 'Longitude'),
      f('lat', 'number', true, '纬度', 'Latitude'),
    ],
    key: 'full',
    // An address: a street (with or without number), or the whole address in one text.
    oneOf: [['street'], ['full']],
  },
  'sensors.devices': {
    id: 'sensors.devices',
    module: 'sensors',
    label: { zh: '社区感知设备（设备登记）', en: 'Community devices (device registry)' },
    fields: [
      f('community', 'string', true, '所属小区', 'Community'),
      f('kind', 'string', true, '设备类型', 'Kind'),
      f('name', 'string', true, '设备名称', 'Name'),
      f('code', 'string', false, '设备编码', 'Device code'),
      f('address', 'string', true, '安装地址', 'Address'),
      f('lon', 'number', true, '经度', 'Longitude'),
      f('lat', 'number', true, '纬度', 'Latitude'),
      f('streamUrl', 'string', false, '视频流地址', 'Stream URL'),
      f('inactivityS', 'integer', false, '离线判定秒数', 'Seconds before offline'),
    ],
    // The code when given, else the name; sensors checks the registry (same name in the community).
    key: 'code',
  },
};

/** One target field filled from one source column, or a date column plus a time-of-day column. */
export const mappingEntrySchema = z.strictObject({
  column: z.union([
    z.string().min(1).max(200),
    z.tuple([z.string().min(1).max(200), z.string().min(1).max(200)]),
  ]),
  type: z.enum(FIELD_TYPES),
  /** Times only: the shape of the values (`auto` recognises each). */
  format: z.enum(DATE_FORMATS).optional(),
});
export type MappingEntry = z.infer<typeof mappingEntrySchema>;

export const mappingSchema = z.strictObject({
  target: z.enum(TARGET_IDS),
  fields: z.record(z.string().min(1).max(64), mappingEntrySchema),
  /** IANA zone of wall-clock times without an offset. */
  tz: z.string().min(1).max(64).default('Asia/Shanghai'),
  /** Epoch numbers holding local wall-clock time written as UTC (Open Baltimore). */
  epochIsLocal: z.boolean().optional(),
});
export type Mapping = z.infer<typeof mappingSchema>;

/** A mapping refused: the field (path) and the rule broken, for a problem+json answer. */
export interface MappingIssue {
  field: string;
  rule: 'unknown_field' | 'type_mismatch' | 'required' | 'missing_column' | 'time_zone' | 'column_type';
  /** The offending name (field or column). */
  value: string;
}

/** Esri field types that can hold each target type. */
const ESRI_TYPES: Record<FieldType, readonly string[]> = {
  string: ['esriFieldTypeString', 'esriFieldTypeGUID', 'esriFieldTypeGlobalID', 'esriFieldTypeOID'],
  number: ['esriFieldTypeDouble', 'esriFieldTypeSingle', 'esriFieldTypeInteger', 'esriFieldTypeSmallInteger'],
  integer: ['esriFieldTypeInteger', 'esriFieldTypeSmallInteger', 'esriFieldTypeOID'],
  time: ['esriFieldTypeDate', 'esriFieldTypeString', 'esriFieldTypeDouble', 'esriFieldTypeInteger'],
  boolean: ['esriFieldTypeSmallInteger', 'esriFieldTypeString'],
  point: ['esriFieldTypeString'],
};

/**
 * The mapping against its target alone (when a connector is defined): fields the target has, each
 * with the target's type, every required field mapped, a known time zone.
 */
export function checkMappingDefinition(mapping: Mapping): MappingIssue[] {
  const target = TARGETS[mapping.target];
  const issues: MappingIssue[] = [];
  for (const [name, entry] of Object.entries(mapping.fields)) {
    const field = target.fields.find((x) => x.name === name);
    if (!field) {
      issues.push({ field: `mapping.fields.${name}`, rule: 'unknown_field', value: name });
      continue;
    }
    if (entry.type !== field.type)
      issues.push({ field: `mapping.fields.${name}.type`, rule: 'type_mismatch', value: entry.type });
    else if (Array.isArray(entry.column) && field.type !== 'time')
      issues.push({
        field: `mapping.fields.${name}.column`,
        rule: 'type_mismatch',
        value: entry.column.join('+'),
      });
  }
  for (const field of target.fields)
    if (field.required && !mapping.fields[field.name])
      issues.push({ field: `mapping.fields.${field.name}`, rule: 'required', value: field.name });
  if (target.oneOf && !target.oneOf.some((set) => set.every((n) => mapping.fields[n])))
    issues.push({
      field: `mapping.fields.${target.oneOf[0][0]}`,
      rule: 'required',
      value: target.oneOf.map((s) => s.join('+')).join('|'),
    });
  if (!isValidTimeZone(mapping.tz))
    issues.push({ field: 'mapping.tz', rule: 'time_zone', value: mapping.tz });
  return issues;
}

/**
 * The mapping against a source's columns (before any row is read): every column it names exists,
 * and where the source declares types (Esri JSON) they can hold the target's type.
 */
export function checkMapping(
  mapping: Mapping,
  columns: readonly string[],
  columnTypes: Record<string, string> = {},
): MappingIssue[] {
  const issues = checkMappingDefinition(mapping);
  const have = new Set(columns);
  for (const [name, entry] of Object.entries(mapping.fields)) {
    const cols = Array.isArray(entry.column) ? entry.column : [entry.column];
    for (const col of cols) {
      if (!have.has(col)) {
        issues.push({ field: `mapping.fields.${name}.column`, rule: 'missing_column', value: col });
        continue;
      }
      const declared = columnTypes[col];
      if (declared && !ESRI_TYPES[entry.type].includes(declared))
        issues.push({
          field: `mapping.fields.${name}.column`,
          rule: 'column_type',
          value: `${col}:${declared}`,
        });
    }
  }
  return issues;
}

export type MappedValue = string | number | boolean | { lon: number; lat: number };
export type MappedRow = Record<string, MappedValue>;

export const ROW_REJECT_REASONS = [
  'required_missing',
  'not_a_number',
  'not_an_integer',
  'not_a_time',
  'not_a_boolean',
  'not_a_point',
  'text_too_long',
] as const;
export type RowRejectReason = (typeof ROW_REJECT_REASONS)[number];

export interface QualityReport {
  /** Rows read from the source. */
  read: number;
  /** Rows that passed the mapping (before the target's own checks). */
  accepted: number;
  /** Rows refused, by reason (the mapping's reasons, then the target's). */
  rejected: Record<string, number>;
  rejectedTotal: number;
  /** Rows whose key repeats one earlier in the run (not written twice). */
  duplicates: number;
  /** Up to three examples per reason: 1-based row number, target field, offending value. */
  examples: Record<string, { row: number; field?: string; value?: string }[]>;
}

export interface MappedRows {
  rows: { row: number; values: MappedRow }[];
  report: QualityReport;
}

const MAX_TEXT = 500;
const EXAMPLES = 3;

function blank(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
}

function convert(
  raw: unknown,
  rawClock: unknown,
  entry: MappingEntry,
  mapping: Mapping,
): { value: MappedValue } | { reason: RowRejectReason } {
  switch (entry.type) {
    case 'string': {
      const s = String(raw).trim();
      return s.length > MAX_TEXT ? { reason: 'text_too_long' } : { value: s };
    }
    case 'number':
    case 'integer': {
      const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
      if (!Number.isFinite(n)) return { reason: 'not_a_number' };
      if (entry.type === 'integer' && !Number.isInteger(n)) return { reason: 'not_an_integer' };
      return { value: n };
    }
    case 'boolean': {
      const s = String(raw).trim().toLowerCase();
      if (['true', '1', 'yes', 'y', '是'].includes(s)) return { value: true };
      if (['false', '0', 'no', 'n', '否'].includes(s)) return { value: false };
      return { reason: 'not_a_boolean' };
    }
    case 'time': {
      const options = { tz: mapping.tz, format: entry.format, epochIsLocal: mapping.epochIsLocal };
      const ms =
        rawClock !== undefined ? combineDateAndClock(raw, rawClock, options) : parseDateTime(raw, options);
      return ms === null ? { reason: 'not_a_time' } : { value: new Date(ms).toISOString() };
    }
    case 'point': {
      const p = pointInValue(raw);
      return p ? { value: p } : { reason: 'not_a_point' };
    }
  }
}

/**
 * Applies a mapping (already checked against the columns) to rows of named values. Blank optional
 * fields are left out; a blank required field, or a value not of its type, refuses the row.
 */
export function mapRows(mapping: Mapping, rows: readonly Record<string, unknown>[]): MappedRows {
  const target = TARGETS[mapping.target];
  const entries = Object.entries(mapping.fields);
  const required = new Set(target.fields.filter((x) => x.required).map((x) => x.name));
  const report: QualityReport = {
    read: rows.length,
    accepted: 0,
    rejected: {},
    rejectedTotal: 0,
    duplicates: 0,
    examples: {},
  };
  const out: MappedRows['rows'] = [];
  const seen = new Set<string>();
  const reject = (reason: string, row: number, field?: string, value?: string) => {
    report.rejected[reason] = (report.rejected[reason] ?? 0) + 1;
    report.rejectedTotal++;
    const ex = report.examples[reason] ?? [];
    report.examples[reason] = ex;
    if (ex.length < EXAMPLES) ex.push({ row, field, value: value?.slice(0, 80) });
  };
  each: for (const [i, source] of rows.entries()) {
    const row = i + 1;
    const values: MappedRow = {};
    for (const [name, entry] of entries) {
      const [col, clockCol] = Array.isArray(entry.column) ? entry.column : [entry.column, undefined];
      const raw = source[col];
      const rawClock = clockCol === undefined ? undefined : source[clockCol];
      if (blank(raw) || (clockCol !== undefined && blank(rawClock))) {
        if (required.has(name)) {
          reject('required_missing', row, name);
          continue each;
        }
        continue;
      }
      const v = convert(raw, rawClock, entry, mapping);
      if ('reason' in v) {
        reject(v.reason, row, name, String(raw));
        continue each;
      }
      values[name] = v.value;
    }
    const key = values[target.key];
    if (key !== undefined) {
      const k = String(key);
      if (seen.has(k)) {
        report.duplicates++;
        continue;
      }
      seen.add(k);
    }
    out.push({ row, values });
  }
  report.accepted = out.length;
  return { rows: out, report };
}

/** Adds the target's own refusals (by reason) to a run's report: they move from accepted to rejected. */
export function addTargetRejections(
  report: QualityReport,
  rejected: Record<string, number>,
  duplicateReasons: readonly string[] = [],
): QualityReport {
  const next = { ...report, rejected: { ...report.rejected } };
  for (const [reason, n] of Object.entries(rejected)) {
    if (n <= 0) continue;
    next.accepted -= n;
    if (duplicateReasons.includes(reason)) next.duplicates += n;
    else {
      next.rejected[reason] = (next.rejected[reason] ?? 0) + n;
      next.rejectedTotal += n;
    }
  }
  return next;
}

/** Consecutive slices of at most `size` (the unit of one transaction). */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Delay before retry `attempt` (1-based) of a failed scheduled run: base·2^(attempt−1), capped. */
export function retryDelayMs(attempt: number, baseMs = 60_000, maxMs = 3_600_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** A mapped value as CSV text (points as `(lat, lon)`, the shape patrol's reader takes). */
export function csvCell(v: MappedValue | undefined): string {
  if (v === undefined) return '';
  const s = typeof v === 'object' ? `(${v.lat}, ${v.lon})` : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * Accepted rows as a CSV of the target's field names, or the names `header` gives (what the owning
 * module's import reads).
 */
export function toCsv(
  target: TargetId,
  rows: readonly MappedRow[],
  header: Record<string, string> = {},
): string {
  const names = TARGETS[target].fields.map((x) => x.name);
  const used = names.filter((n) => rows.some((r) => r[n] !== undefined));
  return [
    used.map((n) => header[n] ?? n).join(','),
    ...rows.map((r) => used.map((n) => csvCell(r[n])).join(',')),
  ].join('\r\n');
}
