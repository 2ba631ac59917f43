/**
 * Importing an incident history file (CSV, JSON, GeoJSON, Esri JSON) into a city's history, all or
 * nothing: the rows that pass are written in one transaction with the import's record; the rows
 * that do not are counted by reason in the report and not imported.
 *
 * Order of the checks: time, category, text, coordinates (or the address, geocoded against the
 * city: intersections on its road graph, block addresses on its gazetteer), the city's box, the
 * org whose jurisdiction holds the point (a station-level importer may only import into its own
 * subtree), then the source id (a second row in the file, or a row the city already holds).
 */
import { basename } from 'node:path';
import { type ColumnMapping, detectColumns, MappingError } from '@citywatch/core/patrol/columns';
import { RecordReadError, readRecords } from '@citywatch/core/patrol/records';
import {
  type CandidateIncident,
  type Crs,
  locationProblem,
  type RejectedRow,
  readIncidentRows,
  summarizeRejected,
} from '@citywatch/core/patrol/rows';
import { type DateFormat, isValidTimeZone } from '@citywatch/core/patrol/time';
import { latLngToCell } from 'h3-js';
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import type { PlacesService } from '../places/service.js';
import type { CityRuntime } from '../roads/registry.js';
import { CityGeocoder } from './geocoder.js';
import * as store from './store.js';

/** The default time zone of wall-clock times (cities carry none of their own yet). */
export const DEFAULT_TZ = 'Asia/Shanghai';
/** A point farther than this outside the city's road box is outside the city. */
const CITY_MARGIN_DEG = 0.02;

export interface ImportOptions {
  city: string;
  /** Shown in the report and stored with the import. */
  fileName: string;
  text: string;
  /** Fields named by the operator (`--map`), the rest detected. */
  mapping?: ColumnMapping;
  dateFormat?: DateFormat;
  tz?: string;
  epochIsLocal?: boolean;
  crs?: Crs;
  categoryMap?: Record<string, string>;
}

export interface Importer {
  userId: string;
  orgId: string;
  orgPath: string;
}

export interface ImportDeps {
  db: Kysely<Database>;
  /** The city's roads and gazetteer; null: no city (coordinates only, no box, no geocoding). */
  city: CityRuntime | null;
  places: Pick<PlacesService, 'search'> | null;
  now: Date;
}

/** The file cannot be imported at all (unreadable, no time field, unknown zone). */
export class ImportInputError extends Error {
  constructor(
    message: string,
    readonly field: string,
    readonly rule: string,
  ) {
    super(message);
    this.name = 'ImportInputError';
  }
}

export interface ImportReport {
  import_id: string;
  city: string;
  file: string;
  format: string;
  tz: string;
  columns: ColumnMapping;
  rows: number;
  imported: number;
  rejected: Record<string, number>;
  rejected_total: number;
  rejected_examples: Record<string, { row: number; value?: string }[]>;
  geocoding: {
    attempted: number;
    matched: number;
    share: number | null;
    by: Record<string, number>;
    /** Rows naming a street (or two) the city's road graph holds, and the share of them placed. */
    street_known: number;
    share_of_street_known: number | null;
    against: string;
  };
  period: { first: string | null; last: string | null };
  elapsed_ms: number;
}

function cityBox(city: CityRuntime) {
  const b = city.bounds;
  return {
    minLon: b.minLon - CITY_MARGIN_DEG,
    minLat: b.minLat - CITY_MARGIN_DEG,
    maxLon: b.maxLon + CITY_MARGIN_DEG,
    maxLat: b.maxLat + CITY_MARGIN_DEG,
  };
}

