import type { ExpressionSpecification, GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import { MAP_LAYERS } from '../../map/style';
import type { HotspotCollection } from './api';

/** The source and layers the patrol page adds on top of the city map. */
export const HOTSPOT_SOURCE = 'patrol-hotspots';
export const HOTSPOT_LAYERS = {
  fill: 'patrol-hotspots-fill',
  outline: 'patrol-hotspots-outline',
  line: 'patrol-hotspots-line',
} as const;

/** Rank bands, hottest first: top 5, 6–10, 11–20, below. */
export const RANK_COLORS = ['#a8071a', '#f5222d', '#fa8c16', '#fadb14'] as const;

const rank: ExpressionSpecification = ['to-number', ['get', 'rank'], 999];
const color: ExpressionSpecification = [
  'step',
  rank,
  RANK_COLORS[0],
  6,
  RANK_COLORS[1],
  11,
  RANK_COLORS[2],
  21,
  RANK_COLORS[3],
];
const flagged: ExpressionSpecification = ['==', ['get', 'flagged'], true];
const isPolygon: ExpressionSpecification = ['==', ['geometry-type'], 'Polygon'];
const isLine: ExpressionSpecification = ['==', ['geometry-type'], 'LineString'];

/** Cells as translucent fills with an outline (bold when flagged), segments as wide lines. */
export function installHotspotLayers(map: MapLibreMap): void {
  if (!map.getSource(HOTSPOT_SOURCE)) {
    map.addSource(HOTSPOT_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  }
  const before = map.getLayer(MAP_LAYERS.jurisdictionsLine) ? MAP_LAYERS.jurisdictionsLine : undefined;
  if (!map.getLayer(HOTSPOT_LAYERS.fill)) {
    map.addLayer(
      {
        id: HOTSPOT_LAYERS.fill,
        type: 'fill',
        source: HOTSPOT_SOURCE,
        filter: isPolygon,
        paint: { 'fill-color': color, 'fill-opacity': ['case', flagged, 0.55, 0.3] },
      },
      before,
    );
  }
  if (!map.getLayer(HOTSPOT_LAYERS.outline)) {
    map.addLayer(
      {
        id: HOTSPOT_LAYERS.outline,
        type: 'line',
        source: HOTSPOT_SOURCE,
        filter: isPolygon,
        paint: { 'line-color': color, 'line-width': ['case', flagged, 2.5, 0.8] },
      },
      before,
    );
  }
  if (!map.getLayer(HOTSPOT_LAYERS.line)) {
    map.addLayer(
      {
        id: HOTSPOT_LAYERS.line,
        type: 'line',
        source: HOTSPOT_SOURCE,
        filter: isLine,
        layout: { 'line-cap': 'round', 'line-join': 'round', 'line-sort-key': ['-', 0, rank] },
        paint: {
          'line-color': color,
          'line-width': [
            'interpolate',
            ['linear'],
            ['zoom'],
            11,
            ['case', flagged, 4, 2],
            16,
            ['case', flagged, 12, 6],
          ],
          'line-opacity': 0.9,
        },
      },
      before,
    );
  }
}

export function setHotspots(map: MapLibreMap, hotspots: HotspotCollection): void {
  map.getSource<GeoJSONSource>(HOTSPOT_SOURCE)?.setData({
    type: 'FeatureCollection',
    features: hotspots.features.map((f) => ({ ...f, id: undefined, properties: { ...f.properties } })),
  });
}

/** The rank band of a rank (index into RANK_COLORS). */
export function rankBand(rank: number): number {
  return rank <= 5 ? 0 : rank <= 10 ? 1 : rank <= 20 ? 2 : 3;
}
