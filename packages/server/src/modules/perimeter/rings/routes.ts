/**
 * HTTP API of perimeter rings: rings CRUD and closure analysis, checkpoints placed on road
 * segments, closure plans and the interception advisor. Each route declares its schema and its
 * permission; the handler calls the service.
 */
import { DATUMS, featureCollection } from '@citywatch/core/geo/geojson';
import { RING_GEOJSON_MAX_BYTES, RING_LEVELS } from '@citywatch/core/perimeter/ring';
import { z } from 'zod';
import { actorOf } from '../../../http/auth.js';
import type { DispatchService } from '../../dispatch/service.js';
import type { ZodApp } from '../../module.js';
import type { RingsServices } from './index.js';

const tags = ['perimeter'];
const ringIdParams = z.strictObject({ id: z.string().uuid() });
const checkpointId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/);
const checkpointIdParams = z.strictObject({ id: checkpointId });

const ringFields = {
  name: z.string().trim().min(1).max(200).optional(),
  level: z.enum(RING_LEVELS).optional(),
  /** Datum of the coordinates (AMap/Tencent: gcj02, Baidu: bd09); stored as WGS-84. */
  datum: z.enum(DATUMS).optional(),
  // A Geometry, Feature or FeatureCollection; read by core/geo/geojson.ts (crs, structure,
  // datum, right-hand rule), then checked on the road graph.
  geometry: z.unknown(),
};
const isGeoJsonFile = (body: unknown) =>
  typeof body === 'object' &&
  body !== null &&
  ['Feature', 'FeatureCollection'].includes((body as { type?: unknown }).type as string);
/**
 * Name and level may come from the feature's properties. A GeoJSON file posted as it is (what
 * QGIS or ogr2ogr saved; city and datum then in the query) is read as `{ geometry: file }`.
 */
const ringBody = z.preprocess(
  (body) => (isGeoJsonFile(body) ? { geometry: body } : body),
  z.strictObject({ city: z.string().min(1).max(200).optional(), ...ringFields }),
);
const ringCreateQuery = z.strictObject({
  city: z.string().min(1).max(200).optional(),
  datum: z.enum(DATUMS).optional(),
});
// A change names at least one field: an empty PATCH is refused (400), not answered as a no-op.
const ringPatch = z
  .strictObject({
    name: ringFields.name,
    level: ringFields.level,
    datum: ringFields.datum,
    geometry: z.unknown().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: 'Nothing to change' });
const ringListQuery = z.strictObject({
  city: z.string().min(1).max(200).optional(),
  /** geojson: the rings as one FeatureCollection a GIS tool opens. */
  format: z.enum(['json', 'geojson']).optional(),
});
const analysisQuery = z.strictObject({
  corridorBandM: z.coerce.number().positive().max(20_000).optional(),
  cost: z.enum(['unit', 'class']).optional(),
});

const checkpointFields = {
  name: z.string().trim().min(1).max(100),
  kind: z.enum(['station', 'post', 'camera']),
  orgId: z.string().uuid().nullish(),
  ringId: z.string().uuid().nullish(),
  lon: z.number().min(-180).max(180),
  lat: z.number().min(-90).max(90),
  directions: z.enum(['inbound', 'outbound', 'both']).optional(),
  equipment: z.array(z.string().trim().min(1).max(60)).max(30).optional(),
  staffing: z.number().int().min(0).max(500).optional(),
};
const checkpointBody = z.strictObject({
  id: checkpointId,
  city: z.string().min(1).max(200).optional(),
  ...checkpointFields,
});
const checkpointPut = z.strictObject({ city: z.string().min(1).max(200).optional(), ...checkpointFields });
// An empty PATCH is refused (400); it reached the store as an UPDATE with nothing to set (500).
const checkpointPatch = z
  .strictObject({
    name: checkpointFields.name.optional(),
    kind: checkpointFields.kind.optional(),
    // A checkpoint always belongs to an org: it can be moved to another (of the actor's subtree), not to none.
    orgId: z.string().uuid().optional(),
    ringId: checkpointFields.ringId,
    lon: checkpointFields.lon.optional(),
    lat: checkpointFields.lat.optional(),
    directions: checkpointFields.directions,
    equipment: checkpointFields.equipment,
    staffing: checkpointFields.staffing,
  })
  .refine((p) => Object.keys(p).length > 0, { message: 'Nothing to change' });
