/**
 * Public notices (item 5 of the indicators issue): drafted by one officer, approved or rejected
 * by a second (four-eyes), only then issued as CAP 1.2 to the public feed.
 */
import { publicNoticeDraftSchema } from '@citywatch/core/cap/public-notice';
import { z } from 'zod';
import { actorOf } from '../../http/auth.js';
import type { ZodApp } from '../module.js';
import type { NoticeService } from './notices.js';

const tags = ['cap'];
const noticeSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  kind: z.enum(['crowd', 'road_closure']),
  msgType: z.enum(['Alert', 'Update', 'Cancel']),
  answersId: z.string().nullable(),
  headlineZh: z.string(),
  headlineEn: z.string(),
  descriptionZh: z.string(),
  descriptionEn: z.string(),
  areaDesc: z.string(),
  lat: z.number(),
  lon: z.number(),
  radiusKm: z.number().nullable().describe('The circle; null when the area is the polygon'),
  polygon: z.string().nullable().describe('CAP 1.2 polygon "lat,lon lat,lon …" (first = last), or null'),
  severity: z.string(),
  urgency: z.string(),
  certainty: z.string(),
  expiresAt: z.string(),
  status: z.enum(['pending', 'published', 'rejected']),
  draftedBy: z.string(),
  draftedByName: z.string(),
  draftedAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedByName: z.string().nullable(),
  decidedAt: z.string().nullable(),
  alertUrl: z.string().nullable().describe('The CAP XML once published'),
});
const idParams = z.strictObject({ id: z.string().uuid() });

export function noticeRoutes(app: ZodApp, notices: NoticeService) {
  app.get(
    '/api/cap/notices',
    {
      config: { permission: 'cap.notices.read' },
      schema: {
        tags,
        summary: 'Public notices of the subtree, newest first',
        response: { 200: z.object({ items: z.array(noticeSchema) }) },
      },
    },
    async (request) => ({ items: await notices.list(actorOf(request)) }),
  );
  app.post(
    '/api/cap/notices',
    {
      config: { permission: 'cap.notices.draft' },
      schema: {
        tags,
        summary: 'Draft a public notice (Alert, or Update/Cancel of a published one); awaits approval',
        body: publicNoticeDraftSchema,
        response: { 201: noticeSchema },
      },
    },
    async (request, reply) => {
      const made = await notices.draft(actorOf(request), request.body);
      request.createdId = made.id;
      return reply.code(201).send(made);
    },
  );
  for (const [action, approve] of [
    ['approve', true],
    ['reject', false],
  ] as const) {
    app.post(
      `/api/cap/notices/:id/${action}`,
      {
        config: { permission: 'cap.notices.approve' },
        schema: {
          tags,
          summary: approve
            ? 'Approve a drafted notice (not its drafter): issues it as CAP 1.2 to the public feed'
            : 'Reject a drafted notice (not its drafter)',
          params: idParams,
          response: { 200: noticeSchema },
        },
      },
      async (request) => notices.decide(actorOf(request), request.params.id, approve),
    );
  }
}
