import { area, booleanPointInPolygon, intersect } from '@turf/turf';
import { z } from 'zod';
import { DATUMS, type Datum, readArea } from '../geo/geojson';

/**
 * Patrol plans (巡逻计划, 单元防控): patrol zones, must-patrol targets (points, lines, areas) with a
 * frequency per shift and a target dwell, and a shift plan that assigns units to zones and
 * schedules the visits in a randomised order.
 *
 * The defaults follow the evidence (Koper 1995): a stop of 10–16 minutes, a revisit at least every
 * 2 hours, in an order an offender cannot predict. A plan's body is what a commander edits; the
 * schedule is derived from it (deterministically from the body's seed), so every version of a
 * plan can be re-read and gives the same visits.
 */

export const DEFAULT_DWELL_MIN = 10;
export const DEFAULT_DWELL_MAX = 16;
export const DEFAULT_REVISIT_MAX_MIN = 120;
export const DEFAULT_POINT_RADIUS_M = 50;
/** Road travel assumed between two visits when the schedule is checked (no route is computed). */
export const SCHEDULE_SPEED_KMH = 25;
/** Straight-line distance × this = road distance (urban detour factor). */
export const DETOUR_FACTOR = 1.4;

const lon = z.number().min(-180).max(180);
const lat = z.number().min(-90).max(90);
const position = z
  .array(z.number())
  .min(2)
  .max(3)
  .refine((p) => lon.safeParse(p[0]).success && lat.safeParse(p[1]).success, {
    message: 'Not a [lon, lat] position',
  });
export const pointGeometrySchema = z.strictObject({ type: z.literal('Point'), coordinates: position });
export const lineGeometrySchema = z.strictObject({
  type: z.literal('LineString'),
  coordinates: z.array(position).min(2).max(2000),
});
export const polygonGeometrySchema = z.strictObject({
  type: z.literal('Polygon'),
  coordinates: z
    .array(z.array(position).min(4).max(5000))
    .min(1)
    .max(20)
    .refine((rings) => rings.every((r) => r[0][0] === r.at(-1)?.[0] && r[0][1] === r.at(-1)?.[1]), {
      message: 'Each ring must be closed',
    }),
});

const key = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\w.:-]+$/);
const name = z.string().trim().min(1).max(120);

export const ZONE_SOURCES = ['drawn', 'imported', 'jurisdiction'] as const;
/**
 * A zone's geometry may come as GIS tools write it (a Feature, a one-feature FeatureCollection
 * with a crs, a one-part MultiPolygon) and in a Chinese basemap's datum (`datum`: gcj02, bd09):
 * read by core/geo/geojson (WGS-84, right-hand rule) before the zone's own rules. A plain WGS-84
 * Polygon passes as it is.
 */
function readZoneGeometry(zone: unknown, ctx: z.RefinementCtx): unknown {
  if (typeof zone !== 'object' || zone === null || Array.isArray(zone)) return zone;
  const { datum, ...rest } = zone as Record<string, unknown>;
  const geometry = rest.geometry as { type?: unknown } | undefined;
  if (datum === undefined && geometry?.type === 'Polygon') return zone;
  if (datum !== undefined && !(DATUMS as readonly unknown[]).includes(datum)) {
    ctx.addIssue({
      code: 'custom',
      path: ['datum'],
      message: `datum must be one of ${DATUMS.join(', ')}`,
      params: { rule: 'unsupported_datum' },
    });
    return z.NEVER;
  }
  const read = readArea(geometry, { datum: datum as Datum | undefined, single: true });
  if (read.area === null) {
    for (const issue of read.issues)
      ctx.addIssue({
        code: 'custom',
        path: issue.field.split('.'),
        message: issue.message,
        params: { rule: issue.rule },
      });
    return z.NEVER;
  }
  return { ...rest, geometry: read.area.geometry };
}

export const zoneSchema = z.strictObject({
  key,
  name,
  geometry: polygonGeometrySchema,
  source: z.enum(ZONE_SOURCES).default('drawn'),
  jurisdictionId: z.uuid().nullable().optional(),
});
/** A zone as a commander sends it (request bodies only: answers carry `zoneSchema`). */
export const zoneInputSchema = z.preprocess(readZoneGeometry, zoneSchema);
export type PatrolZone = z.infer<typeof zoneSchema>;