const checkpointQuery = z.strictObject({
  ringId: z.string().uuid().optional(),
  city: z.string().min(1).max(200).optional(),
});

const activateBody = z.strictObject({
  reason: z.string().trim().min(4).max(1000),
  durationMinutes: z.number().int().min(1).max(720).default(120),
  /** Also publish the road-control notice in the public CAP feed (without the reason). */
  publicNotice: z.boolean().default(false),
});
const planIdParams = z.strictObject({ id: z.string().uuid() });
const planQuery = z.strictObject({
  ringId: z.string().uuid().optional(),
  active: z.enum(['true', 'false']).optional(),
});
// The scene is either a point or an incident (its location); minutes = head start of the vehicle.
const interceptQuery = z
  .strictObject({
    lon: z.coerce.number().min(-180).max(180).optional(),
    lat: z.coerce.number().min(-90).max(90).optional(),
    incidentId: z.string().uuid().optional(),
    minutes: z.coerce.number().positive().max(120).default(5),
    city: z.string().min(1).max(200).optional(),
    ringId: z.string().uuid().optional(),
  })
  .refine((q) => q.incidentId !== undefined || (q.lon !== undefined && q.lat !== undefined), {
    message: 'give lon and lat, or incidentId',
    path: ['lon'],
  });

/** The rings as one layer: name, level, city, org and times as columns. */
function ringsFeatureCollection(rings: Awaited<ReturnType<RingsServices['registry']['rings']>>) {
  return featureCollection(
    'perimeter_rings',
    rings.map((r) => ({
      id: r.id,
      geometry: r.geometry,
      properties: {
        name: r.name,
        level: r.level,
        cityId: r.cityId,
        orgId: r.orgId,
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
      },
    })),
  );
}

/** Registers the rings, checkpoints, closure-plan and interception routes. */

const checkpointSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['station', 'post', 'camera']),
  cityId: z.string().nullable(),
  orgId: z.string(),
  ringId: z.string().nullable(),
  lon: z.number().nullable(),
  lat: z.number().nullable(),
  segment: z
    .object({ fromOsmNode: z.number(), toOsmNode: z.number() })
    .nullable()
    .describe('The road segment it sits on (OSM node ids), null when not placed on one'),
  directions: z.unknown().describe('The traffic directions it watches'),
  equipment: z.unknown(),
  staffing: z.unknown(),
  createdAt: z.string().nullable(),
});
const createdCheckpointSchema = checkpointSchema.extend({
  snapDistanceM: z.number().nullable().optional().describe('How far the given point was from its road'),
});
const checkpointListSchema = z.object({ items: z.array(checkpointSchema) });
const ringSchema = z.object({
  id: z.string(),
  cityId: z.string(),
  orgId: z.string(),
  name: z.string(),
  level: z.enum(['city', 'core', 'district']),
  geometry: z
    .object({ type: z.string(), coordinates: z.array(z.unknown()) })
    .describe('GeoJSON Polygon or MultiPolygon, WGS-84, as stored (right-hand rule)'),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
});

const ringListSchema = z.object({ items: z.array(ringSchema) });
/** The road a unit drives to a checkpoint (turn-restricted), as the map draws it. */
const unitRouteSchema = z
  .object({
    geometry: z.object({
      type: z.literal('LineString'),
      coordinates: z.array(z.tuple([z.number(), z.number()])).min(2),
    }),
    timeS: z.number(),
    lengthM: z.number(),
  })
  .describe(
    "the fastest road from the unit's last position to the checkpoint on the turn-restricted graph (the search the ETA comes from), WGS-84",
  );
