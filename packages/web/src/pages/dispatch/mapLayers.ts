import type { ExpressionSpecification, GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { Incident, Unit } from '../../api/dispatch';
import { PRIORITY_COLORS, UNIT_COLORS } from './presentation';

/** Sources and layers the console adds on top of the city map. */
export const DISPATCH_SOURCES = { incidents: 'dispatch-incidents', units: 'dispatch-units' } as const;
export const DISPATCH_LAYERS = {
  incidentsHalo: 'dispatch-incidents-halo',
  incidents: 'dispatch-incidents',
  units: 'dispatch-units',
  unitsHeading: 'dispatch-units-heading',
} as const;
const HEADING_ICON = 'dispatch-unit-heading';

type Feature<P> = {
  type: 'Feature';
  id?: number;
  properties: P;
  geometry: { type: 'Point'; coordinates: [number, number] };
};
type Collection<P> = { type: 'FeatureCollection'; features: Feature<P>[] };

export type IncidentFeatureProps = {
  id: string;
  number: string;
  priority: string;
  status: string;
  selected: boolean;
};
export type UnitFeatureProps = {
  id: string;
  callSign: string;
  status: string;
  heading: number;
  hasHeading: boolean;
};

export function incidentsCollection(
  incidents: readonly Incident[],
  selectedId: string | null,
): Collection<IncidentFeatureProps> {
  return {
    type: 'FeatureCollection',
    features: incidents.map((i) => ({
      type: 'Feature',
      properties: {
        id: i.id,
        number: i.number,
        priority: i.priority,
        status: i.status,
        selected: i.id === selectedId,
      },
      geometry: { type: 'Point', coordinates: [i.lon, i.lat] },
    })),
  };
}

export function unitsCollection(units: readonly Unit[]): Collection<UnitFeatureProps> {
  const features: Feature<UnitFeatureProps>[] = [];
  for (const u of units) {
    if (u.lon === null || u.lat === null) continue;
    features.push({
      type: 'Feature',
      properties: {
        id: u.id,
        callSign: u.callSign,
        status: u.status,
        heading: u.heading ?? 0,
        hasHeading: u.heading !== null,
      },
      geometry: { type: 'Point', coordinates: [u.lon, u.lat] },
    });
  }
  return { type: 'FeatureCollection', features };
}

function matchColor(
  property: string,
  colors: Record<string, string>,
  fallback: string,
): ExpressionSpecification {
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(colors)) pairs.push(k, v);
  return ['match', ['get', property], ...pairs, fallback] as unknown as ExpressionSpecification;
}

/** An arrow pointing up (north) just outside the unit's dot, drawn once as an SDF icon and rotated. */
function headingIcon(): { width: number; height: number; data: Uint8Array } {
  const size = 40;
  const data = new Uint8Array(size * size * 4);
  const tipY = 1;
  const baseY = 11;
  const halfWidth = 6;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside =
        y >= tipY && y <= baseY && Math.abs(x + 0.5 - size / 2) <= ((y - tipY) / (baseY - tipY)) * halfWidth;
      const o = (y * size + x) * 4;
      data[o] = 255;
      data[o + 1] = 255;
      data[o + 2] = 255;
      data[o + 3] = inside ? 255 : 0;
    }
  }
  return { width: size, height: size, data };
}

/** Adds the console's sources and layers (idempotent: a style reload calls it again). */
export function installDispatchLayers(map: MapLibreMap): void {
  const empty = { type: 'FeatureCollection' as const, features: [] };
  if (!map.getSource(DISPATCH_SOURCES.incidents))
    map.addSource(DISPATCH_SOURCES.incidents, { type: 'geojson', data: empty });
  if (!map.getSource(DISPATCH_SOURCES.units))
    map.addSource(DISPATCH_SOURCES.units, { type: 'geojson', data: empty });
  if (!map.hasImage(HEADING_ICON)) map.addImage(HEADING_ICON, headingIcon(), { sdf: true });

  const priorityColor = matchColor('priority', PRIORITY_COLORS, '#8c8c8c');
  const unitColor = matchColor('status', UNIT_COLORS, '#8c8c8c');
  if (!map.getLayer(DISPATCH_LAYERS.incidentsHalo)) {
    map.addLayer({
      id: DISPATCH_LAYERS.incidentsHalo,
      type: 'circle',
      source: DISPATCH_SOURCES.incidents,
      paint: {
        'circle-color': priorityColor,
        'circle-opacity': ['case', ['get', 'selected'], 0.35, 0.18],
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 10, 16, 22],
      },
    });
  }
  if (!map.getLayer(DISPATCH_LAYERS.incidents)) {
    map.addLayer({
      id: DISPATCH_LAYERS.incidents,
      type: 'circle',
      source: DISPATCH_SOURCES.incidents,
      paint: {
        'circle-color': priorityColor,
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 5, 16, 9],
        'circle-stroke-color': ['case', ['get', 'selected'], '#141414', '#ffffff'],
        'circle-stroke-width': ['case', ['get', 'selected'], 3, 2],
      },
    });
  }
  if (!map.getLayer(DISPATCH_LAYERS.units)) {
    map.addLayer({
      id: DISPATCH_LAYERS.units,
      type: 'circle',
      source: DISPATCH_SOURCES.units,
      paint: {
        'circle-color': unitColor,
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 5, 16, 8],
        'circle-stroke-color': '#1f1f1f',
        'circle-stroke-width': 1.5,
      },
    });
  }
  if (!map.getLayer(DISPATCH_LAYERS.unitsHeading)) {
    map.addLayer({
      id: DISPATCH_LAYERS.unitsHeading,
      type: 'symbol',
      source: DISPATCH_SOURCES.units,
      filter: ['get', 'hasHeading'],
      layout: {
        'icon-image': HEADING_ICON,
        'icon-rotate': ['get', 'heading'],
        'icon-rotation-alignment': 'map',
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
      },
      paint: { 'icon-color': unitColor, 'icon-halo-color': '#1f1f1f', 'icon-halo-width': 1 },
    });
  }
}

export function setDispatchData(
  map: MapLibreMap,
  incidents: Collection<IncidentFeatureProps>,
  units: Collection<UnitFeatureProps>,
): void {
  map.getSource<GeoJSONSource>(DISPATCH_SOURCES.incidents)?.setData(incidents);
  map.getSource<GeoJSONSource>(DISPATCH_SOURCES.units)?.setData(units);
}
