import { standardAddress } from '@citywatch/core/places/address';
import { networkVoronoi, voronoiAreas } from '@citywatch/core/places/jurisdiction';
import type { RoadGraph } from '@citywatch/core/roads/graph';
import type { OsmExtract } from '@citywatch/core/roads/osm';
import { type OsmGraphStats, osmToGraph } from '@citywatch/core/roads/osm-to-graph';
import { EdgeSnapper, sourceSeeds } from '@citywatch/core/roads/snap';
import { resolveTurnRestrictions, type TurnRestrictionReport } from '@citywatch/core/roads/turn-restrictions';
import { latLngToCell } from 'h3-js';
import type { Insertable, Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import type { GazetteerTable } from '../places/tables.js';
import { encodeGraph } from './graph-codec.js';
import { OsmReadError, readOsmFile } from './osm-reader.js';

export const GRID_RESOLUTION = 9;
// An address further than this from any drivable road is kept but linked to no edge.
const ADDRESS_SNAP_LIMIT_M = 500;

export class CityImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CityImportError';
  }
}

export const CITY_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export interface CityImportReport {
  city: string;
  file: string;
  read: { nodes: number; ways: number; relations: number };
  graph: Pick<OsmGraphStats, 'nodes' | 'edges' | 'waysKept' | 'waysSkipped'>;
  kept: {
    addresses: number;
    places: number;
    streets: number;
    buildings: number;
    jurisdictions: number;
    restrictions: number;
  };
  /** Restriction relations applied, and the rest counted by reason (none dropped silently). */
  turnRestrictions: Omit<TurnRestrictionReport, 'samples'> & { samples: TurnRestrictionReport['samples'] };
  elapsedMs: number;
}

/** A gazetteer row as inserted (the table type is the one definition). */
type GazetteerRow = Insertable<GazetteerTable> & { kind: GazetteerTable['kind'] };

/**
 * Reads an OSM file and replaces the named city in one transaction: a failed import (corrupt file,
 * no drivable road) leaves the previous import untouched.
 */
export async function importCity(
  db: Kysely<Database>,
  options: { file: string; name: string; makeDefault?: boolean },
  now: Date,
): Promise<CityImportReport> {
  const started = Date.now();
  if (!CITY_NAME.test(options.name)) {
    throw new CityImportError(`city name "${options.name}" must be lower-case letters, digits, - or _`);
  }
  let extract: OsmExtract;
  try {
    extract = await readOsmFile(options.file);
  } catch (error) {
    if (error instanceof OsmReadError) throw new CityImportError(error.message);
    throw error;
  }
  const { graph, stats } = osmToGraph(extract);
  if (graph.edgeCount === 0) {
    throw new CityImportError(`${options.file} holds no drivable road (read ${extract.counts.ways} ways)`);
  }
  const turns = resolveTurnRestrictions(graph, extract.restrictions, extract.ways);
  const cityId = uuidv7();
  const snapper = new EdgeSnapper(graph);
  const gazetteer = buildGazetteer(cityId, extract, graph, snapper);
  const jurisdictions = policeStationAreas(cityId, extract, graph, snapper, now);
  const bounds = extract.bounds ?? boundsOf(graph);

  await db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('cities')
      .select(['id', 'is_default'])
      .where('name', '=', options.name)
      .executeTakeFirst();
    const anyDefault = await trx
      .selectFrom('cities')
      .select('id')
      .where('is_default', '=', true)
      .executeTakeFirst();
    const isDefault = options.makeDefault || existing?.is_default || !anyDefault;
    if (isDefault)
      await trx.updateTable('cities').set({ is_default: false }).where('is_default', '=', true).execute();
    if (existing) await trx.deleteFrom('cities').where('id', '=', existing.id).execute();
    await trx
      .insertInto('cities')
      .values({
        id: cityId,
        name: options.name,
        source_file: options.file,
        imported_at: now,
        is_default: !!isDefault,
        bounds: JSON.stringify(bounds),
        stats: JSON.stringify({ read: extract.counts, graph: stats, turnRestrictions: turns.report }),
        graph: encodeGraph(graph, { sequences: turns.sequences, osmIds: turns.osmIds }),
        ways: JSON.stringify(graph.ways),
      })
      .execute();
    for (const chunk of chunks(gazetteer, 500)) await trx.insertInto('gazetteer').values(chunk).execute();
    const buildings = extract.buildings.map((b) => ({
      id: uuidv7(),
      city_id: cityId,
      osm_id: b.osmId,
      kind: b.kind,
      name: b.name,
      lon: b.centroidLon,
      lat: b.centroidLat,
      h3: latLngToCell(b.centroidLat, b.centroidLon, GRID_RESOLUTION),
      ring: JSON.stringify(b.ring),
    }));
    for (const chunk of chunks(buildings, 500)) await trx.insertInto('buildings').values(chunk).execute();
    for (const j of jurisdictions) await trx.insertInto('jurisdictions').values(j).execute();
  });

  const count = (kind: GazetteerRow['kind']) => gazetteer.filter((g) => g.kind === kind).length;
  return {
    city: options.name,
    file: options.file,
    read: { nodes: extract.counts.nodes, ways: extract.counts.ways, relations: extract.counts.relations },
    graph: {
      nodes: stats.nodes,
      edges: stats.edges,
      waysKept: stats.waysKept,
      waysSkipped: stats.waysSkipped,
    },
    kept: {
      addresses: count('address'),
      places: count('place'),
      streets: count('street'),
      buildings: extract.buildings.length,
      jurisdictions: jurisdictions.length,
      restrictions: extract.restrictions.length,
    },
    turnRestrictions: turns.report,
    elapsedMs: Date.now() - started,
  };
}