export const TARGET_KINDS = ['point', 'line', 'area'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export const targetSchema = z
  .strictObject({
    key,
    name,
    kind: z.enum(TARGET_KINDS),
    geometry: z.union([pointGeometrySchema, lineGeometrySchema, polygonGeometrySchema]),
    zoneKey: key,
    /** Point: the radius of "at the point"; line: the half-width of the corridor along it. */
    radiusM: z.number().min(10).max(500).default(DEFAULT_POINT_RADIUS_M),
    /** Visits wanted per shift (at least; the revisit rule may add more). */
    visitsPerShift: z.number().int().min(1).max(24).default(2),
    dwellMinMin: z.number().min(1).max(120).default(DEFAULT_DWELL_MIN),
    dwellMaxMin: z.number().min(1).max(180).default(DEFAULT_DWELL_MAX),
    revisitMaxMin: z.number().min(15).max(720).default(DEFAULT_REVISIT_MAX_MIN),
    /** The hot spot (H3 cell or segment id) it was proposed from, if any. */
    hotspotId: z.string().max(64).nullable().optional(),
  })
  .refine((t) => t.dwellMaxMin >= t.dwellMinMin, {
    path: ['dwellMaxMin'],
    message: 'dwellMaxMin < dwellMinMin',
  })
  .refine(
    (t) =>
      (t.kind === 'point' && t.geometry.type === 'Point') ||
      (t.kind === 'line' && t.geometry.type === 'LineString') ||
      (t.kind === 'area' && t.geometry.type === 'Polygon'),
    { path: ['geometry'], message: 'Geometry does not match kind' },
  );
export type PatrolTarget = z.infer<typeof targetSchema>;
export type PatrolTargetInput = z.input<typeof targetSchema>;

export const assignmentSchema = z.strictObject({ unitId: z.uuid(), zoneKey: key });
export type PatrolAssignment = z.infer<typeof assignmentSchema>;

export const shiftSchema = z
  .strictObject({ start: z.iso.datetime({ offset: true }), end: z.iso.datetime({ offset: true }) })
  .refine((s) => Date.parse(s.end) > Date.parse(s.start), {
    path: ['end'],
    message: 'end must be after start',
  })
  .refine((s) => Date.parse(s.end) - Date.parse(s.start) <= 16 * 3_600_000, {
    path: ['end'],
    message: 'A shift lasts at most 16 h',
  });

/** What a commander writes: the body of one version of a plan. */
export const planBodySchema = z.strictObject({
  name,
  /** The city by name (default: the default city). */
  city: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/)
    .optional(),
  /** The org the plan belongs to (default: the author's). */
  orgId: z.uuid().optional(),
  shift: shiftSchema,
  zones: z.array(zoneInputSchema).min(1).max(200),
  targets: z.array(targetSchema).max(3000).default([]),
  assignments: z.array(assignmentSchema).max(500).default([]),
  /** Seed of the randomised visit order; a new one is drawn when absent. */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  note: z.string().max(500).optional(),
});
export type PlanBody = z.infer<typeof planBodySchema>;
export type PlanBodyInput = z.input<typeof planBodySchema>;

export const scheduledVisitSchema = z.object({
  unitId: z.uuid(),
  targetKey: z.string(),
  start: z.string(),
  end: z.string(),
  /** 1-based position in the unit's shift. */
  order: z.number(),
});
export type ScheduledVisit = z.infer<typeof scheduledVisitSchema>;

/** A stored plan version as the API answers it. */
export const planSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  city: z.string(),
  name: z.string(),
  version: z.number(),
  latestVersion: z.number(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  body: z.object({
    name: z.string(),
    city: z.string(),
    shift: z.object({ start: z.string(), end: z.string() }),
    zones: z.array(zoneSchema),
    targets: z.array(targetSchema),
    assignments: z.array(assignmentSchema),
    seed: z.number(),
    note: z.string().optional(),
  }),
  schedule: z.array(scheduledVisitSchema),
});
export type PatrolPlan = z.infer<typeof planSchema>;

