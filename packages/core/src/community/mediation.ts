import { z } from 'zod';

/**
 * Dispute mediation (矛盾纠纷排查化解), after China's people's-mediation rules: a case is settled
 * within about a month (30 days by default), a settlement is a written agreement naming the
 * parties, the facts, each side's responsibilities, and how and by when it is performed; follow-up
 * visits check that it was. Pure rules: statuses, the SLA clock, what an agreement needs, rates.
 */

export const CASE_SOURCES = [
  'diversion_110',
  'hotline_12345',
  'walk_in',
  'officer',
  'citizen_report',
] as const;
export type CaseSource = (typeof CASE_SOURCES)[number];
export const CASE_SOURCE_LABELS: Record<CaseSource, { zh: string; en: string }> = {
  diversion_110: { zh: '110 分流', en: '110 diversion' },
  hotline_12345: { zh: '12345 转办', en: '12345 hand-off' },
  walk_in: { zh: '来访', en: 'Walk-in' },
  officer: { zh: '社区民警排查', en: 'Community officer' },
  citizen_report: { zh: '群众上报', en: 'Citizen report' },
};

export const CASE_CATEGORIES = [
  'neighbour',
  'family',
  'labour',
  'commercial',
  'property',
  'traffic',
  'other',
] as const;
export type CaseCategory = (typeof CASE_CATEGORIES)[number];
export const CASE_CATEGORY_LABELS: Record<CaseCategory, { zh: string; en: string }> = {
  neighbour: { zh: '邻里纠纷', en: 'Neighbours' },
  family: { zh: '婚姻家庭', en: 'Family' },
  labour: { zh: '劳资纠纷', en: 'Labour' },
  commercial: { zh: '经济纠纷', en: 'Commercial' },
  property: { zh: '物业纠纷', en: 'Property management' },
  traffic: { zh: '交通事故赔偿', en: 'Traffic compensation' },
  other: { zh: '其他', en: 'Other' },
};

/**
 * intake → mediating → agreed → closed (once a follow-up found it performed);
 * mediating → failed → closed; intake/mediating → withdrawn.
 */
