/**
 * The public face of CAP: the Atom feed of Public alerts and each Public alert's XML. Public on
 * purpose (see service.ts); Restricted alerts answer 404 here as if they did not exist.
 */
import { z } from 'zod';
import { ProblemError } from '../../http/problem.js';
import type { ZodApp } from '../module.js';
import type { CapService } from './service.js';

const tags = ['cap'];

export function capRoutes(app: ZodApp, cap: CapService) {
  app.get(
    '/api/cap/feed.atom',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'Atom feed of public CAP 1.2 alerts',
        response: {
          200: {
            description: 'Atom 1.0 feed, one entry per public alert, newest first',
            content: { 'application/atom+xml': { schema: z.string() } },
          },
        },
      },
    },
    async (_request, reply) => reply.type('application/atom+xml; charset=utf-8').send(await cap.publicFeed()),
  );
  app.get(
    '/api/cap/alerts/:id.xml',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'A public CAP 1.2 alert',
        params: z.strictObject({ id: z.string().uuid() }),
        response: {
          200: {
            description: 'The alert as CAP 1.2 XML (urn:oasis:names:tc:emergency:cap:1.2)',
            content: { 'application/cap+xml': { schema: z.string() } },
          },
        },
      },
    },
    async (request, reply) => {
      const xml = await cap.publicAlertXml(request.params.id);
      if (xml === null) throw new ProblemError('not_found', { zh: '警报不存在', en: 'No such alert' });
      return reply.type('application/cap+xml; charset=utf-8').send(xml);
    },
  );
}