export const planSummarySchema = z.object({
  id: z.string(),
  orgId: z.string(),
  city: z.string(),
  name: z.string(),
  version: z.number(),
  shiftStart: z.string(),
  shiftEnd: z.string(),
  updatedAt: z.string(),
  zones: z.number(),
  targets: z.number(),
  units: z.number(),
});
export type PlanSummary = z.infer<typeof planSummarySchema>;

export const planVersionSchema = z.object({
  version: z.number(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  note: z.string().nullable(),
});

/** "My unit's plan for today": the plan of the unit the officer is signed on to, and its next visits. */
export const myPlanSchema = z.object({
  unitId: z.string(),
  plan: planSchema.nullable(),
  visits: z.array(
    scheduledVisitSchema.extend({
      target: z.object({
        key: z.string(),
        name: z.string(),
        kind: z.enum(TARGET_KINDS),
        lon: z.number(),
        lat: z.number(),
        radiusM: z.number(),
      }),
      checkedIn: z.boolean(),
    }),
  ),
  next: z.number().nullable(),
});
export type MyPlan = z.infer<typeof myPlanSchema>;

export const checkInResultSchema = z.object({
  id: z.string(),
  planId: z.string(),
  targetKey: z.string(),
  at: z.string(),
  distanceM: z.number(),
  accepted: z.boolean(),
});

/** A problem with a plan's content, named by field and rule (the server localises it). */
export interface PlanProblem {
  field: string;
  rule: string;
  detail: string;
}

// ---- geometry helpers ----------------------------------------------------------------------

const M_PER_DEG = 111_320;

export function distanceM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const kx = M_PER_DEG * Math.cos((((lat1 + lat2) / 2) * Math.PI) / 180);
  const dx = (lon2 - lon1) * kx;
  const dy = (lat2 - lat1) * M_PER_DEG;
  return Math.sqrt(dx * dx + dy * dy);
}

/** A representative position of a target (point: itself; line: its middle vertex; area: ring centroid). */
export function targetAnchor(t: Pick<PatrolTarget, 'geometry'>): [number, number] {
  const g = t.geometry;
  if (g.type === 'Point') return [g.coordinates[0], g.coordinates[1]];
  if (g.type === 'LineString') {
    const c = g.coordinates[Math.floor(g.coordinates.length / 2)];
    return [c[0], c[1]];
  }
  const ring = g.coordinates[0];
  let x = 0;
  let y = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    x += ring[i][0];
    y += ring[i][1];
  }
  return [x / (ring.length - 1), y / (ring.length - 1)];
}

/**
 * Structural checks of a plan body: unique keys, targets and assignments naming a zone of the
 * plan, no unit assigned twice, and no two zones overlapping (touching edges is fine: the shared
 * area must stay under 1 m²).
 */
export function checkPlanStructure(body: PlanBody): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const zoneKeys = new Map<string, number>();
  body.zones.forEach((z, i) => {
    if (zoneKeys.has(z.key)) problems.push({ field: `zones.${i}.key`, rule: 'unique', detail: z.key });
    zoneKeys.set(z.key, i);
  });
  const targetKeys = new Set<string>();
  body.targets.forEach((t, i) => {
    if (targetKeys.has(t.key)) problems.push({ field: `targets.${i}.key`, rule: 'unique', detail: t.key });
    targetKeys.add(t.key);
    if (!zoneKeys.has(t.zoneKey))
      problems.push({ field: `targets.${i}.zoneKey`, rule: 'zone_exists', detail: t.zoneKey });
  });
  const units = new Set<string>();
  body.assignments.forEach((a, i) => {
    if (units.has(a.unitId))
      problems.push({ field: `assignments.${i}.unitId`, rule: 'unit_once', detail: a.unitId });
    units.add(a.unitId);
    if (!zoneKeys.has(a.zoneKey))
      problems.push({ field: `assignments.${i}.zoneKey`, rule: 'zone_exists', detail: a.zoneKey });
  });
  for (let i = 0; i < body.zones.length; i++) {
    for (let j = i + 1; j < body.zones.length; j++) {
      let shared = 0;
      try {
        shared = zonesOverlapM2(body.zones[i], body.zones[j]);
      } catch {
        // a ring turf cannot intersect (degenerate, self-crossing): refused as such
        problems.push({ field: `zones.${j}.geometry`, rule: 'invalid_polygon', detail: body.zones[j].key });
        continue;
      }
      if (shared >= 1) {
        problems.push({
          field: `zones.${j}.geometry`,
          rule: 'zones_overlap',
          detail: `${body.zones[j].key} overlaps ${body.zones[i].key} by ${Math.round(shared)} m²`,
        });
      }
    }
  }
  return problems;
}

