/**
 * How far in the future a device may stamp a position or a read (its clock ahead of ours) before
 * the message is refused: CITYWATCH_DEVICE_FUTURE_TOLERANCE_S, default 5 s. Refused rather than
 * clamped to now: a clamped fix would claim the unit stood there now, which nobody knows, and a
 * clock far ahead is a fault the operator must see (the refusals are counted on /metrics).
 */
export const DEFAULT_FUTURE_TOLERANCE_S = 5;

export function parseFutureToleranceMs(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_FUTURE_TOLERANCE_S * 1000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
    throw new Error(`CITYWATCH_DEVICE_FUTURE_TOLERANCE_S must be seconds between 0 and 3600, got ${value}`);
  }
  return seconds * 1000;
}

/** Read once at start: a bad value stops the server there, not at the first device message. */
export const FUTURE_TOLERANCE_MS = parseFutureToleranceMs(process.env.CITYWATCH_DEVICE_FUTURE_TOLERANCE_S);

/** Whether a device's timestamp lies beyond the tolerance ahead of `nowMs`. */
export function stampedInFuture(atMs: number, nowMs: number, toleranceMs = FUTURE_TOLERANCE_MS): boolean {
  return atMs > nowMs + toleranceMs;
}
