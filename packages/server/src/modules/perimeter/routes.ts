import { HOTLIST_CATEGORIES, HOTLIST_KINDS } from '@citywatch/core/perimeter/hotlist';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actorOf, auditPersonalRead, deviceOf } from '../../http/auth.js';
import { ProblemError, pickLanguage } from '../../http/problem.js';
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
const hitsQuery = z.strictObject({
  checkpointId: z.string().max(64).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const hitIdParams = z.strictObject({ id: z.string().uuid() });
const hitActionBody = z.strictObject({ action: z.string().trim().min(2).max(200) });
const reportQuery = z.strictObject({
  period: z.enum(['day', 'week', 'month']),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  format: z.enum(['json', 'xlsx']).default('json'),
});
const volumesQuery = z.strictObject({
  checkpointId: z.string().max(64).optional(),
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
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
    { config: { permission: 'hotlist.write' }, schema: { tags: ['perimeter'], body: createBody } },
    async (request, reply) => {
      const body = request.body;
      const entry = await inLanguage(request, () => hotlist.create(actorOf(request), body));
      return reply.code(201).send(entry);
    },
  );

  app.post(
    '/api/perimeter/hotlist/:id/approve',
    { config: { permission: 'hotlist.write' }, schema: { tags: ['perimeter'], params: idParams } },
    async (request) => {
      const { id } = request.params;
      return inLanguage(request, () => hotlist.approve(actorOf(request), id));
    },
  );

  app.post(
    '/api/perimeter/hotlist/:id/renew',
    {
      config: { permission: 'hotlist.write' },
      schema: { tags: ['perimeter'], params: idParams, body: renewBody },
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
      schema: { tags: ['perimeter'], params: idParams, body: revokeBody },
    },
    async (request) => {
      const { id } = request.params;
      const { reason } = request.body;
      return inLanguage(request, () => hotlist.revoke(actorOf(request), id, reason));
    },
  );

  app.get(
    '/api/perimeter/hotlist',
    { config: { permission: 'hotlist.read' }, schema: { tags: ['perimeter'], querystring: listQuery } },
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
      // Cameras only (a device token bound to one checkpoint): no person holds plates.ingest.
      config: { permission: 'plates.ingest', device: 'camera', auditWrites: false },
      schema: { tags: ['perimeter'], body: readsBody },
    },
    async (request) => {
      const device = deviceOf(request);
      if (device?.kind !== 'camera') throw new ProblemError('forbidden');
      return plates.ingest(request.body.reads, {
        userId: null,
        username: `device:${device.name}`,
        deviceId: device.deviceId,
        checkpointId: device.checkpointId,
      });
    },
  );

  app.get(
    '/api/perimeter/hits',
    { config: { permission: 'hotlist.read' }, schema: { tags: ['perimeter'], querystring: hitsQuery } },
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
      schema: { tags: ['perimeter'], params: hitIdParams, body: hitActionBody },
    },
    async (request, reply) => {
      await hotlist.actOnHit(actorOf(request), request.params.id, request.body.action);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/perimeter/reports',
    { config: { permission: 'hotlist.read' }, schema: { tags: ['perimeter'], querystring: reportQuery } },
    async (request, reply) => {
      const q = request.query;
      const report = await plates.report(q.period, q.date, actorOf(request));
      if (q.format === 'json') return report;
      const file = encodeURIComponent(`${report.title}-${report.label}.xlsx`);
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename*=UTF-8''${file}`)
        .send(await checkpointReportXlsx(report));
    },
  );

  app.get(
    '/api/perimeter/volumes',
    { config: { permission: 'hotlist.read' }, schema: { tags: ['perimeter'], querystring: volumesQuery } },
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
