import type { ExpressionSpecification, GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { CoverageLayer } from '../../api/coverage';
import { MAP_LAYERS } from '../../map/style';
import { BAND_COLORS } from './presentation';

/** The source and layers the coverage page adds on top of the city map. */
export const COVERAGE_SOURCE = 'coverage-bands';
export const COVERAGE_LAYERS = { casing: 'coverage-bands-casing', bands: 'coverage-bands' } as const;

/** Wider than most road fills, so a covered road shows its band rather than its class colour. */
const width = (scale: number, add: number): ExpressionSpecification => [
  'interpolate',
  ['exponential', 1.5],
  ['zoom'],
  11,
  2.5 * scale + add,
  14,
  6 * scale + add,
  17,
  12 * scale + add,
];

const band: ExpressionSpecification = ['to-number', ['get', 'band'], 0];

/** Adds the banded road layer over the roads, under the jurisdiction borders (idempotent). */
export function installCoverageLayers(map: MapLibreMap): void {
  if (!map.getSource(COVERAGE_SOURCE)) {
    map.addSource(COVERAGE_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  }
  const before = map.getLayer(MAP_LAYERS.jurisdictionsLine) ? MAP_LAYERS.jurisdictionsLine : undefined;
  // A thin dark edge: the 5-minute yellow is then told apart from the basemap's yellow main roads,
  // which keep their own colour where they are not covered.
  if (!map.getLayer(COVERAGE_LAYERS.casing)) {
    map.addLayer(
      {
        id: COVERAGE_LAYERS.casing,
        type: 'line',
        source: COVERAGE_SOURCE,
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': '#595959', 'line-width': width(1, 1.6) },
      },
      before,
    );
  }
  if (!map.getLayer(COVERAGE_LAYERS.bands)) {
    map.addLayer(
      {
        id: COVERAGE_LAYERS.bands,
        type: 'line',
        source: COVERAGE_SOURCE,
        // The shortest time on top.
        layout: { 'line-cap': 'round', 'line-join': 'round', 'line-sort-key': ['-', 0, band] },
        paint: {
          'line-color': ['step', band, BAND_COLORS[60], 61, BAND_COLORS[180], 181, BAND_COLORS[300]],
          'line-width': width(1, 0),
        },
      },
      before,
    );
  }
}

export function setCoverageLayer(map: MapLibreMap, layer: CoverageLayer): void {
  map.getSource<GeoJSONSource>(COVERAGE_SOURCE)?.setData(layer);
}
