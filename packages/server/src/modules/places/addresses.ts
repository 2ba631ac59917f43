/**
 * Standard addresses from the bureau's own register (一标三实 address collection), written into a
 * city's gazetteer beside the addresses read from OpenStreetMap: normalised as the import does
 * (core/places/address.ts), snapped to the road graph, placed in the police-station area that holds
 * them. The connectors module (数据融合) sends its batches here.
 */
import { type AddressTags, standardAddress } from '@citywatch/core/places/address';
import { latLngToCell } from 'h3-js';
import type { Insertable, Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import { GRID_RESOLUTION } from '../roads/city-import.js';
import type { CityRuntime } from '../roads/registry.js';
import { isCityLevel, type OrgScope, subtreePattern } from '../scope.js';
import type { GazetteerTable } from './tables.js';

/** One address as a connector maps it (every field optional but the point). */
export interface AddressRecord {
  province?: string;
  city?: string;
  district?: string;
  street?: string;
  housenumber?: string;
  postcode?: string;
  full?: string;
  name?: string;
  lon: number;
  lat: number;
}

export const ADDRESS_REJECT_REASONS = [
  /** Farther than the margin from the city's bounds. */
  'outside_city',
  /** Neither a street nor a whole address: nothing to call it by. */
  'not_an_address',
  /** The same address (same label) is already within DUPLICATE_WITHIN_M. */
  'duplicate_address',
  /** In a station area outside the writer's subtree (or in no area, for a station's writer). */
  'outside_scope',
] as const;
export type AddressRejectReason = (typeof ADDRESS_REJECT_REASONS)[number];

/** Two entries of one label this close are one address (a re-sent register row, a re-run). */
const DUPLICATE_WITHIN_M = 50;
/** As the city import: an address farther than this from every road has no road edge. */
const ADDRESS_SNAP_LIMIT_M = 500;
/** Beyond this from the city's bounds a point is "outside the city" (as places' search says). */
const OUTSIDE_MARGIN_DEG = 0.05;

export interface AddressImportResult {
  written: number;
  rejected: Partial<Record<AddressRejectReason, number>>;
  ids: string[];
}

const metres = (aLon: number, aLat: number, bLon: number, bLat: number) => {
  const kx = 111_320 * Math.cos((((aLat + bLat) / 2) * Math.PI) / 180);
  return Math.hypot((aLon - bLon) * kx, (aLat - bLat) * 110_540);
};

/**
 * Writes one batch in one transaction: every good row, none of the refused ones (counted by
 * reason). A city-level writer may place an address anywhere in the city; a station's writer only
 * in the areas of its own subtree.
 */
export async function importAddresses(
  db: Kysely<Database>,
  city: CityRuntime,
  scope: OrgScope,
  records: readonly AddressRecord[],
): Promise<AddressImportResult> {
  const rejected: AddressImportResult['rejected'] = {};
  const refuse = (reason: AddressRejectReason) => {
    rejected[reason] = (rejected[reason] ?? 0) + 1;
  };
  const cityWide = isCityLevel(scope);
  const areasInScope = new Set(
    cityWide
      ? []
      : (
          await db
            .selectFrom('jurisdictions')
            .innerJoin('orgs', 'orgs.id', 'jurisdictions.org_id')
            .select('jurisdictions.id')
            .where('jurisdictions.city_id', '=', city.id)
            .where('orgs.path', 'like', subtreePattern(scope))
            .execute()
        ).map((r) => r.id),
  );

  const b = city.bounds;
  const m = OUTSIDE_MARGIN_DEG;
  const candidates: { record: AddressRecord; std: NonNullable<ReturnType<typeof standardAddress>> }[] = [];
  for (const record of records) {
    const { lon, lat } = record;
    if (lon < b.minLon - m || lon > b.maxLon + m || lat < b.minLat - m || lat > b.maxLat + m) {
      refuse('outside_city');
      continue;
    }
    const tags: AddressTags = {
      province: record.province,
      city: record.city,
      district: record.district,
      street: record.street,
      housenumber: record.housenumber,
      postcode: record.postcode,
      full: record.full,
    };
    const std = record.street || record.full ? standardAddress(tags, record.name ?? null) : null;
    if (!std) {
      refuse('not_an_address');
      continue;
    }
    candidates.push({ record, std });
  }

  const labels = [...new Set(candidates.map((c) => c.std.label))];
  const existing = labels.length
    ? await db
        .selectFrom('gazetteer')
        .select(['label', 'lon', 'lat'])
        .where('city_id', '=', city.id)
        .where('kind', '=', 'address')
        .where('label', 'in', labels)
        .execute()
    : [];
  const known = new Map<string, { lon: number; lat: number }[]>();
  for (const e of existing) known.set(e.label, [...(known.get(e.label) ?? []), e]);

  const rows: Insertable<GazetteerTable>[] = [];
  const ids: string[] = [];
  for (const { record, std } of candidates) {
    const { lon, lat } = record;
    const same = known.get(std.label) ?? [];
    if (same.some((e) => metres(lon, lat, e.lon, e.lat) <= DUPLICATE_WITHIN_M)) {
      refuse('duplicate_address');
      continue;
    }
    const area = city.jurisdictionAt(lon, lat);
    if (!cityWide && (!area || !areasInScope.has(area.id))) {
      refuse('outside_scope');
      continue;
    }
    same.push({ lon, lat });
    known.set(std.label, same);
    const id = uuidv7();
    ids.push(id);
    rows.push({
      id,
      city_id: city.id,
      kind: 'address',
      osm_type: null,
      osm_id: null,
      label: std.label,
      search_text: std.searchText,
      category: null,
      name: record.name ?? null,
      province: std.province,
      city: std.city,
      district: std.district,
      street: std.street,
      housenumber: std.housenumber,
      postcode: std.postcode,
      lon,
      lat,
      h3: latLngToCell(lat, lon, GRID_RESOLUTION),
      road_edge: city.snapper.snap(lon, lat, ADDRESS_SNAP_LIMIT_M)?.edge ?? null,
      building_osm_id: null,
      address_id: null,
      jurisdiction_id: area?.id ?? null,
    });
  }
  if (rows.length)
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 500)
        await trx
          .insertInto('gazetteer')
          .values(rows.slice(i, i + 500))
          .execute();
    });
  return { written: rows.length, rejected, ids };
}
