import { z } from 'zod';

/**
 * Video resources (视频资源): cameras with their national device code, where they stand and what
 * they see (a view sector: heading, field of view, range), who owns them (police, or a community or
 * enterprise camera shared into the network by agreement), and where their streams are. citywatch
 * never stores video: it links to the live stream and to the NVR's playback.
 */
export const CAMERA_OWNERS = ['police', 'community', 'enterprise'] as const;
export const cameraOwnerSchema = z.enum(CAMERA_OWNERS);
export type CameraOwner = z.infer<typeof cameraOwnerSchema>;

export const CAMERA_STATUSES = ['unknown', 'online', 'offline', 'fault'] as const;
export const cameraStatusSchema = z.enum(CAMERA_STATUSES);
export type CameraStatus = z.infer<typeof cameraStatusSchema>;

/** Stream URL schemes citywatch accepts (RTSP as a reference only: browsers cannot play it). */
export const STREAM_SCHEMES = ['http', 'https', 'rtsp', 'webrtc'] as const;

/** What a camera is, as entered or imported (checked by `cameraRules`, which names field and rule). */
export const cameraInputSchema = z.strictObject({
  code: z.string().max(40),
  name: z.string().trim().min(1).max(100),
  lon: z.number(),
  lat: z.number(),
  heightM: z.number().nullable().default(null),
  headingDeg: z.number(),
  fovDeg: z.number(),
  rangeM: z.number(),
  owner: cameraOwnerSchema,
  /** The sharing agreement's reference (community and enterprise cameras). */
  agreementRef: z.string().trim().max(100).nullable().default(null),
  hlsUrl: z.string().max(2000).nullable().default(null),
  webrtcUrl: z.string().max(2000).nullable().default(null),
  rtspUrl: z.string().max(2000).nullable().default(null),
  /** NVR playback URL with {code}, {from}, {to} (ISO UTC), {from_unix}, {to_unix}. */
  playbackTemplate: z.string().max(2000).nullable().default(null),
  /** The owning org (the creator's own when absent). */
  orgId: z.string().uuid().optional(),
});
export type CameraInput = z.infer<typeof cameraInputSchema>;

export const cameraSchema = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  lon: z.number(),
  lat: z.number(),
  heightM: z.number().nullable(),
  headingDeg: z.number(),
  fovDeg: z.number(),
  rangeM: z.number(),
  owner: cameraOwnerSchema,
  agreementRef: z.string().nullable(),
  /** Shared into the network: viewable beyond its org (community/enterprise cameras by agreement). */
  shared: z.boolean(),
  hasHls: z.boolean(),
  webrtcUrl: z.string().nullable(),
  rtspUrl: z.string().nullable(),
  hasPlayback: z.boolean(),
  orgId: z.string(),
  division: z.string().nullable(),
  status: cameraStatusSchema,
  offlineSince: z.string().nullable(),
  lastProbeAt: z.string().nullable(),
  faultAt: z.string().nullable(),
});
export type Camera = z.infer<typeof cameraSchema>;

export const cameraListSchema = z.object({ items: z.array(cameraSchema), total: z.number() });

/** A live view: the stream's address, given out only with a purpose (audited). */
export const liveViewSchema = z.object({ cameraId: z.string(), hlsUrl: z.string(), purpose: z.string() });

export const importResultSchema = z.object({
  imported: z.number(),
  refused: z.array(z.object({ line: z.number(), field: z.string(), rule: z.string() })),
});
export type ImportResult = z.infer<typeof importResultSchema>;

/** A camera near a point (incident, checkpoint): whether its view covers it, metres straight and by road. */
export const nearCameraSchema = z.object({
  camera: cameraSchema,
  covers: z.boolean(),
  straightM: z.number(),
  roadM: z.number().nullable(),
});
export type NearCamera = z.infer<typeof nearCameraSchema>;
export const nearCamerasSchema = z.object({ items: z.array(nearCameraSchema) });

export const nearQuerySchema = z.strictObject({
  lon: z.coerce.number().min(-180).max(180),
  lat: z.coerce.number().min(-90).max(90),
  k: z.coerce.number().int().min(1).max(50).default(5),
  maxM: z.coerce.number().min(10).max(5000).default(500),
});

