import {
  agreementSchema,
  caseDetailSchema,
  caseRatesSchema,
  caseSchema,
  caseSessionSchema,
  caseTransitionSchema,
  createCaseSchema,
  followUpSchema,
  partyReadSchema,
  updateCaseSchema,
} from '@citywatch/core/community/mediation';
import { z } from 'zod';
import { actorOf, auditPersonalRead } from '../../http/auth.js';
import type { CoreDeps, ZodApp } from '../module.js';
import type { CasesService } from './cases.js';

const idParams = z.strictObject({ id: z.uuid() });
const created = z.object({ id: z.string() });

/** Mediation cases: the board, a case, its parties (with a purpose), sessions, agreement, follow-ups. */
export function caseRoutes(app: ZodApp, deps: Pick<CoreDeps, 'db' | 'now'>, cases: CasesService) {
  app.get(
    '/api/community/cases',
    {
      config: { permission: 'community.read' },
      schema: {
        tags: ['community'],
        querystring: z.strictObject({ open: z.enum(['true', 'false']).optional() }),
        response: { 200: z.object({ items: z.array(caseSchema) }) },
      },
    },
    async (request) => ({
      items: await cases.list(
        actorOf(request),
        request.query.open === undefined ? undefined : request.query.open === 'true',
      ),
    }),
  );

  app.get(
    '/api/community/cases/rates',
    {
      config: { permission: 'community.read' },
      schema: {
        tags: ['community'],
        querystring: z.strictObject({
          from: z.iso.datetime({ offset: true }),
          to: z.iso.datetime({ offset: true }),
        }),
        response: { 200: caseRatesSchema },
      },
    },
    async (request) =>
      cases.rates(actorOf(request), new Date(request.query.from), new Date(request.query.to)),
  );

  app.post(
    '/api/community/cases',
    {
      config: { permission: 'community.mediate' },
      schema: { tags: ['community'], body: createCaseSchema, response: { 201: caseSchema } },
    },
    async (request, reply) => reply.code(201).send(await cases.create(actorOf(request), request.body)),
  );

  app.get(
    '/api/community/cases/:id',
    {
      config: { permission: 'community.read' },
      schema: { tags: ['community'], params: idParams, response: { 200: caseDetailSchema } },
    },
    async (request) => cases.detail(request.params.id, actorOf(request)),
  );

  app.get(
    '/api/community/cases/:id/parties',
    {
      config: { permission: 'community.read' },
      schema: {
        tags: ['community'],
        params: idParams,
        headers: z.object({ 'x-purpose': z.string().max(2000).optional() }),
        response: { 200: partyReadSchema },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      // 404 before the audit row for a case outside the subtree.
      await cases.case(request.params.id, actor);
      await auditPersonalRead(deps, request, `case:${request.params.id}`, { fields: ['parties'] });
      return { items: await cases.parties(request.params.id, actor) };
    },
  );

  app.get(
    '/api/community/cases/:id/agreement.pdf',
    {
      config: { permission: 'community.read' },
      schema: {
        tags: ['community'],
        params: idParams,
        headers: z.object({ 'x-purpose': z.string().max(2000).optional() }),
        response: {
          200: {
            description: 'The written mediation agreement (调解协议书) as a PDF',
            content: { 'application/pdf': { schema: z.string().meta({ format: 'binary' }) } },
          },
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      await cases.case(request.params.id, actor);
      // The agreement names the parties: personal data.
      await auditPersonalRead(deps, request, `case:${request.params.id}`, {
        fields: ['parties'],
        document: 'agreement',
      });
      const { number, pdf } = await cases.agreementPdf(request.params.id, actor);
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="agreement-${number}.pdf"`)
        .header('cache-control', 'private, no-store')
        .send(pdf as unknown as string); // a Buffer is sent as it is; the cast meets the declared type
    },
  );

  app.patch(
    '/api/community/cases/:id',
    {
      config: { permission: 'community.mediate' },
      schema: {
        tags: ['community'],
        params: idParams,
        body: updateCaseSchema,
        response: { 200: caseSchema },
      },
    },
    async (request) => cases.update(actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/api/community/cases/:id/transition',
    {
      config: { permission: 'community.mediate' },
      schema: {
        tags: ['community'],
        params: idParams,
        body: caseTransitionSchema,
        response: { 200: caseSchema },
      },
    },
    async (request) => cases.transition(actorOf(request), request.params.id, request.body.to),
  );

  app.post(
    '/api/community/cases/:id/sessions',
    {
      config: { permission: 'community.mediate' },
      schema: { tags: ['community'], params: idParams, body: caseSessionSchema, response: { 201: created } },
    },
    async (request, reply) =>
      reply.code(201).send(await cases.addSession(actorOf(request), request.params.id, request.body)),
  );

  app.post(
    '/api/community/cases/:id/agreement',
    {
      config: { permission: 'community.mediate' },
      schema: { tags: ['community'], params: idParams, body: agreementSchema, response: { 200: caseSchema } },
    },
    async (request) => cases.agree(actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/api/community/cases/:id/follow-ups',
    {
      config: { permission: 'community.mediate' },
      schema: { tags: ['community'], params: idParams, body: followUpSchema, response: { 201: created } },
    },
    async (request, reply) =>
      reply.code(201).send(await cases.followUp(actorOf(request), request.params.id, request.body)),
  );

  app.post(
    '/api/community/cases/:id/escalate',
    {
      config: { permission: 'community.escalate' },
      schema: {
        tags: ['community'],
        params: idParams,
        body: z.strictObject({ note: z.string().trim().max(500).optional() }),
        response: { 200: caseSchema },
      },
    },
    async (request) => cases.escalate(actorOf(request), request.params.id, request.body.note),
  );
}
