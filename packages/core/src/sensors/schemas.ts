import { z } from 'zod';
import { DATUMS, readArea } from '../geo/geojson';

/**
 * Smart-community sensors (智慧安防小区, "3+1+1+N") and crowd counts (M14). Every device is a
 * device principal of kind `sensor` (modules/devices) with its own token; it speaks for itself
 * only. No face capture: a camera is a stream link and an online state, a crowd counter sends
 * counts, never images.
 */
export const SENSOR_KINDS = ['alarm_button', 'smoke', 'door', 'gate', 'camera', 'crowd_counter'] as const;
export const sensorKindSchema = z.enum(SENSOR_KINDS);
export type SensorKind = z.infer<typeof sensorKindSchema>;

/**
 * Seconds without any message after which a device of each kind counts as offline (ThingsBoard's
 * inactivity timeout). Cameras and counters stream, so they are expected often; a button or a
 * detector heartbeats every minute or so.
 */
export const DEFAULT_INACTIVITY_S: Record<SensorKind, number> = {
  alarm_button: 180,
  smoke: 180,
  door: 180,
  gate: 180,
  camera: 60,
  crowd_counter: 60,
};

const lon = z.number().min(-180).max(180);
const lat = z.number().min(-90).max(90);
const ring = z
  .array(z.tuple([lon, lat]))
  .min(4)
  .max(2000);

export const createCommunitySchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  /** The org the community belongs to (a station of the actor's subtree). */
  orgId: z.string().uuid(),
  /** Its outline, one closed ring of [lon, lat] (optional). */
  ring: ring.optional(),
});
export type CreateCommunity = z.infer<typeof createCommunitySchema>;

export const communitySchema = z.object({
  id: z.string(),
  name: z.string(),
  orgId: z.string(),
  ring: z.array(z.tuple([z.number(), z.number()])).nullable(),
  devices: z.number(),
  online: z.number(),
  /** online ÷ devices, null without devices. */
  onlineRate: z.number().nullable(),
  activeAlarms: z.number(),
});
export type Community = z.infer<typeof communitySchema>;

export const createSensorSchema = z.strictObject({
  communityId: z.string().uuid(),
  kind: sensorKindSchema,
  name: z.string().trim().min(1).max(100),
  /** Where it is: the address an alarm-button incident is raised at. */
  address: z.string().trim().min(1).max(200),
  lon,
  lat,
  /** Cameras: the stream's address (HLS / RTSP link), never frames. */
  streamUrl: z.string().url().max(500).optional(),
  /** Seconds of silence before offline; default per kind. */
  inactivityS: z.number().int().min(10).max(86_400).optional(),
});
export type CreateSensor = z.infer<typeof createSensorSchema>;

export const sensorSchema = z.object({
  id: z.string(),
  communityId: z.string(),
  orgId: z.string(),
  kind: sensorKindSchema,
  name: z.string(),
  address: z.string(),
  lon: z.number(),
  lat: z.number(),
  streamUrl: z.string().nullable(),
  inactivityS: z.number(),
  online: z.boolean(),
  lastSeenAt: z.string().nullable(),
  /** Event counts by event name (door openings, gate passes, presses). */
  counts: z.record(z.string(), z.number()),
  telemetry: z.record(z.string(), z.number()),
});
export type Sensor = z.infer<typeof sensorSchema>;

export const issuedSensorSchema = sensorSchema.extend({ token: z.string(), mqttTopic: z.string() });

// ---- what a device sends (HTTP body or MQTT payload on citywatch/sensors/<its id>)

const at = z.string().datetime({ offset: true }).optional();
export const sensorMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('heartbeat'), at }),
  /** The device's MQTT last will (set at CONNECT, published by the broker when it drops off). */
  z.strictObject({ type: z.literal('offline'), at }),
  z.strictObject({
    type: z.literal('telemetry'),
    at,
    values: z
      .record(z.string().min(1).max(40), z.number().finite())
      .refine((v) => Object.keys(v).length <= 50),
  }),
  z.strictObject({
    type: z.literal('event'),
    at,
    /** press (alarm button), smoke, open (door), pass (gate), tamper… */
    event: z.string().regex(/^[a-z_]{1,32}$/),
    count: z.number().int().min(1).max(10_000).default(1),
  }),
  z.strictObject({
    type: z.literal('count'),
    at,
    areaId: z.string().uuid(),
    /** People counted in the area now; negative is accepted here so that it can be flagged. */
    count: z.number().int().min(-1_000_000).max(10_000_000),
    source: z.enum(['drone', 'camera_counter', 'manual']).default('camera_counter'),
  }),
]);
export type SensorMessage = z.infer<typeof sensorMessageSchema>;

/** HTTP ingest: one message or a batch of them. */
export const sensorIngestSchema = z.union([
  sensorMessageSchema,
  z.array(sensorMessageSchema).min(1).max(1000),
]);

// ---- alarms (ThingsBoard's lifecycle)

export const ALARM_SEVERITIES = ['critical', 'major', 'minor', 'warning', 'indeterminate'] as const;
export type AlarmSeverity = (typeof ALARM_SEVERITIES)[number];
export const ALARM_STATUSES = ['active_unack', 'active_ack', 'cleared_unack', 'cleared_ack'] as const;
export type AlarmStatus = (typeof ALARM_STATUSES)[number];

