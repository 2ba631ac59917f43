import { HOTLIST_CATEGORIES, HOTLIST_KINDS } from '@citywatch/core/perimeter/hotlist';
import { cleanText } from '@citywatch/core/text/clean';
import { calendarDateSchema } from '@citywatch/core/time/calendar-date';
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import type { FastifyRouteSchemaDef } from 'fastify/types/schema.js';
import { z } from 'zod';
import { actorOf, auditPersonalRead, deviceOf } from '../../http/auth.js';
import { ProblemError, pickLanguage } from '../../http/problem.js';
import { RequestValidationError, zodValidatorCompiler } from '../../http/validation.js';
import type { CoreDeps, ZodApp } from '../module.js';
import type { HotlistService } from './hotlist-service.js';
import { pickMessage } from './messages.js';
import { MAX_READS_PER_BATCH, type PlateIngestService } from './plates-service.js';
import { checkpointReportXlsx } from './reports.js';
import type { RingsServices } from './rings/index.js';

export interface PerimeterServices {
  hotlist: HotlistService;
  plates: PlateIngestService;
  rings: RingsServices;
}

const idParams = z.strictObject({ id: z.string().uuid() });
const createBody = z.strictObject({
  kind: z.enum(HOTLIST_KINDS),
  value: z.string().min(1).max(64),
  category: z.enum(HOTLIST_CATEGORIES),
  legalBasis: z.string().min(2).max(500),
  warrantRef: z.string().max(100).nullish(),
  expiresAt: z.string().min(1).max(40),
});
const renewBody = z.strictObject({ expiresAt: z.string().min(1).max(40) });
const revokeBody = z.strictObject({ reason: z.string().min(2).max(500) });
const listQuery = z.strictObject({
  status: z.enum(['pending', 'active', 'revoked']).optional(),
  kind: z.enum(HOTLIST_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
// Each read is checked by the service, so one bad read is listed in `rejected` instead of
// failing the batch: {plate | residentId, at (ISO-8601), checkpointId, direction 'in'|'out', confidence 0..1}.
const readsBody = z.strictObject({ reads: z.array(z.unknown()).max(MAX_READS_PER_BATCH) });

/** Reads put through the text rule between two turns of the event loop. */
const CLEAN_SLICE = 200;
/**
 * Text the rule leaves as it is: printable ASCII and CJK unified ideographs (no control character,
 * no surrogate, and already NFC: none of them decomposes or composes with a neighbour). A camera's
 * read is such text throughout (a plate, an ISO time, 'in' or 'out').
 */
const PLAIN_TEXT = /^[\x20-\x7e\u4e00-\u9fff]*$/;

/** A flat read whose keys and strings are all PLAIN_TEXT: the text rule would return it unchanged. */
function isPlainRead(read: unknown): boolean {
  if (typeof read !== 'object' || read === null || Array.isArray(read)) return false;
  if (Object.getPrototypeOf(read) !== Object.prototype) return false;
  for (const key in read) {
    if (!PLAIN_TEXT.test(key)) return false;
    const value = (read as Record<string, unknown>)[key];
    if (typeof value === 'string') {
      if (!PLAIN_TEXT.test(value)) return false;
    } else if (typeof value === 'object' && value !== null) return false;
  }
  return true;
}

/**
 * The reads body's validator: the one text rule (core/text/clean.ts) and the schema as for every
 * body, except that the reads themselves are left to cleanReads. A camera's batch holds up to
 * 10,000 reads; walking them all in the validator was one uninterrupted piece of work of many
 * milliseconds per batch (a quarter of the server's time at 100,000 reads/s), and every other
 * request waited behind it: each of the few database round trips of a hit's transaction waited for
 * one such piece (issue 17, bench:plates).
 */
const readsValidatorCompiler: FastifySchemaCompiler<unknown> = (def) => {
  const route = def as FastifyRouteSchemaDef<z.ZodType>;
  if (route.httpPart !== 'body') return zodValidatorCompiler(route);
  return (data) => {
    const isBody = typeof data === 'object' && data !== null && !Array.isArray(data);
    const reads = isBody ? (data as { reads?: unknown }).reads : undefined;
    if (!isBody || !Array.isArray(reads)) return zodValidatorCompiler(route)(data);
    // Everything but the reads (the body's own keys) through the text rule now.
    const cleaned = cleanText({ ...data, reads: [] });
    if (cleaned.problems.length > 0) return { error: textProblems(cleaned.problems) };
    const result = readsBody.safeParse({ ...(cleaned.value as object), reads });
    if (!result.success) return { error: new RequestValidationError(result.error.issues) };
    return { value: result.data };
  };
};

function textProblems(problems: ReturnType<typeof cleanText>['problems']): RequestValidationError {
  return new RequestValidationError(
    problems.map((p) => ({
      code: 'custom' as const,
      path: p.path,
      message: p.rule,
      params: { rule: p.rule },
      input: undefined,
    })),
  );
}

/**
 * The reads through the text rule, CLEAN_SLICE at a time with a turn of the event loop between:
 * the same answer as the validator gives every body (400 naming each field that breaks it, text in
 * NFC), without holding up every other request for the whole batch.
 */
async function cleanReads(reads: readonly unknown[]): Promise<unknown[]> {
  const out = new Array<unknown>(reads.length);
  const problems: ReturnType<typeof cleanText>['problems'] = [];
  for (let from = 0; from < reads.length; from += CLEAN_SLICE) {
    if (from > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const to = Math.min(reads.length, from + CLEAN_SLICE);
    for (let i = from; i < to; i++) {
      if (isPlainRead(reads[i])) {
        out[i] = reads[i];
        continue;
      }
      const cleaned = cleanText(reads[i]);
      out[i] = cleaned.value;
      for (const p of cleaned.problems) problems.push({ path: ['reads', i, ...p.path], rule: p.rule });
    }
  }
  if (problems.length > 0) throw textProblems(problems);
  return out;
}
const hitsQuery = z.strictObject({
  checkpointId: z.string().max(64).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const hitIdParams = z.strictObject({ id: z.string().uuid() });
const hitActionBody = z.strictObject({ action: z.string().trim().min(2).max(200) });
const reportQuery = z.strictObject({
  period: z.enum(['day', 'week', 'month']),
  date: calendarDateSchema,
  format: z.enum(['json', 'xlsx']).default('json'),
});
const volumesQuery = z.strictObject({
  checkpointId: z.string().max(64).optional(),
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
});

const hotlistEntrySchema = z.object({
  id: z.string(),
  kind: z.enum(HOTLIST_KINDS),
  value: z.string().describe('Plates in full; resident IDs masked unless a purpose was stated (audited)'),
  category: z.enum(HOTLIST_CATEGORIES),
  legalBasis: z.string(),
  warrantRef: z.string().nullable(),
  status: z.enum(['pending', 'active', 'revoked']),
  expired: z.boolean().describe('An active entry past its expiry: it no longer matches'),
  expiresAt: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable(),
  renewals: z.number().int(),
  revokedBy: z.string().nullable(),
  revokedAt: z.string().nullable(),
  revokeReason: z.string().nullable(),
});
const hitSchema = z.object({
  id: z.string(),
  entryId: z.string(),
  checkpointId: z.string(),
  direction: z.enum(['in', 'out']),
  readAt: z.string(),
  kind: z.enum(HOTLIST_KINDS),
  value: z
    .string()
    .nullable()
    .describe('As read; a resident ID masked without a purpose; null past retention'),
  confidence: z.number(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  actionTaken: z.string().nullable(),
});
const ingestResultSchema = z.object({
  accepted: z.number().int().describe('Valid reads matched against the hotlist and counted'),
  hits: z.number().int(),
  invalid: z.number().int().describe('Reads whose plate or resident ID is not valid: counted, dropped'),
  rejected: z.array(z.object({ index: z.number().int(), reason: z.string() })),
});
const reportTotals = {
  readsIn: z.number(),
  readsOut: z.number(),
  hits: z.number(),
  actionsTaken: z.number(),
};
const checkpointReportSchema = z.object({
  period: z.enum(['day', 'week', 'month']),
  title: z.string(),
  label: z.string(),
  from: z.string(),
  to: z.string(),
  checkpoints: z.array(
    z.object({
      checkpointId: z.string(),
      name: z.string(),
      ring: z.string().nullable(),
      invalid: z.number(),
      ...reportTotals,
    }),
  ),
  rings: z.array(z.object({ ring: z.string(), ...reportTotals })),
  hourly: z.array(z.object({ hour: z.number().int(), reads: z.number(), hits: z.number() })),
  totals: z.object({ reads: z.number(), hits: z.number(), invalid: z.number(), actionsTaken: z.number() }),
});
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const binaryFile = z.string().meta({ format: 'binary' });
const volumeSchema = z.object({
  checkpointId: z.string(),
  direction: z.enum(['in', 'out']),
  hour: z.string().describe('Start of the hour, ISO-8601'),
  reads: z.number().int(),
  hits: z.number().int(),
  invalid: z.number().int(),
});

/** A read batch may be ~110 bytes a read; 10,000 reads need more than the app's default body limit. */
const READS_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * Perimeter control, hit/no-hit: the hotlist API, plate-read ingest over HTTP and the hits,
 * volumes and reports. Checkpoints themselves (placement on a road segment, ring, staffing) live
 * in rings/routes.ts.
 */
export function perimeterRoutes(app: ZodApp, ctx: Pick<CoreDeps, 'db' | 'now'>, services: PerimeterServices) {
  const { hotlist, plates } = services;

  app.post(
    '/api/perimeter/hotlist',
    {
      config: { permission: 'hotlist.write' },
      schema: { tags: ['perimeter'], body: createBody, response: { 201: hotlistEntrySchema } },
    },
    async (request, reply) => {
      const body = request.body;
      const entry = await inLanguage(request, () => hotlist.create(actorOf(request), body));
      return reply.code(201).send(entry);
    },
  );

  app.post(
    '/api/perimeter/hotlist/:id/approve',
    {
      config: { permission: 'hotlist.write' },
      schema: { tags: ['perimeter'], params: idParams, response: { 200: hotlistEntrySchema } },
    },
    async (request) => {
      const { id } = request.params;
      return inLanguage(request, () => hotlist.approve(actorOf(request), id));
    },
  );

  app.post(
    '/api/perimeter/hotlist/:id/renew',
    {
      config: { permission: 'hotlist.write' },
      schema: {
        tags: ['perimeter'],
        params: idParams,
        body: renewBody,
        response: { 200: hotlistEntrySchema },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { expiresAt } = request.body;
      return inLanguage(request, () => hotlist.renew(actorOf(request), id, expiresAt));
    },
  );

  app.post(
    '/api/perimeter/hotlist/:id/revoke',
    {
      config: { permission: 'hotlist.write' },
      schema: {
        tags: ['perimeter'],
        params: idParams,
        body: revokeBody,
        response: { 200: hotlistEntrySchema },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { reason } = request.body;
      return inLanguage(request, () => hotlist.revoke(actorOf(request), id, reason));
    },
  );

  app.get(
    '/api/perimeter/hotlist',
    {
      config: { permission: 'hotlist.read' },
      schema: {
        tags: ['perimeter'],
        querystring: listQuery,
        response: { 200: z.object({ items: z.array(hotlistEntrySchema) }) },
      },
    },
    async (request) => {
      const query = request.query;
      // Resident IDs come masked; the full numbers only with a stated, audited purpose.
      const reveal = request.headers['x-purpose'] !== undefined;
      if (reveal) await auditPersonalRead(ctx, request, 'GET /api/perimeter/hotlist', { ...query });
      return { items: await hotlist.list(query, reveal, actorOf(request)) };
    },
  );

  app.post(
    '/api/perimeter/reads',
    {
      bodyLimit: READS_BODY_LIMIT,
      validatorCompiler: readsValidatorCompiler,
      // Cameras only (a device token bound to one checkpoint): no person holds plates.ingest.
      config: { permission: 'plates.ingest', device: 'camera', auditWrites: false },
      schema: { tags: ['perimeter'], body: readsBody, response: { 200: ingestResultSchema } },
    },
    async (request) => {
      const device = deviceOf(request);
      if (device?.kind !== 'camera') throw new ProblemError('forbidden');
      return plates.ingest(await cleanReads(request.body.reads), {
        userId: null,
        username: `device:${device.name}`,
        deviceId: device.deviceId,
        checkpointId: device.checkpointId,
      });
    },
  );

  app.get(
    '/api/perimeter/hits',
    {
      config: { permission: 'hotlist.read' },
      schema: {
        tags: ['perimeter'],
        querystring: hitsQuery,
        response: { 200: z.object({ items: z.array(hitSchema) }) },
      },
    },
    async (request) => {
      const { checkpointId, since, limit } = request.query;
      // Resident IDs come masked; the full numbers only with a stated, audited purpose (the audit
      // row names the list and its filter, never a number).
      const reveal = request.headers['x-purpose'] !== undefined;
      if (reveal) await auditPersonalRead(ctx, request, 'GET /api/perimeter/hits', { ...request.query });
      return {
        items: await hotlist.hits(
          { checkpointId, since: since ? new Date(since) : undefined, limit },
          reveal,
          actorOf(request),
        ),
      };
    },
  );

  app.post(
    '/api/perimeter/hits/:id/action',
    {
      config: { permission: 'hotlist.write' },
      schema: { tags: ['perimeter'], params: hitIdParams, body: hitActionBody, response: { 204: z.null() } },
    },
    async (request, reply) => {
      await hotlist.actOnHit(actorOf(request), request.params.id, request.body.action);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/perimeter/reports',
    {
      config: { permission: 'hotlist.read' },
      schema: {
        tags: ['perimeter'],
        querystring: reportQuery,
        response: {
          200: {
            description: 'The report: JSON, or with format=xlsx an Excel workbook',
            content: {
              'application/json': { schema: checkpointReportSchema },
              [XLSX]: { schema: binaryFile },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const report = await plates.report(q.period, q.date, actorOf(request));
      if (q.format === 'json') return report;
      const file = encodeURIComponent(`${report.title}-${report.label}.xlsx`);
      return (
        reply
          .type(XLSX)
          .header('content-disposition', `attachment; filename*=UTF-8''${file}`)
          // A Buffer is sent as it is (never serialized); the cast only meets the declared types.
          .send((await checkpointReportXlsx(report)) as unknown as string)
      );
    },
  );

  app.get(
    '/api/perimeter/volumes',
    {
      config: { permission: 'hotlist.read' },
      schema: {
        tags: ['perimeter'],
        querystring: volumesQuery,
        response: { 200: z.object({ items: z.array(volumeSchema) }) },
      },
    },
    async (request) => {
      const { checkpointId, from, to } = request.query;
      return {
        items: await plates.volumes(
          { checkpointId, from: new Date(from), to: new Date(to) },
          actorOf(request),
        ),
      };
    },
  );
}

/** Runs a service call and turns its bilingual field messages into the request's language. */
async function inLanguage<T>(request: FastifyRequest, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof ProblemError) || !error.errors) throw error;
    const lang = pickLanguage(request.headers['accept-language']);
    throw new ProblemError(
      error.code,
      error.detail,
      error.errors.map((e) => ({ ...e, message: pickMessage(e.message, lang) })),
      error.statusOverride,
    );
  }
}
