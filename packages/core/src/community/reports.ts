import { z } from 'zod';

/**
 * Citizen reports (群众上报): what a resident may report from the public page or an Open311
 * client, each category with its expected response time (the SLA Open311 answers as
 * `expected_datetime`) and where a dispatcher most likely sends it.
 */
export interface ReportCategory {
  /** Open311 `service_code`. */
  code: string;
  zh: string;
  en: string;
  description: { zh: string; en: string };
  /** Hours until a first decision is expected (Open311 `expected_datetime`). */
  slaHours: number;
  /** The incident category a dispatcher most likely turns it into (dispatch's classification). */
  incidentCategory: string;
  /** Open311 `group`. */
  group: { zh: string; en: string };
}

const SECURITY = { zh: '治安', en: 'Public security' };
const COMMUNITY = { zh: '社区', en: 'Community' };

export const REPORT_CATEGORIES: readonly ReportCategory[] = [
  {
    code: 'suspicious',
    zh: '可疑情况',
    en: 'Suspicious activity',
    description: { zh: '可疑人员、车辆或物品', en: 'Suspicious people, vehicles or objects' },
    slaHours: 4,
    incidentCategory: 'public_order',
    group: SECURITY,
  },
  {
    code: 'public_order',
    zh: '治安隐患',
    en: 'Public-order hazard',
    description: {
      zh: '聚众赌博、寻衅滋事等治安问题',
      en: 'Gambling, harassment and other public-order problems',
    },
    slaHours: 24,
    incidentCategory: 'public_order',
    group: SECURITY,
  },
  {
    code: 'fraud',
    zh: '诈骗线索',
    en: 'Fraud lead',
    description: { zh: '电信网络诈骗等线索', en: 'Leads on phone and online fraud' },
    slaHours: 24,
    incidentCategory: 'criminal',
    group: SECURITY,
  },
  {
    code: 'traffic_safety',
    zh: '交通安全隐患',
    en: 'Traffic hazard',
    description: {
      zh: '乱停乱放、信号灯故障、道路隐患',
      en: 'Obstructive parking, broken signals, road hazards',
    },
    slaHours: 48,
    incidentCategory: 'traffic',
    group: SECURITY,
  },
  {
    code: 'fire_hazard',
    zh: '消防隐患',
    en: 'Fire hazard',
    description: { zh: '堵塞消防通道、违规用火用电', en: 'Blocked fire lanes, unsafe use of fire or power' },
    slaHours: 24,
    incidentCategory: 'fire_rescue',
    group: SECURITY,
  },
  {
    code: 'dispute',
    zh: '矛盾纠纷',
    en: 'Dispute',
    description: {
      zh: '邻里、家庭、劳资等纠纷，可申请调解',
      en: 'Neighbour, family or labour disputes; mediation on request',
    },
    slaHours: 72,
    incidentCategory: 'dispute',
    group: COMMUNITY,
  },
  {
    code: 'noise',
    zh: '噪音扰民',
    en: 'Noise',
    description: { zh: '施工、娱乐场所等噪音', en: 'Noise from building sites, venues and the like' },
    slaHours: 72,
    incidentCategory: 'non_police',
    group: COMMUNITY,
  },
  {
    code: 'municipal',
    zh: '市政设施',
    en: 'Municipal facilities',
    description: {
      zh: '路灯、井盖、道路破损等（多转 12345）',
      en: 'Street lights, manhole covers, broken roads (mostly for 12345)',
    },
    slaHours: 72,
    incidentCategory: 'non_police',
    group: COMMUNITY,
  },
];

export function findReportCategory(code: string): ReportCategory | undefined {
  return REPORT_CATEGORIES.find((c) => c.code === code);
}

/** When a decision on a report of this category is expected. */
export function expectedAt(category: ReportCategory, requestedAt: Date): Date {
  return new Date(requestedAt.getTime() + category.slaHours * 3_600_000);
}

/**
 * A report's life: received in the intake queue, then one decision — a 110 incident, a mediation
 * case, a hand-off to the 12345 hotline, or rejected with a reason.
 */
