import { indicatorMetaSchema } from '@citywatch/core/indicators/indicators';
import { reportPeriod } from '@citywatch/core/indicators/period';
import { z } from 'zod';
import { actorOf } from '../../http/auth.js';
import { ProblemError } from '../../http/problem.js';
import type { ZodApp } from '../module.js';
import { generateReport } from './report.js';
import type { IndicatorsService } from './service.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const periodQuery = z.strictObject({
  org: z.string().uuid().optional(),
  from: day.optional(),
  to: day.optional(),
});
const idParams = z.strictObject({ id: z.string().min(1).max(100) });
const rowsQuery = periodQuery.extend({ limit: z.coerce.number().int().min(1).max(1000).default(200) });
const valuesQuery = periodQuery.extend({
  ids: z
    .string()
    .max(4000)
    .transform((s) => s.split(',').filter(Boolean))
    .optional(),
});
const snapshotBody = z.strictObject({ day, org: z.string().uuid().optional() });
const reportBody = z.strictObject({
  kind: z.enum(['daily', 'weekly', 'monthly']),
  format: z.enum(['pdf', 'xlsx']),
  period: z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'YYYY-MM-DD or YYYY-MM'),
  org: z.string().uuid().optional(),
});
const reportSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  orgName: z.string(),
  kind: z.string(),
  format: z.string(),
  label: z.string(),
  sha256: z.string(),
  bytes: z.number(),
  createdAt: z.string(),
});
const CONTENT_TYPES = {
  pdf: 'application/pdf',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;
const binaryFile = z.string().meta({ format: 'binary' });

const figureSchema = indicatorMetaSchema.extend({
  value: z.number().nullable(),
  numerator: z.number().nullable(),
  denominator: z.number().nullable(),
  status: z.enum(['met', 'missed', 'none']),
  error: z.string().optional(),
});
const orgSchema = z.object({ id: z.string(), name: z.string(), code: z.string(), kind: z.string() });
const cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const status = z.enum(['met', 'missed', 'none']);
const trendSchema = z.object({
  org: orgSchema,
  indicator: indicatorMetaSchema,
  points: z.array(
    z.object({
      day: z.string(),
      value: z.number().nullable(),
      numerator: z.number().nullable(),
      denominator: z.number().nullable(),
      ruleVersion: z.number(),
      status,
    }),
  ),
});
const rankingSchema = z.object({
  org: orgSchema,
  indicator: indicatorMetaSchema,
  stations: z.array(
    z.object({
      rank: z.number().nullable(),
      orgId: z.string(),
      name: z.string(),
      code: z.string(),
      value: z.number().nullable(),
      numerator: z.number().nullable(),
      denominator: z.number().nullable(),
      status,
    }),
  ),
});
const snapshotSchema = z.object({ day: z.string(), orgs: z.number(), values: z.number(), ms: z.number() });

/**
 * Indicator routes: the registry, values of an org's subtree over a period, the rows behind a value
 * (drill-down), trends from the daily snapshots, the ranking of stations, and a snapshot on demand.
 * The org asked for must lie in the asker's subtree (400 org_in_scope otherwise); every query
 * counts that org's subtree only.
 */
export function indicatorRoutes(app: ZodApp, indicators: IndicatorsService) {
  app.get(
    '/api/indicators',
    {
      config: { permission: 'indicators.read' },
      schema: {
        tags: ['indicators'],
        response: { 200: z.object({ items: z.array(indicatorMetaSchema) }) },
      },
    },
    async () => ({ items: indicators.list() }),
  );

  app.get(
    '/api/indicators/values',
    {
      config: { permission: 'indicators.read' },
      schema: {
        tags: ['indicators'],
        querystring: valuesQuery,
        response: {
          200: z.object({
            org: orgSchema,
            from: z.string(),
            to: z.string(),
            items: z.array(figureSchema),
          }),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const org = await indicators.org(actorOf(request), q.org);
      const period = indicators.period(q.from, q.to);
      const items = await indicators.compute(org, period, q.ids);
      return { org, from: period.from.toISOString(), to: period.to.toISOString(), items };
    },
  );

  app.get(
    '/api/indicators/:id/rows',
    {
      config: { permission: 'indicators.read' },
      schema: {
        tags: ['indicators'],
        params: idParams,
        querystring: rowsQuery,
        response: {
          200: z.object({
            org: orgSchema,
            columns: z.array(z.object({ key: z.string(), zh: z.string(), en: z.string() })),
            rows: z.array(z.record(z.string(), cell)),
            total: z.number(),
          }),
        },
      },
    },
    async (request) => {
      const q = request.query;
      indicators.find(request.params.id);
      const org = await indicators.org(actorOf(request), q.org);
      const rows = await indicators.rows(request.params.id, org, indicators.period(q.from, q.to), q.limit);
      return { org, ...rows };
    },
  );

  app.get(
    '/api/indicators/:id/trend',
    {
      config: { permission: 'indicators.read' },
      schema: {
        tags: ['indicators'],
        params: idParams,
        querystring: periodQuery,
        response: { 200: trendSchema },
      },
    },
    async (request) => {
      const q = request.query;
      indicators.find(request.params.id);
      const org = await indicators.org(actorOf(request), q.org);
      return { org, ...(await indicators.trend(request.params.id, org, indicators.period(q.from, q.to))) };
    },
  );

  app.get(
    '/api/indicators/:id/ranking',
    {
      config: { permission: 'indicators.read' },
      schema: {
        tags: ['indicators'],
        params: idParams,
        querystring: periodQuery,
        response: { 200: rankingSchema },
      },
    },
    async (request) => {
      const q = request.query;
      indicators.find(request.params.id);
      const org = await indicators.org(actorOf(request), q.org);
      return { org, ...(await indicators.ranking(request.params.id, org, indicators.period(q.from, q.to))) };
    },
  );

  app.post(
    '/api/indicators/snapshots',
    {
      config: { permission: 'indicators.write' },
      schema: { tags: ['indicators'], body: snapshotBody, response: { 200: snapshotSchema } },
    },
    async (request) => {
      const org = await indicators.org(actorOf(request), request.body.org);
      indicators.period(request.body.day, request.body.day);
      return indicators.snapshot(request.body.day, org);
    },
  );

  app.get(
    '/api/indicators/reports',
    {
      config: { permission: 'indicators.read' },
      schema: {
        tags: ['indicators'],
        querystring: z.strictObject({ org: z.string().uuid().optional() }),
        response: { 200: z.object({ items: z.array(reportSchema) }) },
      },
    },
    async (request) => {
      const org = await indicators.org(actorOf(request), request.query.org);
      return { items: await indicators.reports(org) };
    },
  );

  app.get(
    '/api/indicators/reports/:id',
    {
      config: { permission: 'indicators.read' },
      schema: {
        tags: ['indicators'],
        params: z.strictObject({ id: z.string().uuid() }),
        response: {
          200: {
            description: 'The archived report file (its SHA-256 in x-content-sha256)',
            content: {
              [CONTENT_TYPES.pdf]: { schema: binaryFile },
              [CONTENT_TYPES.xlsx]: { schema: binaryFile },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const report = await indicators.report(request.params.id, actorOf(request));
      const file = encodeURIComponent(`${report.org_name}-${report.kind}-${report.label}.${report.format}`);
      return (
        reply
          .header('content-type', CONTENT_TYPES[report.format])
          .header('content-disposition', `attachment; filename*=UTF-8''${file}`)
          .header('x-content-sha256', report.sha256)
          // A Buffer is sent as it is (never serialized); the cast only meets the declared types.
          .send(Buffer.from(report.bytes) as unknown as string)
      );
    },
  );

  app.post(
    '/api/indicators/reports',
    {
      config: { permission: 'indicators.write' },
      schema: { tags: ['indicators'], body: reportBody, response: { 201: reportSchema } },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const b = request.body;
      const org = await indicators.org(actor, b.org);
      const period = reportPeriod(b.kind, b.period);
      if (!period) {
        throw new ProblemError('validation', undefined, [
          { field: 'period', rule: 'period_for_kind', message: '' },
        ]);
      }
      const made = await generateReport(indicators, {
        org,
        kind: b.kind,
        format: b.format,
        period,
        userId: actor.userId,
        now: indicators.now(),
      });
      const [listed] = (await indicators.reports(org)).filter((r) => r.id === made.id);
      return reply.code(201).send(listed);
    },
  );
}
