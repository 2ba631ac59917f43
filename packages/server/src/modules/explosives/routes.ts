import {
  alarmSchema,
  closeResultSchema,
  countsSchema,
  issuedVehicleSchema,
  ledgerQuerySchema,
  magazineSchema,
  magazineViewSchema,
  monthCloseResultSchema,
  monthCloseSchema,
  permitApplicationSchema,
  permitSchema,
  postMovementsSchema,
  postResultsSchema,
  productSchema,
  trackResultSchema,
  trackSchema,
  transferViewSchema,
  transportViewSchema,
  vehicleAvlResultSchema,
  vehicleAvlSchema,
  vehicleInputSchema,
  vehicleSchema,
} from '@citywatch/core/explosives/schemas';
import { z } from 'zod';
import { actorOf, deviceOf } from '../../http/auth.js';
import { ProblemError } from '../../http/problem.js';
import type { ZodApp } from '../module.js';
import type { ExplosivesService } from './service.js';

const tags = ['explosives'];
const idParams = z.strictObject({ id: z.string().min(1).max(80) });
const enterpriseQuery = z.strictObject({ enterpriseId: z.string().min(1).max(64) });

/** 民爆物品: products, magazines, ledger, daily close, permits (four eyes), alarms. */
export function explosivesRoutes(app: ZodApp, ex: ExplosivesService) {
  app.get(
    '/api/explosives/products',
    {
      config: { permission: 'explosives.read' },
      schema: { tags, response: { 200: z.object({ items: z.array(productSchema) }) } },
    },
    async () => ({ items: await ex.products() }),
  );
  app.post(
    '/api/explosives/products',
    {
      config: { permission: 'explosives.admin' },
      schema: { tags, body: productSchema, response: { 201: productSchema } },
    },
    async (request, reply) => reply.code(201).send(await ex.putProduct(request.body)),
  );

  app.post(
    '/api/explosives/magazines',
    {
      config: { permission: 'explosives.admin' },
      schema: {
        tags,
        body: magazineSchema,
        response: { 201: z.object({ enterpriseId: z.string(), name: z.string() }) },
      },
    },
    async (request, reply) => reply.code(201).send(await ex.putMagazine(actorOf(request), request.body)),
  );
  app.get(
    '/api/explosives/magazines',
    {
      config: { permission: 'explosives.read' },
      schema: {
        tags,
        querystring: enterpriseQuery,
        response: { 200: z.object({ items: z.array(magazineViewSchema) }) },
      },
    },
    async (request) => ({ items: await ex.magazines(actorOf(request), request.query.enterpriseId) }),
  );

  app.post(
    '/api/explosives/movements',
    {
      config: { permission: 'explosives.post' },
      schema: { tags, body: postMovementsSchema, response: { 200: postResultsSchema } },
    },
    async (request) => {
      const actor = actorOf(request);
      const book = await ex.book(actor, request.body.enterpriseId);
      const outcome = await ex.post(actor, book, request.body.movements);
      return {
        posted: outcome.posted.length,
        results: outcome.results.map((r) =>
          'refused' in r
            ? {
                id: r.id,
                status: 'refused' as const,
                reason: r.refused.reason,
                violations: r.refused.violations,
                anomalies: r.refused.anomalies,
              }
            : { id: r.id, status: 'posted' as const },
        ),
      };
    },
  );
  app.get(
    '/api/explosives/ledger',
    {
      config: { permission: 'explosives.read' },
      schema: {
        tags,
        querystring: ledgerQuerySchema,
        response: { 200: z.object({ items: z.array(transferViewSchema) }) },
      },
    },
    async (request) => ({
      items: await ex.ledger(
        actorOf(request),
        request.query.enterpriseId,
        request.query.account,
        request.query.limit,
      ),
    }),
  );

  app.post(
    '/api/explosives/counts',
    {
      config: { permission: 'explosives.post' },
      schema: { tags, body: countsSchema, response: { 200: closeResultSchema } },
    },
    async (request) => {
      const actor = actorOf(request);
      const book = await ex.book(actor, request.body.enterpriseId);
      return ex.closeDay(actor, book, request.body);
    },
  );

  app.post(
    '/api/explosives/month-close',
    {
      config: { permission: 'explosives.post' },
      schema: { tags, body: monthCloseSchema, response: { 201: monthCloseResultSchema } },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const book = await ex.book(actor, request.body.enterpriseId);
      return reply.code(201).send(await ex.closeMonth(actor, book, request.body.month));
    },
  );
  app.get(
    '/api/explosives/month-closes',
    {
      config: { permission: 'explosives.read' },
      schema: {
        tags,
        querystring: enterpriseQuery,
        response: { 200: z.object({ items: z.array(monthCloseResultSchema) }) },
      },
    },
    async (request) => {
      const book = await ex.book(actorOf(request), request.query.enterpriseId);
      return { items: await ex.monthCloses(book) };
    },
  );

  app.get(
    '/api/explosives/permits',
    {
      config: { permission: 'explosives.permits' },
      schema: {
        tags,
        querystring: z.strictObject({ enterpriseId: z.string().max(64).optional() }),
        response: { 200: z.object({ items: z.array(permitSchema) }) },
      },
    },
    async (request) => ({
      items: await ex.permits(actorOf(request), { enterpriseId: request.query.enterpriseId }),
    }),
  );
  app.post(
    '/api/explosives/permits',
    {
      config: { permission: 'explosives.apply' },
      schema: { tags, body: permitApplicationSchema, response: { 201: permitSchema } },
    },
    async (request, reply) => {
      const permit = await ex.apply(actorOf(request), request.body);
      request.createdId = permit.id;
      return reply.code(201).send(permit);
    },
  );
  app.post(
    '/api/explosives/permits/:id/approve',
    {
      config: { permission: 'explosives.approve' },
      schema: { tags, params: idParams, response: { 200: permitSchema } },
    },
    async (request) => ex.approve(actorOf(request), request.params.id),
  );
  app.post(
    '/api/explosives/permits/:id/refuse',
    {
      config: { permission: 'explosives.approve' },
      schema: {
        tags,
        params: idParams,
        body: z.strictObject({ reason: z.string().trim().min(2).max(500) }),
        response: { 200: permitSchema },
      },
    },
    async (request) => ex.refuse(actorOf(request), request.params.id, request.body.reason),
  );

  app.post(
    '/api/explosives/permits/:id/track',
    {
      config: { permission: 'explosives.post' },
      schema: { tags, params: idParams, body: trackSchema, response: { 200: trackResultSchema } },
    },
    async (request) => ex.track(actorOf(request), request.params.id, request.body.fixes),
  );

  app.get(
    '/api/explosives/permits/:id/transport',
    {
      config: { permission: 'explosives.permits' },
      schema: { tags, params: idParams, response: { 200: transportViewSchema } },
    },
    async (request) => ex.transportView(actorOf(request), request.params.id),
  );

  app.post(
    '/api/explosives/vehicles',
    {
      config: { permission: 'explosives.admin' },
      schema: { tags, body: vehicleInputSchema, response: { 201: issuedVehicleSchema } },
    },
    async (request, reply) => {
      const vehicle = await ex.registerVehicle(actorOf(request), request.body);
      request.createdId = vehicle.deviceId;
      return reply.code(201).send(vehicle);
    },
  );
  app.get(
    '/api/explosives/vehicles',
    {
      config: { permission: 'explosives.read' },
      schema: {
        tags,
        querystring: enterpriseQuery,
        response: { 200: z.object({ items: z.array(vehicleSchema) }) },
      },
    },
    async (request) => ({ items: await ex.vehicles(actorOf(request), request.query.enterpriseId) }),
  );
  // A vehicle's AVL with its own token: it speaks for itself only (no vehicle or permit in the request).
  app.post(
    '/api/explosives/vehicles/avl',
    {
      config: { permission: 'explosives.avl', device: 'sensor', auditWrites: false },
      schema: { tags, body: vehicleAvlSchema, response: { 200: vehicleAvlResultSchema } },
    },
    async (request) => {
      const device = deviceOf(request);
      if (!device) throw new ProblemError('forbidden');
      return ex.vehicleAvl(device, request.body.fixes);
    },
  );

  app.get(
    '/api/explosives/alarms',
    {
      config: { permission: 'explosives.read' },
      schema: { tags, response: { 200: z.object({ items: z.array(alarmSchema) }) } },
    },
    async (request) => ({ items: await ex.alarms(actorOf(request)) }),
  );
  app.post(
    '/api/explosives/alarms/:id/report',
    {
      config: { permission: 'explosives.post' },
      schema: { tags, params: idParams, response: { 200: alarmSchema } },
    },
    async (request) => ex.reportAlarm(actorOf(request), request.params.id),
  );
}
