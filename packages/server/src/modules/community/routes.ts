import { MEDIA_EXTENSIONS } from '@citywatch/core/community/media';
import {
  MEDIA_LIMITS,
  publicReportSchema,
  REPORT_CATEGORIES,
  REPORT_STATUSES,
  reportDecisionSchema,
  reportSchema,
  reportTrackingSchema,
} from '@citywatch/core/community/reports';
import fastifyMultipart from '@fastify/multipart';
import { z } from 'zod';
import { actorOf, auditPersonalRead } from '../../http/auth.js';
import { ProblemError } from '../../http/problem.js';
import type { CoreDeps, ZodApp } from '../module.js';
import { open311Routes } from './open311.js';
import type { ReportsService, Upload } from './service.js';

const idParams = z.strictObject({ id: z.uuid() });

/** Staff routes over reports, the public page's routes, and Open311. */
export async function reportRoutes(app: ZodApp, deps: Pick<CoreDeps, 'db' | 'now'>, reports: ReportsService) {
  app.get(
    '/api/community/reports',
    {
      config: { permission: 'community.read' },
      schema: {
        tags: ['community'],
        querystring: z.strictObject({ status: z.enum(REPORT_STATUSES).optional() }),
        response: { 200: z.object({ items: z.array(reportSchema) }) },
      },
    },
    async (request) => ({ items: await reports.list(actorOf(request), request.query.status) }),
  );

  app.get(
    '/api/community/reports/:id',
    {
      config: { permission: 'community.read' },
      schema: { tags: ['community'], params: idParams, response: { 200: reportSchema } },
    },
    async (request) => reports.report(request.params.id, actorOf(request)),
  );

  app.get(
    '/api/community/reports/:id/media',
    {
      config: { permission: 'community.read' },
      schema: {
        tags: ['community'],
        params: idParams,
        // A citizen's photo or video shows people, plates and homes: personal data, read with a purpose.
        headers: z.object({ 'x-purpose': z.string().max(2000).optional() }),
        response: {
          200: {
            description:
              'The report’s photo or video as stored (EXIF stripped); personal data: X-Purpose required, the read audited',
            content: Object.fromEntries(
              Object.keys(MEDIA_EXTENSIONS).map((type) => [
                type,
                { schema: z.string().meta({ format: 'binary' }) },
              ]),
            ),
          },
        },
      },
    },
    async (request, reply) => {
      // 404 for a report outside the subtree before anything is audited; the read is audited with
      // its purpose before the bytes leave.
      const media = await reports.media(request.params.id, actorOf(request));
      await auditPersonalRead(deps, request, `report:${request.params.id}`, {
        fields: ['media'],
        mediaType: media.type,
      });
      return reply
        .type(media.type)
        .header('cache-control', 'private, no-store')
        .send(media.bytes as unknown as string); // a Buffer is sent as it is; the cast meets the declared type
    },
  );

  app.post(
    '/api/community/reports/:id/decide',
    {
      config: { permission: 'community.intake' },
      schema: {
        tags: ['community'],
        params: idParams,
        body: reportDecisionSchema,
        response: { 200: reportSchema },
      },
    },
    async (request) => reports.decide(actorOf(request), request.params.id, request.body),
  );

  // ---- the public page (no login)

  app.get(
    '/api/community/public/categories',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['community'],
        response: {
          200: z.object({
            items: z.array(
              z.object({ code: z.string(), zh: z.string(), en: z.string(), slaHours: z.number() }),
            ),
          }),
        },
      },
    },
    async () => ({
      items: REPORT_CATEGORIES.map(({ code, zh, en, slaHours }) => ({ code, zh, en, slaHours })),
    }),
  );

  app.post(
    '/api/community/public/track',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['community'],
        body: z.strictObject({ token: z.string().min(10).max(100) }),
        response: { 200: reportTrackingSchema },
      },
    },
    async (request) => reports.track(request.body.token),
  );

  await app.register(async (scoped) => {
    await scoped.register(fastifyMultipart, {
      limits: { fileSize: MEDIA_LIMITS.videoBytes, files: 1, fields: 12, fieldSize: 4096, parts: 14 },
    });
    scoped.post(
      '/api/community/public/reports',
      {
        config: { permission: 'public' },
        schema: {
          tags: ['community'],
          description:
            'multipart/form-data: category, description, lon, lat, positionSource, address, fingerprint, media (one file)',
          response: { 201: publicReceiptSchema },
        },
      },
      async (request, reply) => {
        if (!request.isMultipart()) {
          throw new ProblemError('unsupported_media_type', {
            zh: '请使用 multipart/form-data',
            en: 'Use multipart/form-data',
          });
        }
        const fields: Record<string, string> = {};
        let media: Upload | undefined;
        try {
          for await (const part of request.parts()) {
            if (part.type === 'file') {
              const bytes = await part.toBuffer();
              media = { bytes, fileName: part.filename ?? '', declaredType: part.mimetype };
            } else if (typeof part.value === 'string') fields[part.fieldname] = part.value;
          }
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (code === 'FST_REQ_FILE_TOO_LARGE') {
            throw new ProblemError(
              'payload_too_large',
              {
                zh: `文件不能超过 ${MEDIA_LIMITS.videoBytes / 1048576} MB`,
                en: `At most ${MEDIA_LIMITS.videoBytes / 1048576} MB`,
              },
              [{ field: 'media', rule: 'too_big', message: '' }],
            );
          }
          // Anything else the form parser refuses (a cut-off body, a bad boundary, too many parts).
          throw new ProblemError('validation', { zh: '表单格式不正确', en: 'The form is malformed' }, [
            { field: '(body)', rule: 'multipart', message: '' },
          ]);
        }
        const num = (s: string | undefined) => (s === undefined || s === '' ? undefined : Number(s));
        const parsed = publicReportSchema.safeParse({
          category: fields.category,
          description: fields.description,
          lon: num(fields.lon),
          lat: num(fields.lat),
          positionSource: fields.positionSource || undefined,
          address: fields.address || undefined,
          fingerprint: fields.fingerprint,
        });
        if (!parsed.success) {
          throw new ProblemError(
            'validation',
            undefined,
            parsed.error.issues.map((i) => ({
              field: i.path.join('.') || '(body)',
              rule: i.code,
              message: '',
            })),
          );
        }
        const made = await reports.submit({
          ...parsed.data,
          source: 'page',
          media,
          clientAddress: request.ip,
        });
        return reply.code(201).send(made);
      },
    );
  });

  await app.register(async (scoped) => open311Routes(scoped, reports));
}

/** What the reporter keeps: the report's number, its follow-up token and when to expect an answer. */
const publicReceiptSchema = z.object({
  id: z.uuid(),
  number: z.string(),
  token: z.string().meta({ description: 'Follows the report’s status (POST /api/community/public/track)' }),
  expectedAt: z.iso.datetime().meta({ description: 'From the category’s response time' }),
});