/** Citizens' photos and videos near a point (community reports with an attachment), for staff. */
export const citizenMediaQuerySchema = z.strictObject({
  lon: z.coerce.number().min(-180).max(180),
  lat: z.coerce.number().min(-90).max(90),
  maxM: z.coerce.number().min(10).max(5000).default(500),
});
export const citizenMediaSchema = z.object({
  items: z.array(
    z.object({
      reportId: z.string(),
      number: z.string(),
      category: z.string(),
      description: z.string(),
      receivedAt: z.string(),
      /** image/jpeg, video/mp4, …; the bytes through the community module (staff only). */
      mediaType: z.string(),
      takenAt: z.string().nullable(),
      distanceM: z.number(),
      /** The community route that serves the stored (stripped) attachment. */
      mediaPath: z.string(),
    }),
  ),
});
export type CitizenMedia = z.infer<typeof citizenMediaSchema>['items'][number];

/** A request to view a past window of a camera through its NVR (playback: citywatch stores no video). */
export const playbackRequestInputSchema = z.strictObject({
  cameraId: z.string().uuid(),
  from: z.string().datetime({ offset: true }),
  to: z.string().datetime({ offset: true }),
  purpose: z.string().trim().min(2).max(500),
  incidentId: z.string().uuid().optional(),
  caseRef: z.string().trim().min(1).max(100).optional(),
});
export type PlaybackRequestInput = z.infer<typeof playbackRequestInputSchema>;

export const playbackRequestSchema = z.object({
  id: z.string(),
  cameraId: z.string(),
  cameraName: z.string(),
  from: z.string(),
  to: z.string(),
  purpose: z.string(),
  incidentId: z.string().nullable(),
  caseRef: z.string().nullable(),
  status: z.enum(['pending', 'approved', 'rejected']),
  requestedBy: z.string(),
  requestedAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
});
export type PlaybackRequest = z.infer<typeof playbackRequestSchema>;
export const playbackListSchema = z.object({ items: z.array(playbackRequestSchema) });
export const playbackDecisionSchema = z.strictObject({
  approve: z.boolean(),
  note: z.string().trim().max(500).optional(),
});
export const playbackUrlSchema = z.object({ id: z.string(), url: z.string() });

/** Shifts of the video patrol schedule (Beijing time): day 08:00–20:00, night 20:00–08:00. */
export const TOUR_SHIFTS = ['day', 'night'] as const;
export const tourShiftSchema = z.enum(TOUR_SHIFTS);
export type TourShift = z.infer<typeof tourShiftSchema>;

export const tourInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  cameraIds: z.array(z.string().uuid()).min(1).max(100),
  dwellSeconds: z.number().int().min(5).max(600).default(30),
  shifts: z.array(tourShiftSchema).min(1).max(2),
});
export type TourInput = z.infer<typeof tourInputSchema>;

export const tourSchema = z.object({
  id: z.string(),
  name: z.string(),
  orgId: z.string(),
  dwellSeconds: z.number(),
  shifts: z.array(tourShiftSchema),
  cameras: z.array(
    z.object({ id: z.string(), name: z.string(), hasHls: z.boolean(), lon: z.number(), lat: z.number() }),
  ),
});
export type Tour = z.infer<typeof tourSchema>;
export const tourListSchema = z.object({ items: z.array(tourSchema) });

export const tourRunSchema = z.object({
  id: z.string(),
  tourId: z.string(),
  shift: tourShiftSchema,
  shiftStart: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  steps: z.array(
    z.object({
      position: z.number(),
      cameraId: z.string(),
      result: z.enum(['nothing', 'finding']),
      note: z.string().nullable(),
      incidentId: z.string().nullable(),
      patrolRequest: z.string().nullable(),
      /** The oversight inspection (video check) the finding was filed as. */
      inspectionId: z.string().nullable(),
    }),
  ),
});
export type TourRun = z.infer<typeof tourRunSchema>;

