/** The explosives API's shapes, shared by server routes and the web page. */
import { z } from 'zod';
import { calendarDateSchema } from '../time/calendar-date.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const date = calendarDateSchema;
const enterpriseId = text(64);

export const movementSchema = z.strictObject({
  id: text(64),
  time: z.string().max(40),
  from: z.string().max(80),
  to: z.string().max(80),
  product: z.string().max(64),
  quantity: z.number(),
  serials: z.array(z.string().max(32)).max(1000).default([]),
  permit: z.string().max(64).nullish(),
  reverses: z.string().max(64).nullish(),
});

export const postMovementsSchema = z.strictObject({
  enterpriseId,
  movements: z.array(movementSchema).min(1).max(1000),
});
export type PostMovements = z.infer<typeof postMovementsSchema>;

const violationSchema = z.object({ field: z.string(), rule: z.string() });
export const postResultSchema = z.object({
  id: z.string(),
  status: z.enum(['posted', 'refused']),
  reason: z.string().optional(),
  violations: z.array(violationSchema).optional(),
  anomalies: z.array(z.object({ serial: z.string(), reason: z.string() })).optional(),
});
export const postResultsSchema = z.object({ posted: z.number(), results: z.array(postResultSchema) });

export const productSchema = z.strictObject({
  code: text(64),
  name: text(100),
  kind: z.enum(['itemised', 'bulk']),
});
export type Product = z.infer<typeof productSchema>;

export const magazineSchema = z.strictObject({
  enterpriseId,
  name: z.string().regex(/^[\p{L}\p{N}_.-]{1,64}$/u),
  orgId: z.string().uuid(),
  address: z.string().max(200).default(''),
  /** Capacity by product: pieces for itemised products, kg for bulk ones. */
  capacity: z
    .array(z.strictObject({ product: text(64), quantity: z.number().positive() }))
    .max(50)
    .default([]),
});
export type MagazineInput = z.infer<typeof magazineSchema>;
export const magazineViewSchema = z.object({
  enterpriseId: z.string(),
  name: z.string(),
  orgId: z.string(),
  address: z.string(),
  stock: z.array(z.object({ product: z.string(), quantity: z.number(), capacity: z.number().nullable() })),
});

export const permitItemSchema = z.strictObject({ product: text(64), quantity: z.number().positive() });
export const permitApplicationSchema = z.strictObject({
  enterpriseId: enterpriseId.optional(),
  kind: z.enum(['purchase', 'transport']),
  validFrom: date,
  validTo: date,
  items: z.array(permitItemSchema).min(1).max(20),
  route: z.string().max(500).default(''),
  vehicle: z.string().max(64).default(''),
  escort: z.string().max(100).default(''),
  /**
   * The permitted route's stops, [lon, lat] from the origin to the destination: the server draws
   * the quickest road route through them on the city's road graph and keeps it as `routeLine`.
   */
  routeVia: z
    .array(z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]))
    .min(2)
    .max(10)
    .optional(),
  /** The permitted route as a line of [lon, lat] (transport permits), watched against the vehicle's fixes. */
  routeLine: z
    .array(z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]))
    .min(2)
    .max(5000)
    .optional(),
});
export type PermitApplication = z.infer<typeof permitApplicationSchema>;
export const permitSchema = z.object({
  id: z.string(),
  enterpriseId: z.string(),
  orgId: z.string(),
  kind: z.enum(['purchase', 'transport']),
  status: z.enum(['applied', 'approved', 'refused']),
  approvals: z.number(),
  validFrom: z.string(),
  validTo: z.string(),
  route: z.string(),
  vehicle: z.string(),
  escort: z.string(),
  items: z.array(z.object({ product: z.string(), quantity: z.number(), remaining: z.number() })),
  appliedAt: z.string(),
});
export type Permit = z.infer<typeof permitSchema>;

