/**
 * The heavy half of the patrol module: units of a city (built once per graph and kept), incidents
 * located in them, hot-spot ranking and the rolling-window evaluation, all core code. It runs on a
 * worker-pool thread for the server (jobs.ts) and inline for the CLI; what goes in and out is
 * plain data (typed arrays for incident columns).
 */
import { evaluateModels } from '@citywatch/core/patrol/evaluate';
import {
  DEFAULT_MODEL_PARAMS,
  type LocatedIncidents,
  type ModelContext,
  type ModelName,
  type ModelParams,
  modelsFor,
  SegmentNetwork,
} from '@citywatch/core/patrol/models';
import { rankHotspots } from '@citywatch/core/patrol/rank';
import type { PooledScore } from '@citywatch/core/patrol/scoring';
import type { StreetSegments } from '@citywatch/core/patrol/segments';
import {
  h3UnitsOfGraph,
  h3UnitsOfStudyArea,
  locateAll,
  parseUnitSpec,
  type SpatialUnits,
  segmentUnits,
  unitSpecName,
} from '@citywatch/core/patrol/units';
import type { RoadGraph } from '@citywatch/core/roads/graph';

/** A city as the analysis sees it: its graph (if any) and a place to keep what is built on it. */
export interface AnalysisCity {
  graph: RoadGraph | null;
  memo<T>(name: string, build: () => T): T;
}

/** A memo for one-off runs (the CLI): built things live as long as the object. */
export function localCity(graph: RoadGraph | null): AnalysisCity {
  const built = new Map<string, unknown>();
  return {
    graph,
    memo<T>(name: string, build: () => T): T {
      if (!built.has(name)) built.set(name, build());
      return built.get(name) as T;
    },
  };
}

export interface IncidentColumns {
  lon: Float64Array;
  lat: Float64Array;
  time: Float64Array;
}

type Units = SpatialUnits & { segments?: StreetSegments };

/**
 * The units of a city: H3 cells of its road nodes or its street segments (kept per graph); with no
 * graph, H3 cells of the incidents' study area (segments need a graph).
 */
export function unitsOf(city: AnalysisCity, unit: string, incidents: IncidentColumns): Units {
  const spec = parseUnitSpec(unit);
  const graph = city.graph;
  if (spec.kind === 'segment') {
    if (!graph) throw new RangeError('street segments need a road graph (--osm)');
    return city.memo('patrol.segments', () => segmentUnits(graph));
  }
  if (graph) return city.memo(`patrol.${unitSpecName(spec)}`, () => h3UnitsOfGraph(graph, spec.resolution));
  return h3UnitsOfStudyArea(incidents.lon, incidents.lat, spec.resolution);
}

function modelContext(
  city: AnalysisCity,
  units: Units,
  incidents: IncidentColumns,
  params: ModelParams,
): ModelContext {
  const located: LocatedIncidents = { ...incidents, unit: locateAll(units, incidents.lon, incidents.lat) };
  const ctx: ModelContext = { units, incidents: located, params };
  const graph = city.graph;
  const segments = units.segments;
  if (graph && segments) ctx.network = city.memo('patrol.network', () => new SegmentNetwork(graph, segments));
  return ctx;
}

export interface HotspotInput extends IncidentColumns {
  unit: string;
  model: ModelName;
  from: number;
  to: number;
  trainTo: number;
  trainDays: number;
  tz: string;
  coverage: number;
  limit: number;
  params?: Partial<ModelParams>;
}

export interface HotspotFeature {
  type: 'Feature';
  id: string;
  properties: {
    rank: number;
    unit: string;
    label: string | null;
    expected: number;
    density: number;
    trainCount: number;
    flagged: boolean;
    measure: number;
  };
  geometry: ReturnType<SpatialUnits['geometry']>;
}

