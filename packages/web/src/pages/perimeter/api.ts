import { api } from '../../api/client';

/** Ring levels, as the server's core/perimeter/ring.ts names them (kept here: that module pulls in turf). */
export const RING_LEVELS = ['city', 'core', 'district'] as const;
export type RingLevel = (typeof RING_LEVELS)[number];
export const CHECKPOINT_KINDS = ['station', 'post', 'camera'] as const;
export type CheckpointKind = (typeof CHECKPOINT_KINDS)[number];
export const CHECKPOINT_DIRECTIONS = ['both', 'inbound', 'outbound'] as const;
export type CheckpointDirections = (typeof CHECKPOINT_DIRECTIONS)[number];

export type Position = number[];
export type RingGeometry =
  | { type: 'Polygon'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] };

export type Ring = {
  id: string;
  cityId: string;
  name: string;
  level: RingLevel;
  geometry: RingGeometry;
  createdAt: string;
  updatedAt: string;
};

export type Checkpoint = {
  id: string;
  name: string;
  kind: CheckpointKind;
  cityId: string | null;
  orgId: string | null;
  ringId: string | null;
  lon: number | null;
  lat: number | null;
  segment: { fromOsmNode: number; toOsmNode: number } | null;
  directions: CheckpointDirections;
  equipment: string[];
  staffing: number;
  createdAt: string | null;
  snapDistanceM?: number;
};

export type Crossing = {
  wayOsmId: number;
  name: string | null;
  highway: string;
  outsideOsmNode: number;
  insideOsmNode: number;
  lon: number;
  lat: number;
  inbound: boolean;
  outbound: boolean;
  coveredInbound: boolean;
  coveredOutbound: boolean;
};

export type CutSegment = {
  fromOsmNode: number;
  toOsmNode: number;
  wayOsmId: number;
  name: string | null;
  highway: string;
  cost: number;
  lon: number;
  lat: number;
};

export type RingAnalysis = {
  ringId: string;
  crossings: number;
  outboundOnly: number;
  covered: number;
  closureRate: number;
  weightedClosureRate: number;
  checkpoints: string[];
  crossingList: Crossing[];
  gaps: {
    wayOsmId: number;
    name: string | null;
    highway: string;
    weight: number;
    lon: number;
    lat: number;
  }[];
  minimumCut: {
    segments: number;
    cost: number;
    costModel: 'unit' | 'class';
    replacesCrossings: number;
    cut: CutSegment[];
  };
  warnings: { code: string; message: string }[];
};

export type AssignmentStatus = 'assigned' | 'arrived' | 'unassigned';
export type PlanStatus = 'active' | 'ended' | 'expired';

export type PlanAssignment = {
  checkpointId: string;
  checkpointName: string | null;
  kind: CheckpointKind | null;
  lon: number | null;
  lat: number | null;
  unitId: string | null;
  callSign: string | null;
  etaSeconds: number | null;
  status: AssignmentStatus;
  arrivedAt: string | null;
  holdableWithin10Min: boolean;
};

export type PlanWarningCode =
  | 'no_available_units'
  | 'fewer_units_than_checkpoints'
  | 'checkpoint_off_network'
  | 'stale_positions';

export type ClosurePlan = {
  id: string;
  ringId: string | null;
  ringName: string | null;
  status: PlanStatus;
  reason: string;
  activatedBy: string;
  activatedAt: string | null;
  expiresAt: string | null;
  endedAt: string | null;
  assignments: PlanAssignment[];
  assigned: number;
  arrived: number;
  timeToFullClosureSeconds: number | null;
  notHoldableWithin10Min: string[];
  /** Only in the answer to an activation. */
  warnings?: { code: PlanWarningCode; message: string }[];
};

export type PlanSummary = {
  id: string;
  ringId: string | null;
  status: PlanStatus;
  reason: string;
  activatedAt: string | null;
  expiresAt: string | null;
  endedAt: string | null;
};

export type InterceptCheckpoint = {
  checkpointId: string;
  name: string;
  kind: CheckpointKind;
  ringId: string | null;
  lon: number | null;
  lat: number | null;
  vehicleArrivalSeconds: number | null;
};

