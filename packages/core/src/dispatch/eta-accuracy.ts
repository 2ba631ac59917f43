/**
 * ETA accuracy (issue 16 item 5): how far the road time predicted when a unit was sent was from
 * the time it really took to report on scene. Error = actual − predicted, in seconds (positive:
 * the unit arrived later than promised); relative error = |error| / max(actual, 60 s). Grouped by hour of
 * day (local time of the dispatch) and by the road class of the final approach (the OSM highway
 * class of the edge the incident point snaps to: where routes differ most from the speed table,
 * at the last turns into a residential street, and known at dispatch time without unpacking the
 * route).
 */
import { z } from 'zod';
import { quantile } from './figures';

export interface EtaSample {
  predictedS: number;
  actualS: number;
  /** Hour of day of the dispatch, local time, 0–23. */
  hour: number;
  approachClass: string | null;
  profile: string;
}

export const etaErrorFiguresSchema = z.object({
  count: z.number().int(),
  /** Median of actual − predicted, seconds. */
  medianErrorS: z.number().nullable(),
  /** Mean absolute error, seconds. */
  maeS: z.number().nullable(),
  /** 10th and 90th percentile of actual − predicted, seconds. */
  p10ErrorS: z.number().nullable(),
  p90ErrorS: z.number().nullable(),
  /** Mean of |actual − predicted| / max(actual, RELATIVE_ERROR_FLOOR_S). */
  mape: z.number().nullable(),
});
export type EtaErrorFigures = z.infer<typeof etaErrorFiguresSchema>;

export const etaAccuracySchema = z.object({
  all: etaErrorFiguresSchema,
  byHour: z.array(etaErrorFiguresSchema.extend({ hour: z.number().int() })),
  byRoadClass: z.array(etaErrorFiguresSchema.extend({ roadClass: z.string() })),
  byProfile: z.array(etaErrorFiguresSchema.extend({ profile: z.string() })),
  /** Units sent in the period that have not reported on scene (no actual time yet). */
  awaitingArrival: z.number().int(),
});
export type EtaAccuracy = z.infer<typeof etaAccuracySchema>;

/**
 * The least actual time a relative error is taken against: an on-scene report seconds after the
 * dispatch (a unit already there, a button pressed early) would otherwise make one arrival's
 * relative error thousands of percent and the mean meaningless.
 */
export const RELATIVE_ERROR_FLOOR_S = 60;

export function etaErrorFigures(samples: readonly EtaSample[]): EtaErrorFigures {
  const errors = samples.map((s) => s.actualS - s.predictedS).sort((a, b) => a - b);
  const n = errors.length;
  const rel = samples.map(
    (s) => Math.abs(s.actualS - s.predictedS) / Math.max(s.actualS, RELATIVE_ERROR_FLOOR_S),
  );
  return {
    count: n,
    medianErrorS: quantile(errors, 0.5),
    maeS: n ? errors.reduce((a, e) => a + Math.abs(e), 0) / n : null,
    p10ErrorS: quantile(errors, 0.1),
    p90ErrorS: quantile(errors, 0.9),
    mape: rel.length ? rel.reduce((a, e) => a + e, 0) / rel.length : null,
  };
}

/** The error distribution overall, per hour of day (all 24), per approach road class and per profile. */
export function etaAccuracy(samples: readonly EtaSample[], awaitingArrival: number): EtaAccuracy {
  const group = <K>(key: (s: EtaSample) => K) => {
    const m = new Map<K, EtaSample[]>();
    for (const s of samples) {
      const k = key(s);
      const list = m.get(k);
      if (list) list.push(s);
      else m.set(k, [s]);
    }
    return m;
  };
  const hours = group((s) => s.hour);
  const classes = group((s) => s.approachClass ?? 'unknown');
  const profiles = group((s) => (s.profile.startsWith('learned:') ? 'learned' : s.profile));
  return {
    all: etaErrorFigures(samples),
    byHour: Array.from({ length: 24 }, (_, hour) => ({ hour, ...etaErrorFigures(hours.get(hour) ?? []) })),
    byRoadClass: [...classes]
      .map(([roadClass, list]) => ({ roadClass, ...etaErrorFigures(list) }))
      .sort((a, b) => b.count - a.count || a.roadClass.localeCompare(b.roadClass)),
    byProfile: [...profiles]
      .map(([profile, list]) => ({ profile, ...etaErrorFigures(list) }))
      .sort((a, b) => a.profile.localeCompare(b.profile)),
    awaitingArrival,
  };
}
