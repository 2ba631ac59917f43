/**
 * Public notices drafted on the indicators page (a crowd alarm at an event area, a road closure),
 * as CAP 1.2 alerts: one info block in zh-CN and one in en-US, a circle around the place, scope
 * Public. An Update or Cancel references the alert it answers (CAP `references`).
 */
import { z } from 'zod';
import { CAP_CERTAINTY, type CapAlertInput } from './cap.js';

export const PUBLIC_NOTICE_KINDS = ['crowd', 'road_closure'] as const;
export type PublicNoticeKind = (typeof PUBLIC_NOTICE_KINDS)[number];

const text = (max: number) => z.string().trim().min(1).max(max);

/** What an officer drafts (the body of POST /api/cap/notices). */
export const publicNoticeDraftSchema = z.strictObject({
  kind: z.enum(PUBLIC_NOTICE_KINDS),
  msgType: z.enum(['Alert', 'Update', 'Cancel']).default('Alert'),
  /** The notice an Update or Cancel answers (published before). */
  answers: z.string().uuid().optional(),
  org: z.string().uuid().optional(),
  headlineZh: text(160),
  headlineEn: text(160),
  descriptionZh: text(2000),
  descriptionEn: text(2000),
  areaDesc: text(200),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  radiusKm: z.number().positive().max(50),
  severity: z.enum(['Extreme', 'Severe', 'Moderate', 'Minor']).default('Moderate'),
  urgency: z.enum(['Immediate', 'Expected', 'Future']).default('Expected'),
  certainty: z.enum(CAP_CERTAINTY).default('Observed'),
  expiresAt: z.iso.datetime({ offset: true }),
});
export type PublicNoticeDraft = z.output<typeof publicNoticeDraftSchema>;

const EVENT = {
  crowd: { zh: '人员聚集预警', en: 'Crowd alert', category: ['Safety'] as const, response: 'Avoid' as const },
  road_closure: {
    zh: '道路临时管控',
    en: 'Temporary road closure',
    category: ['Transport'] as const,
    response: 'Avoid' as const,
  },
};

export interface PublicNoticeAlert {
  identifier: string;
  sender: string;
  sent: Date;
  web: string;
  kind: PublicNoticeKind;
  msgType: 'Alert' | 'Update' | 'Cancel';
  headlineZh: string;
  headlineEn: string;
  descriptionZh: string;
  descriptionEn: string;
  areaDesc: string;
  lat: number;
  lon: number;
  radiusKm: number;
  severity: 'Extreme' | 'Severe' | 'Moderate' | 'Minor';
  urgency: 'Immediate' | 'Expected' | 'Future';
  /** Observed when absent; a Cancel is always Observed (the all-clear is known). */
  certainty?: (typeof CAP_CERTAINTY)[number];
  expires: Date;
  /** The alert answered by an Update or Cancel: `sender,identifier,sent`. */
  references?: { sender: string; identifier: string; sent: Date };
  senderName: string;
}

/** The CAP alert of an approved notice (Cancel: all clear, urgency Past, severity Minor). */
export function publicNoticeAlert(n: PublicNoticeAlert): CapAlertInput {
  const event = EVENT[n.kind];
  const cancel = n.msgType === 'Cancel';
  const area = {
    areaDesc: n.areaDesc,
    circles: [{ lat: n.lat, lon: n.lon, radiusKm: n.radiusKm }],
  };
  const info = (language: string, ev: string, headline: string, description: string) => ({
    language,
    category: [...event.category],
    event: cancel ? `${ev} ${language === 'zh-CN' ? '解除' : 'lifted'}` : ev,
    responseType: [cancel ? ('AllClear' as const) : event.response],
    urgency: cancel ? ('Past' as const) : n.urgency,
    severity: cancel ? ('Minor' as const) : n.severity,
    certainty: cancel ? ('Observed' as const) : (n.certainty ?? 'Observed'),
    eventCodes: [{ valueName: 'citywatch', value: n.kind }],
    expires: n.expires,
    senderName: n.senderName,
    headline,
    description,
    web: n.web,
    areas: [area],
  });
  return {
    identifier: n.identifier,
    sender: n.sender,
    sent: n.sent,
    status: 'Actual',
    msgType: n.msgType,
    scope: 'Public',
    references: n.references ? [n.references] : [],
    info: [
      info('zh-CN', event.zh, n.headlineZh, n.descriptionZh),
      info('en-US', event.en, n.headlineEn, n.descriptionEn),
    ],
  };
}
