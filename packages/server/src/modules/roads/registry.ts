import { DijkstraEngine } from '@citywatch/core/roads/dijkstra';
import { U_TURN_SECONDS } from '@citywatch/core/roads/heading';
import { EdgeSnapper } from '@citywatch/core/roads/snap';
import { buildTurnRestrictedGraph, type TurnRestrictedGraph } from '@citywatch/core/roads/turn-restrictions';
import { booleanPointInPolygon } from '@turf/turf';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { CityRegistry, GeoJsonArea, LoadedCity } from './city-registry.js';
import { decodeGraph, decodeTurnRestrictions, type StoredTurnRestrictions } from './graph-codec.js';

/**
 * Routing that obeys the city's turn restrictions and prices U-turns (core/roads/turn-restrictions.ts):
 * the restricted graph keeps the base graph's node and edge ids, so `snapper` snaps for it too and `sourceSeeds` /
 * `targetSeeds` given this graph seed the right junction states.
 */
export interface TurnRouting {
  graph: TurnRestrictedGraph;
  dijkstra: DijkstraEngine;
  /** The forbidden base-edge sequences and their relations, as resolved at import. */
  stored: StoredTurnRestrictions;
  /** False for a city imported before restrictions were stored: re-import to apply them. */
  restrictionsStored: boolean;
  /**
   * The restricted graph as the worker pool's `city` option (isochrones and coverage in threads):
   * its own id, so a thread keeps it beside the base graph instead of swapping one for the other.
   */
  poolCity: { id: string; graph: TurnRestrictedGraph };
}

/** A loaded city plus the per-city engines built once and reused by every request. */
export interface CityRuntime extends LoadedCity {
  snapper: EdgeSnapper;
  /** One Dijkstra engine per city: requests run one at a time on Node's single thread. */
  dijkstra: DijkstraEngine;
  /** The turn-restricted routing graph, built on first use. */
  turnRouting(): TurnRouting;
  jurisdictionAt(lon: number, lat: number): { id: string; name: string } | null;
}

export interface CityRegistryOptions {
  /** Seconds a U-turn costs in routing (CITYWATCH_U_TURN_SECONDS; 0 makes U-turns free). */
  uTurnSeconds?: number;
}

export class DbCityRegistry implements CityRegistry {
  private readonly cache = new Map<string, Promise<CityRuntime | undefined>>();
  private readonly uTurnSeconds: number;
  constructor(
    private readonly db: Kysely<Database>,
    options: CityRegistryOptions = {},
  ) {
    this.uTurnSeconds = options.uTurnSeconds ?? U_TURN_SECONDS;
  }

  async get(name?: string): Promise<CityRuntime | undefined> {
    const key = name ?? (await this.defaultName());
    if (!key) return undefined;
    let entry = this.cache.get(key);
    if (!entry) {
      entry = this.load(key);
      this.cache.set(key, entry);
      entry.catch(() => this.cache.delete(key));
    }
    return entry;
  }

  async list() {
    const rows = await this.db
      .selectFrom('cities')
      .select(['id', 'name', 'imported_at', 'is_default', 'bounds', 'stats'])
      .orderBy('name')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      importedAt: new Date(r.imported_at).toISOString(),
      isDefault: r.is_default,
      bounds: r.bounds,
      stats: r.stats,
    }));
  }

  invalidate(name: string): void {
    this.cache.delete(name);
  }

  private async defaultName(): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('cities')
      .select('name')
      .orderBy('is_default', 'desc')
      .orderBy('imported_at')
      .limit(1)
      .executeTakeFirst();
    return row?.name;
  }

  private async load(name: string): Promise<CityRuntime | undefined> {
    const row = await this.db
      .selectFrom('cities')
      .select(['id', 'name', 'bounds', 'graph', 'ways'])
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) return undefined;
    const graph = decodeGraph(row.graph, row.ways);
    const storedTurns = decodeTurnRestrictions(row.graph);
    let turnRouting: TurnRouting | undefined;
    const [buildings, jurisdictions] = await Promise.all([
      this.db
        .selectFrom('buildings')
        .select(['osm_id', 'kind', 'name', 'ring'])
        .where('city_id', '=', row.id)
        .execute(),
      this.db
        .selectFrom('jurisdictions')
        .select(['id', 'name', 'geometry'])
        .where('city_id', '=', row.id)
        .orderBy('name')
        .execute(),
    ]);
    const areas = jurisdictions.map((j) => ({ id: j.id, name: j.name, geometry: j.geometry as GeoJsonArea }));
    return {
      id: row.id,
      name: row.name,
      bounds: row.bounds,
      graph,
      buildings: buildings.map((b) => ({
        osmId: Number(b.osm_id),
        kind: b.kind,
        name: b.name,
        ring: b.ring,
      })),
      jurisdictions: areas,
      snapper: new EdgeSnapper(graph),
      dijkstra: new DijkstraEngine(graph),
      turnRouting: () => {
        if (!turnRouting) {
          const stored = storedTurns ?? { sequences: [], osmIds: [] };
          const restricted = buildTurnRestrictedGraph(graph, stored.sequences, {
            uTurnSeconds: this.uTurnSeconds,
          });
          turnRouting = {
            graph: restricted,
            dijkstra: new DijkstraEngine(restricted),
            stored,
            restrictionsStored: storedTurns !== null,
            poolCity: { id: `${row.id}:turns`, graph: restricted },
          };
        }
        return turnRouting;
      },
      jurisdictionAt: (lon, lat) => {
        const hit = areas.find((a) => booleanPointInPolygon([lon, lat], a.geometry));
        return hit ? { id: hit.id, name: hit.name } : null;
      },
    };
  }
}
