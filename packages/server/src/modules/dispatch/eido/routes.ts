/** POST /api/dispatch/eido: a call transferred from a neighbouring centre, as NENA's EIDO. */
import { createdIncidentSchema } from '@citywatch/core/dispatch/schemas';
import { z } from 'zod';
import { actorOf } from '../../../http/auth.js';
import type { Deps, ZodApp } from '../../module.js';
import type { DispatchService } from '../service.js';
import { importEido } from './import.js';

const placementQuery = z.strictObject({
  lon: z.coerce.number().min(-180).max(180).optional(),
  lat: z.coerce.number().min(-90).max(90).optional(),
  crs: z.enum(['wgs84', 'gcj02', 'bd09']).optional(),
  city: z.string().min(1).max(63).optional(),
});

export function eidoImportRoutes(app: ZodApp, ctx: Pick<Deps, 'db' | 'now'>, dispatch: DispatchService) {
  app.post(
    '/api/dispatch/eido',
    {
      config: { permission: 'dispatch.write' },
      schema: {
        tags: ['dispatch'],
        summary: 'Open an incident from an incoming EIDO (NENA-STA-021.1b)',
        // Judged by NENA's schema in the handler (problems name the member and the rule).
        body: z.looseObject({}).describe('An EmergencyIncidentDataObjectType (NENA-STA-021.1b)'),
        querystring: placementQuery,
        response: {
          201: createdIncidentSchema.extend({
            id: z.string(),
            eido: z.object({
              id: z.string(),
              fromAgency: z.string().nullable(),
              typeCode: z.string().nullable(),
              placedBy: z.enum(['eido', 'dispatcher']),
            }),
          }),
        },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await importEido(
            { db: ctx.db.kysely, now: ctx.now, dispatch },
            actorOf(request),
            request.body,
            request.query,
          ),
        ),
  );
}
