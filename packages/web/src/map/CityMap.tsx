import 'maplibre-gl/dist/maplibre-gl.css';
import {
  type GeoJSONFeature,
  LngLatBounds,
  Map as MapLibreMap,
  type MapMouseEvent,
  NavigationControl,
  Popup,
  ScaleControl,
  setWorkerUrl,
} from 'maplibre-gl';
// The worker is a separate, self-contained file; maplibre looks for it next to its own module,
// which is not where the bundler puts it, so it is told the bundled asset's URL.
import maplibreWorkerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { type CSSProperties, type ReactNode, useEffect, useRef, useState } from 'react';
import { cityMapStyle, cityTileUrl, MAP_LAYERS, TILE_MIN_ZOOM } from './style';

setWorkerUrl(maplibreWorkerUrl);

declare global {
  interface Window {
    /** The page's map, for browser tests only (set when the browser is automated). */
    __citywatchMap?: MapLibreMap;
  }
}

export type Bounds = { minLon: number; minLat: number; maxLon: number; maxLat: number };

export type CityMapProps = {
  /** City whose tiles to show; undefined: the server's default city. */
  city: string | undefined;
  /** Fitted once the map is up (and again when they change). */
  bounds: Bounds | null;
  onReady?: (map: MapLibreMap) => void;
  onClick?: (lngLat: { lon: number; lat: number }) => void;
  /** Text for the hover popup over a road (its properties from the tile), or null for none. */
  describeRoad?: (properties: GeoJSONFeature['properties']) => string | null;
  /** Shown instead of the map when WebGL cannot start. */
  fallback: ReactNode;
  style?: CSSProperties;
  children?: ReactNode;
};

/**
 * The offline city map: MapLibre GL over our own vector tiles. Street names are not drawn on the
 * canvas (that would need glyphs from somewhere); hovering a road shows its name instead.
 */
export function CityMap({
  city,
  bounds,
  onReady,
  onClick,
  describeRoad,
  fallback,
  style,
  children,
}: CityMapProps) {
  const container = useRef<HTMLDivElement>(null);
  const [map, setMap] = useState<MapLibreMap | null>(null);
  const [failed, setFailed] = useState(false);
  // Latest callbacks, read by the map's listeners without re-registering them.
  const callbacks = useRef({ onReady, onClick, describeRoad });
  callbacks.current = { onReady, onClick, describeRoad };

  // A new city means a new style and new tiles: the map is rebuilt rather than patched. The bounds
  // only seed the first view (the effect below fits them), so they are left out on purpose.
  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuilt per city only, see above
  useEffect(() => {
    if (!container.current) return;
    let created: MapLibreMap;
    try {
      created = new MapLibreMap({
        container: container.current,
        style: cityMapStyle({ tileUrl: cityTileUrl(city) }),
        center: bounds ? [(bounds.minLon + bounds.maxLon) / 2, (bounds.minLat + bounds.maxLat) / 2] : [0, 0],
        zoom: 12,
        minZoom: TILE_MIN_ZOOM - 1,
        maxZoom: 19,
        attributionControl: { compact: false },
        maplibreLogo: false,
        dragRotate: false,
        pitchWithRotate: false,
      });
    } catch {
      setFailed(true);
      return;
    }
    created.addControl(new NavigationControl({ showCompass: false }), 'top-right');
    created.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-right');
    created.touchZoomRotate.disableRotation();

    const hover = new Popup({
      closeButton: false,
      closeOnClick: false,
      className: 'cw-road-popup',
      offset: 8,
    });
    created.on('mousemove', MAP_LAYERS.roads, (e) => {
      const text = callbacks.current.describeRoad?.(e.features?.[0]?.properties ?? {});
      created.getCanvas().style.cursor = 'pointer';
      if (text) hover.setLngLat(e.lngLat).setText(text).addTo(created);
      else hover.remove();
    });
    created.on('mouseleave', MAP_LAYERS.roads, () => {
      created.getCanvas().style.cursor = '';
      hover.remove();
    });
    created.on('click', (e: MapMouseEvent) =>
      callbacks.current.onClick?.({ lon: e.lngLat.lng, lat: e.lngLat.lat }),
    );
    created.on('load', () => callbacks.current.onReady?.(created));

    if (navigator.webdriver) window.__citywatchMap = created;
    setMap(created);
    return () => {
      hover.remove();
      if (window.__citywatchMap === created) window.__citywatchMap = undefined;
      created.remove();
      setMap(null);
    };
  }, [city]);

  useEffect(() => {
    if (!map || !bounds) return;
    map.fitBounds(new LngLatBounds([bounds.minLon, bounds.minLat], [bounds.maxLon, bounds.maxLat]), {
      padding: 24,
      animate: false,
    });
  }, [map, bounds]);

  if (failed) return <>{fallback}</>;
  return (
    <div style={{ position: 'relative', overflow: 'hidden', ...style }}>
      <div ref={container} style={{ position: 'absolute', inset: 0 }} data-testid="city-map" />
      {children}
    </div>
  );
}
