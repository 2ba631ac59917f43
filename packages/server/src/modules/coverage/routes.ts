import { coverageAdviceSchema, coverageFiguresSchema } from '@citywatch/core/coverage/schemas';
import { z } from 'zod';
import { actorOf } from '../../http/auth.js';
import type { ProfileChoice } from '../eta/service.js';
import type { ZodApp } from '../module.js';
import { cityNameSchema } from '../places/schemas.js';
import type { CoverageService } from './service.js';

const lon = z.number().min(-180).max(180);
const lat = z.number().min(-90).max(90);
const postKind = z.enum(['police_station', 'street_post', 'safety_station']);

/** "60,180,300" → [60, 180, 300]: whole seconds, 1 s to 30 min, at most 6 bands. */
const secondsList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) => s.split(',').map((x) => (x.trim() === '' ? Number.NaN : Number(x.trim()))))
    .pipe(z.array(z.number().int().min(1).max(1800)).min(1).max(6));

const cityQuery = z.strictObject({ city: cityNameSchema });
const idParams = z.strictObject({ id: z.string().uuid() });

/** Which travel times: static, the learned ones of the hour now, or those of a chosen (local) hour. */
const profileQuery = z
  .string()
  .regex(/^(static|learned|learned:(Mon|Tue|Wed|Thu|Fri|Sat|Sun)-([01]\d|2[0-3]))$/)
  .default('static')
  .describe('static | learned (the hour now) | learned:Mon-08 (an hour of week, city local time)');
const coverageQuery = z.strictObject({
  city: cityNameSchema,
  profile: profileQuery,
  thresholds: secondsList('60,180,300'),
  byCell: z.enum(['true', 'false']).default('false'),
});
const layerQuery = z.strictObject({
  city: cityNameSchema,
  seconds: secondsList('60,180,300'),
  profile: profileQuery,
});
/** The travel times used: `static`, or `learned:Mon-08` (static when nothing is learned yet). */
const profileLabel = z.string();

const postCreate = z.strictObject({
  kind: postKind,
  name: z.string().trim().min(1).max(100),
  lon,
  lat,
  orgId: z.string().uuid().nullable().optional(),
});
const postPatch = z
  .strictObject({
    kind: postKind.optional(),
    name: z.string().trim().min(1).max(100).optional(),
    lon: lon.optional(),
    lat: lat.optional(),
    orgId: z.string().uuid().nullable().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: 'Nothing to change' });

const adviseBody = z.strictObject({
  city: cityNameSchema,
  k: z.number().int().min(1).max(20),
  demand: z.enum(['incidents', 'addresses']),
  thresholdSeconds: z.number().int().min(30).max(900).default(180),
});

const postSchema = z.object({
  id: z.string(),
  kind: postKind,
  name: z.string(),
  lon: z.number(),
  lat: z.number(),
  h3: z.string(),
  orgId: z.string().nullable(),
  ownerOrgId: z.string(),
  source: z.enum(['post', 'org']),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
});

const figuresSchema = coverageFiguresSchema.extend({
  profile: profileLabel,
  /** With byCell=true: per H3 cell, its addresses and the share reached within each threshold. */
  cells: z.array(z.object({ h3: z.string(), addresses: z.number(), shares: z.array(z.number()) })).optional(),
});
const layerSchema = z.object({
  type: z.literal('FeatureCollection'),
  profile: profileLabel,
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      properties: z.object({ band: z.number().describe('Seconds: the smallest limit reaching the piece') }),
      geometry: z.object({ type: z.literal('LineString'), coordinates: z.array(z.array(z.number())) }),
    }),
  ),
});

/** Coverage routes: posts (CRUD), coverage figures, the banded road layer and the placement advisor. */
export function coverageRoutes(app: ZodApp, coverage: CoverageService) {
  app.get(
    '/api/coverage/posts',
    {
      config: { permission: 'coverage.read' },
      schema: {
        tags: ['coverage'],
        querystring: cityQuery,
        response: { 200: z.object({ items: z.array(postSchema) }) },
      },
    },
    async (request) => {
      const city = await coverage.city(request.query.city);
      return { items: await coverage.listPosts(city, actorOf(request)) };
    },
  );

  app.post(
    '/api/coverage/posts',
    {
      config: { permission: 'coverage.write' },
      schema: { tags: ['coverage'], querystring: cityQuery, body: postCreate, response: { 201: postSchema } },
    },
    async (request, reply) => {
      const city = await coverage.city(request.query.city);
      const post = await coverage.createPost(city, request.body, actorOf(request));
      return reply.code(201).send(post);
    },
  );

  app.patch(
    '/api/coverage/posts/:id',
    {
      config: { permission: 'coverage.write' },
      schema: { tags: ['coverage'], params: idParams, body: postPatch, response: { 200: postSchema } },
    },
    async (request) => coverage.updatePost(request.params.id, request.body, actorOf(request)),
  );

  app.delete(
    '/api/coverage/posts/:id',
    {
      config: { permission: 'coverage.write' },
      schema: { tags: ['coverage'], params: idParams, response: { 204: z.null() } },
    },
    async (request, reply) => {
      await coverage.deletePost(request.params.id, actorOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/coverage',
    {
      config: { permission: 'coverage.read' },
      schema: { tags: ['coverage'], querystring: coverageQuery, response: { 200: figuresSchema } },
    },
    async (request) => {
      const q = request.query;
      const city = await coverage.city(q.city);
      return coverage.coverage(city, q.thresholds, {
        byCell: q.byCell === 'true',
        profile: q.profile as ProfileChoice,
      });
    },
  );

  app.get(
    '/api/coverage/layer',
    {
      config: { permission: 'coverage.read' },
      schema: { tags: ['coverage'], querystring: layerQuery, response: { 200: layerSchema } },
    },
    async (request) => {
      const q = request.query;
      return coverage.layer(await coverage.city(q.city), q.seconds, q.profile as ProfileChoice);
    },
  );

  app.post(
    '/api/coverage/advise',
    {
      config: { permission: 'coverage.read' },
      schema: { tags: ['coverage'], body: adviseBody, response: { 200: coverageAdviceSchema } },
    },
    async (request) => {
      const body = request.body;
      const city = await coverage.city(body.city);
      return coverage.advise(city, body);
    },
  );
}
