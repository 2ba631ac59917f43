/**
 * Mapbox Vector Tiles cut from a city's own data, so the map works without any outside tile server.
 *
 * `createTileSource(city)` turns the in-memory road graph, building outlines and jurisdictions into
 * GeoJSON features with bounding boxes (once per city; the caller caches the source). `renderTile`
 * picks the features touching one tile, slices them with geojson-vt's single-tile path and encodes
 * MVT version 2, extent 4096, with layers `jurisdictions`, `buildings` and `roads`.
 *
 * Why not a `GeoJSONVT` index: it keeps every tile it ever sliced, so a client walking the city at
 * z18 grows it without bound (Monaco: +100 MB for the tiles up to z16). Here memory is the features
 * once plus a bounded cache of encoded tiles; a bbox scan per tile is cheap next to the slicing.
 */
import type { RoadGraph } from '@citywatch/core/roads/graph';
import { type GeoJSONVTTile, geoJSONToTile } from '@maplibre/geojson-vt';
import { fromGeojsonVt } from '@maplibre/vt-pbf';
import type { Feature, LineString, MultiPolygon, Polygon } from 'geojson';
import type { LoadedCity } from '../roads/city-registry.js';

export const TILE_MIN_ZOOM = 10;
export const TILE_MAX_ZOOM = 18;
/** Buildings are noise below this zoom (and the bulk of the bytes), so they start here. */
export const BUILDINGS_MIN_ZOOM = 14;
export const TILE_EXTENT = 4096;

/** Layer names as the web style refers to them. */
export const LAYER_ROADS = 'roads';
export const LAYER_BUILDINGS = 'buildings';
export const LAYER_JURISDICTIONS = 'jurisdictions';

/** Encoded tiles kept per city: the ones everyone looks at (the city at the opening zoom) stay hot. */
const ENCODED_CACHE_SIZE = 1024;
/** Tile buffer in tile units (of 4096): lines just outside the edge still join up across tiles. */
const TILE_BUFFER = 64;

/** One layer's features with their bounding boxes in flat arrays, scanned per tile. */
export interface TileLayerData {
  readonly features: readonly Feature[];
  /** minLon, minLat, maxLon, maxLat per feature. */
  readonly bbox: Float64Array;
  /** The lowest zoom each feature is drawn at. */
  readonly minZoom: Uint8Array;
}

export interface TileSource {
  readonly cityName: string;
  readonly layers: Readonly<Record<TileLayerName, TileLayerData>>;
  /** Encoded tiles by `z/x/y`, least recently used first (null: nothing there). */
  readonly encoded: Map<string, Uint8Array | null>;
}

/** Drawn bottom to top in this order. */
export const TILE_LAYERS = [LAYER_JURISDICTIONS, LAYER_BUILDINGS, LAYER_ROADS] as const;
export type TileLayerName = (typeof TILE_LAYERS)[number];

/** The coarse road class the map styles by (the raw OSM `highway` value travels alongside). */
export type RoadClass =
  | 'motorway'
  | 'trunk'
  | 'primary'
  | 'secondary'
  | 'tertiary'
  | 'minor'
  | 'service'
  | 'link'
  | 'other';

export function roadClass(highway: string): RoadClass {
  if (highway.endsWith('_link')) return 'link';
  switch (highway) {
    case 'motorway':
    case 'trunk':
    case 'primary':
    case 'secondary':
    case 'tertiary':
    case 'service':
      return highway;
    case 'residential':
    case 'unclassified':
    case 'living_street':
    case 'road':
      return 'minor';
    default:
      return 'other';
  }
}

/**
 * Zoom from which a road class is drawn: at z10–12 a tile spans the whole district, and drawing
 * every driveway there is both unreadable and most of the bytes.
 */
const ROAD_MIN_ZOOM: Record<RoadClass, number> = {
  motorway: TILE_MIN_ZOOM,
  trunk: TILE_MIN_ZOOM,
  primary: TILE_MIN_ZOOM,
  secondary: TILE_MIN_ZOOM,
  tertiary: 11,
  link: 12,
  minor: 12,
  service: 14,
  other: 14,
};