/** A checkpoint as the interception advisor names it (checkpoints of the caller's subtree). */
const interceptCheckpointSchema = z.object({
  checkpointId: z.string(),
  name: z.string(),
  kind: z.string(),
  ringId: z.string().nullable(),
  lon: z.number().nullable(),
  lat: z.number().nullable(),
  vehicleArrivalSeconds: z
    .number()
    .nullable()
    .describe('earliest arrival of the fleeing vehicle, seconds after the incident; null past the horizon'),
});
const interceptSchema = z.object({
  scene: z.object({ lon: z.number(), lat: z.number() }),
  minutes: z.number(),
  profile: z
    .string()
    .describe('The travel times units are timed with: static, or learned:Mon-08 (the hour now)'),
  isochrone: z
    .object({ type: z.enum(['Polygon', 'MultiPolygon']), coordinates: z.array(z.unknown()) })
    .nullable()
    .describe('where the vehicle can be by now (GeoJSON geometry, WGS-84); null when nothing is reachable'),
  activateNow: z.array(
    interceptCheckpointSchema.extend({
      vehicleSecondsLeft: z.number().nullable(),
      nearestUnit: z
        .object({
          unitId: z.string(),
          callSign: z.string(),
          etaSeconds: z.number().nullable(),
          route: unitRouteSchema.nullable(),
        })
        .nullable(),
      unitBeatsVehicle: z.boolean(),
    }),
  ),
  possiblyPassed: z.array(interceptCheckpointSchema),
  unreachable: z.array(z.string()).describe('checkpoint ids the vehicle cannot reach within the horizon'),
});
/** `?format=geojson`: the rings as one FeatureCollection (application/geo+json). */
const ringsFeatureCollectionSchema = z
  .object({
    type: z.literal('FeatureCollection'),
    name: z.string().optional(),
    features: z.array(
      z.object({
        type: z.literal('Feature'),
        id: z.string().optional(),
        geometry: z.object({ type: z.string(), coordinates: z.array(z.unknown()) }),
        properties: z
          .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
          .describe('name, level, cityId, orgId, createdAt, updatedAt'),
      }),
    ),
  })
  .loose()
  .describe('format=geojson: a FeatureCollection a GIS tool opens (WGS-84)');

const ringGeometrySchema = z.object({
  type: z.enum(['Polygon', 'MultiPolygon']),
  coordinates: z.array(z.unknown()),
});
const roadSegmentPoint = {
  wayOsmId: z.number(),
  name: z.string().nullable(),
  highway: z.string(),
  lon: z.number(),
  lat: z.number(),
};
const analysisSchema = z.object({
  ringId: z.string(),
  cityId: z.string(),
  crossings: z.number().int().describe('Inbound crossings of the ring line'),
  outboundOnly: z.number().int(),
  insideNodes: z.number().int(),
  covered: z.number().int(),
  closureRate: z.number().nullable().describe('null: the ring has no inbound crossing'),
  weightedClosureRate: z.number().nullable(),
  checkpoints: z.array(z.string()),
  crossingList: z.array(
    z.object({
      ...roadSegmentPoint,
      outsideOsmNode: z.number(),
      insideOsmNode: z.number(),
      inbound: z.boolean(),
      outbound: z.boolean(),
      coveredInbound: z.boolean(),
      coveredOutbound: z.boolean(),
    }),
  ),
  gaps: z.array(
    z.object({
      ...roadSegmentPoint,
      weight: z.number(),
      outsideOsmNode: z.number(),
      insideOsmNode: z.number(),
    }),
  ),
  minimumCut: z.object({
    segments: z.number().int(),
    cost: z.number(),
    costModel: z.enum(['unit', 'class']),
    corridorBandM: z
      .number()
      .nullable()
      .describe('Band on each side of the ring the cut may fall in; null: none'),
    replacesCrossings: z.number().int(),
    corridor: z
      .object({ inner: ringGeometrySchema, outer: ringGeometrySchema })
      .nullable()
      .describe('The band (inner and outer polygons, WGS-84) the cut was confined to; null: none'),
    cut: z.array(
      z.object({ ...roadSegmentPoint, fromOsmNode: z.number(), toOsmNode: z.number(), cost: z.number() }),
    ),
  }),
  warnings: z.array(z.object({ code: z.string(), message: z.string() })),
});

