import type { ExpressionSpecification, GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type {
  Checkpoint,
  ClosurePlan,
  InterceptResult,
  Ring,
  RingAnalysis,
  RingGeometry,
} from '../../api/perimeter';
import { KIND_COLORS } from './presentation';

/** Sources the perimeter page adds on top of the city map (browser tests read them by these ids). */
export const PERIMETER_SOURCES = {
  ring: 'perimeter-ring',
  crossings: 'perimeter-crossings',
  cut: 'perimeter-cut',
  checkpoints: 'perimeter-checkpoints',
  routes: 'perimeter-routes',
  interceptRoutes: 'perimeter-intercept-routes',
  units: 'perimeter-units',
  draft: 'perimeter-draft',
  isochrone: 'perimeter-isochrone',
  scene: 'perimeter-scene',
  corridor: 'perimeter-corridor',
} as const;

export const PERIMETER_LAYERS = {
  isochroneFill: 'perimeter-isochrone-fill',
  isochroneLine: 'perimeter-isochrone-line',
  corridorFill: 'perimeter-corridor-fill',
  corridorLine: 'perimeter-corridor-line',
  ringFill: 'perimeter-ring-fill',
  ringLine: 'perimeter-ring-line',
  routes: 'perimeter-routes',
  routeArrows: 'perimeter-route-arrows',
  interceptRoutes: 'perimeter-intercept-routes',
  interceptRouteArrows: 'perimeter-intercept-route-arrows',
  cut: 'perimeter-cut',
  crossings: 'perimeter-crossings',
  checkpoints: 'perimeter-checkpoints',
  units: 'perimeter-units',
  draftFill: 'perimeter-draft-fill',
  draftLine: 'perimeter-draft-line',
  draftPoints: 'perimeter-draft-points',
  scene: 'perimeter-scene',
} as const;

export const COLORS = {
  ring: '#1668dc',
  gap: '#cf1322',
  covered: '#389e0d',
  cut: '#d4380d',
  route: '#fa541c',
  routeArrived: '#389e0d',
  routeLate: '#a8071a',
  unit: '#fa8c16',
  draft: '#eb2f96',
  isochrone: '#722ed1',
  corridor: '#d4380d',
  scene: '#141414',
} as const;

const ARROW_ICON = 'perimeter-arrow';

type Geometry =
  | { type: 'Point'; coordinates: number[] }
  | { type: 'LineString'; coordinates: number[][] }
  | RingGeometry;
type Feature = { type: 'Feature'; properties: Record<string, string | number | boolean>; geometry: Geometry };
type Collection = { type: 'FeatureCollection'; features: Feature[] };

const collection = (features: Feature[]): Collection => ({ type: 'FeatureCollection', features });
const EMPTY = collection([]);

function point(lon: number, lat: number, properties: Feature['properties']): Feature {
  return { type: 'Feature', properties, geometry: { type: 'Point', coordinates: [lon, lat] } };
}

/** A right-pointing triangle, drawn once as an SDF icon; line placement turns it along the line. */
function arrowIcon(): { width: number; height: number; data: Uint8Array } {
  const size = 24;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - 5;
      const dy = Math.abs(y + 0.5 - size / 2);
      const inside = dx >= 0 && dx <= 14 && dy <= (14 - dx) * 0.5;
      const o = (y * size + x) * 4;
      data[o] = 255;
      data[o + 1] = 255;
      data[o + 2] = 255;
      data[o + 3] = inside ? 255 : 0;
    }
  }
  return { width: size, height: size, data };
}

function kindColor(): ExpressionSpecification {
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(KIND_COLORS)) pairs.push(k, v);
  return ['match', ['get', 'kind'], ...pairs, '#595959'] as unknown as ExpressionSpecification;
}

const routeColor: ExpressionSpecification = [
  'match',
  ['get', 'state'],
  'arrived',
  COLORS.routeArrived,
  'late',
  COLORS.routeLate,
  COLORS.route,
];

