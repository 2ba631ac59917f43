import type { Json, Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    cities: CitiesTable;
    gazetteer: GazetteerTable;
    buildings: BuildingsTable;
    jurisdictions: JurisdictionsTable;
  }
}

export interface CitiesTable {
  id: string;
  name: string;
  source_file: string;
  imported_at: Timestamp;
  is_default: boolean;
  bounds: Json<{ minLon: number; minLat: number; maxLon: number; maxLat: number }>;
  stats: Json<Record<string, unknown>>;
  graph: Buffer;
  ways: Json<import('@citywatch/core/roads/graph').WayInfo[]>;
}

export interface GazetteerTable {
  id: string;
  city_id: string;
  kind: 'address' | 'place' | 'street';
  osm_type: string | null;
  osm_id: number | null;
  label: string;
  search_text: string;
  category: string | null;
  name: string | null;
  province: string | null;
  city: string | null;
  district: string | null;
  street: string | null;
  housenumber: string | null;
  postcode: string | null;
  lon: number;
  lat: number;
  h3: string;
  building_osm_id: number | null;
  road_edge: number | null;
  address_id: string | null;
  jurisdiction_id: string | null;
}

export interface BuildingsTable {
  id: string;
  city_id: string;
  osm_id: number;
  kind: string;
  name: string | null;
  lon: number;
  lat: number;
  h3: string;
  ring: Json<[number, number][]>;
}

export interface JurisdictionsTable {
  id: string;
  city_id: string;
  name: string;
  org_id: string | null;
  source: string;
  station_lon: number | null;
  station_lat: number | null;
  geometry: Json<
    { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] }
  >;
  updated_at: Timestamp;
}
