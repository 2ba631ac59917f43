import { adjustmentScanSchema, adjustmentSchema, adjustParamsSchema } from '@citywatch/core/patrol/adjust';
import { z } from 'zod';
import { actorOf } from '../../http/auth.js';
import type { ZodApp } from '../module.js';
import { cityNameSchema } from '../places/schemas.js';
import type { AdjustService } from './adjust-service.js';

const scanBody = adjustParamsSchema.extend({ city: cityNameSchema });
const decisionBody = z.strictObject({
  decision: z.enum(['accept', 'dismiss']),
  note: z.string().trim().max(500).optional(),
});
const idParams = z.strictObject({ id: z.string().uuid() });

/** Smart adjustment: scan for clusters (commanders), list the proposals, accept or dismiss one. */
export function adjustRoutes(app: ZodApp, adjust: AdjustService): void {
  app.post(
    '/api/patrol/adjustments/scan',
    {
      config: { permission: 'patrol.write' },
      schema: { tags: ['patrol'], body: scanBody, response: { 200: adjustmentScanSchema } },
    },
    async (request) => {
      const { city, ...params } = request.body;
      return adjust.scan(city, params, actorOf(request));
    },
  );

  app.get(
    '/api/patrol/adjustments',
    {
      config: { permission: 'patrol.read' },
      schema: {
        tags: ['patrol'],
        querystring: z.strictObject({ city: cityNameSchema }),
        response: { 200: z.object({ items: z.array(adjustmentSchema) }) },
      },
    },
    async (request) => ({ items: await adjust.list(request.query.city, actorOf(request)) }),
  );

  app.post(
    '/api/patrol/adjustments/:id/decision',
    {
      config: { permission: 'patrol.write' },
      schema: { tags: ['patrol'], params: idParams, body: decisionBody, response: { 200: adjustmentSchema } },
    },
    async (request) =>
      adjust.decide(request.params.id, request.body.decision, request.body.note, actorOf(request)),
  );
}
