/**
 * Time-of-day / day-of-week profiles: when in the week a unit's incidents happen, so a model's
 * weekly expectation can be cut down to a shift ("Friday 20:00–02:00").
 *
 * The week has 168 hour slots (Monday 00:00 first, in the city's time zone). The city's profile is
 * the share of all training incidents in each slot (Laplace-smoothed); a unit's profile is its own
 * shares shrunk toward the city's with the weight of `shrink` incidents, so a unit with three
 * incidents follows the city's rhythm and one with three hundred follows its own.
 */
import { hourOfWeek } from './time';

export const HOURS_PER_WEEK = 168;
const HOUR_MS = 3_600_000;

/** Hours of the window in each slot of the week (a window longer than a week counts slots twice). */
export function windowSlots(tz: string, from: number, to: number): Float64Array {
  const w = new Float64Array(HOURS_PER_WEEK);
  let t = from;
  while (t < to) {
    const next = Math.min(to, (Math.floor(t / HOUR_MS) + 1) * HOUR_MS);
    w[hourOfWeek(tz, t)] += (next - t) / HOUR_MS;
    t = next;
  }
  return w;
}

/** Hour-of-week slot of each incident. */
export function incidentSlots(tz: string, time: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(time.length);
  for (let i = 0; i < out.length; i++) out[i] = hourOfWeek(tz, time[i]);
  return out;
}

/**
 * The share of each unit's weekly incidents that falls in the window's slots (1 for a window of
 * exactly one week), from the training incidents `train`.
 */
export function windowShares(
  unitCount: number,
  unit: Int32Array,
  slot: Uint8Array,
  train: ArrayLike<number>,
  window: Float64Array,
  shrink = 20,
): Float64Array {
  const cityCounts = new Float64Array(HOURS_PER_WEEK).fill(1);
  let cityTotal = HOURS_PER_WEEK;
  const unitTotal = new Float64Array(unitCount);
  const unitInWindow = new Float64Array(unitCount);
  for (let k = 0; k < train.length; k++) {
    const i = train[k];
    const s = slot[i];
    cityCounts[s]++;
    cityTotal++;
    const u = unit[i];
    if (u < 0) continue;
    unitTotal[u]++;
    unitInWindow[u] += window[s];
  }
  let cityShare = 0;
  for (let s = 0; s < HOURS_PER_WEEK; s++) cityShare += (window[s] * cityCounts[s]) / cityTotal;
  const shares = new Float64Array(unitCount);
  for (let u = 0; u < unitCount; u++) {
    shares[u] = (unitInWindow[u] + shrink * cityShare) / (unitTotal[u] + shrink);
  }
  return shares;
}
