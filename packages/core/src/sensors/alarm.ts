import type { AlarmSeverity, AlarmStatus, SensorKind } from './schemas.js';

/**
 * ThingsBoard's alarm lifecycle: an alarm is active or cleared and, independently, acknowledged or
 * not; there is at most ONE alarm per originator and type that is not cleared — raising it again
 * updates that alarm (repeats, last time, severity) instead of making another. Clearing ends it; a
 * later raise opens a new one.
 */
export interface AlarmLife {
  status: AlarmStatus;
  severity: AlarmSeverity;
  repeats: number;
  escalated: boolean;
}

export function isActive(status: AlarmStatus): boolean {
  return status === 'active_unack' || status === 'active_ack';
}

export function isAcknowledged(status: AlarmStatus): boolean {
  return status === 'active_ack' || status === 'cleared_ack';
}

const RANK: Record<AlarmSeverity, number> = { critical: 4, major: 3, minor: 2, warning: 1, indeterminate: 0 };

/** The more severe of two severities. */
export function maxSeverity(a: AlarmSeverity, b: AlarmSeverity): AlarmSeverity {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Raising an alarm that exists and is active: one more repeat, severity the higher of the two. */
export function raiseAgain(alarm: AlarmLife, severity: AlarmSeverity): AlarmLife {
  return { ...alarm, repeats: alarm.repeats + 1, severity: maxSeverity(alarm.severity, severity) };
}

/** Acknowledging keeps it active or cleared; null when it already was acknowledged. */
export function acknowledge(status: AlarmStatus): AlarmStatus | null {
  if (status === 'active_unack') return 'active_ack';
  if (status === 'cleared_unack') return 'cleared_ack';
  return null;
}

/** Clearing keeps whether it was acknowledged; null when it already was cleared. */
export function clear(status: AlarmStatus): AlarmStatus | null {
  if (status === 'active_unack') return 'cleared_unack';
  if (status === 'active_ack') return 'cleared_ack';
  return null;
}

/** Escalation one step up: a warning unanswered becomes minor, minor major, major critical. */
export function escalate(severity: AlarmSeverity): AlarmSeverity {
  if (severity === 'warning' || severity === 'indeterminate') return 'minor';
  if (severity === 'minor') return 'major';
  return 'critical';
}

/** Whether an active alarm, unacknowledged since `startedAtMs`, is due for escalation. */
export function dueForEscalation(
  alarm: { status: AlarmStatus; escalated: boolean; startedAtMs: number },
  nowMs: number,
  afterMs: number,
): boolean {
  return alarm.status === 'active_unack' && !alarm.escalated && nowMs - alarm.startedAtMs >= afterMs;
}

/** What a device event means, per kind: the alarm it raises (type, severity), or none. */
export function alarmForEvent(
  kind: SensorKind,
  event: string,
): { type: string; severity: AlarmSeverity } | null {
  if (event === 'tamper') return { type: 'tamper', severity: 'major' };
  if (kind === 'alarm_button' && event === 'press') return { type: 'alarm_button', severity: 'critical' };
  if (kind === 'smoke' && event === 'smoke') return { type: 'smoke', severity: 'critical' };
  if (kind === 'door' && event === 'forced') return { type: 'door_forced', severity: 'major' };
  if (kind === 'gate' && event === 'stuck') return { type: 'gate_stuck', severity: 'minor' };
  return null;
}

/** The severity of the offline alarm of a device of each kind (a camera's opens a fault ticket). */
export function offlineSeverity(kind: SensorKind): AlarmSeverity {
  return kind === 'alarm_button' || kind === 'smoke' ? 'major' : 'minor';
}
