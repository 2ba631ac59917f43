/**
 * On-demand learning (issue 16 item 4): `POST /api/eta/learn` runs the nightly job's learning
 * (EtaService.learnDay) for one finished UTC day, now. Learned times are city-level data (one
 * profile per city, from every station's units), so only city-level staff may run it
 * (assertCityLevel, 403 `city_level`); the permission is `eta.learn` (admin). Audited: a row
 * naming the city and day with the run's figures, written before the answer (besides the row
 * every write leaves, http/auth.ts); the day's run row keeps trigger 'manual'.
 */
import { z } from 'zod';
import { actorOf } from '../../http/auth.js';
import { ProblemError } from '../../http/problem.js';
import { recordAudit } from '../../identity/audit.js';
import type { Deps, ZodApp } from '../module.js';
import { assertCityLevel } from '../scope.js';
import type { EtaService } from './service.js';

const learnBodySchema = z.strictObject({
  /** The UTC day to learn, YYYY-MM-DD; default yesterday (what the nightly run takes). */
  day: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), { message: 'not a date' })
    .optional(),
});

const learnRunSchema = z.object({
  day: z.string(),
  city: z.string(),
  trigger: z.enum(['nightly', 'manual']),
  units: z.number().int(),
  fixes: z.number().int(),
  matched: z.number().int(),
  trips: z.number().int(),
  unmatchable_trips: z.number().int(),
  traversals: z.number().int(),
  /** Of those, emergency driving (lights and siren, or on the way to an urgent incident). */
  emergency_traversals: z.number().int(),
  skipped: z.record(z.string(), z.number().int()),
  ran: z.boolean(),
});

export function etaRoutes(app: ZodApp, deps: Deps, eta: EtaService): void {
  app.post(
    '/api/eta/learn',
    {
      config: { permission: 'eta.learn' },
      schema: { tags: ['eta'], body: learnBodySchema, response: { 200: learnRunSchema } },
    },
    async (request) => {
      assertCityLevel(actorOf(request));
      const day = request.body.day ?? eta.yesterday();
      // A day not over yet would be claimed half-learned and the nightly run would skip it.
      const today = deps.now().toISOString().slice(0, 10);
      if (day >= today) {
        throw new ProblemError(
          'validation',
          { zh: '只能学习已经结束的日期（UTC）', en: 'Only a finished day (UTC) can be learned' },
          [{ field: 'day', rule: 'eta_day_not_over', message: '' }],
        );
      }
      const run = await eta.learnDay(day, 'manual');
      if (!run.ran) {
        throw new ProblemError(
          'conflict',
          { zh: `${day} 已经学习过`, en: `${day} has been learned already` },
          [{ field: 'day', rule: 'eta_day_learned', message: '' }],
        );
      }
      const actor = actorOf(request);
      await recordAudit(
        deps.db.kysely,
        {
          userId: actor.userId,
          username: actor.username,
          action: 'write',
          resource: `eta_learn_run:${run.city}:${run.day}`,
          detail: { route: 'POST /api/eta/learn', ...run },
        },
        deps.now(),
      );
      return run;
    },
  );
}