/** Adds the page's sources and layers (idempotent: a style reload calls it again). */
export function installPerimeterLayers(map: MapLibreMap): void {
  for (const id of Object.values(PERIMETER_SOURCES)) {
    if (!map.getSource(id)) map.addSource(id, { type: 'geojson', data: EMPTY });
  }
  if (!map.hasImage(ARROW_ICON)) map.addImage(ARROW_ICON, arrowIcon(), { sdf: true });
  const add = (layer: Parameters<MapLibreMap['addLayer']>[0]) => {
    if (!map.getLayer(layer.id)) map.addLayer(layer);
  };
  add({
    id: PERIMETER_LAYERS.isochroneFill,
    type: 'fill',
    source: PERIMETER_SOURCES.isochrone,
    paint: { 'fill-color': COLORS.isochrone, 'fill-opacity': 0.16 },
  });
  add({
    id: PERIMETER_LAYERS.isochroneLine,
    type: 'line',
    source: PERIMETER_SOURCES.isochrone,
    paint: { 'line-color': COLORS.isochrone, 'line-width': 1.5, 'line-dasharray': [3, 2] },
  });
  // The corridor the minimum cut may fall in: its two edges dashed, the band lightly shaded.
  add({
    id: PERIMETER_LAYERS.corridorFill,
    type: 'fill',
    source: PERIMETER_SOURCES.corridor,
    filter: ['==', ['get', 'edge'], 'outer'],
    paint: { 'fill-color': COLORS.corridor, 'fill-opacity': 0.06 },
  });
  add({
    id: PERIMETER_LAYERS.corridorLine,
    type: 'line',
    source: PERIMETER_SOURCES.corridor,
    paint: {
      'line-color': COLORS.corridor,
      'line-width': 1.5,
      'line-opacity': 0.7,
      'line-dasharray': [4, 3],
    },
  });
  add({
    id: PERIMETER_LAYERS.ringFill,
    type: 'fill',
    source: PERIMETER_SOURCES.ring,
    paint: { 'fill-color': COLORS.ring, 'fill-opacity': 0.05 },
  });
  add({
    id: PERIMETER_LAYERS.ringLine,
    type: 'line',
    source: PERIMETER_SOURCES.ring,
    paint: { 'line-color': COLORS.ring, 'line-width': 3, 'line-opacity': 0.85 },
  });
  add({
    id: PERIMETER_LAYERS.routes,
    type: 'line',
    source: PERIMETER_SOURCES.routes,
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': routeColor, 'line-width': 3, 'line-dasharray': [2, 1.5] },
  });
  add({
    id: PERIMETER_LAYERS.routeArrows,
    type: 'symbol',
    source: PERIMETER_SOURCES.routes,
    layout: {
      'symbol-placement': 'line',
      'symbol-spacing': 80,
      'icon-image': ARROW_ICON,
      'icon-size': 0.9,
      'icon-allow-overlap': true,
      'icon-ignore-placement': true,
    },
    paint: { 'icon-color': routeColor },
  });
  // The interception advisor's nearest unit to each checkpoint to man, along its road.
  add({
    id: PERIMETER_LAYERS.interceptRoutes,
    type: 'line',
    source: PERIMETER_SOURCES.interceptRoutes,
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': routeColor, 'line-width': 3, 'line-opacity': 0.85 },
  });
  add({
    id: PERIMETER_LAYERS.interceptRouteArrows,
    type: 'symbol',
    source: PERIMETER_SOURCES.interceptRoutes,
    layout: {
      'symbol-placement': 'line',
      'symbol-spacing': 80,
      'icon-image': ARROW_ICON,
      'icon-size': 0.9,
      'icon-allow-overlap': true,
      'icon-ignore-placement': true,
    },
    paint: { 'icon-color': routeColor },
  });
  add({
    id: PERIMETER_LAYERS.cut,
    type: 'circle',
    source: PERIMETER_SOURCES.cut,
    paint: {
      'circle-color': COLORS.cut,
      'circle-opacity': 0.25,
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 9, 16, 18],
      'circle-stroke-color': COLORS.cut,
      'circle-stroke-width': 2.5,
    },
  });
  add({
    id: PERIMETER_LAYERS.crossings,
    type: 'circle',
    source: PERIMETER_SOURCES.crossings,
    paint: {
      'circle-color': ['case', ['get', 'covered'], COLORS.covered, COLORS.gap],
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 3.5, 16, 7],
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1.2,
    },
  });
  add({
    id: PERIMETER_LAYERS.checkpoints,
    type: 'circle',
    source: PERIMETER_SOURCES.checkpoints,
    paint: {
      'circle-color': kindColor(),
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 6, 16, 11],
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 2.5,
    },
  });
  add({
    id: PERIMETER_LAYERS.units,
    type: 'circle',
    source: PERIMETER_SOURCES.units,
    paint: {
      'circle-color': COLORS.unit,
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 5, 16, 8],
      'circle-stroke-color': '#1f1f1f',
      'circle-stroke-width': 1.5,
    },
  });
  add({
    id: PERIMETER_LAYERS.draftFill,
    type: 'fill',
    source: PERIMETER_SOURCES.draft,
    filter: ['==', ['geometry-type'], 'Polygon'],
    paint: { 'fill-color': COLORS.draft, 'fill-opacity': 0.1 },
  });
  add({
    id: PERIMETER_LAYERS.draftLine,
    type: 'line',
    source: PERIMETER_SOURCES.draft,
    filter: ['!=', ['geometry-type'], 'Point'],
    paint: { 'line-color': COLORS.draft, 'line-width': 2, 'line-dasharray': [2, 1] },
  });
  add({
    id: PERIMETER_LAYERS.draftPoints,
    type: 'circle',
    source: PERIMETER_SOURCES.draft,
    filter: ['==', ['geometry-type'], 'Point'],
    paint: {
      'circle-color': '#ffffff',
      'circle-radius': 4,
      'circle-stroke-color': COLORS.draft,
      'circle-stroke-width': 2,
    },
  });
  add({
    id: PERIMETER_LAYERS.scene,
    type: 'circle',
    source: PERIMETER_SOURCES.scene,
    paint: {
      'circle-color': COLORS.scene,
      'circle-radius': 7,
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 2.5,
    },
  });
}