function buildGazetteer(
  cityId: string,
  extract: OsmExtract,
  graph: RoadGraph,
  snapper: EdgeSnapper,
): GazetteerRow[] {
  const rows: GazetteerRow[] = [];
  const base = (lon: number, lat: number) => {
    const snap = snapper.snap(lon, lat, ADDRESS_SNAP_LIMIT_M);
    return { lon, lat, h3: latLngToCell(lat, lon, GRID_RESOLUTION), road_edge: snap ? snap.edge : null };
  };
  const addressByElement = new Map<string, string>();
  for (const a of extract.addresses) {
    const std = standardAddress(a.addr, a.name);
    if (!std) continue;
    const id = uuidv7();
    addressByElement.set(`${a.source}/${a.osmId}`, id);
    rows.push({
      id,
      city_id: cityId,
      kind: 'address',
      osm_type: a.source,
      osm_id: a.osmId,
      label: std.label,
      search_text: std.searchText,
      category: null,
      name: a.name,
      province: std.province,
      city: std.city,
      district: std.district,
      street: std.street,
      housenumber: std.housenumber,
      postcode: std.postcode,
      ...base(a.lon, a.lat),
      building_osm_id: a.source === 'way' ? a.osmId : null,
      address_id: null,
      jurisdiction_id: null,
    });
  }
  for (const p of extract.places) {
    if (!p.name) continue; // an unnamed traffic signal is nobody's search target
    rows.push({
      id: uuidv7(),
      city_id: cityId,
      kind: 'place',
      osm_type: p.source,
      osm_id: p.osmId,
      label: p.name,
      search_text: p.name,
      category: p.category,
      name: p.name,
      province: null,
      city: null,
      district: null,
      street: null,
      housenumber: null,
      postcode: null,
      ...base(p.lon, p.lat),
      building_osm_id: null,
      // A unit (shop, school…) tagged on the same element as an address stands at that address.
      address_id: addressByElement.get(`${p.source}/${p.osmId}`) ?? null,
      jurisdiction_id: null,
    });
  }
  // Named streets: one entry per name, placed at the middle of its longest run of edges.
  const streets = new Map<string, { length: number; bestEdge: number; bestLength: number }>();
  for (let e = 0; e < graph.edgeCount; e++) {
    const name = graph.ways[graph.edgeWay[e]].name;
    if (!name) continue;
    const s = streets.get(name) ?? { length: 0, bestEdge: e, bestLength: 0 };
    s.length += graph.edgeLength[e];
    if (graph.edgeLength[e] > s.bestLength) [s.bestEdge, s.bestLength] = [e, graph.edgeLength[e]];
    streets.set(name, s);
  }
  for (const [name, s] of streets) {
    const a = graph.edgeTail[s.bestEdge];
    const b = graph.edgeHead[s.bestEdge];
    const lon = (graph.nodeLon[a] + graph.nodeLon[b]) / 2;
    const lat = (graph.nodeLat[a] + graph.nodeLat[b]) / 2;
    rows.push({
      id: uuidv7(),
      city_id: cityId,
      kind: 'street',
      osm_type: 'way',
      osm_id: graph.ways[graph.edgeWay[s.bestEdge]].osmId,
      label: name,
      search_text: name,
      category: graph.ways[graph.edgeWay[s.bestEdge]].highway,
      name,
      province: null,
      city: null,
      district: null,
      street: name,
      housenumber: null,
      postcode: null,
      lon,
      lat,
      h3: latLngToCell(lat, lon, GRID_RESOLUTION),
      road_edge: s.bestEdge,
      building_osm_id: null,
      address_id: null,
      jurisdiction_id: null,
    });
  }
  return rows;
}

