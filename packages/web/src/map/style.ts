/**
 * The city map's style, built in code so the map needs nothing from the internet: the vector tiles
 * come from our own server (`/api/tiles/{z}/{x}/{y}.pbf`, layers `roads`, `buildings`,
 * `jurisdictions`), and there are no symbol layers, so no glyphs or sprites are fetched. Street names
 * are shown in HTML (hover popup, side card) instead of on the canvas.
 */
import type {
  DataDrivenPropertyValueSpecification,
  ExpressionSpecification,
  FilterSpecification,
  LayerSpecification,
  StyleSpecification,
} from 'maplibre-gl';

export const ROADS_SOURCE = 'city';
export const OVERLAY_SOURCE_ISOCHRONES = 'isochrones';

/** Layer ids other code refers to (queries, hover, tests). */
export const MAP_LAYERS = {
  roads: 'roads',
  roadsCasing: 'roads-casing',
  buildings: 'buildings',
  jurisdictionsFill: 'jurisdictions-fill',
  jurisdictionsLine: 'jurisdictions-line',
  isochronesFill: 'isochrones-fill',
  isochronesLine: 'isochrones-line',
} as const;

/** Required by the ODbL for maps drawn from OpenStreetMap data. */
export const OSM_ATTRIBUTION =
  '© <a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener">OpenStreetMap</a> contributors';

/** Served tile zooms: the server cuts 10–18, the map over-zooms from 16 (sharper is not needed). */
export const TILE_MIN_ZOOM = 10;
export const TILE_MAX_ZOOM = 16;

const COLORS = {
  background: '#eceff2',
  building: '#d9d4cc',
  buildingOutline: '#c4bdb2',
  jurisdiction: '#1668dc',
  casing: '#b9bec6',
  motorway: '#f08c2e',
  motorwayCasing: '#c0661a',
  primary: '#f7d154',
  primaryCasing: '#c9a637',
  secondary: '#fbeaa0',
  minor: '#ffffff',
  service: '#fbfbfb',
  isochrone: '#722ed1',
} as const;

const roadClass: ExpressionSpecification = ['get', 'class'];

/** Line width in pixels by road class, growing with zoom (exponential, as road widths look right). */
function roadWidth(scale: number): DataDrivenPropertyValueSpecification<number> {
  const byClass = (z: number): ExpressionSpecification => [
    'match',
    roadClass,
    ['motorway', 'trunk'],
    [4, 9, 16][z] * scale,
    'primary',
    [3, 7.5, 14][z] * scale,
    'secondary',
    [2.5, 6.5, 12][z] * scale,
    ['tertiary', 'link'],
    [1.8, 5, 10][z] * scale,
    'minor',
    [1, 3.5, 8][z] * scale,
    [0.6, 2, 5][z] * scale,
  ];
  return ['interpolate', ['exponential', 1.5], ['zoom'], 11, byClass(0), 14, byClass(1), 17, byClass(2)];
}

const roadColor: DataDrivenPropertyValueSpecification<string> = [
  'match',
  roadClass,
  ['motorway', 'trunk'],
  COLORS.motorway,
  'primary',
  COLORS.primary,
  'secondary',
  COLORS.secondary,
  ['tertiary', 'minor', 'link'],
  COLORS.minor,
  COLORS.service,
];

const casingColor: DataDrivenPropertyValueSpecification<string> = [
  'match',
  roadClass,
  ['motorway', 'trunk'],
  COLORS.motorwayCasing,
  ['primary', 'secondary'],
  COLORS.primaryCasing,
  COLORS.casing,
];

/** Bigger roads are drawn over smaller ones where they cross. */
const roadRank: DataDrivenPropertyValueSpecification<number> = [
  'match',
  roadClass,
  ['motorway', 'trunk'],
  6,
  'primary',
  5,
  'secondary',
  4,
  'link',
  3,
  ['tertiary', 'minor'],
  2,
  1,
];

