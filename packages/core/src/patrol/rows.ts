/**
 * Rows of an incident export → history incidents, or a reason each bad row is left out.
 *
 * What is checked here, without I/O: the time (unparseable or missing), the coordinates (not
 * numbers, out of range, the 0,0 of a failed geocode, outside the city's box), the category
 * (unknown when a category map is given), the id (a second row with an id already seen). Rows
 * without coordinates but with an address are handed back for geocoding (the server has the
 * gazetteer); `finishRow` then checks the geocoded point like any other.
 */
import gcoord from 'gcoord';
import { textRuleBroken } from '../text/clean';
import { addressInValue, type ColumnMapping, pointInValue } from './columns';
import type { RecordSet } from './records';
import { combineDateAndClock, parseDateTime, type TimeReadOptions } from './time';

export type Crs = 'wgs84' | 'gcj02' | 'bd09';
const DATUM = { wgs84: gcoord.WGS84, gcj02: gcoord.GCJ02, bd09: gcoord.BD09 } as const;

import { type LocatedBy, REJECT_REASONS, type RejectReason } from './names';

export { REJECT_REASONS, type RejectReason };

export interface Bounds {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

export interface RowOptions extends TimeReadOptions {
  /** Datum of the file's coordinates (converted to WGS-84). */
  crs?: Crs;
  /** Raw category → category code; when given, a category not in it rejects the row. */
  categoryMap?: Readonly<Record<string, string>>;
  /** The city's box (already widened by the margin the caller allows); none: no check. */
  bounds?: Bounds | null;
}

/** A row that passed the checks that need no gazetteer. */
export interface CandidateIncident {
  /** 1-based row number in the file (data rows, header not counted). */
  row: number;
  sourceId: string | null;
  occurredAt: number;
  category: string;
  rawCategory: string | null;
  address: string | null;
  /** WGS-84; absent until geocoded when the row only had an address. */
  lon?: number;
  lat?: number;
  /** How the location was found. */
  located?: LocatedBy;
}

export type { LocatedBy } from './names';

export interface RejectedRow {
  row: number;
  reason: RejectReason;
  value?: string;
}

const UNCATEGORISED = 'uncategorized';

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const s = String(value).trim();
  return s === '' ? null : s;
}

/** Text kept from a row (id, category, address) breaks the text rule (core/text/clean.ts)? */
function badText(...values: (string | null)[]): boolean {
  return values.some((v) => v !== null && textRuleBroken(v) !== null);
}

function nfc(value: string | null): string | null {
  return value === null ? null : value.normalize('NFC');
}

/** Checks a WGS-84 point: finite, in range, not 0,0, inside the box. Null when fine. */
export function locationProblem(lon: number, lat: number, bounds?: Bounds | null): RejectReason | null {
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lat) > 90 || Math.abs(lon) > 180)
    return 'bad_coordinates';
  if (Math.abs(lon) < 1e-6 && Math.abs(lat) < 1e-6) return 'bad_coordinates';
  if (bounds && (lon < bounds.minLon || lon > bounds.maxLon || lat < bounds.minLat || lat > bounds.maxLat))
    return 'outside_city';
  return null;
}

function toWgs84(lon: number, lat: number, crs: Crs | undefined): [number, number] {
  if (!crs || crs === 'wgs84') return [lon, lat];
  const [x, y] = gcoord.transform([lon, lat], DATUM[crs], gcoord.WGS84);
  return [x, y];
}

/**
 * Reads every row: candidates (with or without a point yet) and rejected rows by reason. Ids
 * seen twice in the file keep their first row.
 */
export function readIncidentRows(
  records: RecordSet,
  mapping: ColumnMapping,
  options: RowOptions,
): { candidates: CandidateIncident[]; rejected: RejectedRow[] } {
  const candidates: CandidateIncident[] = [];
  const rejected: RejectedRow[] = [];
  const seen = new Set<string>();
  records.rows.forEach((r, i) => {
    const row = i + 1;
    // Time.
    let occurredAt: number | null;
    if (mapping.date && mapping.clock) {
      const d = r[mapping.date];
      const c = r[mapping.clock];
      if (text(d) === null) {
        rejected.push({ row, reason: 'missing_time' });
        return;
      }
      occurredAt = combineDateAndClock(d, c, options);
      if (occurredAt === null) {
        rejected.push({ row, reason: 'unparseable_time', value: `${text(d)} ${text(c) ?? ''}`.trim() });
        return;
      }
    } else {
      const v = mapping.time ? r[mapping.time] : undefined;
      if (v === null || v === undefined || text(v) === null) {
        rejected.push({ row, reason: 'missing_time' });
        return;
      }
      occurredAt = parseDateTime(v, options);
      if (occurredAt === null) {
        rejected.push({ row, reason: 'unparseable_time', value: String(v).slice(0, 80) });
        return;
      }
    }

    // Text kept: refused when it holds control characters or lone surrogates, else NFC.
    const rawId = mapping.id ? text(r[mapping.id]) : null;
    const rawCat = mapping.category ? text(r[mapping.category]) : null;
    const rawAddress = mapping.address ? addressInValue(r[mapping.address]) : null;
    if (badText(rawId, rawCat, rawAddress)) {
      rejected.push({ row, reason: 'bad_text' });
      return;
    }

    // Category.
    const rawCategory = nfc(rawCat);
    let category = rawCategory ?? UNCATEGORISED;
    if (options.categoryMap) {
      const mapped = rawCategory === null ? undefined : options.categoryMap[rawCategory];
      if (mapped === undefined) {
        rejected.push({ row, reason: 'unknown_category', value: rawCategory ?? '' });
        return;
      }
      category = mapped;
    }

    // Location: the format's geometry, lat/lon fields, or a point inside a text field.
    let point: { lon: number; lat: number } | null = records.geometry[i] ?? null;
    if (!point && mapping.lat && mapping.lon) {
      const la = text(r[mapping.lat]);
      const lo = text(r[mapping.lon]);
      if (la !== null && lo !== null) point = { lon: Number(lo), lat: Number(la) };
    }
    if (!point && mapping.point) point = pointInValue(r[mapping.point]);
    const address = nfc(rawAddress);
    const sourceId = nfc(rawId);
    const candidate: CandidateIncident = {
      row,
      sourceId,
      occurredAt,
      category,
      rawCategory,
      address,
    };
    if (point) {
      const [lon, lat] = toWgs84(point.lon, point.lat, options.crs);
      const problem = locationProblem(lon, lat, options.bounds);
      if (problem) {
        rejected.push({ row, reason: problem, value: `${point.lon},${point.lat}` });
        return;
      }
      candidate.lon = lon;
      candidate.lat = lat;
      candidate.located = 'source';
    } else if (!address) {
      rejected.push({ row, reason: 'no_location' });
      return;
    }

    if (sourceId !== null) {
      if (seen.has(sourceId)) {
        rejected.push({ row, reason: 'duplicate_id', value: sourceId });
        return;
      }
      seen.add(sourceId);
    }
    candidates.push(candidate);
  });
  return { candidates, rejected };
}

/** Counts of rejected rows by reason (every reason present, 0 when none) and a few examples each. */
export function summarizeRejected(rejected: readonly RejectedRow[], examplesPerReason = 3) {
  const counts = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
  const examples: Partial<Record<RejectReason, { row: number; value?: string }[]>> = {};
  for (const r of rejected) {
    counts[r.reason]++;
    const list = examples[r.reason] ?? [];
    examples[r.reason] = list;
    if (list.length < examplesPerReason)
      list.push(r.value === undefined ? { row: r.row } : { row: r.row, value: r.value });
  }
  return { counts, examples };
}
