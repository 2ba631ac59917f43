import { haversineMetres } from '@citywatch/core/roads/osm-to-graph';
import gcoord from 'gcoord';
import { latLngToCell } from 'h3-js';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import type { HeavyJobs } from '../../workers/module.js';
import type { CityRuntime, DbCityRegistry } from '../roads/registry.js';
import type { OrgScope } from '../scope.js';
import { type AddressImportResult, type AddressRecord, importAddresses } from './addresses.js';
import { messages } from './messages.js';
import type { ReverseResult, SearchHit } from './schemas.js';

export type Crs = 'wgs84' | 'gcj02' | 'bd09';
const DATUM = { wgs84: gcoord.WGS84, gcj02: gcoord.GCJ02, bd09: gcoord.BD09 } as const;

/** Client datum → stored WGS-84. */
export function toWgs84(lon: number, lat: number, crs: Crs): [number, number] {
  if (crs === 'wgs84') return [lon, lat];
  const [x, y] = gcoord.transform([lon, lat], DATUM[crs], gcoord.WGS84);
  return [x, y];
}
/** Stored WGS-84 → client datum. */
export function fromWgs84(lon: number, lat: number, crs: Crs): [number, number] {
  if (crs === 'wgs84') return [lon, lat];
  const [x, y] = gcoord.transform([lon, lat], gcoord.WGS84, DATUM[crs]);
  return [x, y];
}

// Beyond this from the city's bounds a point is "outside the city".
const OUTSIDE_MARGIN_DEG = 0.05;

export class PlacesService {
  constructor(
    private readonly db: Kysely<Database>,
    readonly cities: DbCityRegistry,
    private readonly jobs: HeavyJobs,
  ) {}

  /** Addresses from the bureau's register (数据融合's address target): see addresses.ts. */
  async importAddresses(
    cityName: string | undefined,
    scope: OrgScope,
    records: readonly AddressRecord[],
  ): Promise<AddressImportResult> {
    return importAddresses(this.db, await this.city(cityName), scope, records);
  }

  async city(name: string | undefined): Promise<CityRuntime> {
    const city = await this.cities.get(name);
    if (!city) {
      throw name
        ? new ProblemError('not_found', messages.noSuchCity(name))
        : new ProblemError('not_found', messages.noCityYet);
    }
    return city;
  }

  private assertInside(city: CityRuntime, lon: number, lat: number) {
    const b = city.bounds;
    const m = OUTSIDE_MARGIN_DEG;
    if (lon < b.minLon - m || lon > b.maxLon + m || lat < b.minLat - m || lat > b.maxLat + m) {
      throw new ProblemError('validation', messages.outsideCity(city.name), [
        { field: 'lon', rule: 'outside_city', message: '' },
        { field: 'lat', rule: 'outside_city', message: '' },
      ]);
    }
  }