export const alarmSchema = z.object({
  id: z.string(),
  deviceId: z.string().nullable(),
  areaId: z.string().nullable(),
  communityId: z.string().nullable(),
  orgId: z.string(),
  type: z.string(),
  severity: z.enum(ALARM_SEVERITIES),
  status: z.enum(ALARM_STATUSES),
  startedAt: z.string(),
  lastAt: z.string(),
  /** How many times it was raised (again) while active: offline repeats, further presses. */
  repeats: z.number(),
  escalated: z.boolean(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  clearedAt: z.string().nullable(),
  clearedBy: z.string().nullable(),
  incidentId: z.string().nullable(),
  ticketId: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type Alarm = z.infer<typeof alarmSchema>;

// ---- fault tickets (a camera offline: for the maintenance crew)

export const TICKET_STATES = ['open', 'acknowledged', 'closed'] as const;
export type TicketState = (typeof TICKET_STATES)[number];

export const ticketSchema = z.object({
  id: z.string(),
  deviceId: z.string(),
  deviceName: z.string(),
  deviceKind: sensorKindSchema,
  address: z.string(),
  communityId: z.string(),
  communityName: z.string(),
  orgId: z.string(),
  /** Why it was opened, e.g. `camera_offline`. */
  reason: z.string(),
  state: z.enum(TICKET_STATES),
  openedAt: z.string(),
  acknowledgedAt: z.string().nullable(),
  /** Username of who acknowledged it. */
  acknowledgedBy: z.string().nullable(),
  ackNote: z.string().nullable(),
  closedAt: z.string().nullable(),
  /** Username of who closed it; null when the platform closed it (the device came back online). */
  closedBy: z.string().nullable(),
  closeNote: z.string().nullable(),
  /** The device's state now. */
  deviceOnline: z.boolean(),
});
export type Ticket = z.infer<typeof ticketSchema>;

/** A note on a ticket: what the crew is doing (acknowledge, optional) or did (close, required). */
const ticketNote = z.string().trim().min(1).max(500);
export const acknowledgeTicketSchema = z.strictObject({ note: ticketNote.optional() });
export const closeTicketSchema = z.strictObject({ note: ticketNote });

// ---- crowd areas

export const createCrowdAreaSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    orgId: z.string().uuid(),
    /** The outline as one closed ring of [lon, lat]; or give `area`. */
    ring: ring.optional(),
    /**
     * The outline as GeoJSON as GIS tools write it (a Polygon, a Feature or a one-feature
     * FeatureCollection; read by core/geo/geojson), instead of `ring`.
     */
    area: z.unknown().optional(),
    /** Datum of `ring` or `area` (AMap/Tencent: gcj02, Baidu: bd09); stored as WGS-84. */
    datum: z.enum(DATUMS).optional(),
    /** People per m² at which the area warns and alarms (alarm above warning). */
    warnDensity: z.number().positive().max(20),
    alarmDensity: z.number().positive().max(20),
    /** People the area holds at most; a count beyond it is flagged as implausible, not alarmed. */
    capacity: z.number().int().positive().max(10_000_000),
    /** An event area is drawn for a day: deleted after this time (default: 24 h after drawing). */
    expiresAt: z.string().datetime({ offset: true }).optional(),
  })
  .transform(({ area, datum, ...rest }, ctx) => {
    const given = area !== undefined ? 'area' : rest.ring !== undefined ? 'ring' : null;
    if (given === null || (area !== undefined && rest.ring !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['ring'],
        message: 'give ring or area, one of them',
        params: { rule: 'required' },
      });
      return z.NEVER;
    }
    // Both go through the one reader: structure, datum, self-contact, right-hand rule.
    const input = given === 'area' ? area : { type: 'Polygon', coordinates: [rest.ring] };
    const read = readArea(input, { field: given, datum, single: true });
    const issues = read.issues.map((i) =>
      given === 'ring' ? { ...i, field: i.field.replace(/^ring\.coordinates\.0/, 'ring') } : i,
    );
    const polygon = read.area?.geometry.coordinates as [number, number][][] | undefined;
    if (polygon && polygon.length > 1) {
      issues.push({
        field: `${given}.coordinates.1`,
        rule: 'malformed',
        message: 'a crowd area is one ring, without holes',
      });
    }
    for (const issue of issues) {
      ctx.addIssue({
        code: 'custom',
        path: issue.field.split('.'),
        message: issue.message,
        params: { rule: issue.rule },
      });
    }
    if (issues.length > 0 || !polygon) return z.NEVER;
    return { ...rest, ring: polygon[0].map(([lon, lat]) => [lon, lat] as [number, number]) };
  });
export type CreateCrowdArea = z.output<typeof createCrowdAreaSchema>;

export const CROWD_LEVELS = ['normal', 'warning', 'alarm'] as const;
export type CrowdLevel = (typeof CROWD_LEVELS)[number];

export const crowdAreaSchema = z.object({
  id: z.string(),
  name: z.string(),
  orgId: z.string(),
  ring: z.array(z.tuple([z.number(), z.number()])),
  areaM2: z.number(),
  warnDensity: z.number(),
  alarmDensity: z.number(),
  capacity: z.number(),
  expiresAt: z.string(),
  count: z.number().nullable(),
  density: z.number().nullable(),
  level: z.enum(CROWD_LEVELS),
  countedAt: z.string().nullable(),
});
export type CrowdArea = z.infer<typeof crowdAreaSchema>;

export const crowdCountSchema = z.object({
  at: z.string(),
  count: z.number(),
  density: z.number(),
  source: z.string(),
  flag: z.string().nullable(),
});
