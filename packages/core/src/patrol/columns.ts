/**
 * Which field of an incident export holds what, found by name (the names real portals use), with
 * the content as a second witness where names say little: a text field holding `(lat, lon)` or
 * `POINT (lon lat)` is a location; an Esri date field is a time. `--map role=FIELD` overrides.
 */
import type { RecordSet } from './records';

export const COLUMN_ROLES = [
  'id',
  'time',
  'date',
  'clock',
  'category',
  'lat',
  'lon',
  'point',
  'address',
] as const;
export type ColumnRole = (typeof COLUMN_ROLES)[number];

/**
 * The fields used. Time is either `time` (one field holding date and time) or `date` + `clock`
 * (a date in one field, the time of day in another).
 */
export type ColumnMapping = Partial<Record<ColumnRole, string>>;

/** Lower case, letters and digits only: `Block_Location` → `blocklocation`. */
export function normalizeFieldName(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Names in order of preference (normalised). */
const NAMES: Record<Exclude<ColumnRole, 'point'>, string[]> = {
  id: [
    'id',
    'incidentid',
    'incidentnumber',
    'incidentno',
    'caseno',
    'casenumber',
    'caseid',
    'callnumber',
    'callno',
    'callid',
    'eventnumber',
    'eventno',
    'eventid',
    'cadnumber',
    'cadno',
    'reportnumber',
    'reportno',
    'rdno',
    'crimeid',
    'uniquekey',
    'jqbh',
    '警情编号',
    '案件编号',
    '编号',
    'recordid',
    'objectid',
    'fid',
  ],
  time: [
    'datetime',
    'occurredat',
    'occurred',
    'occurreddatetime',
    'occurredon',
    'eventdatetime',
    'incidentdatetime',
    'calldatetime',
    'calldate',
    'receivedat',
    'reportedat',
    'reporteddatetime',
    'dispatchdatetime',
    'timestamp',
    'datetimeoccurred',
    'fromdate',
    'createdat',
    '报警时间',
    '接警时间',
    '发生时间',
    '时间',
    'date',
    'time',
  ],
  date: [
    'date',
    'eventdt',
    'eventdate',
    'incidentdate',
    'occurreddate',
    'occurdate',
    'offensedate',
    'reportdate',
    'calldate',
    'dateoccurred',
    'dateoccur',
    '日期',
    '发生日期',
    '报警日期',
  ],
  clock: [
    'time',
    'eventtm',
    'eventtime',
    'incidenttime',
    'occurredtime',
    'occurtime',
    'offensetime',
    'reporttime',
    'calltime',
    'timeoccurred',
    'timeoccur',
    'hour',
    '时刻',
    '报警时刻',
  ],
  category: [
    'category',
    'primarytype',
    'crimetype',
    'offensecategory',
    'incidentcategory',
    'cvlegend',
    'calltype',
    'incidenttype',
    'offensetype',
    'type',
    'offense',
    'crime',
    'nature',
    'naturecode',
    'description',
    'ucrdescription',
    '警情类别',
    '案件类别',
    '类别',
    '类型',
  ],
  lat: ['latitude', 'lat', 'y', 'pointy', 'latwgs84', 'ycoordinate', '纬度'],
  lon: ['longitude', 'lon', 'lng', 'long', 'x', 'pointx', 'lonwgs84', 'xcoordinate', '经度'],
  address: [
    'address',
    'incidentaddress',
    'incidentlocation',
    'blkaddr',
    'blockaddress',
    'block',
    'streetaddress',
    'addr',
    'location',
    'locationdescription',
    'blocklocation',
    '地址',
    '发生地址',
    '案发地址',
    '报警地址',
  ],
};

const POINT_TEXT = /\(\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*\)/;
const WKT_POINT = /POINT\s*\(\s*(-?\d{1,3}(?:\.\d+)?)\s+(-?\d{1,3}(?:\.\d+)?)\s*\)/i;

/**
 * A location written inside a value: `(lat, lon)` (Socrata exports, the last line of Berkeley's
 * `Block_Location`), `POINT (lon lat)` (WKT), `{latitude, longitude}` or a GeoJSON Point object.
 */
export function pointInValue(value: unknown): { lon: number; lat: number } | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o.type === 'Point' && Array.isArray(o.coordinates)) {
      const [lon, lat] = o.coordinates.map(Number);
      return Number.isFinite(lon) && Number.isFinite(lat) ? { lon, lat } : null;
    }
    const lat = Number(o.latitude ?? o.lat);
    const lon = Number(o.longitude ?? o.lon ?? o.lng);
    return Number.isFinite(lat) && Number.isFinite(lon) && (o.latitude ?? o.lat) !== undefined
      ? { lon, lat }
      : null;
  }
  if (typeof value !== 'string') return null;
  let m = WKT_POINT.exec(value);
  if (m) return { lon: Number(m[1]), lat: Number(m[2]) };
  m = POINT_TEXT.exec(value);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    // (lat, lon) by convention; a first number beyond ±90 can only be a longitude.
    return Math.abs(a) > 90 ? { lon: a, lat: b } : { lon: b, lat: a };
  }
  return null;
}