  async search(q: {
    q: string;
    city?: string;
    kind?: SearchHit['kind'];
    limit: number;
    crs: Crs;
  }): Promise<SearchHit[]> {
    const city = await this.city(q.city);
    const like = `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const score = sql<number>`greatest(similarity(search_text, ${q.q}), word_similarity(${q.q}, search_text))`;
    let query = this.db
      .selectFrom('gazetteer')
      .select(['id', 'kind', 'label', 'category', 'lon', 'lat', score.as('score')])
      .where('city_id', '=', city.id)
      .where((eb) =>
        eb.or([
          sql<boolean>`search_text % ${q.q}`,
          sql<boolean>`${q.q} <% search_text`,
          eb('search_text', 'ilike', like),
        ]),
      );
    if (q.kind) query = query.where('kind', '=', q.kind);
    const rows = await query
      .orderBy(sql`(label ilike ${like})`, 'desc')
      .orderBy(score, 'desc')
      .orderBy(sql`length(label)`)
      .limit(q.limit)
      .execute();
    return rows.map((r) => {
      const [lon, lat] = fromWgs84(r.lon, r.lat, q.crs);
      return {
        id: r.id,
        kind: r.kind,
        label: r.label,
        category: r.category,
        lon,
        lat,
        score: Number(r.score),
      };
    });
  }

  async reverse(q: { lon: number; lat: number; city?: string; crs: Crs }): Promise<ReverseResult> {
    const city = await this.city(q.city);
    const [lon, lat] = toWgs84(q.lon, q.lat, q.crs);
    this.assertInside(city, lon, lat);
    const snap = city.snapper.snap(lon, lat, 1000);
    const d = 0.01; // ~1 km box, then exact distance
    const near = await this.db
      .selectFrom('gazetteer')
      .select(['id', 'label', 'lon', 'lat'])
      .where('city_id', '=', city.id)
      .where('kind', '=', 'address')
      .where('lon', '>=', lon - d)
      .where('lon', '<=', lon + d)
      .where('lat', '>=', lat - d)
      .where('lat', '<=', lat + d)
      .execute();
    let address: ReverseResult['address'] = null;
    for (const a of near) {
      const dist = haversineMetres(lon, lat, a.lon, a.lat);
      if (!address || dist < address.distanceM)
        address = { id: a.id, label: a.label, lon: a.lon, lat: a.lat, distanceM: dist };
    }
    const out = (x: number, y: number) => fromWgs84(x, y, q.crs);
    let road: ReverseResult['road'] = null;
    if (snap) {
      const way = city.graph.ways[city.graph.edgeWay[snap.edge]];
      const [rx, ry] = out(snap.lon, snap.lat);
      road = {
        name: way.name,
        highway: way.highway,
        lon: rx,
        lat: ry,
        distanceM: snap.distanceM,
        edge: snap.edge,
      };
    }
    if (address) {
      const [ax, ay] = out(address.lon, address.lat);
      address = { ...address, lon: ax, lat: ay };
    }
    return { road, address, jurisdiction: city.jurisdictionAt(lon, lat), h3: latLngToCell(lat, lon, 9) };
  }

  /**
   * The statistics grid: per H3 cell (res 9 by default) the road nodes, addresses and places in it
   * and the road length whose start lies in it. Road nodes get their cell here, from the graph, so
   * any resolution can be asked for without storing one per node.
   */
  async grid(q: { city?: string; resolution: number }) {
    const city = await this.city(q.city);
    const g = city.graph;
    const cells = new Map<
      string,
      { roadNodes: number; roadLengthM: number; addresses: number; places: number }
    >();
    const cell = (id: string) => {
      const c = cells.get(id) ?? { roadNodes: 0, roadLengthM: 0, addresses: 0, places: 0 };
      cells.set(id, c);
      return c;
    };
    const nodeCell: string[] = new Array(g.nodeCount);
    for (let v = 0; v < g.nodeCount; v++) {
      nodeCell[v] = latLngToCell(g.nodeLat[v], g.nodeLon[v], q.resolution);
      cell(nodeCell[v]).roadNodes++;
    }
    for (let e = 0; e < g.edgeCount; e++) cell(nodeCell[g.edgeTail[e]]).roadLengthM += g.edgeLength[e];
    const rows = await this.db
      .selectFrom('gazetteer')
      .select(['kind', 'lon', 'lat'])
      .where('city_id', '=', city.id)
      .where('kind', 'in', ['address', 'place'])
      .execute();
    for (const r of rows) {
      const c = cell(latLngToCell(r.lat, r.lon, q.resolution));
      if (r.kind === 'address') c.addresses++;
      else c.places++;
    }
    return {
      resolution: q.resolution,
      cells: [...cells]
        .map(([h3, c]) => ({ h3, ...c, roadLengthM: Math.round(c.roadLengthM) }))
        .sort((a, b) => b.roadNodes - a.roadNodes),
    };
  }

  async isochrones(q: { lon: number; lat: number; city?: string; crs: Crs; minutes: number[] }) {
    const city = await this.city(q.city);
    const [lon, lat] = toWgs84(q.lon, q.lat, q.crs);
    this.assertInside(city, lon, lat);
    const origin = city.snapper.snap(lon, lat, 1000);
    if (!origin) {
      throw new ProblemError('validation', messages.noRoadNearby, [
        { field: 'lon', rule: 'no_road_nearby', message: '' },
      ]);
    }
    // The searches and areas run on a worker thread (workers/jobs.ts), largest limit first, on the
    // turn-restricted graph (same node and edge ids as the base graph the origin was snapped on).
    const minutes = [...q.minutes].sort((a, b) => b - a);
    const features = await this.jobs.run(
      'isochrones',
      { origin, minutes, crs: q.crs },
      { city: city.turnRouting().poolCity },
    );
    return { type: 'FeatureCollection' as const, features };
  }
}
