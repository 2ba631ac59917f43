import {
  calendarSchema,
  caseListSchema,
  caseSchema,
  createInspectionSchema,
  inspectionSchema,
  reportFixSchema,
  verifySchema,
} from '@citywatch/core/oversight/cases';
import { assessmentSchema, complianceReportSchema } from '@citywatch/core/oversight/compliance';
import { riskBoardSchema, riskScoreSchema } from '@citywatch/core/oversight/risk';
import {
  bindUserSchema,
  createUnitSchema,
  importResultSchema,
  industrySchema,
  unitListSchema,
  unitPeopleSchema,
  unitSchema,
  updateUnitSchema,
} from '@citywatch/core/oversight/schemas';
import { z } from 'zod';
import { actorOf, auditPersonalRead } from '../../http/auth.js';
import type { Deps, ZodApp } from '../module.js';
import type { OversightService } from './service.js';

const tags = ['oversight'];
const idParams = z.strictObject({ id: z.string().uuid() });
const listQuery = z.strictObject({
  industry: industrySchema.optional(),
  licence: z.enum(['none', 'valid', 'expiring', 'expired']).optional(),
  q: z.string().trim().min(1).max(100).optional(),
});
/** A file in the answer's body (a PDF, a photo): the OpenAPI document names its media types. */
const binaryFile = z.string().meta({ format: 'binary' });

const importBody = z.strictObject({
  content: z
    .string()
    .min(1)
    .max(4 * 1024 * 1024),
});