function bbox(ring: number[][]): [number, number, number, number] {
  let a = Infinity;
  let b = Infinity;
  let c = -Infinity;
  let d = -Infinity;
  for (const p of ring) {
    if (p[0] < a) a = p[0];
    if (p[1] < b) b = p[1];
    if (p[0] > c) c = p[0];
    if (p[1] > d) d = p[1];
  }
  return [a, b, c, d];
}

/** The area two zones share, m² (0 when their boxes do not meet). */
export function zonesOverlapM2(a: Pick<PatrolZone, 'geometry'>, b: Pick<PatrolZone, 'geometry'>): number {
  const ba = bbox(a.geometry.coordinates[0]);
  const bb = bbox(b.geometry.coordinates[0]);
  if (ba[2] <= bb[0] || bb[2] <= ba[0] || ba[3] <= bb[1] || bb[3] <= ba[1]) return 0;
  const fa = { type: 'Feature' as const, properties: {}, geometry: a.geometry };
  const fb = { type: 'Feature' as const, properties: {}, geometry: b.geometry };
  const shared = intersect({ type: 'FeatureCollection', features: [fa, fb] } as never);
  return shared ? area(shared) : 0;
}

export function pointInZone(lonLat: [number, number], zone: Pick<PatrolZone, 'geometry'>): boolean {
  return booleanPointInPolygon(lonLat, zone.geometry as never);
}

// ---- scheduling ----------------------------------------------------------------------------

/** mulberry32: small, seeded, reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Visits a target needs in a shift: what the plan asks, raised so no gap exceeds the revisit limit. */
export function visitsNeeded(
  t: Pick<PatrolTarget, 'visitsPerShift' | 'revisitMaxMin'>,
  shiftMin: number,
): number {
  return Math.max(t.visitsPerShift, Math.ceil(shiftMin / t.revisitMaxMin));
}

export interface ScheduleResult {
  visits: ScheduledVisit[];
  problems: PlanProblem[];
}

/**
 * Randomised schedule (Koper: unpredictable visits of 10–16 min at least every 2 h). Per target
 * its shift is cut into `visitsNeeded` equal windows and each visit gets a random key in its
 * window and a random dwell in [dwellMin, dwellMax]. The visits of a zone are then handed, in
 * order of their random key (so the order of targets is unpredictable), to the zone's unit that
 * can be there first (its previous visit's end plus travel at 25 km/h × 1.4 detour, not before the
 * visit's window opens); a visit that cannot start before its window closes means the
 * zone holds more visits than its units' shift can: a `shift_capacity` problem naming the target.
 * A zone with targets and no unit is a `zone_unassigned` problem.
 */