export interface RoadProperties {
  class: RoadClass;
  highway: string;
  name: string;
  oneway: boolean;
  speed: number;
}

/**
 * One LineString per run of a way: the graph's consecutive edges of the same OSM way are chained
 * back into polylines, and a two-way street's edge pair becomes one line, not two overlapping ones.
 * A run ends where the way meets a junction inside itself (a node with more than two of the way's
 * segments), so a way that loops or forks yields several lines.
 */
export function roadFeatures(graph: RoadGraph): Feature<LineString, RoadProperties>[] {
  // Group edges by way: counting sort over edgeWay, so no per-way arrays are allocated.
  const wayCount = graph.ways.length;
  const firstOfWay = new Uint32Array(wayCount + 1);
  for (let e = 0; e < graph.edgeCount; e++) firstOfWay[graph.edgeWay[e] + 1]++;
  for (let w = 0; w < wayCount; w++) firstOfWay[w + 1] += firstOfWay[w];
  const edgesByWay = new Uint32Array(graph.edgeCount);
  const cursor = firstOfWay.slice(0, wayCount);
  for (let e = 0; e < graph.edgeCount; e++) edgesByWay[cursor[graph.edgeWay[e]]++] = e;

  const features: Feature<LineString, RoadProperties>[] = [];
  for (let w = 0; w < wayCount; w++) {
    const from = firstOfWay[w];
    const to = firstOfWay[w + 1];
    if (from === to) continue;
    const way = graph.ways[w];
    const segments = waySegments(graph, edgesByWay.subarray(from, to), way.oneway);
    const properties: RoadProperties = {
      class: roadClass(way.highway),
      highway: way.highway,
      name: way.name ?? '',
      oneway: way.oneway,
      speed: Math.round(way.speedKmh),
    };
    for (const run of chainSegments(segments, way.oneway)) {
      features.push({
        type: 'Feature',
        id: way.osmId,
        properties,
        geometry: { type: 'LineString', coordinates: run.map((v) => [graph.nodeLon[v], graph.nodeLat[v]]) },
      });
    }
  }
  return features;
}