function set(map: MapLibreMap, source: string, data: Collection): void {
  map.getSource<GeoJSONSource>(source)?.setData(data);
}

/** The selected ring, its crossings, minimum cut and checkpoints. */
export function setRingData(
  map: MapLibreMap,
  ring: Ring | null,
  analysis: RingAnalysis | null,
  checkpoints: readonly Checkpoint[],
  showCut: boolean,
  /** The minimum cut to draw (computed in a corridor or not); undefined: the analysis's own. */
  minimumCut: RingAnalysis['minimumCut'] | null = analysis?.minimumCut ?? null,
): void {
  set(
    map,
    PERIMETER_SOURCES.ring,
    ring ? collection([{ type: 'Feature', properties: { id: ring.id }, geometry: ring.geometry }]) : EMPTY,
  );
  set(
    map,
    PERIMETER_SOURCES.crossings,
    collection(
      (analysis?.crossingList ?? [])
        .filter((c) => c.inbound)
        .map((c) =>
          point(c.lon, c.lat, {
            key: `${c.outsideOsmNode}-${c.insideOsmNode}`,
            covered: c.coveredInbound,
            name: c.name ?? '',
            highway: c.highway,
          }),
        ),
    ),
  );
  const corridor = showCut ? minimumCut?.corridor : null;
  set(
    map,
    PERIMETER_SOURCES.corridor,
    corridor
      ? collection([
          { type: 'Feature', properties: { edge: 'outer' }, geometry: corridor.outer as RingGeometry },
          { type: 'Feature', properties: { edge: 'inner' }, geometry: corridor.inner as RingGeometry },
        ])
      : EMPTY,
  );
  set(
    map,
    PERIMETER_SOURCES.cut,
    collection(
      showCut && minimumCut
        ? minimumCut.cut.map((s) =>
            point(s.lon, s.lat, { key: `${s.fromOsmNode}-${s.toOsmNode}`, name: s.name ?? '', cost: s.cost }),
          )
        : [],
    ),
  );
  const placed: Feature[] = [];
  for (const c of checkpoints) {
    if (c.lon === null || c.lat === null) continue;
    placed.push(point(c.lon, c.lat, { id: c.id, name: c.name, kind: c.kind }));
  }
  set(map, PERIMETER_SOURCES.checkpoints, collection(placed));
}

/** Where a unit of the plan is now (from the live unit board). */
export type UnitPosition = { lon: number; lat: number };

/** The state of one assignment, as the table and the map colour it. */
export function assignmentState(
  a: ClosurePlan['assignments'][number],
): 'arrived' | 'late' | 'enRoute' | 'unassigned' {
  if (a.status === 'arrived') return 'arrived';
  if (a.status === 'unassigned' || a.unitId === null) return 'unassigned';
  return a.holdableWithin10Min ? 'enRoute' : 'late';
}

/**
 * The line a unit on its way is drawn along: the road the server routed it on (from where it was
 * when the plan was read; the plan is reread whenever one of its units moves), or a straight line
 * when there is no road route (off the road, or a plan read before routes existed).
 */
export function assignmentLine(
  a: ClosurePlan['assignments'][number],
  at: UnitPosition,
): { coordinates: number[][]; road: boolean } {
  if (a.route && a.route.geometry.coordinates.length >= 2)
    return { coordinates: a.route.geometry.coordinates, road: true };
  return {
    coordinates: [
      [at.lon, at.lat],
      [a.lon as number, a.lat as number],
    ],
    road: false,
  };
}