/** Jurisdictions from the police stations mapped in OSM (network Voronoi); none when none is mapped. */
function policeStationAreas(
  cityId: string,
  extract: OsmExtract,
  graph: RoadGraph,
  snapper: EdgeSnapper,
  now: Date,
) {
  const stations = extract.places.filter((p) => p.category === 'amenity=police');
  return generateJurisdictions(
    cityId,
    graph,
    snapper,
    stations.map((s, i) => ({ name: s.name ?? `警务站点 ${i + 1}`, lon: s.lon, lat: s.lat, orgId: null })),
    now,
  );
}

export function generateJurisdictions(
  cityId: string,
  graph: RoadGraph,
  snapper: EdgeSnapper,
  stations: readonly { name: string; lon: number; lat: number; orgId: string | null }[],
  now: Date,
) {
  const snapped = stations
    .map((s) => ({ s, at: snapper.snap(s.lon, s.lat, 2000) }))
    .filter((x): x is { s: (typeof stations)[number]; at: NonNullable<typeof x.at> } => x.at !== null);
  if (snapped.length === 0) return [];
  const voronoi = networkVoronoi(
    graph,
    snapped.map((x) => ({ seeds: sourceSeeds(graph, snapper, x.at) })),
  );
  // Six rings of growth (~1.8 km at res 9) close the gaps between roads without spilling far.
  const areas = voronoiAreas(graph, voronoi, snapped.length, GRID_RESOLUTION, 6);
  return snapped.flatMap((x, i) =>
    areas[i].length
      ? [
          {
            id: uuidv7(),
            city_id: cityId,
            name: x.s.name,
            org_id: x.s.orgId,
            source: 'network_voronoi',
            station_lon: x.s.lon,
            station_lat: x.s.lat,
            geometry: JSON.stringify({ type: 'MultiPolygon', coordinates: areas[i] }),
            updated_at: now,
          },
        ]
      : [],
  );
}

function boundsOf(g: RoadGraph) {
  let [minLon, minLat, maxLon, maxLat] = [180, 90, -180, -90];
  for (let v = 0; v < g.nodeCount; v++) {
    minLon = Math.min(minLon, g.nodeLon[v]);
    maxLon = Math.max(maxLon, g.nodeLon[v]);
    minLat = Math.min(minLat, g.nodeLat[v]);
    maxLat = Math.max(maxLat, g.nodeLat[v]);
  }
  return { minLon, minLat, maxLon, maxLat };
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
