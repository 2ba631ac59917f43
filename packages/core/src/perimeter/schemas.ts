import { z } from 'zod';
import { HOTLIST_CATEGORIES, HOTLIST_KINDS } from './hotlist';
import { RING_LEVELS } from './ring';

/**
 * Answers of the perimeter API (rings, checkpoints, closure analysis, closure plans, interception
 * advice, hotlist, hits and checkpoint reports), shared by server and web.
 */
export const CHECKPOINT_KINDS = ['station', 'post', 'camera'] as const;
export type CheckpointKind = (typeof CHECKPOINT_KINDS)[number];
export const CHECKPOINT_DIRECTIONS = ['both', 'inbound', 'outbound'] as const;

const position = z.array(z.number());
/** A ring's area: a GeoJSON Polygon or MultiPolygon, WGS-84. */
export const ringGeometrySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(position)) }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(z.array(position))) }),
]);

export const ringSchema = z.object({
  id: z.string(),
  cityId: z.string(),
  name: z.string(),
  level: z.enum(RING_LEVELS),
  geometry: ringGeometrySchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Ring = z.infer<typeof ringSchema>;
export const ringListSchema = z.object({ items: z.array(ringSchema) });

export const checkpointSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(CHECKPOINT_KINDS),
  cityId: z.string().nullable(),
  orgId: z.string().nullable(),
  ringId: z.string().nullable(),
  lon: z.number().nullable(),
  lat: z.number().nullable(),
  segment: z.object({ fromOsmNode: z.number(), toOsmNode: z.number() }).nullable(),
  directions: z.enum(CHECKPOINT_DIRECTIONS),
  equipment: z.array(z.string()),
  staffing: z.number(),
  createdAt: z.string().nullable(),
  /** Only in the answer to a placement: how far the point was moved onto the road. */
  snapDistanceM: z.number().optional(),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;
export const checkpointListSchema = z.object({ items: z.array(checkpointSchema) });

export const crossingSchema = z.object({
  wayOsmId: z.number(),
  name: z.string().nullable(),
  highway: z.string(),
  outsideOsmNode: z.number(),
  insideOsmNode: z.number(),
  lon: z.number(),
  lat: z.number(),
  inbound: z.boolean(),
  outbound: z.boolean(),
  coveredInbound: z.boolean(),
  coveredOutbound: z.boolean(),
});

export const cutSegmentSchema = z.object({
  fromOsmNode: z.number(),
  toOsmNode: z.number(),
  wayOsmId: z.number(),
  name: z.string().nullable(),
  highway: z.string(),
  cost: z.number(),
  lon: z.number(),
  lat: z.number(),
});

/** `GET /api/perimeter/rings/:id/analysis`: crossings, closure rate, gaps and the minimum cut. */
export const ringAnalysisSchema = z.object({
  ringId: z.string(),
  crossings: z.number(),
  outboundOnly: z.number(),
  covered: z.number(),
  closureRate: z.number(),
  weightedClosureRate: z.number(),
  checkpoints: z.array(z.string()),
  crossingList: z.array(crossingSchema),
  gaps: z.array(
    z.object({
      wayOsmId: z.number(),
      name: z.string().nullable(),
      highway: z.string(),
      weight: z.number(),
      lon: z.number(),
      lat: z.number(),
    }),
  ),
  minimumCut: z.object({
    segments: z.number(),
    cost: z.number(),
    costModel: z.enum(['unit', 'class']),
    replacesCrossings: z.number(),
    /** Metres on each side of the ring line the cut may fall in; null: the cut is the crossings. */
    corridorBandM: z.number().nullable(),
    corridor: z
      .object({
        inner: z.object({ type: z.enum(['Polygon', 'MultiPolygon']), coordinates: z.array(z.unknown()) }),
        outer: z.object({ type: z.enum(['Polygon', 'MultiPolygon']), coordinates: z.array(z.unknown()) }),
      })
      .nullable(),
    cut: z.array(cutSegmentSchema),
  }),
  warnings: z.array(z.object({ code: z.string(), message: z.string() })),
});
export type RingAnalysis = z.infer<typeof ringAnalysisSchema>;

export const PLAN_STATUSES = ['active', 'ended', 'expired'] as const;
export const PLAN_WARNING_CODES = [
  'no_available_units',
  'fewer_units_than_checkpoints',
  'checkpoint_off_network',
  'stale_positions',
] as const;

/** The road a unit drives to a checkpoint (turn-restricted, WGS-84), as the map draws it. */
export const unitRouteSchema = z.object({
  geometry: z.object({
    type: z.literal('LineString'),
    coordinates: z.array(z.tuple([z.number(), z.number()])),
  }),
  timeS: z.number(),
  lengthM: z.number(),
});
export type UnitRoute = z.infer<typeof unitRouteSchema>;

export const planAssignmentSchema = z.object({
  checkpointId: z.string(),
  checkpointName: z.string().nullable(),
  kind: z.enum(CHECKPOINT_KINDS).nullable(),
  lon: z.number().nullable(),
  lat: z.number().nullable(),
  unitId: z.string().nullable(),
  callSign: z.string().nullable(),
  etaSeconds: z.number().nullable(),
  status: z.enum(['assigned', 'arrived', 'unassigned']),
  arrivedAt: z.string().nullable(),
  holdableWithin10Min: z.boolean(),
  /** While the plan is active and the unit on its way: its road from where it is now; else null. */
  route: unitRouteSchema.nullable(),
});
export type PlanAssignment = z.infer<typeof planAssignmentSchema>;

/** A closure plan with who goes to which checkpoint (`GET /api/perimeter/plans/:id`). */
export const closurePlanSchema = z.object({
  id: z.string(),
  ringId: z.string().nullable(),
  ringName: z.string().nullable(),
  status: z.enum(PLAN_STATUSES),
  reason: z.string(),
  activatedBy: z.string(),
  activatedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  assignments: z.array(planAssignmentSchema),
  assigned: z.number(),
  arrived: z.number(),
  timeToFullClosureSeconds: z.number().nullable(),
  notHoldableWithin10Min: z.array(z.string()),
  /** Only in the answer to an activation. */
  warnings: z.array(z.object({ code: z.enum(PLAN_WARNING_CODES), message: z.string() })).optional(),
});
export type ClosurePlan = z.infer<typeof closurePlanSchema>;

export const planSummarySchema = closurePlanSchema.pick({
  id: true,
  ringId: true,
  status: true,
  reason: true,
  activatedAt: true,
  expiresAt: true,
  endedAt: true,
});
export type PlanSummary = z.infer<typeof planSummarySchema>;
export const planListSchema = z.object({ items: z.array(planSummarySchema) });

const interceptCheckpointSchema = z.object({
  checkpointId: z.string(),
  name: z.string(),
  kind: z.enum(CHECKPOINT_KINDS),
  ringId: z.string().nullable(),
  lon: z.number().nullable(),
  lat: z.number().nullable(),
  vehicleArrivalSeconds: z.number().nullable(),
});

/** `GET /api/perimeter/intercept`: the checkpoints ahead of a fleeing vehicle, soonest first. */
export const interceptResultSchema = z.object({
  scene: z.object({ lon: z.number(), lat: z.number() }),
  minutes: z.number(),
  isochrone: ringGeometrySchema.nullable(),
  activateNow: z.array(
    interceptCheckpointSchema.extend({
      vehicleSecondsLeft: z.number().nullable(),
      nearestUnit: z
        .object({
          unitId: z.string(),
          callSign: z.string(),
          etaSeconds: z.number().nullable(),
          route: unitRouteSchema.nullable(),
        })
        .nullable(),
      unitBeatsVehicle: z.boolean(),
    }),
  ),
  possiblyPassed: z.array(interceptCheckpointSchema),
  unreachable: z.array(z.string()),
});
export type InterceptResult = z.infer<typeof interceptResultSchema>;

export const hotlistEntrySchema = z.object({
  id: z.string(),
  kind: z.enum(HOTLIST_KINDS),
  /** Plates in full; resident IDs masked. */
  value: z.string(),
  category: z.enum(HOTLIST_CATEGORIES),
  legalBasis: z.string(),
  warrantRef: z.string().nullable(),
  status: z.enum(['pending', 'active', 'revoked']),
  /** True for an active entry past its expiry: it no longer matches. */
  expired: z.boolean(),
  expiresAt: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable(),
  renewals: z.number(),
  revokedBy: z.string().nullable(),
  revokedAt: z.string().nullable(),
  revokeReason: z.string().nullable(),
});
export type HotlistEntry = z.infer<typeof hotlistEntrySchema>;
export const hotlistListSchema = z.object({ items: z.array(hotlistEntrySchema) });

/** A hit as `GET /api/perimeter/hits` lists it (hits are the only plate reads ever kept). */
export const hotlistHitSchema = z.object({
  id: z.string(),
  entryId: z.string(),
  checkpointId: z.string(),
  direction: z.enum(['in', 'out']),
  readAt: z.string(),
  kind: z.enum(['plate', 'resident_id']),
  /**
   * The plate as read; a resident ID masked unless the request states a purpose (X-Purpose,
   * audited); null once the retention period has passed (the hit itself stays).
   */
  value: z.string().nullable(),
  confidence: z.number(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
});
export type HotlistHit = z.infer<typeof hotlistHitSchema>;
export const hotlistHitListSchema = z.object({ items: z.array(hotlistHitSchema) });

export const REPORT_PERIODS = ['day', 'week', 'month'] as const;

export const checkpointReportRowSchema = z.object({
  checkpointId: z.string(),
  name: z.string(),
  ring: z.string().nullable(),
  readsIn: z.number(),
  readsOut: z.number(),
  invalid: z.number(),
  hits: z.number(),
  actionsTaken: z.number(),
});
export type CheckpointReportRow = z.infer<typeof checkpointReportRowSchema>;

/** `GET /api/perimeter/reports?format=json`: the daily report, weekly bulletin or monthly review. */
export const checkpointReportSchema = z.object({
  period: z.enum(REPORT_PERIODS),
  title: z.string(),
  label: z.string(),
  from: z.string(),
  to: z.string(),
  checkpoints: z.array(checkpointReportRowSchema),
  rings: z.array(
    z.object({
      ring: z.string(),
      readsIn: z.number(),
      readsOut: z.number(),
      hits: z.number(),
      actionsTaken: z.number(),
    }),
  ),
  hourly: z.array(z.object({ hour: z.number(), reads: z.number(), hits: z.number() })),
  totals: z.object({ reads: z.number(), hits: z.number(), invalid: z.number(), actionsTaken: z.number() }),
});
export type CheckpointReport = z.infer<typeof checkpointReportSchema>;
