import { z } from 'zod';

/**
 * Cross-station help (跨所支援): a station dispatcher asks another station for one of its units for
 * an incident of their own; the asked station's dispatcher accepts (the unit is dispatched at once)
 * or declines. City-level dispatchers and commanders send any unit directly.
 */
export const HELP_REQUEST_STATUSES = ['pending', 'accepted', 'declined'] as const;
export type HelpRequestStatus = (typeof HELP_REQUEST_STATUSES)[number];

export const createHelpRequestSchema = z.strictObject({
  unitId: z.string().uuid(),
  note: z.string().trim().max(500).optional(),
});
export type CreateHelpRequest = z.infer<typeof createHelpRequestSchema>;

export const declineHelpRequestSchema = z.strictObject({
  reason: z.string().trim().min(2).max(500),
});

/** A request as both sides list it: the incident's essentials travel with it (the asked side decides on them). */
export const helpRequestSchema = z.object({
  id: z.string(),
  incidentId: z.string(),
  incidentNumber: z.string(),
  category: z.string(),
  priority: z.string(),
  lon: z.number(),
  lat: z.number(),
  unitId: z.string(),
  callSign: z.string(),
  fromOrgId: z.string(),
  fromOrgName: z.string(),
  toOrgId: z.string(),
  toOrgName: z.string(),
  status: z.enum(HELP_REQUEST_STATUSES),
  note: z.string().nullable(),
  requestedBy: z.string(),
  requestedAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  declineReason: z.string().nullable(),
  /** Whether the viewer is on the asked side (may accept or decline). */
  asked: z.boolean(),
});
export type HelpRequest = z.infer<typeof helpRequestSchema>;
export const helpRequestListSchema = z.object({ items: z.array(helpRequestSchema) });