const isochroneMinutes: ExpressionSpecification = ['to-number', ['get', 'minutes'], 0];

export function cityMapStyle(options: { tileUrl: string }): StyleSpecification {
  const lines: FilterSpecification = ['==', ['geometry-type'], 'LineString'];
  const layers: LayerSpecification[] = [
    { id: 'background', type: 'background', paint: { 'background-color': COLORS.background } },
    {
      id: MAP_LAYERS.jurisdictionsFill,
      type: 'fill',
      source: ROADS_SOURCE,
      'source-layer': 'jurisdictions',
      paint: { 'fill-color': COLORS.jurisdiction, 'fill-opacity': 0.04 },
    },
    {
      id: MAP_LAYERS.buildings,
      type: 'fill',
      source: ROADS_SOURCE,
      'source-layer': 'buildings',
      minzoom: 14,
      paint: {
        'fill-color': COLORS.building,
        'fill-outline-color': COLORS.buildingOutline,
        'fill-opacity': ['interpolate', ['linear'], ['zoom'], 14, 0.4, 16, 1],
      },
    },
    {
      id: MAP_LAYERS.roadsCasing,
      type: 'line',
      source: ROADS_SOURCE,
      'source-layer': 'roads',
      filter: lines,
      layout: { 'line-cap': 'round', 'line-join': 'round', 'line-sort-key': roadRank },
      paint: { 'line-color': casingColor, 'line-width': roadWidth(1), 'line-gap-width': 0 },
    },
    {
      id: MAP_LAYERS.roads,
      type: 'line',
      source: ROADS_SOURCE,
      'source-layer': 'roads',
      filter: lines,
      layout: { 'line-cap': 'round', 'line-join': 'round', 'line-sort-key': roadRank },
      // The fill is narrower than the casing, which then shows as an outline.
      paint: { 'line-color': roadColor, 'line-width': roadWidth(0.72) },
    },
    {
      id: MAP_LAYERS.jurisdictionsLine,
      type: 'line',
      source: ROADS_SOURCE,
      'source-layer': 'jurisdictions',
      paint: {
        'line-color': COLORS.jurisdiction,
        // Solid: neighbouring areas share their border, and two dash patterns over it look ragged.
        'line-width': ['interpolate', ['linear'], ['zoom'], 10, 1, 16, 2.5],
        'line-opacity': 0.6,
      },
    },
    {
      id: MAP_LAYERS.isochronesFill,
      type: 'fill',
      source: OVERLAY_SOURCE_ISOCHRONES,
      // The shortest time on top and darkest; 5 minutes is the lightest, underneath.
      layout: { 'fill-sort-key': ['-', 0, isochroneMinutes] },
      paint: {
        'fill-color': COLORS.isochrone,
        'fill-opacity': ['interpolate', ['linear'], isochroneMinutes, 1, 0.32, 3, 0.2, 5, 0.12],
      },
    },
    {
      id: MAP_LAYERS.isochronesLine,
      type: 'line',
      source: OVERLAY_SOURCE_ISOCHRONES,
      paint: { 'line-color': COLORS.isochrone, 'line-width': 1.2, 'line-opacity': 0.7 },
    },
  ];
  return {
    version: 8,
    name: 'citywatch offline',
    sources: {
      [ROADS_SOURCE]: {
        type: 'vector',
        tiles: [options.tileUrl],
        minzoom: TILE_MIN_ZOOM,
        maxzoom: TILE_MAX_ZOOM,
        attribution: OSM_ATTRIBUTION,
      },
      [OVERLAY_SOURCE_ISOCHRONES]: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
    },
    layers,
  };
}

/** Absolute tile URL template for a city (maplibre fetches tiles from a worker, so it must be absolute). */
export function cityTileUrl(city: string | undefined): string {
  const query = city ? `?city=${encodeURIComponent(city)}` : '';
  return `${window.location.origin}/api/tiles/{z}/{x}/{y}.pbf${query}`;
}