export const countsSchema = z.strictObject({
  enterpriseId,
  date,
  counts: z
    .array(z.strictObject({ account: z.string().max(80), product: text(64), counted: z.number().min(0) }))
    .min(1)
    .max(500),
});
export type CountsInput = z.infer<typeof countsSchema>;
export const closeResultSchema = z.object({
  date: z.string(),
  variances: z.array(
    z.object({ account: z.string(), product: z.string(), book: z.number(), counted: z.number() }),
  ),
});

export const ALARM_KINDS = [
  'variance',
  'loss',
  'serial_anomaly',
  'overdue_transit',
  'route_deviation',
  'long_stop',
] as const;
export const alarmSchema = z.object({
  id: z.string(),
  enterpriseId: z.string(),
  orgId: z.string(),
  kind: z.enum(ALARM_KINDS),
  subject: z.string(),
  detail: z.record(z.string(), z.unknown()),
  raisedAt: z.string(),
  reportDueAt: z.string(),
  reportedAt: z.string().nullable(),
  /** When the clock ran out unreported and the alarm went to the station head and the command centre. */
  escalatedAt: z.string().nullable(),
});
export type Alarm = z.infer<typeof alarmSchema>;

export const transferViewSchema = z.object({
  id: z.string(),
  at: z.string(),
  from: z.string(),
  to: z.string(),
  product: z.string(),
  quantity: z.number(),
  serials: z.array(z.string()),
  permit: z.string().nullable(),
  reverses: z.string().nullable(),
});
export const ledgerQuerySchema = z.strictObject({
  enterpriseId,
  account: z.string().max(80).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const trackSchema = z.strictObject({
  fixes: z
    .array(
      z.strictObject({
        at: z.string().datetime({ offset: true }),
        lon: z.number().min(-180).max(180),
        lat: z.number().min(-90).max(90),
      }),
    )
    .min(1)
    .max(1000),
});
export const trackResultSchema = z.object({
  stored: z.number(),
  alarms: z.array(z.object({ kind: z.string(), from: z.string(), to: z.string() })),
});

/** Monthly close (月结) of an enterprise's magazines, from the month's daily closes. */
export const monthCloseSchema = z.strictObject({
  enterpriseId,
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
});
export const monthLineSchema = z.object({
  account: z.string(),
  product: z.string(),
  opening: z.number(),
  received: z.number(),
  issued: z.number(),
  closing: z.number(),
  counted: z.number().nullable(),
  /** counted − closing at the month's end; carried into the next month's close. */
  variance: z.number(),
  varianceDays: z.number(),
  carriedIn: z.number(),
});
export const monthCloseResultSchema = z.object({
  month: z.string(),
  closedAt: z.string(),
  lines: z.array(monthLineSchema),
});
export type MonthCloseResult = z.infer<typeof monthCloseResultSchema>;

/** A transport vehicle registered for an enterprise; its device token is shown once. */
export const vehicleInputSchema = z.strictObject({ enterpriseId, plate: text(64) });
export const vehicleSchema = z.object({
  deviceId: z.string(),
  enterpriseId: z.string(),
  plate: z.string(),
  createdAt: z.string(),
});
export const issuedVehicleSchema = vehicleSchema.extend({ token: z.string() });
/** AVL positions a vehicle sends with its own token (Authorization: Bearer). */
export const vehicleAvlSchema = trackSchema;
export const vehicleAvlResultSchema = trackResultSchema.extend({ permitId: z.string() });
/** A transport permit's route and track for the map: the permitted road route, positions, alarms. */
export const transportViewSchema = z.object({
  permitId: z.string(),
  vehicle: z.string(),
  route: z.array(z.tuple([z.number(), z.number()])),
  fixes: z.array(z.object({ at: z.string(), lon: z.number(), lat: z.number() })),
  alarms: z.array(
    z.object({
      kind: z.string(),
      lon: z.number().nullable(),
      lat: z.number().nullable(),
      raisedAt: z.string(),
    }),
  ),
});
export type TransportView = z.infer<typeof transportViewSchema>;
