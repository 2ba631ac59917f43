import { sectorRing } from '@citywatch/core/video/sector';
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { Camera } from './api';

/** The source and layers that draw cameras as their view sectors on a city map. */
export const SECTOR_SOURCE = 'video-sectors';
export const SECTOR_LAYERS = {
  fill: 'video-sectors-fill',
  line: 'video-sectors-line',
  point: 'video-cameras',
} as const;

export const STATUS_COLORS = {
  unknown: '#8c8c8c',
  online: '#1677ff',
  offline: '#fa8c16',
  fault: '#f5222d',
} as const;

const statusColor = [
  'match',
  ['get', 'status'],
  'online',
  STATUS_COLORS.online,
  'offline',
  STATUS_COLORS.offline,
  'fault',
  STATUS_COLORS.fault,
  STATUS_COLORS.unknown,
] as const;

/** Each camera's sector as a polygon and its position as a point, coloured by status. */
export function sectorCollection(cameras: readonly Camera[]): GeoJSON.FeatureCollection {
  const features: GeoJSON.Feature[] = [];
  for (const c of cameras) {
    const properties = { id: c.id, name: c.name, status: c.status, shared: c.shared };
    features.push({
      type: 'Feature',
      properties,
      geometry: { type: 'Polygon', coordinates: [sectorRing(c)] },
    });
    features.push({ type: 'Feature', properties, geometry: { type: 'Point', coordinates: [c.lon, c.lat] } });
  }
  return { type: 'FeatureCollection', features };
}

export function installSectorLayers(map: MapLibreMap): void {
  if (!map.getSource(SECTOR_SOURCE)) {
    map.addSource(SECTOR_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  }
  if (!map.getLayer(SECTOR_LAYERS.fill)) {
    map.addLayer({
      id: SECTOR_LAYERS.fill,
      type: 'fill',
      source: SECTOR_SOURCE,
      filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'fill-color': statusColor as never, 'fill-opacity': 0.22 },
    });
  }
  if (!map.getLayer(SECTOR_LAYERS.line)) {
    map.addLayer({
      id: SECTOR_LAYERS.line,
      type: 'line',
      source: SECTOR_SOURCE,
      filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'line-color': statusColor as never, 'line-width': 1 },
    });
  }
  if (!map.getLayer(SECTOR_LAYERS.point)) {
    map.addLayer({
      id: SECTOR_LAYERS.point,
      type: 'circle',
      source: SECTOR_SOURCE,
      filter: ['==', ['geometry-type'], 'Point'],
      paint: {
        'circle-radius': 4,
        'circle-color': statusColor as never,
        'circle-stroke-color': '#fff',
        'circle-stroke-width': 1.5,
      },
    });
  }
}

export function setSectors(map: MapLibreMap, cameras: readonly Camera[]): void {
  (map.getSource(SECTOR_SOURCE) as GeoJSONSource | undefined)?.setData(sectorCollection(cameras));
}
