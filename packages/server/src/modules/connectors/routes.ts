import {
  FIELD_TYPES,
  mappingSchema,
  ROW_REJECT_REASONS,
  TARGET_IDS,
  TARGETS,
} from '@citywatch/core/connectors/mapping';
import { z } from 'zod';
import { actorOf } from '../../http/auth.js';
import type { ZodApp } from '../module.js';
import { cityNameSchema } from '../places/schemas.js';
import type { ConnectorsService } from './service.js';

/** A file handed over with a run larger than this goes through an HTTP connector instead. */
export const RUN_BODY_LIMIT = 16 * 1024 * 1024;

const label = z.object({ zh: z.string(), en: z.string() });
const targetSchema = z.object({
  id: z.enum(TARGET_IDS),
  module: z.string(),
  label,
  key: z.string(),
  oneOf: z.array(z.array(z.string())).optional(),
  fields: z.array(z.object({ name: z.string(), type: z.enum(FIELD_TYPES), required: z.boolean(), label })),
});

const sourceSchema = z.object({
  kind: z.enum(['file', 'http', 'mqtt']),
  url: z.string().optional(),
  timeoutMs: z.number().optional(),
  topic: z.string().optional(),
});

const connectorSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  orgName: z.string(),
  ownerId: z.string(),
  name: z.string(),
  source: sourceSchema,
  sourceColumns: z.array(z.string()).nullable(),
  target: z.enum(TARGET_IDS),
  mapping: mappingSchema,
  city: z.string().nullable(),
  batchSize: z.number(),
  intervalMinutes: z.number().nullable(),
  enabled: z.boolean(),
  nextRunAt: z.string().nullable(),
  failures: z.number(),
  createdAt: z.string(),
});

const reportSchema = z.object({
  read: z.number(),
  accepted: z.number(),
  rejected: z.record(z.string(), z.number()),
  rejectedTotal: z.number(),
  duplicates: z.number(),
  examples: z.record(
    z.string(),
    z.array(z.object({ row: z.number(), field: z.string().optional(), value: z.string().optional() })),
  ),
});

const runSchema = z.object({
  id: z.string(),
  connectorId: z.string(),
  connectorName: z.string(),
  orgId: z.string(),
  trigger: z.enum(['manual', 'schedule', 'retry', 'mqtt']),
  attempt: z.number(),
  status: z.enum(['running', 'succeeded', 'failed', 'refused']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  report: reportSchema.nullable(),
  written: z.number(),
  batchesWritten: z.number(),
  error: z
    .object({
      code: z.string(),
      message: z.string(),
      errors: z.array(z.object({ field: z.string(), rule: z.string(), value: z.string() })).optional(),
    })
    .nullable(),
  retryAt: z.string().nullable(),
});

/** An http(s) URL (no credentials in it: they would be shown on the page and in the audit). */
const urlSchema = z
  .string()
  .max(2000)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'http_or_https')
  .refine((u) => {
    // Zod runs this refinement even when .url() refused the text: an unparsable URL is that rule's
    // to report (a throw here was a 500, found by the OpenAPI fuzz test).
    if (!URL.canParse(u)) return true;
    const parsed = new URL(u);
    return parsed.username === '' && parsed.password === '';
  }, 'no_credentials');

const sourceBody = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('file') }),
  z.strictObject({
    kind: z.literal('http'),
    url: urlSchema,
    timeoutMs: z.number().int().min(1000).max(300_000).optional(),
  }),
  z.strictObject({
    kind: z.literal('mqtt'),
    topic: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^#+\s]+(\/[^#+\s]+)*(\/[#+])?$/, 'topic'),
  }),
]);

const createBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  orgId: z.string().uuid().optional(),
  source: sourceBody,
  mapping: mappingSchema,
  city: cityNameSchema,
  batchSize: z.number().int().min(1).max(50_000).default(1000),
  intervalMinutes: z.number().int().min(1).max(10_080).optional(),
});