export type InterceptResult = {
  scene: { lon: number; lat: number };
  minutes: number;
  isochrone: RingGeometry | null;
  activateNow: (InterceptCheckpoint & {
    vehicleSecondsLeft: number | null;
    nearestUnit: { unitId: string; callSign: string; etaSeconds: number | null } | null;
    unitBeatsVehicle: boolean;
  })[];
  possiblyPassed: InterceptCheckpoint[];
  unreachable: string[];
};

// ---- hotlist (布控名单), hits (比中预警), checkpoint reports (卡口报表)

export const HOTLIST_CATEGORIES = [
  'stolen_vehicle',
  'vehicle_in_crime',
  'wanted_person',
  'missing_person',
] as const;
export type HotlistCategory = (typeof HOTLIST_CATEGORIES)[number];
export type HotlistKind = 'plate' | 'resident_id';
export type HotlistStatus = 'pending' | 'active' | 'revoked';
/** Which kinds of value a category may list (as core/perimeter/hotlist.ts CATEGORY_KINDS). */
export const CATEGORY_KINDS: Record<HotlistCategory, readonly HotlistKind[]> = {
  stolen_vehicle: ['plate'],
  vehicle_in_crime: ['plate'],
  wanted_person: ['resident_id'],
  missing_person: ['resident_id', 'plate'],
};

export type HotlistEntry = {
  id: string;
  kind: HotlistKind;
  /** Plates in full; resident IDs masked. */
  value: string;
  category: HotlistCategory;
  legalBasis: string;
  warrantRef: string | null;
  status: HotlistStatus;
  expired: boolean;
  expiresAt: string;
  createdBy: string;
  createdAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
  renewals: number;
  revokedBy: string | null;
  revokedAt: string | null;
  revokeReason: string | null;
};

export type NewHotlistEntry = {
  kind: HotlistKind;
  value: string;
  category: HotlistCategory;
  legalBasis: string;
  warrantRef?: string | null;
  expiresAt: string;
};

export type HotlistHit = {
  id: string;
  entryId: string;
  checkpointId: string;
  direction: 'in' | 'out';
  readAt: string;
  value: string;
  confidence: number;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
};

export type ReportPeriod = 'day' | 'week' | 'month';
export type CheckpointReportRow = {
  checkpointId: string;
  name: string;
  ring: string | null;
  readsIn: number;
  readsOut: number;
  invalid: number;
  hits: number;
  actionsTaken: number;
};
export type CheckpointReport = {
  period: ReportPeriod;
  title: string;
  label: string;
  from: string;
  to: string;
  checkpoints: CheckpointReportRow[];
  rings: { ring: string; readsIn: number; readsOut: number; hits: number; actionsTaken: number }[];
  hourly: { hour: number; reads: number; hits: number }[];
  totals: { reads: number; hits: number; invalid: number; actionsTaken: number };
};

export type NewRing = { name: string; level: RingLevel; geometry: unknown; city?: string };
export type NewCheckpoint = {
  name: string;
  kind: CheckpointKind;
  ringId: string;
  lon: number;
  lat: number;
  directions: CheckpointDirections;
  equipment: string[];
  staffing: number;
  city?: string;
};

const base = '/api/perimeter';
const id = (x: string) => encodeURIComponent(x);

