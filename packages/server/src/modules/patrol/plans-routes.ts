import { featureCollection } from '@citywatch/core/geo/geojson';
import {
  checkInResultSchema,
  complianceReportSchema,
  myPlanSchema,
  planBodySchema,
  planSchema,
  planSummarySchema,
  planVersionSchema,
  zoneSchema,
} from '@citywatch/core/patrol/plans';
import { z } from 'zod';
import { actorOf } from '../../http/auth.js';
import type { ZodApp } from '../module.js';
import { cityNameSchema } from '../places/schemas.js';
import type { PlansService } from './plans-service.js';

const idParams = z.strictObject({ id: z.uuid() });
const versionQuery = z.strictObject({ version: z.coerce.number().int().min(1).max(100_000).optional() });
const checkInBody = z.strictObject({
  targetKey: z.string().trim().min(1).max(64),
  lon: z.number().min(-180).max(180),
  lat: z.number().min(-90).max(90),
  accuracyM: z.number().min(0).max(10_000).optional(),
});

/**
 * Patrol plans (versioned; every write audited as `plan:<id>` by the auth hook), zones from
 * station areas, compliance and dosage from AVL, and the officer's plan for today and check-ins:
 *   GET  /api/patrol/my-plan            the plan of the unit the officer is signed on to, its visits, the next
 *   POST /api/patrol/my-plan/check-ins  a check-in at a must-patrol point of that plan, with position
 */
/** A plan's zones as one GeoJSON layer (application/geo+json, WGS-84, right-hand rule). */
const zonesFeatureCollectionSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    name: z.string(),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        id: z.string().optional(),
        properties: z
          .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
          .describe('key, name, source, planId, planName, version'),
        geometry: z.object({ type: z.string(), coordinates: z.array(z.unknown()) }),
      }),
    ),
  })
  .describe('the zones as one layer (patrol_zones) a GIS tool opens');

export function plansRoutes(app: ZodApp, plans: PlansService): void {
  app.get(
    '/api/patrol/plans',
    {
      config: { permission: 'patrol.read' },
      schema: {
        tags: ['patrol'],
        querystring: z.strictObject({ city: cityNameSchema }),
        response: { 200: z.array(planSummarySchema) },
      },
    },
    async (request) => plans.list(request.query.city, actorOf(request)),
  );

  app.post(
    '/api/patrol/plans',
    {
      config: { permission: 'patrol.write' },
      schema: { tags: ['patrol'], body: planBodySchema, response: { 201: planSchema } },
    },
    async (request, reply) => reply.code(201).send(await plans.create(request.body, actorOf(request))),
  );

  app.get(
    '/api/patrol/plans/:id',
    {
      config: { permission: 'patrol.read' },
      schema: {
        tags: ['patrol'],
        params: idParams,
        querystring: versionQuery,
        response: { 200: planSchema },
      },
    },
    async (request) => plans.get(request.params.id, request.query.version, actorOf(request)),
  );

  // The plan's zones as one layer a GIS tool opens (RFC 7946, right-hand rule, flat properties).
  app.get(
    '/api/patrol/plans/:id/zones.geojson',
    {
      config: { permission: 'patrol.read' },
      schema: {
        tags: ['patrol'],
        params: idParams,
        querystring: versionQuery,
        response: { 200: zonesFeatureCollectionSchema },
      },
    },
    async (request, reply) => {
      const plan = await plans.get(request.params.id, request.query.version, actorOf(request));
      const layer = featureCollection(
        'patrol_zones',
        plan.body.zones.map((zone) => ({
          id: zone.key,
          geometry: zone.geometry,
          properties: {
            key: zone.key,
            name: zone.name,
            source: zone.source,
            planId: plan.id,
            planName: plan.body.name,
            version: plan.version,
          },
        })),
      );
      return reply.type('application/geo+json').send(layer);
    },
  );

  app.put(
    '/api/patrol/plans/:id',
    {
      config: { permission: 'patrol.write' },
      schema: { tags: ['patrol'], params: idParams, body: planBodySchema, response: { 200: planSchema } },
    },
    async (request) => plans.update(request.params.id, request.body, actorOf(request)),
  );

  app.get(
    '/api/patrol/plans/:id/versions',
    {
      config: { permission: 'patrol.read' },
      schema: { tags: ['patrol'], params: idParams, response: { 200: z.array(planVersionSchema) } },
    },
    async (request) => plans.versions(request.params.id, actorOf(request)),
  );

  app.get(
    '/api/patrol/plans/:id/compliance',
    {
      config: { permission: 'patrol.read' },
      schema: {
        tags: ['patrol'],
        params: idParams,
        querystring: versionQuery,
        response: { 200: complianceReportSchema },
      },
    },
    async (request) => plans.compliance(request.params.id, request.query.version, actorOf(request)),
  );

  app.get(
    '/api/patrol/zones/jurisdictions',
    {
      config: { permission: 'patrol.read' },
      schema: {
        tags: ['patrol'],
        querystring: z.strictObject({ city: cityNameSchema }),
        response: { 200: z.array(zoneSchema) },
      },
    },
    async (request) => plans.jurisdictionZones(request.query.city, actorOf(request)),
  );

  app.get(
    '/api/patrol/my-plan',
    {
      config: { permission: 'units.report' },
      schema: { tags: ['patrol'], response: { 200: myPlanSchema } },
    },
    async (request) => plans.myPlan(actorOf(request)),
  );

  app.post(
    '/api/patrol/my-plan/check-ins',
    {
      config: { permission: 'units.report' },
      schema: { tags: ['patrol'], body: checkInBody, response: { 201: checkInResultSchema } },
    },
    async (request, reply) => reply.code(201).send(await plans.checkIn(actorOf(request), request.body)),
  );
}
