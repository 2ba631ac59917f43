/**
 * Rolling-window evaluation of hot-spot models: for each test window, every model is trained on
 * the `trainDays` days just before it and scored on the `testDays` days of the window (NIJ rules,
 * see scoring.ts). Windows are whole local days in the city's time zone, laid back to back so the
 * last one ends at the end of the last day that holds an incident; windows whose training period
 * would start before the first incident are dropped (and the answer says how many ran).
 */

import type { RoadGraph } from '../roads/graph';
import {
  countPerUnit,
  inPeriod,
  type LocatedIncidents,
  type ModelContext,
  type ModelName,
  type ModelParams,
  modelRate,
  SegmentNetwork,
} from './models';
import { type CoverageScore, type PooledScore, poolScores, scoreForecast } from './scoring';
import type { StreetSegments } from './segments';
import { addLocalDays, startOfLocalDay } from './time';
import type { SpatialUnits } from './units';

export interface EvaluationOptions {
  trainDays: number;
  testDays: number;
  windows: number;
  coverages: readonly number[];
  models: readonly ModelName[];
  tz: string;
  params: ModelParams;
  /** For network_kde on segments. */
  graph?: RoadGraph;
  segments?: StreetSegments;
}

export interface WindowRange {
  trainFrom: number;
  testFrom: number;
  testTo: number;
}

export interface EvaluationResult {
  windows: WindowRange[];
  /** Test incidents over all windows (N summed). */
  incidentsTested: number;
  /** Test incidents that fell in no unit (counted in N, capturable by no forecast). */
  incidentsOutsideUnits: number;
  /** Pooled figures per model and coverage (same order as `coverages`). */
  models: Partial<Record<ModelName, PooledScore[]>>;
  /** Milliseconds spent per model (training and ranking, all windows). */
  modelMs: Partial<Record<ModelName, number>>;
}

/** The windows that fit the data: back to back, ending with the last local day holding an incident. */
export function rollingWindows(
  time: ArrayLike<number>,
  options: Pick<EvaluationOptions, 'trainDays' | 'testDays' | 'windows' | 'tz'>,
): WindowRange[] {
  if (time.length === 0) return [];
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < time.length; i++) {
    if (time[i] < first) first = time[i];
    if (time[i] > last) last = time[i];
  }
  const tz = options.tz;
  const end = addLocalDays(tz, startOfLocalDay(tz, last), 1);
  const dataStart = startOfLocalDay(tz, first);
  const out: WindowRange[] = [];
  for (let k = options.windows - 1; k >= 0; k--) {
    const testTo = addLocalDays(tz, end, -k * options.testDays);
    const testFrom = addLocalDays(tz, testTo, -options.testDays);
    const trainFrom = addLocalDays(tz, testFrom, -options.trainDays);
    if (trainFrom < dataStart) continue;
    out.push({ trainFrom, testFrom, testTo });
  }
  return out;
}

/** Runs the evaluation: every model on every window, pooled. */
export function evaluateModels(
  units: SpatialUnits,
  incidents: LocatedIncidents,
  options: EvaluationOptions,
): EvaluationResult {
  const windows = rollingWindows(incidents.time, options);
  const ctx: ModelContext = { units, incidents, params: options.params };
  if (options.models.includes('network_kde')) {
    if (!options.graph || !options.segments)
      throw new RangeError('network_kde needs the graph and its segments');
    ctx.network = new SegmentNetwork(options.graph, options.segments);
  }
  const perModel = new Map<ModelName, CoverageScore[][]>(options.models.map((m) => [m, []]));
  const modelMs: Partial<Record<ModelName, number>> = {};
  let tested = 0;
  let outside = 0;
  for (const w of windows) {
    const train = inPeriod(incidents, w.trainFrom, w.testFrom);
    const test = inPeriod(incidents, w.testFrom, w.testTo);
    const observed = countPerUnit(units, incidents, test);
    tested += test.length;
    for (let k = 0; k < test.length; k++) if (incidents.unit[test[k]] < 0) outside++;
    const testDays = (w.testTo - w.testFrom) / 86_400_000;
    for (const model of options.models) {
      const started = performance.now();
      const rate = modelRate(model, ctx, train, w.trainFrom, w.testFrom);
      const expected = rate.map((r) => r * testDays);
      const scores = scoreForecast(
        expected,
        observed,
        units.measure,
        units.totalMeasure,
        test.length,
        options.coverages,
      );
      modelMs[model] = (modelMs[model] ?? 0) + performance.now() - started;
      perModel.get(model)?.push(scores);
    }
  }
  const models: EvaluationResult['models'] = {};
  for (const [model, byWindow] of perModel) {
    models[model] = options.coverages.map((_, c) => poolScores(byWindow.map((scores) => scores[c])));
  }
  return { windows, incidentsTested: tested, incidentsOutsideUnits: outside, models, modelMs };
}