/** A change: what is given changes, checked as at creation; `null` clears the city or the schedule. */
const updateBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    source: sourceBody.optional(),
    mapping: mappingSchema.optional(),
    city: cityNameSchema.nullable(),
    batchSize: z.number().int().min(1).max(50_000).optional(),
    intervalMinutes: z.number().int().min(1).max(10_080).nullable().optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), {
    message: 'empty_patch',
    path: [],
    params: { rule: 'empty_patch' },
  });

const idParams = z.strictObject({ id: z.string().uuid() });
const runBody = z.strictObject({ content: z.string().min(1).optional() });
const runsQuery = z.strictObject({
  connector: z.string().uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Connector routes: targets, connectors, runs and their quality reports. */
export function connectorsRoutes(app: ZodApp, connectors: ConnectorsService) {
  app.get(
    '/api/connectors/targets',
    {
      config: { permission: 'connectors.read' },
      schema: {
        tags: ['connectors'],
        response: {
          200: z.object({ items: z.array(targetSchema), rejectReasons: z.array(z.string()) }),
        },
      },
    },
    async () => ({
      items: TARGET_IDS.map((id) => {
        const t = TARGETS[id];
        return { ...t, fields: [...t.fields], oneOf: t.oneOf?.map((s) => [...s]) };
      }),
      rejectReasons: [...ROW_REJECT_REASONS],
    }),
  );

  app.get(
    '/api/connectors',
    {
      config: { permission: 'connectors.read' },
      schema: { tags: ['connectors'], response: { 200: z.object({ items: z.array(connectorSchema) }) } },
    },
    async (request) => ({ items: await connectors.list(actorOf(request)) }),
  );

  app.post(
    '/api/connectors',
    {
      config: { permission: 'connectors.write' },
      schema: { tags: ['connectors'], body: createBody, response: { 201: connectorSchema } },
    },
    async (request, reply) => reply.code(201).send(await connectors.create(actorOf(request), request.body)),
  );

  app.get(
    '/api/connectors/:id',
    {
      config: { permission: 'connectors.read' },
      schema: { tags: ['connectors'], params: idParams, response: { 200: connectorSchema } },
    },
    async (request) => connectors.get(actorOf(request), request.params.id),
  );

  app.patch(
    '/api/connectors/:id',
    {
      config: { permission: 'connectors.write' },
      schema: {
        tags: ['connectors'],
        params: idParams,
        body: updateBody,
        response: { 200: connectorSchema },
      },
    },
    async (request) => connectors.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/api/connectors/:id',
    {
      config: { permission: 'connectors.write' },
      schema: {
        tags: ['connectors'],
        params: idParams,
        response: { 200: z.object({ id: z.string(), runsDeleted: z.number() }) },
      },
    },
    async (request) => connectors.remove(actorOf(request), request.params.id),
  );

  app.post(
    '/api/connectors/:id/enabled',
    {
      config: { permission: 'connectors.write' },
      schema: {
        tags: ['connectors'],
        params: idParams,
        body: z.strictObject({ enabled: z.boolean() }),
        response: { 200: connectorSchema },
      },
    },
    async (request) => connectors.setEnabled(actorOf(request), request.params.id, request.body.enabled),
  );

  app.post(
    '/api/connectors/:id/runs',
    {
      config: { permission: 'connectors.write' },
      bodyLimit: RUN_BODY_LIMIT,
      schema: { tags: ['connectors'], params: idParams, body: runBody, response: { 201: runSchema } },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await connectors.runNow(actorOf(request), request.params.id, request.body.content)),
  );

  app.get(
    '/api/connectors/runs',
    {
      config: { permission: 'connectors.read' },
      schema: {
        tags: ['connectors'],
        querystring: runsQuery,
        response: { 200: z.object({ items: z.array(runSchema) }) },
      },
    },
    async (request) => ({
      items: await connectors.runs(actorOf(request), {
        connectorId: request.query.connector,
        limit: request.query.limit,
      }),
    }),
  );

  app.get(
    '/api/connectors/runs/:id',
    {
      config: { permission: 'connectors.read' },
      schema: { tags: ['connectors'], params: idParams, response: { 200: runSchema } },
    },
    async (request) => connectors.run(actorOf(request), request.params.id),
  );
}