/** The way's segments as [tail, head] node pairs; a two-way street's reverse twins are dropped. */
function waySegments(graph: RoadGraph, edges: Uint32Array, directed: boolean): [number, number][] {
  const out: [number, number][] = [];
  const seen = new Set<string>();
  for (const e of edges) {
    const a = graph.edgeTail[e];
    const b = graph.edgeHead[e];
    if (a === b) continue;
    const key = directed ? `${a}>${b}` : a < b ? `${a}-${b}` : `${b}-${a}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([a, b]);
  }
  return out;
}

/**
 * Chains segments into maximal polylines. Directed (one-way) runs follow the travel direction, so
 * a style can draw arrows; undirected ones may be walked either way.
 */
export function chainSegments(
  segments: readonly (readonly [number, number])[],
  directed: boolean,
): number[][] {
  // Incidence lists: for each node, the segments touching it (as outgoing, for directed walks).
  const outgoing = new Map<number, number[]>();
  const degree = new Map<number, number>();
  const inDegree = new Map<number, number>();
  const addIncidence = (node: number, segment: number) => {
    const list = outgoing.get(node);
    if (list) list.push(segment);
    else outgoing.set(node, [segment]);
  };
  segments.forEach(([a, b], i) => {
    addIncidence(a, i);
    if (!directed) addIncidence(b, i);
    degree.set(a, (degree.get(a) ?? 0) + 1);
    degree.set(b, (degree.get(b) ?? 0) + 1);
    inDegree.set(b, (inDegree.get(b) ?? 0) + 1);
  });
  const used = new Uint8Array(segments.length);
  // A run passes through a node only when the node joins exactly two of the way's segments
  // (and, directed, one comes in and one goes out); everywhere else a run starts or stops.
  const passesThrough = (node: number) =>
    degree.get(node) === 2 && (!directed || (inDegree.get(node) === 1 && outgoing.get(node)?.length === 1));

  const walk = (start: number): number[] => {
    const run = [start];
    let node = start;
    for (;;) {
      const next = outgoing.get(node)?.find((s) => !used[s]);
      if (next === undefined) break;
      used[next] = 1;
      const [a, b] = segments[next];
      node = a === node ? b : a;
      run.push(node);
      if (!passesThrough(node)) break;
    }
    return run;
  };

  const runs: number[][] = [];
  for (const node of outgoing.keys()) {
    if (passesThrough(node)) continue;
    while (outgoing.get(node)?.some((s) => !used[s])) runs.push(walk(node));
  }
  // What is left are closed loops (roundabouts) whose every node passes through: start anywhere.
  segments.forEach(([a], i) => {
    if (!used[i]) runs.push(walk(a));
  });
  return runs;
}

function closedRing(ring: ReadonlyArray<readonly [number, number]>): number[][] | null {
  if (ring.length < 3) return null;
  const coordinates = ring.map(([lon, lat]) => [lon, lat]);
  const [firstLon, firstLat] = coordinates[0];
  const [lastLon, lastLat] = coordinates[coordinates.length - 1];
  if (firstLon !== lastLon || firstLat !== lastLat) coordinates.push([firstLon, firstLat]);
  return coordinates.length >= 4 ? coordinates : null;
}

function buildingFeatures(city: LoadedCity): Feature<Polygon, { kind: string; name: string }>[] {
  const features: Feature<Polygon, { kind: string; name: string }>[] = [];
  for (const b of city.buildings) {
    const ring = closedRing(b.ring);
    if (!ring) continue;
    features.push({
      type: 'Feature',
      id: b.osmId,
      properties: { kind: b.kind, name: b.name ?? '' },
      geometry: { type: 'Polygon', coordinates: [ring] },
    });
  }
  return features;
}

function jurisdictionFeatures(
  city: LoadedCity,
): Feature<Polygon | MultiPolygon, { id: string; name: string }>[] {
  return city.jurisdictions.map((j) => ({
    type: 'Feature',
    properties: { id: j.id, name: j.name },
    geometry: j.geometry,
  }));
}

function layerData<F extends Feature>(features: F[], minZoomOf: (feature: F) => number): TileLayerData {
  const bbox = new Float64Array(features.length * 4);
  const minZoom = new Uint8Array(features.length);
  features.forEach((feature, i) => {
    let minLon = Infinity;
    let minLat = Infinity;
    let maxLon = -Infinity;
    let maxLat = -Infinity;
    for (const [lon, lat] of positions(feature)) {
      if (lon < minLon) minLon = lon;
      if (lon > maxLon) maxLon = lon;
      if (lat < minLat) minLat = lat;
      if (lat > maxLat) maxLat = lat;
    }
    bbox.set([minLon, minLat, maxLon, maxLat], i * 4);
    minZoom[i] = minZoomOf(feature);
  });
  return { features, bbox, minZoom };
}

function* positions(feature: Feature): Generator<number[]> {
  const g = feature.geometry;
  switch (g.type) {
    case 'LineString':
      yield* g.coordinates;
      break;
    case 'Polygon':
      for (const ring of g.coordinates) yield* ring;
      break;
    case 'MultiPolygon':
      for (const polygon of g.coordinates) for (const ring of polygon) yield* ring;
      break;
    default:
      break;
  }
}

/** Prepares one city's features for tiling. Linear in the city's size: cache the result per city. */
export function createTileSource(city: LoadedCity): TileSource {
  return {
    cityName: city.name,
    layers: {
      [LAYER_JURISDICTIONS]: layerData(jurisdictionFeatures(city), () => TILE_MIN_ZOOM),
      [LAYER_BUILDINGS]: layerData(buildingFeatures(city), () => BUILDINGS_MIN_ZOOM),
      [LAYER_ROADS]: layerData(roadFeatures(city.graph), (f) => ROAD_MIN_ZOOM[f.properties.class]),
    },
    encoded: new Map(),
  };
}

export function isTileInRange(z: number, x: number, y: number): boolean {
  const n = 2 ** z;
  return (
    Number.isInteger(z) && Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < n && y < n
  );
}

/** The layers an anonymous page may see: the OSM base map, no station areas. */
export const PUBLIC_TILE_LAYERS: readonly TileLayerName[] = [LAYER_BUILDINGS, LAYER_ROADS];

/**
 * The MVT bytes of tile z/x/y, or null when the tile is outside the zoom range or holds nothing.
 * `layers` picks which of the source's layers go in (all by default); each choice is cached apart.
 */
export function renderTile(
  source: TileSource,
  z: number,
  x: number,
  y: number,
  layers: readonly TileLayerName[] = TILE_LAYERS,
): Uint8Array | null {
  if (z < TILE_MIN_ZOOM || z > TILE_MAX_ZOOM || !isTileInRange(z, x, y)) return null;
  const key = layers === TILE_LAYERS ? `${z}/${x}/${y}` : `${layers.join(',')}:${z}/${x}/${y}`;
  const cached = source.encoded.get(key);
  if (cached !== undefined) {
    // Refresh the entry's place in the insertion order: the Map doubles as an LRU list.
    source.encoded.delete(key);
    source.encoded.set(key, cached);
    return cached;
  }
  const bytes = encodeTile(source, z, x, y, layers);
  source.encoded.set(key, bytes);
  if (source.encoded.size > ENCODED_CACHE_SIZE) {
    const oldest = source.encoded.keys().next().value;
    if (oldest !== undefined) source.encoded.delete(oldest);
  }
  return bytes;
}

/** The tile's extent in WGS-84 degrees, widened by the tile buffer. */
function tileBounds(
  z: number,
  x: number,
  y: number,
): { minLon: number; minLat: number; maxLon: number; maxLat: number } {
  const n = 2 ** z;
  const pad = TILE_BUFFER / TILE_EXTENT;
  const lon = (tx: number) => (tx / n) * 360 - 180;
  const lat = (ty: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * ty) / n))) * 180) / Math.PI;
  return { minLon: lon(x - pad), maxLon: lon(x + 1 + pad), maxLat: lat(y - pad), minLat: lat(y + 1 + pad) };
}

function encodeTile(
  source: TileSource,
  z: number,
  x: number,
  y: number,
  wanted: readonly TileLayerName[],
): Uint8Array | null {
  const box = tileBounds(z, x, y);
  const layers: Record<string, GeoJSONVTTile> = {};
  // In the drawing order whatever order the caller listed them in.
  for (const name of TILE_LAYERS.filter((layer) => wanted.includes(layer))) {
    const data = source.layers[name];
    const touching: Feature[] = [];
    for (let i = 0; i < data.features.length; i++) {
      if (data.minZoom[i] > z) continue;
      const o = i * 4;
      if (
        data.bbox[o] > box.maxLon ||
        data.bbox[o + 2] < box.minLon ||
        data.bbox[o + 1] > box.maxLat ||
        data.bbox[o + 3] < box.minLat
      ) {
        continue;
      }
      touching.push(data.features[i]);
    }
    if (touching.length === 0) continue;
    const tile = geoJSONToTile({ type: 'FeatureCollection', features: touching }, z, x, y, {
      extent: TILE_EXTENT,
      buffer: TILE_BUFFER,
      tolerance: 3,
      // Detail is kept down to the deepest zoom served; shallower tiles simplify from there.
      maxZoom: TILE_MAX_ZOOM,
      clip: true,
    });
    if (tile.features.length) layers[name] = tile;
  }
  if (Object.keys(layers).length === 0) return null;
  return fromGeojsonVt(layers, { version: 2, extent: TILE_EXTENT });
}