/** The vertex halfway along a line by length (where an ETA label sits). */
export function halfway(coordinates: readonly number[][]): [number, number] {
  const step = (i: number) =>
    Math.hypot(
      (coordinates[i + 1][0] - coordinates[i][0]) * Math.cos((coordinates[i][1] * Math.PI) / 180),
      coordinates[i + 1][1] - coordinates[i][1],
    );
  let total = 0;
  for (let i = 0; i + 1 < coordinates.length; i++) total += step(i);
  let run = 0;
  for (let i = 0; i + 1 < coordinates.length; i++) {
    const d = step(i);
    if (run + d >= total / 2 && d > 0) {
      const f = (total / 2 - run) / d;
      return [
        coordinates[i][0] + f * (coordinates[i + 1][0] - coordinates[i][0]),
        coordinates[i][1] + f * (coordinates[i + 1][1] - coordinates[i][1]),
      ];
    }
    run += d;
  }
  return [coordinates[0][0], coordinates[0][1]];
}

/** Each assigned unit's road (with arrows) to its checkpoint while the plan is active. */
export function setPlanData(
  map: MapLibreMap,
  plan: ClosurePlan | null,
  positions: ReadonlyMap<string, UnitPosition>,
): void {
  const routes: Feature[] = [];
  const units: Feature[] = [];
  if (plan && plan.status === 'active') {
    for (const a of plan.assignments) {
      if (!a.unitId || a.lon === null || a.lat === null) continue;
      const at = positions.get(a.unitId);
      if (!at) continue;
      const state = assignmentState(a);
      units.push(point(at.lon, at.lat, { unitId: a.unitId, callSign: a.callSign ?? '', state }));
      if (state === 'arrived') continue;
      const line = assignmentLine(a, at);
      routes.push({
        type: 'Feature',
        properties: {
          checkpointId: a.checkpointId,
          unitId: a.unitId,
          callSign: a.callSign ?? '',
          etaSeconds: a.etaSeconds ?? -1,
          state,
          road: line.road,
          vertices: line.coordinates.length,
        },
        geometry: { type: 'LineString', coordinates: line.coordinates },
      });
    }
  }
  set(map, PERIMETER_SOURCES.routes, collection(routes));
  set(map, PERIMETER_SOURCES.units, collection(units));
}

/** The polygon being drawn: its vertices, the outline so far and (from 3 points) the area. */
export function setDraftData(map: MapLibreMap, points: readonly [number, number][]): void {
  const features: Feature[] = points.map(([lon, lat], i) => point(lon, lat, { index: i }));
  if (points.length >= 2) {
    features.push({
      type: 'Feature',
      properties: {},
      geometry: { type: 'LineString', coordinates: [...points, ...(points.length >= 3 ? [points[0]] : [])] },
    });
  }
  if (points.length >= 3) {
    features.push({
      type: 'Feature',
      properties: {},
      geometry: { type: 'Polygon', coordinates: [[...points, points[0]]] },
    });
  }
  set(map, PERIMETER_SOURCES.draft, collection(features));
}

export function setInterceptData(
  map: MapLibreMap,
  result: InterceptResult | null,
  scene: { lon: number; lat: number } | null,
): void {
  set(
    map,
    PERIMETER_SOURCES.isochrone,
    result?.isochrone
      ? collection([{ type: 'Feature', properties: { minutes: result.minutes }, geometry: result.isochrone }])
      : EMPTY,
  );
  const at = result?.scene ?? scene;
  set(map, PERIMETER_SOURCES.scene, at ? collection([point(at.lon, at.lat, {})]) : EMPTY);
  // The nearest unit's road to each checkpoint to man: plain when it beats the vehicle, dark red when not.
  const routes: Feature[] = [];
  for (const c of result?.activateNow ?? []) {
    const route = c.nearestUnit?.route;
    if (!c.nearestUnit || !route) continue;
    routes.push({
      type: 'Feature',
      properties: {
        checkpointId: c.checkpointId,
        unitId: c.nearestUnit.unitId,
        callSign: c.nearestUnit.callSign,
        etaSeconds: c.nearestUnit.etaSeconds ?? -1,
        state: c.unitBeatsVehicle ? 'enRoute' : 'late',
        road: true,
        vertices: route.geometry.coordinates.length,
      },
      geometry: { type: 'LineString', coordinates: route.geometry.coordinates },
    });
  }
  set(map, PERIMETER_SOURCES.interceptRoutes, collection(routes));
}