export function scheduleVisits(body: PlanBody, seed: number): ScheduleResult {
  const random = seededRandom(seed);
  const start = Date.parse(body.shift.start);
  const end = Date.parse(body.shift.end);
  const shiftMin = (end - start) / 60_000;
  const problems: PlanProblem[] = [];
  const visits: ScheduledVisit[] = [];
  const targetIndex = new Map(body.targets.map((t, i) => [t.key, i]));
  for (const zone of body.zones) {
    const units = body.assignments.filter((a) => a.zoneKey === zone.key).map((a) => a.unitId);
    const wanted: { target: PatrolTarget; from: number; to: number; at: number; dwellMs: number }[] = [];
    for (const target of body.targets) {
      if (target.zoneKey !== zone.key) continue;
      const k = visitsNeeded(target, shiftMin);
      const window = (end - start) / k;
      for (let v = 0; v < k; v++) {
        const dwellMs = (target.dwellMinMin + random() * (target.dwellMaxMin - target.dwellMinMin)) * 60_000;
        const from = start + v * window;
        const latest = Math.max(from, from + window - dwellMs);
        wanted.push({ target, from, to: latest, at: from + random() * (latest - from), dwellMs });
      }
    }
    if (wanted.length === 0) continue;
    if (units.length === 0) {
      const i = body.zones.indexOf(zone);
      problems.push({ field: `zones.${i}`, rule: 'zone_unassigned', detail: zone.key });
      continue;
    }
    wanted.sort((a, b) => a.at - b.at);
    const freeAt = units.map(() => start);
    const lastAt: ([number, number] | null)[] = units.map(() => null);
    const order = units.map(() => 0);
    const refused = new Set<string>();
    for (const w of wanted) {
      const anchor = targetAnchor(w.target);
      let best = -1;
      let bestStart = Infinity;
      for (let u = 0; u < units.length; u++) {
        const prev = lastAt[u];
        const travelMs = prev
          ? ((distanceM(prev[0], prev[1], anchor[0], anchor[1]) * DETOUR_FACTOR) /
              ((SCHEDULE_SPEED_KMH * 1000) / 3600)) *
            1000
          : 0;
        const can = Math.max(w.from, freeAt[u] + travelMs);
        if (can < bestStart) {
          bestStart = can;
          best = u;
        }
      }
      if (bestStart > w.to || bestStart + w.dwellMs > end) {
        if (!refused.has(w.target.key)) {
          refused.add(w.target.key);
          problems.push({
            field: `targets.${targetIndex.get(w.target.key)}.visitsPerShift`,
            rule: 'shift_capacity',
            detail: `${w.target.key}: zone ${zone.key} has more visits than ${units.length} unit(s) can make in the shift`,
          });
        }
        continue;
      }
      freeAt[best] = bestStart + w.dwellMs;
      lastAt[best] = anchor;
      order[best] += 1;
      visits.push({
        unitId: units[best],
        targetKey: w.target.key,
        start: new Date(Math.round(bestStart)).toISOString(),
        end: new Date(Math.round(bestStart + w.dwellMs)).toISOString(),
        order: order[best],
      });
    }
  }
  visits.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.unitId < b.unitId ? -1 : 1));
  return { visits, problems };
}

/**
 * A proposal from hot spots: one zone (given) and a point target at the centre of each of the
 * best `count` hot spots, with the defaults (2 visits, 10–16 min, revisit ≤ 2 h).
 */
export function proposeTargets(
  hotspots: readonly { id: string; label: string | null; lon: number; lat: number }[],
  zoneKey: string,
  count: number,
): PatrolTargetInput[] {
  return hotspots.slice(0, count).map((h, i) => ({
    key: `hs-${i + 1}`,
    name: h.label ?? `Hot spot ${i + 1}`,
    kind: 'point',
    geometry: { type: 'Point', coordinates: [h.lon, h.lat] },
    zoneKey,
    hotspotId: h.id,
  }));
}

/** `GET /api/patrol/plans/:id/compliance`: dose per target and per unit, and the visits, for the shift so far. */
export const complianceReportSchema = z.object({
  planId: z.string(),
  version: z.number(),
  shift: z.object({ start: z.string(), end: z.string() }),
  asOf: z.string(),
  fixes: z.object({
    read: z.number(),
    accepted: z.number(),
    droppedOrder: z.number(),
    droppedAccuracy: z.number(),
    droppedJump: z.number(),
    gaps: z.number(),
  }),
  targets: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      kind: z.string(),
      zoneKey: z.string(),
      lon: z.number(),
      lat: z.number(),
      hotspotId: z.string().nullable(),
      plannedVisits: z.number(),
      plannedMin: z.number(),
      visits: z.number(),
      dosedVisits: z.number(),
      receivedMin: z.number(),
      missed: z.number(),
      longestGapMin: z.number(),
      revisitKept: z.boolean(),
      coverage: z.number().nullable(),
    }),
  ),
  units: z.array(
    z.object({
      unitId: z.string(),
      callSign: z.string(),
      plannedVisits: z.number(),
      visits: z.number(),
      dosedVisits: z.number(),
      targetMin: z.number(),
      zoneMin: z.record(z.string(), z.number()),
    }),
  ),
  visits: z.array(
    z.object({
      unitId: z.string(),
      targetKey: z.string(),
      entry: z.string(),
      exit: z.string(),
      dwellMin: z.number(),
    }),
  ),
});
export type ComplianceReport = z.infer<typeof complianceReportSchema>;
