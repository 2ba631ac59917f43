/**
 * Hot spots for a coming time window: a model's expected incidents per unit over the window, the
 * units ranked by expected density, and which of them a coverage budget would flag.
 */
import { inPeriod, type ModelContext, type ModelName, modelRate } from './models';
import { incidentSlots, windowShares, windowSlots } from './profile';
import { flaggedUnits, rankByDensity } from './scoring';

const DAY_MS = 86_400_000;

export interface HotspotRequest {
  model: ModelName;
  /** The window the forecast is for. */
  from: number;
  to: number;
  /** Training: the `trainDays` days before `trainTo` (usually the window's start, or now). */
  trainTo: number;
  trainDays: number;
  tz: string;
  /** Share of the measure to flag. */
  coverage: number;
  /** Units to return, best first. */
  limit: number;
}

export interface RankedUnit {
  unit: number;
  rank: number;
  expected: number;
  /** Expected per km² (H3) or per km of street (segments). */
  density: number;
  /** Training incidents in the unit. */
  trainCount: number;
  /** Within the coverage budget. */
  flagged: boolean;
}

export interface HotspotRanking {
  ranked: RankedUnit[];
  trainIncidents: number;
  /** Training incidents in no unit. */
  trainOutside: number;
  /** Expected incidents over all units in the window. */
  totalExpected: number;
  flaggedUnits: number;
  /** Share of the measure the flagged units use, and their share of the expected incidents. */
  flaggedMeasureShare: number;
  flaggedExpectedShare: number;
}

export function rankHotspots(ctx: ModelContext, request: HotspotRequest): HotspotRanking {
  const { units, incidents } = ctx;
  const trainFrom = request.trainTo - request.trainDays * DAY_MS;
  const train = inPeriod(incidents, trainFrom, request.trainTo);
  const rate = modelRate(request.model, ctx, train, trainFrom, request.trainTo);
  // The window's expectation: a week's worth times each unit's share of its week in the window.
  const slots = incidentSlots(request.tz, subset(incidents.time, train));
  const shares = windowShares(
    units.count,
    subsetInt(incidents.unit, train),
    slots,
    identity(train.length),
    windowSlots(request.tz, request.from, request.to),
  );
  const expected = new Float64Array(units.count);
  let total = 0;
  for (let u = 0; u < units.count; u++) {
    expected[u] = rate[u] * 7 * shares[u];
    total += expected[u];
  }
  const trainCount = new Float64Array(units.count);
  let outside = 0;
  for (let k = 0; k < train.length; k++) {
    const u = incidents.unit[train[k]];
    if (u >= 0) trainCount[u]++;
    else outside++;
  }
  const order = rankByDensity(expected, units.measure);
  const flagged = flaggedUnits(order, units.measure, units.totalMeasure, request.coverage);
  const inBudget = new Set(flagged.units);
  let flaggedExpected = 0;
  for (const u of flagged.units) flaggedExpected += expected[u];
  const perUnit = units.measureUnit === 'km2' ? 1 : 1000;
  const ranked: RankedUnit[] = [];
  for (let k = 0; k < Math.min(request.limit, order.length); k++) {
    const u = order[k];
    if (expected[u] <= 0) break;
    ranked.push({
      unit: u,
      rank: k + 1,
      expected: expected[u],
      density: units.measure[u] > 0 ? (expected[u] / units.measure[u]) * perUnit : 0,
      trainCount: trainCount[u],
      flagged: inBudget.has(u),
    });
  }
  return {
    ranked,
    trainIncidents: train.length,
    trainOutside: outside,
    totalExpected: total,
    flaggedUnits: flagged.units.length,
    flaggedMeasureShare: units.totalMeasure > 0 ? flagged.used / units.totalMeasure : 0,
    flaggedExpectedShare: total > 0 ? flaggedExpected / total : 0,
  };
}

function subset(values: Float64Array, which: Uint32Array): Float64Array {
  const out = new Float64Array(which.length);
  for (let k = 0; k < which.length; k++) out[k] = values[which[k]];
  return out;
}
function subsetInt(values: Int32Array, which: Uint32Array): Int32Array {
  const out = new Int32Array(which.length);
  for (let k = 0; k < which.length; k++) out[k] = values[which[k]];
  return out;
}
function identity(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
