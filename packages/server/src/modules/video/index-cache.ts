/**
 * The cameras of a city in memory for "which cameras see or stand nearest to this point": every
 * camera's sector in a grid (core/video/sector.ts) and its place on the road network, rebuilt when
 * the registry changes (and at most every RESYNC_MS otherwise, for changes made by another node).
 * Holds no scoping: the service asks the database which candidates the viewer may see.
 */
import { camerasNear, placeOnRoad, RoadDistance, type RoadPlace } from '@citywatch/core/video/near';
import { SectorIndex } from '@citywatch/core/video/sector';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { CityRuntime } from '../roads/registry.js';

const RESYNC_MS = 60_000;

export interface IndexedCamera {
  id: string;
  lon: number;
  lat: number;
  headingDeg: number;
  fovDeg: number;
  rangeM: number;
  place: RoadPlace | null;
}

interface Built {
  city: CityRuntime | null;
  index: SectorIndex<IndexedCamera>;
  distance: RoadDistance | null;
  builtAt: number;
}

export class CameraIndexCache {
  private built: Promise<Built> | null = null;
  private version = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly city: () => Promise<CityRuntime | undefined>,
  ) {}

  /** The registry changed: the next query rebuilds. */
  invalidate(): void {
    this.version++;
    this.built = null;
  }

  private async build(): Promise<Built> {
    const city = (await this.city().catch(() => undefined)) ?? null;
    const rows = await this.db
      .selectFrom('cameras')
      .select(['id', 'lon', 'lat', 'heading_deg', 'fov_deg', 'range_m'])
      .execute();
    const items: IndexedCamera[] = rows.map((r) => ({
      id: r.id,
      lon: r.lon,
      lat: r.lat,
      headingDeg: r.heading_deg,
      fovDeg: r.fov_deg,
      rangeM: r.range_m,
      place: city ? placeOnRoad(city.snapper, city.graph, r.lon, r.lat) : null,
    }));
    const refLat = city ? (city.bounds.minLat + city.bounds.maxLat) / 2 : (items[0]?.lat ?? 0);
    return {
      city,
      index: new SectorIndex(items, refLat),
      distance: city ? new RoadDistance(city.graph) : null,
      builtAt: Date.now(),
    };
  }

  async get(): Promise<Built> {
    const current = this.built;
    if (current) {
      const b = await current;
      if (Date.now() - b.builtAt < RESYNC_MS) return b;
    }
    const version = this.version;
    const next = this.build();
    if (version === this.version) this.built = next;
    next.catch(() => {
      if (this.built === next) this.built = null;
    });
    return next;
  }

  /** Candidates near a point: those whose sector covers it, and up to `k` nearest by road. */
  async near(lon: number, lat: number, k: number, maxM: number) {
    const b = await this.get();
    return camerasNear(b.index, lon, lat, {
      k,
      maxM,
      road:
        b.city && b.distance
          ? { distance: b.distance, snapper: b.city.snapper, graph: b.city.graph, placeOf: (c) => c.place }
          : undefined,
    });
  }
}
