import { z } from 'zod';

/**
 * The incident lifecycle: received → dispatched → en route → on scene → cleared → closed, with
 * cancelled, merged (into a duplicate) and diverted (handed to the 12345 hotline) as other ends.
 */
export const INCIDENT_STATUSES = [
  'received',
  'dispatched',
  'en_route',
  'on_scene',
  'cleared',
  'closed',
  'cancelled',
  'merged',
  'diverted',
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const incidentStatusSchema = z.enum(INCIDENT_STATUSES);

/** How dispatch rooms say each status (for messages; the web has its own translations). */
export const INCIDENT_STATUS_LABELS: Record<IncidentStatus, { zh: string; en: string }> = {
  received: { zh: '待派警', en: 'received' },
  dispatched: { zh: '已派警', en: 'dispatched' },
  en_route: { zh: '在途', en: 'en route' },
  on_scene: { zh: '到场', en: 'on scene' },
  cleared: { zh: '已处置', en: 'cleared' },
  closed: { zh: '已结案', en: 'closed' },
  cancelled: { zh: '已取消', en: 'cancelled' },
  merged: { zh: '已合并', en: 'merged' },
  diverted: { zh: '已转12345', en: 'diverted to 12345' },
};

const INCIDENT_TRANSITIONS: Record<IncidentStatus, readonly IncidentStatus[]> = {
  received: ['dispatched', 'cancelled', 'merged', 'diverted'],
  dispatched: ['en_route', 'on_scene', 'cancelled'],
  en_route: ['on_scene', 'cancelled'],
  on_scene: ['cleared'],
  cleared: ['closed'],
  closed: [],
  cancelled: [],
  merged: [],
  diverted: [],
};

export function canTransitionIncident(from: IncidentStatus, to: IncidentStatus): boolean {
  return INCIDENT_TRANSITIONS[from].includes(to);
}
export function nextIncidentStatuses(from: IncidentStatus): readonly IncidentStatus[] {
  return INCIDENT_TRANSITIONS[from];
}
export const OPEN_INCIDENT_STATUSES: readonly IncidentStatus[] = [
  'received',
  'dispatched',
  'en_route',
  'on_scene',
];

/** Units: available, dispatched, en route, on scene, out of service. */
export const UNIT_STATUSES = ['available', 'dispatched', 'en_route', 'on_scene', 'out_of_service'] as const;
export type UnitStatus = (typeof UNIT_STATUSES)[number];
export const unitStatusSchema = z.enum(UNIT_STATUSES);

export const UNIT_STATUS_LABELS: Record<UnitStatus, { zh: string; en: string }> = {
  available: { zh: '空闲', en: 'available' },
  dispatched: { zh: '已派出', en: 'dispatched' },
  en_route: { zh: '在途', en: 'en route' },
  on_scene: { zh: '到场处置', en: 'on scene' },
  out_of_service: { zh: '不在岗', en: 'out of service' },
};

const UNIT_TRANSITIONS: Record<UnitStatus, readonly UnitStatus[]> = {
  available: ['dispatched', 'out_of_service'],
  dispatched: ['en_route', 'on_scene', 'available'],
  en_route: ['on_scene', 'available'],
  on_scene: ['available'],
  out_of_service: ['available'],
};
export function canTransitionUnit(from: UnitStatus, to: UnitStatus): boolean {
  return UNIT_TRANSITIONS[from].includes(to);
}

export const UNIT_KINDS = [
  'patrol_car',
  'foot_patrol',
  'motorcycle',
  'traffic',
  'special_police',
  'checkpoint_team',
  'police_post',
] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof PRIORITIES)[number];

/**
 * People read incident numbers, not UUIDs: J + the Asia/Shanghai calendar day + a 4-digit daily
 * sequence, e.g. J20261122-0001.
 */
export function incidentNumber(receivedAt: Date, sequence: number, timeZone = 'Asia/Shanghai'): string {
  return `J${localDay(receivedAt, timeZone)}-${String(sequence).padStart(4, '0')}`;
}

/** YYYYMMDD of an instant in a time zone. */
export function localDay(at: Date, timeZone = 'Asia/Shanghai'): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}${get('month')}${get('day')}`;
}

/** Likely duplicates: same category within 300 m and 10 minutes of a new call. */
export const DUPLICATE_RADIUS_M = 300;
export const DUPLICATE_WINDOW_MS = 10 * 60_000;

export function isLikelyDuplicate(
  a: { category: string; lon: number; lat: number; receivedAt: Date },
  b: { category: string; lon: number; lat: number; receivedAt: Date },
  distanceM: (lon1: number, lat1: number, lon2: number, lat2: number) => number,
): boolean {
  return (
    a.category === b.category &&
    Math.abs(a.receivedAt.getTime() - b.receivedAt.getTime()) <= DUPLICATE_WINDOW_MS &&
    distanceM(a.lon, a.lat, b.lon, b.lat) <= DUPLICATE_RADIUS_M
  );
}