/** The address text of a value: the lines before a `(lat, lon)` line, without the city line. */
export function addressInValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  if (text === '') return null;
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !POINT_TEXT.test(l) && !WKT_POINT.test(l));
  return lines[0] ?? null;
}

function sample(records: RecordSet, field: string, n = 200): unknown[] {
  const out: unknown[] = [];
  for (const row of records.rows) {
    const v = row[field];
    if (v === null || v === undefined || v === '') continue;
    out.push(v);
    if (out.length >= n) break;
  }
  return out;
}

function share(values: readonly unknown[], test: (v: unknown) => boolean): number {
  if (values.length === 0) return 0;
  return values.filter(test).length / values.length;
}

export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

/** `time=DATE,category=primary_type` → a partial mapping (field names as written in the file). */
export function parseMappingOption(text: string | undefined): ColumnMapping {
  const out: ColumnMapping = {};
  if (!text) return out;
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const at = part.indexOf('=');
    if (at < 0) throw new MappingError(`--map expects role=FIELD pairs, got "${part}"`);
    const role = part.slice(0, at).trim() as ColumnRole;
    if (!COLUMN_ROLES.includes(role))
      throw new MappingError(`--map: unknown role "${role}" (roles: ${COLUMN_ROLES.join(', ')})`);
    out[role] = part.slice(at + 1).trim();
  }
  return out;
}

/**
 * The mapping for a file: what `overrides` names (checked against the file's fields), the rest
 * detected. Throws MappingError when no time can be found.
 */
export function detectColumns(records: RecordSet, overrides: ColumnMapping = {}): ColumnMapping {
  const byNorm = new Map<string, string>();
  for (const f of records.fields)
    if (!byNorm.has(normalizeFieldName(f))) byNorm.set(normalizeFieldName(f), f);
  for (const [role, field] of Object.entries(overrides)) {
    if (field && !records.fields.includes(field)) {
      const alt = byNorm.get(normalizeFieldName(field));
      if (!alt)
        throw new MappingError(
          `--map ${role}=${field}: the file has no such field (fields: ${records.fields.join(', ')})`,
        );
      overrides[role as ColumnRole] = alt;
    }
  }
  const used = new Set(Object.values(overrides).filter(Boolean));
  const find = (role: keyof typeof NAMES, accept: (field: string) => boolean = () => true) => {
    for (const name of NAMES[role]) {
      const field = byNorm.get(name);
      if (field && !used.has(field) && accept(field)) return field;
    }
    return undefined;
  };
  const mapping: ColumnMapping = { ...overrides };
  const take = (role: ColumnRole, field: string | undefined) => {
    if (field && mapping[role] === undefined) {
      mapping[role] = field;
      used.add(field);
    }
  };

  // An id field holds mostly distinct values (a few duplicates are what deduplication is for).
  take(
    'id',
    find('id', (f) => {
      const values = sample(records, f, 1000).map(String);
      return values.length < 10 || new Set(values).size >= values.length / 2;
    }),
  );

  // Time: a date field plus a separate time-of-day field, or one field with both.
  const explicitSplit = overrides.date !== undefined && overrides.clock !== undefined;
  const explicitTime = overrides.time !== undefined;
  if (!explicitTime && !explicitSplit) {
    const isClock = (f: string) =>
      share(sample(records, f), (v) =>
        /^\s*\d{1,2}(:|时)\d{2}((:|分)\d{2})?\s*([AaPp][Mm])?\s*$|^\d{4}$/.test(String(v)),
      ) > 0.9;
    const dateField = overrides.date ?? find('date');
    const clockField = overrides.clock ?? find('clock', isClock);
    if (dateField && clockField && isClock(clockField)) {
      take('date', dateField);
      take('clock', clockField);
    } else {
      // An Esri date field, else the first time-like name.
      const esriDate = records.fields.find(
        (f) => records.fieldTypes[f] === 'esriFieldTypeDate' && !used.has(f),
      );
      take('time', find('time') ?? esriDate ?? dateField);
    }
  }
  if (mapping.time === undefined && (mapping.date === undefined || mapping.clock === undefined)) {
    throw new MappingError(
      `no time field found (fields: ${records.fields.join(', ')}); name one with --map time=FIELD, or date=FIELD,clock=FIELD`,
    );
  }

  take('category', find('category'));

  const numeric = (f: string) =>
    share(sample(records, f), (v) => Number.isFinite(Number(v)) && String(v).trim() !== '') > 0.8;
  if (mapping.point === undefined && (mapping.lat === undefined || mapping.lon === undefined)) {
    const lat = mapping.lat ?? find('lat', numeric);
    const lon = mapping.lon ?? find('lon', numeric);
    if (lat && lon) {
      take('lat', lat);
      take('lon', lon);
    } else {
      // A field whose values carry the point in their text.
      const pointField = records.fields.find(
        (f) => !used.has(f) && share(sample(records, f), (v) => pointInValue(v) !== null) > 0.3,
      );
      take('point', pointField);
    }
  }
  take(
    'address',
    find('address', (f) => share(sample(records, f), (v) => typeof v === 'string' && /\p{L}/u.test(v)) > 0.5),
  );
  // The point field may also hold the address (Berkeley's `Block_Location`).
  if (mapping.address === undefined && mapping.point) mapping.address = mapping.point;
  return mapping;
}
