import {
  createHelpRequestSchema,
  declineHelpRequestSchema,
  helpRequestListSchema,
  helpRequestSchema,
} from '@citywatch/core/dispatch/help';
import { z } from 'zod';
import { actorOf } from '../../../http/auth.js';
import type { ZodApp } from '../../module.js';
import type { HelpService } from './service.js';

const idParams = z.strictObject({ id: z.string().uuid() });
const tags = ['dispatch'];

/** Cross-station help requests (help/service.ts says who may do what). */
export function helpRoutes(app: ZodApp, help: HelpService): void {
  app.post(
    '/api/dispatch/incidents/:id/help-requests',
    {
      config: { permission: 'dispatch.write' },
      schema: { tags, params: idParams, body: createHelpRequestSchema, response: { 201: helpRequestSchema } },
    },
    async (request, reply) =>
      reply.code(201).send(await help.request(actorOf(request), request.params.id, request.body)),
  );

  app.get(
    '/api/dispatch/help-requests',
    { config: { permission: 'dispatch.read' }, schema: { tags, response: { 200: helpRequestListSchema } } },
    async (request) => ({ items: await help.list(actorOf(request)) }),
  );

  app.post(
    '/api/dispatch/help-requests/:id/accept',
    {
      config: { permission: 'dispatch.write' },
      schema: { tags, params: idParams, response: { 200: helpRequestSchema } },
    },
    async (request) => help.accept(actorOf(request), request.params.id),
  );

  app.post(
    '/api/dispatch/help-requests/:id/decline',
    {
      config: { permission: 'dispatch.write' },
      schema: {
        tags,
        params: idParams,
        body: declineHelpRequestSchema,
        response: { 200: helpRequestSchema },
      },
    },
    async (request) => help.decline(actorOf(request), request.params.id, request.body.reason),
  );
}
