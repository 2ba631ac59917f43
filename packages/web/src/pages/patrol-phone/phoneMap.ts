import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';

/** What the phone draws on the city map: the road route, where it leads, and the phone itself. */
export const PHONE_SOURCE = 'patrol-phone';
export const PHONE_LAYERS = {
  route: 'patrol-phone-route',
  target: 'patrol-phone-target',
  me: 'patrol-phone-me',
} as const;

type Point = { lon: number; lat: number };

export function installPhoneLayers(map: MapLibreMap): void {
  if (!map.getSource(PHONE_SOURCE)) {
    map.addSource(PHONE_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  }
  if (!map.getLayer(PHONE_LAYERS.route)) {
    map.addLayer({
      id: PHONE_LAYERS.route,
      type: 'line',
      source: PHONE_SOURCE,
      filter: ['==', ['get', 'kind'], 'route'],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#1677ff', 'line-width': 6, 'line-opacity': 0.85 },
    });
  }
  if (!map.getLayer(PHONE_LAYERS.target)) {
    map.addLayer({
      id: PHONE_LAYERS.target,
      type: 'circle',
      source: PHONE_SOURCE,
      filter: ['==', ['get', 'kind'], 'target'],
      paint: {
        'circle-radius': 9,
        'circle-color': ['case', ['==', ['get', 'incident'], true], '#f5222d', '#fa8c16'],
        'circle-stroke-color': '#fff',
        'circle-stroke-width': 3,
      },
    });
  }
  if (!map.getLayer(PHONE_LAYERS.me)) {
    map.addLayer({
      id: PHONE_LAYERS.me,
      type: 'circle',
      source: PHONE_SOURCE,
      filter: ['==', ['get', 'kind'], 'me'],
      paint: {
        'circle-radius': 8,
        'circle-color': '#1677ff',
        'circle-stroke-color': '#fff',
        'circle-stroke-width': 3,
      },
    });
  }
}

/** Replaces what the phone draws; returns the box to show (route, target and phone), if any. */
export function drawPhone(
  map: MapLibreMap,
  me: Point | null,
  target: (Point & { incident: boolean }) | null,
  route: readonly (readonly [number, number])[] | null,
): [number, number, number, number] | null {
  const features: GeoJSON.Feature[] = [];
  if (route && route.length > 1) {
    features.push({
      type: 'Feature',
      properties: { kind: 'route' },
      geometry: { type: 'LineString', coordinates: route.map(([x, y]) => [x, y]) },
    });
  }
  if (target) {
    features.push({
      type: 'Feature',
      properties: { kind: 'target', incident: target.incident },
      geometry: { type: 'Point', coordinates: [target.lon, target.lat] },
    });
  }
  if (me) {
    features.push({
      type: 'Feature',
      properties: { kind: 'me' },
      geometry: { type: 'Point', coordinates: [me.lon, me.lat] },
    });
  }
  (map.getSource(PHONE_SOURCE) as GeoJSONSource | undefined)?.setData({
    type: 'FeatureCollection',
    features,
  });
  const points: [number, number][] = [
    ...(route ?? []).map(([x, y]) => [x, y] as [number, number]),
    ...(target ? [[target.lon, target.lat] as [number, number]] : []),
    ...(me ? [[me.lon, me.lat] as [number, number]] : []),
  ];
  if (points.length === 0) return null;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