export const perimeterApi = {
  rings: (city?: string, signal?: AbortSignal) =>
    api<{ items: Ring[] }>(`${base}/rings`, { query: { city }, signal }).then((r) => r.items),
  createRing: (body: NewRing) => api<Ring>(`${base}/rings`, { method: 'POST', body }),
  analysis: (ringId: string, signal?: AbortSignal) =>
    api<RingAnalysis>(`${base}/rings/${id(ringId)}/analysis`, { signal }),
  checkpoints: (ringId: string, signal?: AbortSignal) =>
    api<{ items: Checkpoint[] }>(`${base}/rings/${id(ringId)}/checkpoints`, { signal }).then((r) => r.items),
  putCheckpoint: (checkpointId: string, body: NewCheckpoint) =>
    api<Checkpoint>(`${base}/checkpoints/${id(checkpointId)}`, { method: 'PUT', body }),
  activate: (ringId: string, body: { reason: string; durationMinutes: number }) =>
    api<ClosurePlan>(`${base}/rings/${id(ringId)}/activate`, { method: 'POST', body }),
  plans: (query: { ringId?: string; active?: boolean }, signal?: AbortSignal) =>
    api<{ items: PlanSummary[] }>(`${base}/plans`, {
      query: { ringId: query.ringId, active: query.active ? 'true' : undefined },
      signal,
    }).then((r) => r.items),
  plan: (planId: string, signal?: AbortSignal) => api<ClosurePlan>(`${base}/plans/${id(planId)}`, { signal }),
  endPlan: (planId: string) => api<ClosurePlan>(`${base}/plans/${id(planId)}/end`, { method: 'POST' }),
  intercept: (
    query: { lon?: number; lat?: number; incidentId?: string; minutes: number; ringId?: string },
    signal?: AbortSignal,
  ) => api<InterceptResult>(`${base}/intercept`, { query, signal }),
  hotlist: (query: { status?: HotlistStatus } = {}, signal?: AbortSignal) =>
    api<{ items: HotlistEntry[] }>(`${base}/hotlist`, { query: { ...query, limit: 500 }, signal }).then(
      (r) => r.items,
    ),
  createHotlist: (body: NewHotlistEntry) => api<HotlistEntry>(`${base}/hotlist`, { method: 'POST', body }),
  approveHotlist: (entryId: string) =>
    api<HotlistEntry>(`${base}/hotlist/${id(entryId)}/approve`, { method: 'POST' }),
  renewHotlist: (entryId: string, expiresAt: string) =>
    api<HotlistEntry>(`${base}/hotlist/${id(entryId)}/renew`, { method: 'POST', body: { expiresAt } }),
  revokeHotlist: (entryId: string, reason: string) =>
    api<HotlistEntry>(`${base}/hotlist/${id(entryId)}/revoke`, { method: 'POST', body: { reason } }),
  allCheckpoints: (signal?: AbortSignal) =>
    api<{ items: Checkpoint[] }>(`${base}/checkpoints`, { signal }).then((r) => r.items),
  hits: (query: { checkpointId?: string; since?: string; limit?: number } = {}, signal?: AbortSignal) =>
    api<{ items: HotlistHit[] }>(`${base}/hits`, { query, signal }).then((r) => r.items),
  hitAction: (hitId: string, action: string) =>
    api<void>(`${base}/hits/${id(hitId)}/action`, { method: 'POST', body: { action } }),
  report: (period: ReportPeriod, date: string, signal?: AbortSignal) =>
    api<CheckpointReport>(`${base}/reports`, { query: { period, date, format: 'json' }, signal }),
  /** Same-origin URL of the report as .xlsx (the session cookie goes along with a plain download). */
  reportXlsxUrl: (period: ReportPeriod, date: string) =>
    `${base}/reports?${new URLSearchParams({ period, date, format: 'xlsx' }).toString()}`,
};

/** The colour of a closure rate: 100 % meets the standard. */
export function closureColor(rate: number): string {
  if (rate >= 1) return '#389e0d';
  if (rate >= 0.6) return '#fa8c16';
  return '#cf1322';
}

export const KIND_COLORS: Record<CheckpointKind, string> = {
  station: '#1d39c4',
  post: '#08979c',
  camera: '#722ed1',
};

/** A ring's bounding box (for fitting the map). */
export function geometryBounds(
  geometry: RingGeometry,
): { minLon: number; minLat: number; maxLon: number; maxLat: number } | null {
  const rings = geometry.type === 'Polygon' ? geometry.coordinates : geometry.coordinates.flat();
  let minLon = Number.POSITIVE_INFINITY;
  let minLat = Number.POSITIVE_INFINITY;
  let maxLon = Number.NEGATIVE_INFINITY;
  let maxLat = Number.NEGATIVE_INFINITY;
  for (const ring of rings) {
    for (const [lon, lat] of ring) {
      minLon = Math.min(minLon, lon);
      minLat = Math.min(minLat, lat);
      maxLon = Math.max(maxLon, lon);
      maxLat = Math.max(maxLat, lat);
    }
  }
  return Number.isFinite(minLon) ? { minLon, minLat, maxLon, maxLat } : null;
}
