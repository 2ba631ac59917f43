import { parseCsv } from '../patrol/records.js';
import { type CreateUnit, createUnitSchema, INDUSTRIES, INDUSTRY_NAMES, type Industry } from './schemas.js';

/**
 * The registry's CSV import. Columns by name (English or Chinese header):
 * industry/行业, name/名称, licence_no/许可证号, valid_from/有效期起, valid_until/有效期止,
 * address/地址, lon/经度, lat/纬度, responsible_name/负责人, responsible_phone/负责人电话,
 * risk_level/风险等级. Industry as its key (hotel) or Chinese name (旅馆业).
 * Each bad row is refused with one reason; good rows go on.
 */
const COLUMNS: Record<string, keyof CsvUnit> = {
  industry: 'industry',
  行业: 'industry',
  name: 'name',
  名称: 'name',
  licence_no: 'licenceNo',
  许可证号: 'licenceNo',
  valid_from: 'licenceValidFrom',
  有效期起: 'licenceValidFrom',
  valid_until: 'licenceValidUntil',
  有效期止: 'licenceValidUntil',
  address: 'address',
  地址: 'address',
  lon: 'lon',
  经度: 'lon',
  lat: 'lat',
  纬度: 'lat',
  responsible_name: 'responsibleName',
  负责人: 'responsibleName',
  responsible_phone: 'responsiblePhone',
  负责人电话: 'responsiblePhone',
  risk_level: 'riskLevel',
  风险等级: 'riskLevel',
};
type CsvUnit = Omit<CreateUnit, 'staff' | 'cameras' | 'orgId'>;

export interface UnitsCsv {
  units: { row: number; unit: CreateUnit }[];
  bad: { row: number; reason: string }[];
}

export class UnitsCsvError extends Error {}

const BY_NAME = new Map<string, Industry>([
  ...INDUSTRIES.map((i) => [i, i] as const),
  ...Object.entries(INDUSTRY_NAMES).map(([k, v]) => [v, k as Industry] as const),
]);

/** Rows numbered from 2 (the header is row 1), as a spreadsheet shows them. */
export function readUnitsCsv(text: string): UnitsCsv {
  const { header, rows } = parseCsv(text);
  const index = header.map((h) => COLUMNS[h.trim().toLowerCase()] ?? COLUMNS[h.trim()]);
  for (const required of ['industry', 'name'] as const)
    if (!index.includes(required)) throw new UnitsCsvError(`missing column: ${required}`);
  const out: UnitsCsv = { units: [], bad: [] };
  for (const [i, cells] of rows.entries()) {
    const row = i + 2;
    const reason = readRow(cells);
    if (typeof reason === 'string') out.bad.push({ row, reason });
    else if (reason) out.units.push({ row, unit: reason });
  }
  return out;

  /** A row's unit, the reason it is refused, or null for a blank row. */
  function readRow(cells: string[]): CreateUnit | string | null {
    if (cells.every((c) => c.trim() === '')) return null;
    if (cells.length !== header.length) return 'column_count';
    const raw: Record<string, unknown> = {};
    index.forEach((key, c) => {
      const v = cells[c].trim();
      if (!key || v === '') return;
      raw[key] = key === 'lon' || key === 'lat' ? (/^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v) : v;
    });
    if (typeof raw.industry === 'string') {
      const industry = BY_NAME.get(raw.industry);
      if (!industry) return 'unknown_industry';
      raw.industry = industry;
    }
    const parsed = createUnitSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = String(issue.path[0] ?? 'row');
      if (issue.code === 'invalid_type' && issue.input === undefined) return `missing_${field}`;
      // Cross-field rules (lon_and_lat, after_valid_from) by name, the rest as invalid_<field>.
      return issue.code === 'custom' && issue.message !== 'invalid_date' ? issue.message : `invalid_${field}`;
    }
    return parsed.data;
  }
}

/** Bad rows counted per reason. */
export function countReasons(bad: readonly { reason: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const b of bad) counts[b.reason] = (counts[b.reason] ?? 0) + 1;
  return counts;
}
