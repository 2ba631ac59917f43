import { HOTLIST_CATEGORIES, HOTLIST_KINDS } from '@citywatch/core/perimeter/hotlist';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app-context.js';
import { auditPersonalRead } from '../../http/auth.js';
import { ProblemError, pickLanguage } from '../../http/problem.js';
import type { Actor } from '../../identity/service.js';
import { HotlistService, pickMessage } from './hotlist-service.js';
import * as store from './hotlist-store.js';
import { type PlateMqttIngest, startPlateMqttIngest } from './plates-mqtt.js';
import { MAX_READS_PER_BATCH, PlateIngestService } from './plates-service.js';
import { checkpointReport, checkpointReportXlsx } from './reports.js';

export interface PerimeterOptions {
  /** How often the in-memory hourly volume counters are written to checkpoint_volumes. */
  volumeFlushMs?: number;
  /** mqtt://… broker to take plate reads from (topic citywatch/plates/+); none when unset. */
  platesMqttUrl?: string;
}

export interface PerimeterServices {
  hotlist: HotlistService;
  plates: PlateIngestService;
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
 * Perimeter control, hit/no-hit: the hotlist API, plate-read ingest (HTTP, optionally MQTT) and
 * the minimal checkpoint registry. Returns its services (benchmarks, MQTT wiring).
 */
export function perimeterRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  options: PerimeterOptions = {},
): PerimeterServices {
  const hotlist = new HotlistService(ctx);
  const plates = new PlateIngestService(ctx, hotlist);
  const flushMs = options.volumeFlushMs ?? 5_000;
  let flushTimer: NodeJS.Timeout | null = null;
  let unsubscribe: (() => void) | null = null;
  let mqtt: PlateMqttIngest | null = null;

  app.addHook('onReady', async () => {
    await Promise.all([hotlist.reload(), plates.reloadCheckpoints()]);
    // Another API node changed the hotlist (our own changes are applied before answering; applying
    // them again is harmless).
    unsubscribe = ctx.bus.subscribe(
      (event) => {
        hotlist
          .refresh(event.payload.entryId)
          .catch((error: unknown) => app.log.error({ err: error }, 'hotlist refresh failed'));
      },
      { types: ['perimeter.hotlist_changed'] },
    );
    flushTimer = setInterval(() => {
      plates.flush().catch((error: unknown) => app.log.error({ err: error }, 'volume flush failed'));
    }, flushMs);
    flushTimer.unref();
    if (options.platesMqttUrl) {
      mqtt = await startPlateMqttIngest({
        url: options.platesMqttUrl,
        topic: 'citywatch/plates/+',
        onBatch: (reads, topic) => plates.ingest(reads, { userId: null, username: `mqtt:${topic}` }),
        log: app.log,
      });
    }
  });
  app.addHook('onClose', async () => {
    if (flushTimer) clearInterval(flushTimer);
    unsubscribe?.();
    await mqtt?.close();
    await plates.flush();
  });

  const actorOf = (request: FastifyRequest): Actor => {
    if (!request.actor) throw new ProblemError('unauthenticated');
    return request.actor;
  };

  app.post(
    '/api/perimeter/hotlist',
    { config: { permission: 'hotlist.write' }, schema: { tags: ['perimeter'], body: createBody } },
    async (request, reply) => {
      const body = request.body as z.infer<typeof createBody>;
      const entry = await inLanguage(request, () => hotlist.create(actorOf(request), body));
      return reply.code(201).send(entry);
    },
  );

  app.post(
    '/api/perimeter/hotlist/:id/approve',
    { config: { permission: 'hotlist.write' }, schema: { tags: ['perimeter'], params: idParams } },
    async (request) => {
      const { id } = request.params as z.infer<typeof idParams>;
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
      const { id } = request.params as z.infer<typeof idParams>;
      const { expiresAt } = request.body as z.infer<typeof renewBody>;
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
      const { id } = request.params as z.infer<typeof idParams>;
      const { reason } = request.body as z.infer<typeof revokeBody>;
      return inLanguage(request, () => hotlist.revoke(actorOf(request), id, reason));
    },
  );

  app.get(
    '/api/perimeter/hotlist',
    { config: { permission: 'hotlist.read' }, schema: { tags: ['perimeter'], querystring: listQuery } },
    async (request) => {
      const query = request.query as z.infer<typeof listQuery>;
      // Resident IDs come masked; the full numbers only with a stated, audited purpose.
      const reveal = request.headers['x-purpose'] !== undefined;
      if (reveal) await auditPersonalRead(ctx, request, 'GET /api/perimeter/hotlist', { ...query });
      return { items: await hotlist.list(query, reveal) };
    },
  );

  app.post(
    '/api/perimeter/reads',
    {
      bodyLimit: READS_BODY_LIMIT,
      config: { permission: 'plates.ingest', auditWrites: false },
      schema: { tags: ['perimeter'], body: readsBody },
    },
    async (request) => {
      const actor = actorOf(request);
      const { reads } = request.body as z.infer<typeof readsBody>;
      return plates.ingest(reads, { userId: actor.userId, username: actor.username });
    },
  );

  app.get(
    '/api/perimeter/hits',
    { config: { permission: 'hotlist.read' }, schema: { tags: ['perimeter'], querystring: hitsQuery } },
    async (request) => {
      const q = request.query as z.infer<typeof hitsQuery>;
      const rows = await store.listHits(ctx.db.kysely, {
        checkpointId: q.checkpointId,
        since: q.since ? new Date(q.since) : undefined,
        limit: q.limit,
      });
      return {
        items: rows.map((r) => ({
          id: r.id,
          entryId: r.entry_id,
          checkpointId: r.checkpoint_id,
          direction: r.direction,
          readAt: new Date(r.read_at).toISOString(),
          value: r.plate_or_id,
          confidence: r.confidence,
          acknowledgedBy: r.acknowledged_by,
          acknowledgedAt: r.acknowledged_at === null ? null : new Date(r.acknowledged_at).toISOString(),
          actionTaken: r.action_taken,
        })),
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
      const { id } = request.params as z.infer<typeof hitIdParams>;
      const { action } = request.body as z.infer<typeof hitActionBody>;
      const r = await ctx.db.kysely
        .updateTable('hotlist_hits')
        .set({ action_taken: action, acknowledged_by: request.actor!.userId, acknowledged_at: ctx.now() })
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new ProblemError('not_found');
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/perimeter/reports',
    { config: { permission: 'hotlist.read' }, schema: { tags: ['perimeter'], querystring: reportQuery } },
    async (request, reply) => {
      const q = request.query as z.infer<typeof reportQuery>;
      await plates.flush();
      let report: Awaited<ReturnType<typeof checkpointReport>>;
      try {
        report = await checkpointReport(ctx.db.kysely, q.period, q.date);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        throw new ProblemError('validation', undefined, [
          { field: 'query.date', rule: 'invalid_date', message: error.message },
        ]);
      }
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
      const q = request.query as z.infer<typeof volumesQuery>;
      await plates.flush();
      const rows = await store.listVolumes(ctx.db.kysely, {
        checkpointId: q.checkpointId,
        from: new Date(q.from),
        to: new Date(q.to),
      });
      return {
        items: rows.map((r) => ({
          checkpointId: r.checkpoint_id,
          direction: r.direction,
          hour: new Date(r.hour).toISOString(),
          reads: r.reads,
          hits: r.hits,
          invalid: r.invalid,
        })),
      };
    },
  );

  // Checkpoints themselves (placement on a road segment, ring, staffing) live in rings/routes.ts.

  return { hotlist, plates };
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