/** Imports one file; see the module comment for what is checked. `importer` null: the operator (CLI). */
export async function importIncidents(
  deps: ImportDeps,
  options: ImportOptions,
  importer: Importer | null,
): Promise<ImportReport> {
  const started = performance.now();
  const tz = options.tz ?? DEFAULT_TZ;
  if (!isValidTimeZone(tz)) throw new ImportInputError(`unknown time zone "${tz}"`, 'tz', 'time_zone');
  let records: ReturnType<typeof readRecords>;
  try {
    records = readRecords(options.text);
  } catch (error) {
    if (error instanceof RecordReadError) throw new ImportInputError(error.message, 'file', 'unreadable');
    throw error;
  }
  let mapping: ColumnMapping;
  try {
    mapping = detectColumns(records, { ...(options.mapping ?? {}) });
  } catch (error) {
    if (error instanceof MappingError) throw new ImportInputError(error.message, 'map', 'no_such_field');
    throw error;
  }
  const box = deps.city ? cityBox(deps.city) : null;
  const { candidates, rejected } = readIncidentRows(records, mapping, {
    tz,
    format: options.dateFormat,
    epochIsLocal: options.epochIsLocal,
    crs: options.crs,
    categoryMap: options.categoryMap,
    bounds: box,
  });
  const bad: RejectedRow[] = [...rejected];

  // Geocoding the rows that came with an address only.
  const geocoder = deps.city && deps.places ? new CityGeocoder(deps.places, deps.city) : null;
  const by: Record<string, number> = {};
  let attempted = 0;
  let matched = 0;
  // Street addresses whose street(s) the city's roads hold: what an extract can possibly place.
  let knownStreet = 0;
  let matchedKnown = 0;
  const located: CandidateIncident[] = [];
  for (const c of candidates) {
    if (c.lon !== undefined && c.lat !== undefined) {
      located.push(c);
      continue;
    }
    attempted++;
    const outcome = geocoder && c.address ? await geocoder.geocode(c.address) : null;
    const hit = outcome?.hit ?? null;
    if (outcome?.streetKnown) {
      knownStreet++;
      if (hit) matchedKnown++;
    }
    if (!hit) {
      bad.push({ row: c.row, reason: 'address_not_found', value: c.address ?? '' });
      continue;
    }
    const problem = locationProblem(hit.lon, hit.lat, box);
    if (problem) {
      bad.push({ row: c.row, reason: problem, value: c.address ?? '' });
      continue;
    }
    matched++;
    by[hit.located] = (by[hit.located] ?? 0) + 1;
    located.push({ ...c, lon: hit.lon, lat: hit.lat, located: hit.located });
  }

  // The org of each incident: the jurisdiction's, else the city bureau's.
  const jurisdictionOrg = await store.jurisdictionOrgs(deps.db, options.city);
  const root = await store.rootOrgId(deps.db);
  const visible =
    importer && importer.orgPath.split('/').filter(Boolean).length > 1
      ? await store.orgsInScope(deps.db, importer)
      : null;
  const importId = uuidv7();
  const rows: store.IncidentRow[] = [];
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const c of located) {
    const lon = c.lon as number;
    const lat = c.lat as number;
    const jurisdiction = deps.city?.jurisdictionAt(lon, lat) ?? null;
    const orgId = (jurisdiction && jurisdictionOrg.get(jurisdiction.id)) ?? root;
    if (visible && (orgId === null || !visible.has(orgId))) {
      bad.push({ row: c.row, reason: 'outside_scope' });
      continue;
    }
    first = Math.min(first, c.occurredAt);
    last = Math.max(last, c.occurredAt);
    rows.push({
      id: uuidv7(),
      city: options.city,
      import_id: importId,
      source_id: c.sourceId,
      occurred_at: new Date(c.occurredAt),
      category: c.category,
      raw_category: c.rawCategory,
      lon,
      lat,
      h3: latLngToCell(lat, lon, 9),
      address: c.address,
      located: c.located ?? 'source',
      org_id: orgId,
    });
  }

  const report = await deps.db.transaction().execute(async (trx) => {
    await store.insertImport(trx, {
      id: importId,
      city: options.city,
      file_name: basename(options.fileName).slice(0, 200),
      format: records.format,
      tz,
      imported_at: deps.now,
      imported_by: importer?.userId ?? null,
      rows_read: records.rows.length,
      rows_imported: 0,
      report: {},
    });
    const inserted = await store.insertIncidents(trx, rows);
    // Ids the city already held are duplicates too (the first import keeps them); the insert
    // skips them, so they are counted rather than listed.
    const already = rows.length - inserted;
    const summary = summarizeRejected(bad);
    summary.counts.duplicate_id += already;
    const out: ImportReport = {
      import_id: importId,
      city: options.city,
      file: basename(options.fileName),
      format: records.format,
      tz,
      columns: mapping,
      rows: records.rows.length,
      imported: inserted,
      rejected: summary.counts,
      rejected_total: records.rows.length - inserted,
      rejected_examples: summary.examples,
      geocoding: {
        attempted,
        matched,
        share: attempted > 0 ? round(matched / attempted, 4) : null,
        by,
        street_known: knownStreet,
        share_of_street_known: knownStreet > 0 ? round(matchedKnown / knownStreet, 4) : null,
        against: deps.city ? `gazetteer and road graph of ${deps.city.name}` : 'none (no city)',
      },
      period: {
        first: Number.isFinite(first) ? new Date(first).toISOString() : null,
        last: Number.isFinite(last) ? new Date(last).toISOString() : null,
      },
      elapsed_ms: Math.round(performance.now() - started),
    };
    await store.finishImport(trx, importId, inserted, out as unknown as Record<string, unknown>);
    return out;
  });
  return report;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
