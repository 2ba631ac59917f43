import { z } from 'zod';
import { calendarDateSchema } from '../time/calendar-date.js';
import { industrySchema, riskLevelSchema } from './schemas.js';

/**
 * Inspections that close the loop: a finding becomes a notice (提示整改, minor) or a rectification
 * order (责令整改, serious) with a deadline; the enterprise reports the fix with evidence; the
 * inspector verifies (accepted → closed, refused → open again); past the deadline unfixed, the
 * case escalates to the station's head.
 */
export const CASE_KINDS = ['notice', 'order'] as const;
export const caseKindSchema = z.enum(CASE_KINDS);
export type CaseKind = z.infer<typeof caseKindSchema>;
export const CASE_STATUSES = ['open', 'reported', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const SEVERITIES = ['minor', 'serious'] as const;
export const severitySchema = z.enum(SEVERITIES);

const isoDate = calendarDateSchema;

/** A photo or document: base64 bytes (JPEG, PNG or PDF), at most 2 MB each. */
export const attachmentInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  type: z.enum(['image/jpeg', 'image/png', 'application/pdf']),
  data: z
    .string()
    .max(2_800_000)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/),
});
export type AttachmentInput = z.infer<typeof attachmentInputSchema>;

export const findingInputSchema = z.strictObject({
  /** The checklist item found wanting (or free). */
  item: z.string().trim().min(1).max(64).optional(),
  description: z.string().trim().min(2).max(2000),
  severity: severitySchema,
  /** notice for minor, order for serious unless said otherwise. */
  kind: caseKindSchema.optional(),
  /** Last day to fix ('YYYY-MM-DD'); default 7 days for a notice, 15 for an order. */
  deadline: isoDate.optional(),
});
export type FindingInput = z.infer<typeof findingInputSchema>;

export const createInspectionSchema = z.strictObject({
  unitId: z.string().uuid(),
  /** video: by the unit's cameras (巡查); onsite: at the premises, with phone position and photos. */
  kind: z.enum(['video', 'onsite']),
  /** When it happened (the phone's time); default now. */
  at: z.string().datetime({ offset: true }).optional(),
  lon: z.number().min(-180).max(180).optional(),
  lat: z.number().min(-90).max(90).optional(),
  results: z
    .array(
      z.strictObject({
        item: z.string().min(1).max(64),
        ok: z.boolean(),
        note: z.string().max(500).optional(),
      }),
    )
    .max(50)
    .default([]),
  photos: z.array(attachmentInputSchema).max(6).default([]),
  findings: z.array(findingInputSchema).max(20).default([]),
});
export type CreateInspection = z.input<typeof createInspectionSchema>;

export const inspectionSchema = z.object({
  id: z.string(),
  unitId: z.string(),
  unitName: z.string(),
  kind: z.enum(['video', 'onsite']),
  inspectorName: z.string(),
  at: z.string(),
  lon: z.number().nullable(),
  lat: z.number().nullable(),
  results: z.array(z.object({ item: z.string(), ok: z.boolean(), note: z.string().optional() })),
  photoIds: z.array(z.string()),
  caseIds: z.array(z.string()),
});
export type Inspection = z.infer<typeof inspectionSchema>;

export const caseSchema = z.object({
  id: z.string(),
  number: z.string(),
  unitId: z.string(),
  unitName: z.string(),
  industry: industrySchema,
  orgId: z.string(),
  orgName: z.string(),
  inspectionId: z.string().nullable(),
  source: z.enum(['inspection', 'compliance']),
  kind: caseKindSchema,
  severity: severitySchema,
  item: z.string().nullable(),
  description: z.string(),
  deadline: z.string(),
  status: z.enum(CASE_STATUSES),
  /** Days left to the deadline (negative: overdue); null once closed. */
  daysLeft: z.number().nullable(),
  overdue: z.boolean(),
  escalatedAt: z.string().nullable(),
  createdAt: z.string(),
  createdByName: z.string().nullable(),
  reportedAt: z.string().nullable(),
  reportText: z.string().nullable(),
  verifiedAt: z.string().nullable(),
  verifyNote: z.string().nullable(),
  closedAt: z.string().nullable(),
  attachments: z.array(z.object({ id: z.string(), name: z.string(), type: z.string(), role: z.string() })),
});
export type Case = z.infer<typeof caseSchema>;
export const caseListSchema = z.object({ items: z.array(caseSchema) });

export const reportFixSchema = z.strictObject({
  text: z.string().trim().min(2).max(2000),
  evidence: z.array(attachmentInputSchema).min(1).max(6),
});
export type ReportFix = z.infer<typeof reportFixSchema>;

export const verifySchema = z.strictObject({
  accepted: z.boolean(),
  note: z.string().trim().min(2).max(1000),
});

export const calendarEntrySchema = z.object({
  unitId: z.string(),
  unitName: z.string(),
  industry: industrySchema,
  riskLevel: riskLevelSchema,
  intervalDays: z.number(),
  lastInspectedAt: z.string().nullable(),
  due: z.string(),
  overdue: z.boolean(),
});
export const calendarSchema = z.object({ items: z.array(calendarEntrySchema) });
export type CalendarEntry = z.infer<typeof calendarEntrySchema>;

/** Default days to fix: a week for a notice, a fortnight and a day for an order. */
export const DEFAULT_FIX_DAYS: Record<CaseKind, number> = { notice: 7, order: 15 };