export const REPORT_STATUSES = ['received', 'incident', 'case', 'hotline', 'rejected'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export const REPORT_STATUS_LABELS: Record<ReportStatus, { zh: string; en: string }> = {
  received: { zh: '待受理', en: 'Received' },
  incident: { zh: '已转 110 警情', en: 'Became a 110 incident' },
  case: { zh: '已转矛盾调解', en: 'Became a mediation case' },
  hotline: { zh: '已转 12345', en: 'Handed to 12345' },
  rejected: { zh: '不予受理', en: 'Rejected' },
};

/** Limits on a report's photo or short video. */
export const MEDIA_LIMITS = { imageBytes: 8 * 1024 * 1024, videoBytes: 30 * 1024 * 1024 } as const;

/** Reports accepted per hour from one client address and from one device fingerprint. */
export const REPORT_RATE = { perAddressPerHour: 20, perFingerprintPerHour: 5 } as const;

const lon = z.number().min(-180).max(180);
const lat = z.number().min(-90).max(90);

/** A report as the public page sends it (multipart fields, numbers already parsed). */
export const publicReportSchema = z.strictObject({
  category: z.string().min(1).max(40),
  description: z.string().trim().min(5).max(2000),
  lon: lon.optional(),
  lat: lat.optional(),
  /** Where the position came from: the phone's location, or a pin the reporter set on the map. */
  positionSource: z.enum(['device', 'pin']).optional(),
  address: z.string().trim().max(200).optional(),
  /** A fingerprint the page derives from the device (hashed again before it is stored). */
  fingerprint: z.string().min(8).max(200),
});
export type PublicReport = z.infer<typeof publicReportSchema>;

export const reportDecisionSchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('incident'),
    /** The incident's category (default: the report category's usual one). */
    category: z.string().min(1).max(40).optional(),
    priority: z.enum(['P1', 'P2', 'P3', 'P4']).default('P3'),
    note: z.string().trim().max(500).optional(),
  }),
  z.strictObject({ action: z.literal('hotline'), note: z.string().trim().max(500).optional() }),
  z.strictObject({ action: z.literal('case'), note: z.string().trim().max(500).optional() }),
  z.strictObject({ action: z.literal('reject'), reason: z.string().trim().min(2).max(500) }),
]);
export type ReportDecision = z.infer<typeof reportDecisionSchema>;

/** A report as staff see it in the intake queue. */
export const reportSchema = z.object({
  id: z.string(),
  number: z.string(),
  category: z.string(),
  description: z.string(),
  lon: z.number(),
  lat: z.number(),
  positionSource: z.string(),
  address: z.string().nullable(),
  org: z.object({ id: z.string(), name: z.string() }),
  status: z.enum(REPORT_STATUSES),
  statusNotes: z.string().nullable(),
  source: z.enum(['page', 'open311']),
  media: z.object({ type: z.string(), bytes: z.number(), takenAt: z.string().nullable() }).nullable(),
  mediaUrl: z.string().nullable(),
  exif: z.object({ lon: z.number(), lat: z.number() }).nullable(),
  incidentId: z.string().nullable(),
  caseId: z.string().nullable(),
  receivedAt: z.string(),
  expectedAt: z.string(),
  updatedAt: z.string(),
});
export type Report = z.infer<typeof reportSchema>;

/** What the reporter sees with the token link: no one else's data, nothing about staff. */
export const reportTrackingSchema = z.object({
  number: z.string(),
  category: z.string(),
  status: z.enum(REPORT_STATUSES),
  statusNotes: z.string().nullable(),
  agency: z.string(),
  receivedAt: z.string(),
  expectedAt: z.string(),
  updatedAt: z.string(),
});
export type ReportTracking = z.infer<typeof reportTrackingSchema>;

/** People read report numbers like `R20261129-0007` (local day and the day's sequence). */
export function reportNumber(localDay: string, seq: number): string {
  return `R${localDay.replaceAll('-', '')}-${String(seq).padStart(4, '0')}`;
}
