import { useQuery } from '@tanstack/react-query';
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import { useEffect } from 'react';
import { type RouteMotion, roadsQueries } from '../../api/roads';
import { DISPATCH_LAYERS } from './mapLayers';

/** The recommended unit's road route to the incident: where it is, and the incident it is for. */
export interface RouteEnds {
  incidentId: string;
  unitId: string;
  from: [number, number];
  to: [number, number];
  /** The unit's heading and speed when it is moving: its ETA was timed that way round. */
  motion: RouteMotion | null;
}

const SOURCE = 'dispatch-recommended-route';
const LAYER = 'dispatch-recommended-route';
const EMPTY = { type: 'FeatureCollection' as const, features: [] };

/**
 * Draws the route (GET /api/roads/route: real streets, turn restrictions obeyed) under the unit
 * and incident symbols; nothing while no incident with a recommendation is open.
 */
export function useRecommendedRoute(
  map: MapLibreMap | null,
  city: string | undefined,
  ends: RouteEnds | null,
) {
  const route = useQuery({
    ...roadsQueries.route(ends?.from ?? [0, 0], ends?.to ?? [0, 0], city, ends?.motion ?? null),
    enabled: ends !== null,
  });
  const data = ends !== null ? route.data : undefined;
  useEffect(() => {
    if (!map) return;
    if (!map.getSource(SOURCE)) {
      map.addSource(SOURCE, { type: 'geojson', data: EMPTY });
      map.addLayer(
        {
          id: LAYER,
          type: 'line',
          source: SOURCE,
          layout: { 'line-cap': 'round', 'line-join': 'round' },
          paint: { 'line-color': '#1677ff', 'line-width': 5, 'line-opacity': 0.8 },
        },
        map.getLayer(DISPATCH_LAYERS.incidentsHalo) ? DISPATCH_LAYERS.incidentsHalo : undefined,
      );
    }
    (map.getSource(SOURCE) as GeoJSONSource).setData(data ?? EMPTY);
  }, [map, data]);
  return data;
}
