import { outcomeSchema } from '@citywatch/core/patrol/evaluation';
import { z } from 'zod';
import { actorOf } from '../../http/auth.js';
import type { ZodApp } from '../module.js';
import { cityNameSchema } from '../places/schemas.js';
import { type EvaluationService, outcomeXlsx } from './evaluation-service.js';

const outcomeQuery = z.strictObject({
  city: cityNameSchema,
  /** Default: the plan's shift start; required without a plan. */
  start: z.iso.datetime({ offset: true }).optional(),
  planId: z.string().uuid().optional(),
  weeksBefore: z.coerce.number().int().min(1).max(52).default(8),
  weeksAfter: z.coerce.number().int().min(1).max(52).default(8),
  coverage: z.coerce.number().gt(0).max(0.5).default(0.05),
});

/** 巡逻成效评估: JSON for the page, the same as an .xlsx book. */
export function evaluationRoutes(app: ZodApp, evaluation: EvaluationService): void {
  const run = (q: z.infer<typeof outcomeQuery>, request: Parameters<typeof actorOf>[0]) =>
    evaluation.outcome(
      {
        city: q.city,
        start: q.start ? new Date(q.start) : undefined,
        planId: q.planId,
        weeksBefore: q.weeksBefore,
        weeksAfter: q.weeksAfter,
        coverage: q.coverage,
      },
      actorOf(request),
    );

  app.get(
    '/api/patrol/outcomes',
    {
      config: { permission: 'patrol.read' },
      schema: { tags: ['patrol'], querystring: outcomeQuery, response: { 200: outcomeSchema } },
    },
    async (request) => run(request.query, request),
  );

  app.get(
    '/api/patrol/outcomes.xlsx',
    {
      config: { permission: 'patrol.read' },
      schema: {
        tags: ['patrol'],
        querystring: outcomeQuery,
        response: {
          200: {
            description: 'The outcome evaluation as an Excel workbook (summary, weeks, dosage)',
            content: {
              'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
                schema: z.string().meta({ format: 'binary' }),
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const o = await run(request.query, request);
      const file = encodeURIComponent(`巡逻成效评估-${o.start.slice(0, 10)}.xlsx`);
      return (
        reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', `attachment; filename*=UTF-8''${file}`)
          // A Buffer is sent as it is (never serialized); the cast only meets the declared types.
          .send((await outcomeXlsx(o)) as unknown as string)
      );
    },
  );
}