const planSummarySchema = z.object({
  id: z.string(),
  ringId: z.string().nullable(),
  status: z.enum(['active', 'ended', 'expired']),
  reason: z.string(),
  activatedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  endedAt: z.string().nullable(),
});
const planListSchema = z.object({ items: z.array(planSummarySchema) });
const planSchema = planSummarySchema.extend({
  ringName: z.string().nullable(),
  activatedBy: z.string().nullable(),
  assignments: z.array(
    z.object({
      checkpointId: z.string(),
      checkpointName: z.string().nullable(),
      kind: z.string().nullable(),
      lon: z.number().nullable(),
      lat: z.number().nullable(),
      unitId: z.string().nullable(),
      callSign: z.string().nullable(),
      etaSeconds: z.number().nullable(),
      status: z.enum(['assigned', 'arrived', 'unassigned']),
      arrivedAt: z.string().nullable(),
      holdableWithin10Min: z.boolean(),
      route: unitRouteSchema
        .nullable()
        .describe(
          'while the plan is active and the unit on its way: its road from where it is now to the checkpoint; else null',
        ),
    }),
  ),
  assigned: z.number().int(),
  arrived: z.number().int(),
  timeToFullClosureSeconds: z.number().nullable().describe('null while any checkpoint has no unit'),
  notHoldableWithin10Min: z.array(z.string()),
});
const activatedPlanSchema = planSchema.extend({
  capAlert: z.object({
    identifier: z.string(),
    scope: z.string().describe('Public or Restricted'),
    url: z.string().nullable().optional(),
  }),
  warnings: z.array(z.object({ code: z.string(), message: z.string() })),
  etaMatrix: z
    .object({
      profile: z.string().describe('The travel times used: static, or learned:Mon-08 (the hour now)'),
      unitIds: z.array(z.string()),
      checkpointIds: z.array(z.string()),
      seconds: z.array(z.array(z.number().nullable())),
    })
    .describe('The unit × checkpoint travel times (s) the assignment was solved on'),
});

