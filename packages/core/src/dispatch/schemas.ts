import { z } from 'zod';
import { incidentStatusSchema, PRIORITIES, UNIT_KINDS, unitStatusSchema } from './incident';

/** Request and response shapes of the dispatch API, shared by server and web. */
const lon = z.number().min(-180).max(180);
const lat = z.number().min(-90).max(90);

export const createIncidentSchema = z.strictObject({
  category: z.string().min(1).max(40),
  subcategory: z.string().min(1).max(40).optional(),
  priority: z.enum(PRIORITIES),
  lon,
  lat,
  crs: z.enum(['wgs84', 'gcj02', 'bd09']).default('wgs84'),
  addressLabel: z.string().max(200).optional(),
  /** Caller's number: personal data. */
  callerPhone: z
    .string()
    .regex(/^\+?[0-9 -]{3,20}$/)
    .optional(),
  narrative: z.string().min(1).max(2000),
  city: z.string().max(63).optional(),
});
export type CreateIncident = z.infer<typeof createIncidentSchema>;

export const incidentSchema = z.object({
  id: z.string(),
  number: z.string(),
  category: z.string(),
  subcategory: z.string().nullable(),
  priority: z.enum(PRIORITIES),
  status: incidentStatusSchema,
  police: z.boolean(),
  narrative: z.string(),
  lon: z.number(),
  lat: z.number(),
  addressLabel: z.string().nullable(),
  jurisdiction: z.object({ id: z.string(), name: z.string() }).nullable(),
  hasCaller: z.boolean(),
  receivedAt: z.string(),
  dispatchedAt: z.string().nullable(),
  arrivedAt: z.string().nullable(),
  clearedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  mergedInto: z.string().nullable(),
  units: z.array(z.object({ id: z.string(), callSign: z.string(), status: unitStatusSchema })),
});
export type Incident = z.infer<typeof incidentSchema>;

export const incidentEventSchema = z.object({
  at: z.string(),
  kind: z.string(),
  fromStatus: z.string().nullable(),
  toStatus: z.string().nullable(),
  username: z.string().nullable(),
  unitCallSign: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});

export const transitionSchema = z.strictObject({
  to: incidentStatusSchema,
  note: z.string().max(500).optional(),
  /** For `merged`: the incident this one duplicates. */
  mergeInto: z.string().uuid().optional(),
});

export const dispatchUnitSchema = z.strictObject({ unitId: z.string().uuid() });

export const createUnitSchema = z.strictObject({
  callSign: z.string().min(1).max(32),
  kind: z.enum(UNIT_KINDS),
  capabilities: z.array(z.string().min(1).max(32)).max(10).optional(),
  homeOrgId: z.string().uuid().optional(),
});

export const unitSchema = z.object({
  id: z.string(),
  callSign: z.string(),
  kind: z.enum(UNIT_KINDS),
  capabilities: z.array(z.string()),
  status: unitStatusSchema,
  incidentId: z.string().nullable(),
  lon: z.number().nullable(),
  lat: z.number().nullable(),
  heading: z.number().nullable(),
  /** Speed at the last fix, m/s (with the heading: which way a moving unit drives). */
  speed: z.number().nullable(),
  lastAt: z.string().nullable(),
});
export type Unit = z.infer<typeof unitSchema>;

export const unitStatusChangeSchema = z.strictObject({ status: unitStatusSchema });

export const avlBatchSchema = z.strictObject({
  positions: z
    .array(
      z.strictObject({
        unitId: z.string().uuid(),
        at: z.string().datetime({ offset: true }),
        lon,
        lat,
        heading: z.number().min(0).max(360).optional(),
        speed: z.number().min(0).max(100).optional(),
        /** Lights and siren on (emergency driving); absent: the device does not say. */
        emergency: z.boolean().optional(),
      }),
    )
    .min(1)
    .max(5000),
});

export const recommendationSchema = z.object({
  unitId: z.string(),
  callSign: z.string(),
  kind: z.string(),
  etaSeconds: z.number(),
  /** The travel times used: `static` (road class, maxspeed) or `learned:Mon-08` (hour of week, UTC). */
  profile: z.string(),
  stale: z.boolean(),
  lastAt: z.string().nullable(),
});
export type Recommendation = z.infer<typeof recommendationSchema>;

export type IncidentEvent = z.infer<typeof incidentEventSchema>;

/** The triage suggestion the intake answer carries (core/dispatch/triage.ts). */
export const triageSuggestionSchema = z.object({
  police: z.boolean(),
  matched: z.array(z.string()),
  reason: z.enum(['category', 'police_words', 'non_police_words', 'default']),
});

/** What `POST /api/dispatch/incidents` answers: the incident, likely duplicates and the triage. */
export const createdIncidentSchema = z.object({
  incident: incidentSchema,
  duplicates: z.array(incidentSchema),
  triage: triageSuggestionSchema,
});
export type CreatedIncident = z.infer<typeof createdIncidentSchema>;

/** `GET /api/dispatch/categories`: the two-level classification (core/dispatch/categories.ts). */
export const incidentCategorySchema = z.object({
  code: z.string(),
  zh: z.string(),
  en: z.string(),
  police: z.boolean(),
  needs: z.array(z.string()),
  sub: z.array(z.object({ code: z.string(), zh: z.string(), en: z.string() })),
});
export type IncidentCategoryItem = z.infer<typeof incidentCategorySchema>;
export const incidentCategoryListSchema = z.object({ items: z.array(incidentCategorySchema) });

export const incidentListSchema = z.object({ items: z.array(incidentSchema) });
export const incidentTimelineSchema = z.object({ items: z.array(incidentEventSchema) });
export const unitListSchema = z.object({ items: z.array(unitSchema) });
export const recommendationListSchema = z.object({ items: z.array(recommendationSchema) });

/** `GET /api/dispatch/incidents/:id/caller`: the caller's number, read with a stated purpose. */
export const callerSchema = z.object({ callerPhone: z.string().nullable() });
export type Caller = z.infer<typeof callerSchema>;