/** One camera's outcome in a run: nothing to note, or a finding that becomes an incident or a patrol request. */
export const tourStepInputSchema = z.strictObject({
  position: z.number().int().min(0),
  result: z.enum(['nothing', 'finding']),
  note: z.string().trim().max(2000).optional(),
  /** inspection: an oversight inspection finding for the regulated unit the camera is linked to. */
  action: z.enum(['incident', 'patrol_request', 'inspection']).optional(),
  /** The regulated unit (inspection; needed only when the camera is linked to several). */
  unitId: z.string().uuid().optional(),
  /** The finding's severity (inspection; minor opens a notice, serious an order). */
  severity: z.enum(['minor', 'serious']).optional(),
  category: z.string().min(1).max(40).optional(),
  subcategory: z.string().min(1).max(40).optional(),
  priority: z.enum(['P1', 'P2', 'P3', 'P4']).optional(),
});
export type TourStepInput = z.infer<typeof tourStepInputSchema>;

/** Counts of a group of scheduled tour shifts: those begun, done (a completed run), missed, escalated. */
const tourTallySchema = z.object({
  /** Shift occurrences of the group's tours that have begun within the window. */
  scheduled: z.number(),
  /** Of those, the ones with a completed run. */
  done: z.number(),
  /** Ended without a completed run. */
  missed: z.number(),
  /** Missed and escalated to the tour org's commanders. */
  escalated: z.number(),
  /** Findings recorded in the group's runs. */
  findings: z.number(),
});
export type TourTally = z.infer<typeof tourTallySchema>;

export const tourReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  rows: z.array(
    z.object({
      tourId: z.string(),
      tourName: z.string(),
      shift: tourShiftSchema,
      shiftStart: z.string(),
      operator: z.string().nullable(),
      completed: z.boolean(),
      camerasSeen: z.number(),
      findings: z.number(),
      /** The shift ended without a completed run: escalated to the tour's org commanders. */
      missed: z.boolean(),
      /** A missed shift the escalation job has published to the commanders. */
      escalated: z.boolean(),
    }),
  ),
  /** The same window in totals: per tour, per shift occurrence, and per operator (runs they made). */
  summary: z.object({
    byTour: z.array(tourTallySchema.extend({ tourId: z.string(), tourName: z.string() })),
    byShift: z.array(tourTallySchema.extend({ shift: tourShiftSchema, shiftStart: z.string() })),
    byOperator: z.array(
      z.object({
        operator: z.string(),
        /** Runs started, completed, and left unfinished. */
        runs: z.number(),
        done: z.number(),
        unfinished: z.number(),
        camerasSeen: z.number(),
        findings: z.number(),
      }),
    ),
  }),
});
export type TourReport = z.infer<typeof tourReportSchema>;

export const coverageSchema = z.object({
  model: z.string(),
  cameras: z.number(),
  roads: z.object({ totalM: z.number(), coveredM: z.number(), share: z.number() }),
  checkpoints: z.object({
    total: z.number(),
    covered: z.number(),
    share: z.number(),
    uncovered: z.array(z.object({ id: z.string(), name: z.string() })),
  }),
  /** Patrol's current hot spots within some camera's view (null: no ranking to be had); at most 50 uncovered listed. */
  hotSpots: z
    .object({
      total: z.number(),
      covered: z.number(),
      share: z.number(),
      uncovered: z.array(z.object({ id: z.string(), label: z.string().nullable() })),
    })
    .nullable(),
  gaps: z.object({
    type: z.literal('FeatureCollection'),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        properties: z.object({ uncoveredM: z.number(), name: z.string().nullable() }),
        geometry: z.object({
          type: z.literal('LineString'),
          coordinates: z.array(z.tuple([z.number(), z.number()])),
        }),
      }),
    ),
  }),
});
export type VideoCoverage = z.infer<typeof coverageSchema>;

export const adviseInputSchema = z.strictObject({
  count: z.number().int().min(1).max(50).default(5),
  fovDeg: z.number().min(1).max(360).default(90),
  rangeM: z.number().min(10).max(500).default(80),
});
export const adviceSchema = z.object({
  before: z.number(),
  picks: z.array(
    z.object({
      lon: z.number(),
      lat: z.number(),
      headingDeg: z.number(),
      gainM: z.number(),
      shareAfter: z.number(),
    }),
  ),
});
export type VideoAdvice = z.infer<typeof adviceSchema>;