export function hotspots(city: AnalysisCity, input: HotspotInput) {
  const started = performance.now();
  const units = unitsOf(city, input.unit, input);
  if (units.spec.kind === 'h3' && input.model === 'network_kde') {
    throw new RangeError('network_kde ranks street segments only');
  }
  const params = { ...DEFAULT_MODEL_PARAMS, ...input.params };
  const ctx = modelContext(city, units, input, params);
  const ranking = rankHotspots(ctx, input);
  const features: HotspotFeature[] = ranking.ranked.map((r) => ({
    type: 'Feature',
    id: units.id(r.unit),
    properties: {
      rank: r.rank,
      unit: units.id(r.unit),
      label: units.label(r.unit),
      expected: round(r.expected, 4),
      density: round(r.density, 4),
      trainCount: r.trainCount,
      flagged: r.flagged,
      measure: round(units.measure[r.unit], 4),
    },
    geometry: units.geometry(r.unit),
  }));
  return {
    features,
    units: units.count,
    measureUnit: units.measureUnit,
    totalMeasure: round(units.totalMeasure, 3),
    universe: units.universe,
    trainIncidents: ranking.trainIncidents,
    trainOutside: ranking.trainOutside,
    totalExpected: round(ranking.totalExpected, 3),
    flaggedUnits: ranking.flaggedUnits,
    flaggedMeasureShare: round(ranking.flaggedMeasureShare, 5),
    flaggedExpectedShare: round(ranking.flaggedExpectedShare, 5),
    params,
    computeMs: round(performance.now() - started, 1),
  };
}

export interface EvaluateInput extends IncidentColumns {
  unit: string;
  trainDays: number;
  testDays: number;
  windows: number;
  /** Coverages as the user wrote them (`0.10` stays `0.10` in the keys). */
  coverages: readonly string[];
  models?: readonly ModelName[];
  tz: string;
  params?: Partial<ModelParams>;
}

/** Figures of one model: `hit_0.05`, `pai_0.05`, `pei_0.05`, `area_0.05` per coverage. */
export type ModelFigures = Record<string, number | null>;

export interface EvaluationOutput {
  unit: string;
  windows: number;
  incidents_tested: number;
  models: Record<string, ModelFigures>;
  windows_asked: number;
  train_days: number;
  test_days: number;
  test_period: { from: string | null; to: string | null };
  incidents_outside_units: number;
  area: { definition: string; units: number; total: number; measure: 'km2' | 'm' };
  params: ModelParams & { tz: string };
  scoring: string;
  compute_ms: Record<string, number>;
}

export function evaluate(city: AnalysisCity, input: EvaluateInput): EvaluationOutput {
  const units = unitsOf(city, input.unit, input);
  const params = { ...DEFAULT_MODEL_PARAMS, ...input.params };
  const models = (input.models ?? modelsFor(units)).filter((m) => modelsFor(units).includes(m));
  const ctx = modelContext(city, units, input, params);
  const coverages = input.coverages.map(Number);
  const result = evaluateModels(units, ctx.incidents, {
    trainDays: input.trainDays,
    testDays: input.testDays,
    windows: input.windows,
    coverages,
    models,
    tz: input.tz,
    params,
    graph: city.graph ?? undefined,
    segments: units.segments,
  });
  const figures: Record<string, ModelFigures> = {};
  for (const model of models) {
    const pooled = result.models[model] ?? [];
    const out: ModelFigures = {};
    input.coverages.forEach((label, i) => {
      const s: PooledScore | undefined = pooled[i];
      out[`hit_${label}`] = nullableRound(s?.hitRate, 4);
      out[`pai_${label}`] = nullableRound(s?.pai, 3);
      out[`pei_${label}`] = nullableRound(s?.pei, 4);
      out[`area_${label}`] = nullableRound(s?.areaShare, 5);
    });
    figures[model] = out;
  }
  const w = result.windows;
  return {
    unit: unitSpecName(units.spec),
    windows: w.length,
    incidents_tested: result.incidentsTested,
    models: figures,
    windows_asked: input.windows,
    train_days: input.trainDays,
    test_days: input.testDays,
    test_period: {
      from: w.length ? new Date(w[0].testFrom).toISOString() : null,
      to: w.length ? new Date(w[w.length - 1].testTo).toISOString() : null,
    },
    incidents_outside_units: result.incidentsOutsideUnits,
    area: {
      definition: units.universe,
      units: units.count,
      total: round(units.totalMeasure, 3),
      measure: units.measureUnit,
    },
    params: { ...params, tz: input.tz },
    scoring:
      'NIJ RTCFC: hit = n/N; PAI = (n/N)/(a/A); PEI = n/n* (n*: fractional-knapsack best capture on the same area); pooled over windows; units ranked by expected density, never flagging more than the coverage',
    compute_ms: Object.fromEntries(Object.entries(result.modelMs).map(([k, v]) => [k, round(v ?? 0, 1)])),
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function nullableRound(x: number | null | undefined, digits: number): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : round(x, digits);
}