export const CASE_STATUSES = ['intake', 'mediating', 'agreed', 'failed', 'withdrawn', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const CASE_STATUS_LABELS: Record<CaseStatus, { zh: string; en: string }> = {
  intake: { zh: '待受理', en: 'Intake' },
  mediating: { zh: '调解中', en: 'Mediating' },
  agreed: { zh: '已达成协议', en: 'Agreed' },
  failed: { zh: '调解不成', en: 'Failed' },
  withdrawn: { zh: '已撤回', en: 'Withdrawn' },
  closed: { zh: '已结案', en: 'Closed' },
};

const TRANSITIONS: Record<CaseStatus, readonly CaseStatus[]> = {
  intake: ['mediating', 'withdrawn'],
  mediating: ['agreed', 'failed', 'withdrawn'],
  agreed: ['closed'],
  failed: ['closed'],
  withdrawn: ['closed'],
  closed: [],
};

export function canTransitionCase(from: CaseStatus, to: CaseStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Statuses in which mediation has ended (the SLA clock stopped). */
export const ENDED_STATUSES: readonly CaseStatus[] = ['agreed', 'failed', 'withdrawn', 'closed'];

export const DEFAULT_SLA_DAYS = 30;
const DAY = 86_400_000;

export function dueAt(openedAt: Date, slaDays = DEFAULT_SLA_DAYS): Date {
  return new Date(openedAt.getTime() + slaDays * DAY);
}

/** Where a case stands on its clock: days left (negative when overdue), stopped once it ended. */
export function slaState(
  now: Date,
  due: Date,
  endedAt: Date | null,
): { daysLeft: number; overdue: boolean; onTime: boolean | null } {
  const at = endedAt ?? now;
  // Whole days, rounded away from zero: 29.9 days left reads "30 days left", 0.2 overdue "1 overdue".
  const ms = due.getTime() - at.getTime();
  const daysLeft = ms >= 0 ? Math.ceil(ms / DAY) : -Math.ceil(-ms / DAY);
  const late = at.getTime() > due.getTime();
  return { daysLeft, overdue: endedAt === null && late, onTime: endedAt === null ? null : !late };
}

/** What a written agreement must say; each field is required (people's-mediation rules). */
export const agreementSchema = z.strictObject({
  facts: z.string().trim().min(10).max(4000),
  responsibilities: z.string().trim().min(5).max(4000),
  /** How the agreement is performed (payment, repair, apology…). */
  performance: z.string().trim().min(5).max(2000),
  /** By when (a local date). */
  performBy: z.iso.date(),
});
export type AgreementInput = z.infer<typeof agreementSchema>;

export const PARTY_ROLES = ['applicant', 'respondent', 'other'] as const;
export const partySchema = z.strictObject({
  role: z.enum(PARTY_ROLES),
  /** Minimal personal data: a name and, optionally, a phone to reach them. */
  name: z.string().trim().min(1).max(50),
  phone: z
    .string()
    .regex(/^\+?[0-9 -]{3,20}$/)
    .optional(),
});
export type PartyInput = z.infer<typeof partySchema>;

export const createCaseSchema = z.strictObject({
  source: z.enum(CASE_SOURCES),
  /** The incident, hand-off or report it came from. */
  sourceRef: z.string().max(100).optional(),
  category: z.enum(CASE_CATEGORIES),
  summary: z.string().trim().min(5).max(2000),
  lon: z.number().min(-180).max(180).optional(),
  lat: z.number().min(-90).max(90).optional(),
  address: z.string().trim().max(200).optional(),
  parties: z.array(partySchema).min(2).max(20),
  riskViolence: z.boolean().default(false),
  slaDays: z.number().int().min(1).max(90).default(DEFAULT_SLA_DAYS),
  mediatorId: z.uuid().optional(),
  room: z.string().trim().min(1).max(50).optional(),
});
export type CreateCase = z.infer<typeof createCaseSchema>;

export const updateCaseSchema = z
  .strictObject({
    mediatorId: z.uuid().nullable().optional(),
    room: z.string().trim().min(1).max(50).nullable().optional(),
    category: z.enum(CASE_CATEGORIES).optional(),
    riskViolence: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'empty', path: [] });

export const caseSessionSchema = z.strictObject({
  heldAt: z.iso.datetime({ offset: true }),
  room: z.string().trim().min(1).max(50).optional(),
  notes: z.string().trim().min(2).max(4000),
});

export const followUpSchema = z.strictObject({
  visitedAt: z.iso.datetime({ offset: true }),
  performed: z.boolean(),
  notes: z.string().trim().min(2).max(2000),
});

export const caseTransitionSchema = z.strictObject({
  to: z.enum(['mediating', 'failed', 'withdrawn', 'closed']),
  note: z.string().trim().max(500).optional(),
});

/** A case as lists and the board show it: no party's name or phone (those are read with a purpose). */
export const caseSchema = z.object({
  id: z.string(),
  number: z.string(),
  org: z.object({ id: z.string(), name: z.string() }),
  source: z.enum(CASE_SOURCES),
  sourceRef: z.string().nullable(),
  category: z.enum(CASE_CATEGORIES),
  summary: z.string(),
  address: z.string().nullable(),
  lon: z.number().nullable(),
  lat: z.number().nullable(),
  status: z.enum(CASE_STATUSES),
  riskViolence: z.boolean(),
  riskIncidentId: z.string().nullable(),
  mediator: z.object({ id: z.string(), name: z.string() }).nullable(),
  room: z.string().nullable(),
  partyCount: z.number(),
  slaDays: z.number(),
  openedAt: z.string(),
  dueAt: z.string(),
  endedAt: z.string().nullable(),
  daysLeft: z.number(),
  overdue: z.boolean(),
  onTime: z.boolean().nullable(),
  performed: z.boolean().nullable(),
});
export type MediationCase = z.infer<typeof caseSchema>;

export const caseDetailSchema = caseSchema.extend({
  sessions: z.array(
    z.object({ id: z.string(), heldAt: z.string(), room: z.string().nullable(), notes: z.string() }),
  ),
  agreement: z
    .object({
      facts: z.string(),
      responsibilities: z.string(),
      performance: z.string(),
      performBy: z.string(),
      signedAt: z.string(),
    })
    .nullable(),
  followUps: z.array(
    z.object({ id: z.string(), visitedAt: z.string(), performed: z.boolean(), notes: z.string() }),
  ),
});
export type MediationCaseDetail = z.infer<typeof caseDetailSchema>;

export const partyReadSchema = z.object({
  items: z.array(
    z.object({ id: z.string(), role: z.enum(PARTY_ROLES), name: z.string(), phone: z.string().nullable() }),
  ),
});

/** One row of the rates: cases of a station or a mediator. */
export interface RateRow {
  key: string;
  name: string;
  cases: number;
  ended: number;
  agreed: number;
  onTime: number;
  open: number;
  overdue: number;
  /** agreed ÷ ended (null before any ended). */
  resolutionRate: number | null;
  /** ended within the SLA ÷ ended. */
  onTimeRate: number | null;
}

export interface RateInput {
  key: string;
  name: string;
  status: CaseStatus;
  agreed: boolean;
  dueAt: Date;
  endedAt: Date | null;
}

/** Resolution and on-time rates per key (station or mediator), largest first. */
export function caseRates(cases: readonly RateInput[], now: Date): RateRow[] {
  const rows = new Map<string, RateRow>();
  for (const c of cases) {
    let row = rows.get(c.key);
    if (!row) {
      row = {
        key: c.key,
        name: c.name,
        cases: 0,
        ended: 0,
        agreed: 0,
        onTime: 0,
        open: 0,
        overdue: 0,
        resolutionRate: null,
        onTimeRate: null,
      };
      rows.set(c.key, row);
    }
    row.cases++;
    const sla = slaState(now, c.dueAt, c.endedAt);
    if (c.endedAt) {
      row.ended++;
      if (c.agreed) row.agreed++;
      if (sla.onTime) row.onTime++;
    } else {
      row.open++;
      if (sla.overdue) row.overdue++;
    }
  }
  for (const row of rows.values()) {
    row.resolutionRate = row.ended ? row.agreed / row.ended : null;
    row.onTimeRate = row.ended ? row.onTime / row.ended : null;
  }
  return [...rows.values()].sort((a, b) => b.cases - a.cases || a.name.localeCompare(b.name));
}

export const caseRatesSchema = z.object({
  stations: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      cases: z.number(),
      ended: z.number(),
      agreed: z.number(),
      onTime: z.number(),
      open: z.number(),
      overdue: z.number(),
      resolutionRate: z.number().nullable(),
      onTimeRate: z.number().nullable(),
    }),
  ),
  mediators: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      cases: z.number(),
      ended: z.number(),
      agreed: z.number(),
      onTime: z.number(),
      open: z.number(),
      overdue: z.number(),
      resolutionRate: z.number().nullable(),
      onTimeRate: z.number().nullable(),
    }),
  ),
});

/** People read case numbers like `T20261129-0003` (调 for 调解). */
export function caseNumber(localDay: string, seq: number): string {
  return `T${localDay.replaceAll('-', '')}-${String(seq).padStart(4, '0')}`;
}