/** 要素管控 routes: the registry (list, create, import), people with a purpose, enterprise binding. */
export function oversightRoutes(app: ZodApp, deps: Deps<'places'>, oversight: OversightService) {
  app.get(
    '/api/oversight/units',
    {
      config: { permission: 'oversight.read' },
      schema: { tags, querystring: listQuery, response: { 200: unitListSchema } },
    },
    async (request) => ({ items: await oversight.units.list(actorOf(request), request.query) }),
  );

  app.post(
    '/api/oversight/units',
    {
      config: { permission: 'oversight.write' },
      schema: { tags, body: createUnitSchema, response: { 201: unitSchema } },
    },
    async (request, reply) =>
      reply.code(201).send(await oversight.units.create(actorOf(request), request.body)),
  );

  app.get(
    '/api/oversight/units/:id',
    {
      config: { permission: 'oversight.read' },
      schema: { tags, params: idParams, response: { 200: unitSchema } },
    },
    async (request) => oversight.units.get(actorOf(request), request.params.id),
  );

  app.patch(
    '/api/oversight/units/:id',
    {
      // The service writes its own audit row (fields changed, org moved) in the change's transaction.
      config: { permission: 'oversight.write', auditWrites: false },
      schema: { tags, params: idParams, body: updateUnitSchema, response: { 200: unitSchema } },
    },
    async (request) => oversight.units.update(actorOf(request), request.params.id, request.body),
  );

  app.get(
    '/api/oversight/units/:id/people',
    {
      config: { permission: 'oversight.read' },
      schema: { tags, params: idParams, response: { 200: unitPeopleSchema } },
    },
    async (request) => {
      // Scope first (404 outside), then the purpose and its audit row, then the data.
      await oversight.units.assertVisible(deps.db.kysely, actorOf(request), request.params.id);
      await auditPersonalRead(deps, request, `oversight_unit:${request.params.id}:people`);
      return oversight.units.people(actorOf(request), request.params.id);
    },
  );

  app.post(
    '/api/oversight/unit-imports',
    {
      // The import writes its own audit row, naming the units it created (units.ts importCsv).
      config: { permission: 'oversight.write', auditWrites: false },
      bodyLimit: 5 * 1024 * 1024,
      schema: { tags, body: importBody, response: { 200: importResultSchema } },
    },
    async (request) => oversight.units.importCsv(actorOf(request), request.body.content),
  );

  app.post(
    '/api/oversight/units/:id/users',
    {
      config: { permission: 'oversight.bind' },
      schema: { tags, params: idParams, body: bindUserSchema, response: { 204: z.null() } },
    },
    async (request, reply) => {
      await oversight.units.bindUser(actorOf(request), request.params.id, request.body.userId);
      return reply.code(204).send(null);
    },
  );

  // ---- inspections and rectification cases

  app.post(
    '/api/oversight/inspections',
    {
      config: { permission: 'oversight.write' },
      bodyLimit: 20 * 1024 * 1024,
      schema: { tags, body: createInspectionSchema, response: { 201: inspectionSchema } },
    },
    async (request, reply) =>
      reply.code(201).send(await oversight.cases.inspect(actorOf(request), request.body)),
  );

  app.get(
    '/api/oversight/inspections',
    {
      config: { permission: 'oversight.read' },
      schema: {
        tags,
        querystring: z.strictObject({ unitId: z.string().uuid().optional() }),
        response: { 200: z.object({ items: z.array(inspectionSchema) }) },
      },
    },
    async (request) => ({ items: await oversight.cases.inspections(actorOf(request), request.query) }),
  );

  app.get(
    '/api/oversight/calendar',
    { config: { permission: 'oversight.read' }, schema: { tags, response: { 200: calendarSchema } } },
    async (request) => ({ items: await oversight.cases.calendar(actorOf(request)) }),
  );

  app.get(
    '/api/oversight/cases',
    {
      config: { permission: 'oversight.read' },
      schema: {
        tags,
        querystring: z.strictObject({
          status: z.enum(['open', 'reported', 'closed']).optional(),
          unitId: z.string().uuid().optional(),
          overdue: z.enum(['true', 'false']).optional(),
        }),
        response: { 200: caseListSchema },
      },
    },
    async (request) => {
      const { overdue, ...rest } = request.query;
      return {
        items: await oversight.cases.list(actorOf(request), {
          ...rest,
          overdue: overdue === undefined ? undefined : overdue === 'true',
        }),
      };
    },
  );

  app.get(
    '/api/oversight/cases/:id',
    {
      config: { permission: 'oversight.read' },
      schema: { tags, params: idParams, response: { 200: caseSchema } },
    },
    async (request) => oversight.cases.get(actorOf(request), request.params.id),
  );

  app.get(
    '/api/oversight/cases/:id/document',
    {
      config: { permission: 'oversight.read' },
      schema: {
        tags,
        params: idParams,
        response: {
          200: {
            description: 'The rectification notice (整改通知书) as a PDF, named by its case number',
            content: { 'application/pdf': { schema: binaryFile } },
          },
        },
      },
    },
    async (request, reply) => {
      const { number, pdf } = await oversight.caseDocument(actorOf(request), request.params.id);
      return (
        reply
          .type('application/pdf')
          .header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(`${number}.pdf`)}`)
          // A Buffer is sent as it is (never serialized); the cast only meets the declared types.
          .send(pdf as unknown as string)
      );
    },
  );

  app.post(
    '/api/oversight/cases/:id/report',
    {
      config: { permission: 'oversight.report' },
      bodyLimit: 20 * 1024 * 1024,
      schema: { tags, params: idParams, body: reportFixSchema, response: { 200: caseSchema } },
    },
    async (request) => oversight.cases.report(actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/api/oversight/cases/:id/verify',
    {
      config: { permission: 'oversight.write' },
      schema: { tags, params: idParams, body: verifySchema, response: { 200: caseSchema } },
    },
    async (request) => oversight.cases.verify(actorOf(request), request.params.id, request.body),
  );

  app.get(
    '/api/oversight/attachments/:id',
    {
      config: { permission: 'oversight.read' },
      schema: {
        tags,
        params: idParams,
        response: {
          200: {
            description: 'An inspection or rectification file (photo or PDF) in its stored media type',
            content: {
              'image/jpeg': { schema: binaryFile },
              'image/png': { schema: binaryFile },
              'application/pdf': { schema: binaryFile },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const file = await oversight.cases.attachment(actorOf(request), request.params.id);
      return reply
        .type(file.content_type)
        .header('cache-control', 'private, no-store')
        .send(file.bytes as unknown as string);
    },
  );

  // ---- risk points (积分预警)

  app.get(
    '/api/oversight/units/:id/risk',
    {
      config: { permission: 'oversight.read' },
      schema: { tags, params: idParams, response: { 200: riskScoreSchema } },
    },
    async (request) => oversight.risk.unit(actorOf(request), request.params.id),
  );

  app.get(
    '/api/oversight/risk-board',
    { config: { permission: 'oversight.read' }, schema: { tags, response: { 200: riskBoardSchema } } },
    async (request) => ({ items: await oversight.risk.board(actorOf(request)) }),
  );

  // ---- internal-security units (内保单位)

  app.put(
    '/api/oversight/units/:id/compliance',
    {
      config: { permission: 'oversight.write' },
      schema: {
        tags,
        params: idParams,
        body: assessmentSchema,
        response: { 200: z.object({ compliant: z.boolean(), caseIds: z.array(z.string()) }) },
      },
    },
    async (request) => {
      const result = await oversight.compliance.assess(actorOf(request), request.params.id, request.body);
      await oversight.risk.recompute([request.params.id]);
      return result;
    },
  );

  app.get(
    '/api/oversight/compliance',
    { config: { permission: 'oversight.read' }, schema: { tags, response: { 200: complianceReportSchema } } },
    async (request) => oversight.compliance.report(actorOf(request)),
  );
}
