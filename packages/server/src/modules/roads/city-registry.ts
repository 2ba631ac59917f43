import type { RoadGraph } from '@citywatch/core/roads/graph';

/** A city as the running server holds it in memory: the road graph plus what maps and lookups need. */
export interface LoadedCity {
  id: string;
  /** Short name used in URLs and the CLI, e.g. `shenzhen-longgang`. */
  name: string;
  bounds: { minLon: number; minLat: number; maxLon: number; maxLat: number };
  graph: RoadGraph;
  /** Building outlines for the map. */
  buildings: readonly {
    osmId: number;
    kind: string;
    name: string | null;
    ring: ReadonlyArray<readonly [number, number]>;
  }[];
  /** Police-station areas (GeoJSON Polygon or MultiPolygon geometry). */
  jurisdictions: readonly { id: string; name: string; geometry: GeoJsonArea }[];
}

export type GeoJsonArea =
  | { type: 'Polygon'; coordinates: number[][][] }
  | { type: 'MultiPolygon'; coordinates: number[][][][] };

/** Cities loaded from the database on first use and cached; an import replaces the cached copy. */
export interface CityRegistry {
  /** The named city, or the default city when name is undefined; undefined when there is none. */
  get(name?: string): Promise<LoadedCity | undefined>;
  list(): Promise<{ id: string; name: string; importedAt: string; isDefault: boolean }[]>;
  /** Drops the cached copy (after an import or a jurisdiction edit). */
  invalidate(name: string): void;
}