export function ringsRoutes(
  app: ZodApp,
  { registry, analysis, plans, advisor }: RingsServices,
  dispatch: Pick<DispatchService, 'incident'>,
) {
  // ---- rings

  app.post(
    '/api/perimeter/rings',
    // A ring may be larger than other bodies; its own limits (RING_LIMITS) name what is too big.
    {
      config: { permission: 'perimeter.write' },
      bodyLimit: RING_GEOJSON_MAX_BYTES,
      schema: { tags, body: ringBody, querystring: ringCreateQuery, response: { 201: ringSchema } },
    },
    async (request, reply) => {
      const { city, datum } = request.query;
      const input = { ...request.body, city: request.body.city ?? city, datum: request.body.datum ?? datum };
      return reply.code(201).send(await registry.createRing(input, actorOf(request)));
    },
  );
  app.get(
    '/api/perimeter/rings',
    {
      config: { permission: 'perimeter.read' },
      schema: {
        tags,
        querystring: ringListQuery,
        response: { 200: z.union([ringListSchema, ringsFeatureCollectionSchema]) },
      },
    },
    async (request, reply) => {
      const rings = await registry.rings(actorOf(request), request.query.city);
      if (request.query.format !== 'geojson') return { items: rings };
      return reply
        .type('application/geo+json')
        .header('content-disposition', 'inline; filename="rings.geojson"')
        .send(ringsFeatureCollection(rings));
    },
  );
  app.get(
    '/api/perimeter/rings/:id',
    {
      config: { permission: 'perimeter.read' },
      schema: { tags, params: ringIdParams, response: { 200: ringSchema } },
    },
    async (request) => registry.ring(request.params.id, actorOf(request)),
  );
  app.patch(
    '/api/perimeter/rings/:id',
    {
      config: { permission: 'perimeter.write' },
      bodyLimit: RING_GEOJSON_MAX_BYTES,
      schema: { tags, params: ringIdParams, body: ringPatch, response: { 200: ringSchema } },
    },
    async (request) => registry.updateRing(request.params.id, request.body, actorOf(request)),
  );
  app.delete(
    '/api/perimeter/rings/:id',
    {
      config: { permission: 'perimeter.write' },
      schema: { tags, params: ringIdParams, response: { 204: z.null() } },
    },
    async (request, reply) => {
      await registry.deleteRing(request.params.id, actorOf(request));
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/api/perimeter/rings/:id/analysis',
    {
      config: { permission: 'perimeter.read' },
      schema: { tags, params: ringIdParams, querystring: analysisQuery, response: { 200: analysisSchema } },
    },
    async (request) => analysis.analysis(request.params.id, request.query, actorOf(request)),
  );
  app.get(
    '/api/perimeter/rings/:id/checkpoints',
    {
      config: { permission: 'perimeter.read' },
      schema: { tags, params: ringIdParams, response: { 200: checkpointListSchema } },
    },
    async (request) => ({
      items: await registry.checkpoints({ ringId: request.params.id }, actorOf(request), true),
    }),
  );
  app.post(
    '/api/perimeter/checkpoints',
    {
      config: { permission: 'perimeter.write' },
      schema: { tags, body: checkpointBody, response: { 201: createdCheckpointSchema } },
    },
    async (request, reply) =>
      reply.code(201).send(await registry.createCheckpoint(request.body, actorOf(request))),
  );
  app.get(
    '/api/perimeter/checkpoints',
    {
      config: { permission: 'perimeter.read' },
      schema: { tags, querystring: checkpointQuery, response: { 200: checkpointListSchema } },
    },
    async (request) => ({ items: await registry.checkpoints(request.query, actorOf(request)) }),
  );
  // Create by id (idempotent from the caller's side: the id is the bureau's own checkpoint code).
  app.put(
    '/api/perimeter/checkpoints/:id',
    {
      config: { permission: 'perimeter.write' },
      schema: {
        tags,
        params: checkpointIdParams,
        body: checkpointPut,
        response: { 201: createdCheckpointSchema },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      return reply.code(201).send(await registry.createCheckpoint({ id, ...request.body }, actorOf(request)));
    },
  );
  app.get(
    '/api/perimeter/checkpoints/:id',
    {
      config: { permission: 'perimeter.read' },
      schema: { tags, params: checkpointIdParams, response: { 200: checkpointSchema } },
    },
    async (request) => registry.checkpoint(request.params.id, actorOf(request)),
  );
  app.patch(
    '/api/perimeter/checkpoints/:id',
    {
      config: { permission: 'perimeter.write' },
      schema: {
        tags,
        params: checkpointIdParams,
        body: checkpointPatch,
        response: { 200: checkpointSchema },
      },
    },
    async (request) => registry.updateCheckpoint(request.params.id, request.body, actorOf(request)),
  );

  // ---- closure plans

  app.post(
    '/api/perimeter/rings/:id/activate',
    {
      config: { permission: 'perimeter.command' },
      schema: { tags, params: ringIdParams, body: activateBody, response: { 200: activatedPlanSchema } },
    },
    async (request) => plans.activate(actorOf(request), request.params.id, request.body),
  );
  app.get(
    '/api/perimeter/plans',
    {
      config: { permission: 'perimeter.read' },
      schema: { tags, querystring: planQuery, response: { 200: planListSchema } },
    },
    async (request) => {
      const q = request.query;
      return {
        items: await plans.plans({ ringId: q.ringId, active: q.active === 'true' }, actorOf(request)),
      };
    },
  );
  app.get(
    '/api/perimeter/plans/:id',
    {
      config: { permission: 'perimeter.read' },
      schema: { tags, params: planIdParams, response: { 200: planSchema } },
    },
    async (request) => plans.plan(request.params.id, actorOf(request)),
  );
  app.post(
    '/api/perimeter/plans/:id/end',
    {
      config: { permission: 'perimeter.command' },
      schema: { tags, params: planIdParams, response: { 200: planSchema } },
    },
    async (request) => plans.endPlan(actorOf(request), request.params.id),
  );

  // ---- interception advisor

  app.get(
    '/api/perimeter/intercept',
    {
      config: { permission: 'perimeter.read' },
      schema: { tags, querystring: interceptQuery, response: { 200: interceptSchema } },
    },
    async (request) => {
      const { incidentId, lon, lat, ...rest } = request.query;
      const actor = actorOf(request);
      // An incident of the actor's subtree (else 404); checkpoints and units of that subtree.
      const scene = incidentId ? await dispatch.incident(incidentId, actor) : { lon: lon!, lat: lat! };
      return advisor.intercept({ ...rest, lon: scene.lon, lat: scene.lat }, actor);
    },
  );
}
