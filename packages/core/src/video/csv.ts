import { type CameraRule, cameraRules } from './camera';
import { CAMERA_OWNERS, type CameraInput, type CameraOwner } from './schemas';

/**
 * The camera registry's CSV: `code,name,lon,lat,height_m,heading_deg,fov_deg,range_m,owner,hls_url`
 * (in any order, found by name), optionally `agreement_ref,webrtc_url,rtsp_url,playback_template,
 * org_code`. Lines are counted with the header as line 1; a record is refused with every field and
 * rule it breaks, and the other records are kept.
 */
export const REQUIRED_COLUMNS = [
  'code',
  'name',
  'lon',
  'lat',
  'height_m',
  'heading_deg',
  'fov_deg',
  'range_m',
  'owner',
  'hls_url',
] as const;
export const OPTIONAL_COLUMNS = [
  'agreement_ref',
  'webrtc_url',
  'rtsp_url',
  'playback_template',
  'org_code',
] as const;

export interface CsvRecord {
  line: number;
  fields: string[];
}

/** CSV into records with the line each starts on (quoted fields may hold commas, quotes, newlines). */
export function csvRecords(text: string): CsvRecord[] {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const out: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let atStart = true;
  let line = 1;
  let recordLine = 1;
  const end = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0].trim() === '')) out.push({ line: recordLine, fields });
    fields = [];
    field = '';
    atStart = true;
  };
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && atStart) {
      quoted = true;
      atStart = false;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      atStart = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && s[i + 1] === '\n') i++;
      end();
      line++;
      recordLine = line;
    } else {
      field += ch;
      atStart = false;
    }
  }
  if (field !== '' || fields.length > 0) end();
  return out;
}

/** A CSV field → the API's field name (so refusals and API problems name fields alike). */
const FIELD_OF_COLUMN: Record<string, string> = {
  code: 'code',
  name: 'name',
  lon: 'lon',
  lat: 'lat',
  height_m: 'heightM',
  heading_deg: 'headingDeg',
  fov_deg: 'fovDeg',
  range_m: 'rangeM',
  owner: 'owner',
  hls_url: 'hlsUrl',
  agreement_ref: 'agreementRef',
  webrtc_url: 'webrtcUrl',
  rtsp_url: 'rtspUrl',
  playback_template: 'playbackTemplate',
};
const COLUMN_OF_FIELD = Object.fromEntries(Object.entries(FIELD_OF_COLUMN).map(([c, f]) => [f, c]));

export interface CsvCamera {
  line: number;
  camera: CameraInput;
  orgCode: string | null;
}
export interface CsvRefusal {
  line: number;
  field: string;
  rule: string;
}

/**
 * Reads the registry CSV: the cameras that pass every rule, and the refusals (line, CSV column,
 * rule). A missing required column refuses the header (line 1) and every record. A code repeated
 * within the file refuses the later records (`unique`).
 */
export function readCameraCsv(text: string): { cameras: CsvCamera[]; refused: CsvRefusal[] } {
  const records = csvRecords(text);
  const refused: CsvRefusal[] = [];
  const cameras: CsvCamera[] = [];
  if (records.length === 0)
    return { cameras, refused: [{ line: 1, field: 'code', rule: 'required_column' }] };
  const header = records[0].fields.map((h) => h.trim().toLowerCase());
  const at = new Map(header.map((h, i) => [h, i]));
  const missing = REQUIRED_COLUMNS.filter((c) => !at.has(c));
  if (missing.length > 0) {
    return {
      cameras,
      refused: missing.map((field) => ({ line: records[0].line, field, rule: 'required_column' })),
    };
  }
  const seen = new Set<string>();
  for (const record of records.slice(1)) {
    const get = (col: string) => {
      const i = at.get(col);
      return i === undefined ? '' : (record.fields[i] ?? '').trim();
    };
    const rules: CameraRule[] = [];
    const num = (col: string, optional = false): number => {
      const raw = get(col);
      if (raw === '' && optional) return Number.NaN;
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n)) rules.push({ field: FIELD_OF_COLUMN[col], rule: 'number' });
      return n;
    };
    const owner = get('owner').toLowerCase();
    if (!(CAMERA_OWNERS as readonly string[]).includes(owner)) rules.push({ field: 'owner', rule: 'owner' });
    const name = get('name');
    if (name === '' || name.length > 100)
      rules.push({ field: 'name', rule: name === '' ? 'required' : 'too_long' });
    const height = num('height_m', true);
    const camera: CameraInput = {
      code: get('code'),
      name,
      lon: num('lon'),
      lat: num('lat'),
      heightM: Number.isNaN(height) ? null : height,
      headingDeg: num('heading_deg'),
      fovDeg: num('fov_deg'),
      rangeM: num('range_m'),
      owner: owner as CameraOwner,
      agreementRef: get('agreement_ref') || null,
      hlsUrl: get('hls_url') || null,
      webrtcUrl: get('webrtc_url') || null,
      rtspUrl: get('rtsp_url') || null,
      playbackTemplate: get('playback_template') || null,
    };
    const numberFields = new Set(rules.filter((r) => r.rule === 'number').map((r) => r.field));
    for (const r of cameraRules(camera)) if (!numberFields.has(r.field)) rules.push(r);
    if (rules.length === 0 && seen.has(camera.code)) rules.push({ field: 'code', rule: 'unique' });
    if (rules.length > 0) {
      const order = (field: string) => at.get(COLUMN_OF_FIELD[field] ?? field) ?? 99;
      rules.sort((a, b) => order(a.field) - order(b.field));
      for (const r of rules)
        refused.push({ line: record.line, field: COLUMN_OF_FIELD[r.field] ?? r.field, rule: r.rule });
      continue;
    }
    seen.add(camera.code);
    cameras.push({ line: record.line, camera, orgCode: get('org_code') || null });
  }
  return { cameras, refused };
}
