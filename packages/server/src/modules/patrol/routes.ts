import { COLUMN_ROLES } from '@citywatch/core/patrol/columns';
import { MODELS } from '@citywatch/core/patrol/names';
import {
  evaluationSchema,
  historySummarySchema,
  hotspotCollectionSchema,
  importReportSchema,
} from '@citywatch/core/patrol/schemas';
import { DATE_FORMATS } from '@citywatch/core/patrol/time';
import { z } from 'zod';
import { actorOf } from '../../http/auth.js';
import type { ZodApp } from '../module.js';
import { cityNameSchema } from '../places/schemas.js';
import type { PatrolService } from './service.js';

/** Files larger than this go through the CLI (`citywatch incidents import`). */
export const IMPORT_BODY_LIMIT = 8 * 1024 * 1024;

const unitSchema = z
  .string()
  .regex(/^(h3(:\d{1,2})?|segment)$/)
  .default('h3:9');
const coverage = z.coerce.number().gt(0).max(0.5);
/** `a,b,c` → ['a','b','c'] (trimmed, empty dropped), at most 50 categories of 100 characters. */
const categoryList = z
  .string()
  .max(5000)
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().max(100)).max(50));

const cityQuery = z.strictObject({ city: cityNameSchema });

const hotspotQuery = z.strictObject({
  city: cityNameSchema,
  model: z.enum(MODELS).default('prior_counts'),
  unit: unitSchema,
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  trainDays: z.coerce.number().int().min(7).max(730).default(56),
  coverage: coverage.default(0.05),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  categories: categoryList,
  bandwidthM: z.coerce.number().min(20).max(2000).optional(),
  halfLifeDays: z.coerce.number().min(1).max(365).optional(),
});

const evaluationBody = z.strictObject({
  city: cityNameSchema,
  unit: unitSchema,
  trainDays: z.number().int().min(7).max(730).default(56),
  testDays: z.number().int().min(1).max(90).default(7),
  windows: z.number().int().min(1).max(52).default(8),
  coverages: z.array(z.number().gt(0).max(0.5)).min(1).max(6).default([0.01, 0.05, 0.1]),
  categories: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
  bandwidthM: z.number().min(20).max(2000).optional(),
  halfLifeDays: z.number().min(1).max(365).optional(),
});

const latestQuery = z.strictObject({
  city: cityNameSchema,
  unit: z
    .string()
    .regex(/^(h3(:\d{1,2})?|segment)$/)
    .optional(),
});

const importBody = z.strictObject({
  city: cityNameSchema,
  fileName: z.string().trim().min(1).max(200),
  /** The file's text: CSV, JSON, GeoJSON or Esri JSON. */
  content: z.string().min(1),
  map: z.partialRecord(z.enum(COLUMN_ROLES), z.string().min(1).max(200)).optional(),
  dateFormat: z.enum(DATE_FORMATS).optional(),
  tz: z.string().min(1).max(64).optional(),
  epochIsLocal: z.boolean().optional(),
  crs: z.enum(['wgs84', 'gcj02', 'bd09']).optional(),
  categoryMap: z.record(z.string().max(200), z.string().min(1).max(100)).optional(),
});

/** Patrol routes: incident history (summary, import), hot spots, and the models' evaluation. */
export function patrolRoutes(app: ZodApp, patrol: PatrolService) {
  app.get(
    '/api/patrol/history',
    {
      config: { permission: 'patrol.read' },
      schema: { tags: ['patrol'], querystring: cityQuery, response: { 200: historySummarySchema } },
    },
    async (request) => patrol.history(await patrol.city(request.query.city), actorOf(request)),
  );

  app.post(
    '/api/patrol/imports',
    {
      config: { permission: 'patrol.write' },
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags: ['patrol'],
        body: importBody,
        response: { 201: importReportSchema.extend({ id: z.string() }) },
      },
    },
    async (request, reply) => {
      const { city: name, ...rest } = request.body;
      const city = await patrol.city(name);
      const report = await patrol.importFile(city, rest, actorOf(request));
      return reply.code(201).send({ id: report.import_id, ...report });
    },
  );

  app.get(
    '/api/patrol/hotspots',
    {
      config: { permission: 'patrol.read' },
      schema: { tags: ['patrol'], querystring: hotspotQuery, response: { 200: hotspotCollectionSchema } },
    },
    async (request) => {
      const q = request.query;
      const city = await patrol.city(q.city);
      return patrol.hotspots(
        city,
        {
          model: q.model,
          unit: q.unit,
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
          trainDays: q.trainDays,
          coverage: q.coverage,
          limit: q.limit,
          categories: q.categories,
          bandwidthM: q.bandwidthM,
          halfLifeDays: q.halfLifeDays,
        },
        actorOf(request),
      );
    },
  );

  app.post(
    '/api/patrol/evaluations',
    {
      config: { permission: 'patrol.write' },
      schema: { tags: ['patrol'], body: evaluationBody, response: { 201: evaluationSchema } },
    },
    async (request, reply) => {
      const { city: name, ...rest } = request.body;
      const city = await patrol.city(name);
      return reply.code(201).send(await patrol.evaluate(city, rest, actorOf(request)));
    },
  );

  app.get(
    '/api/patrol/evaluations/latest',
    {
      config: { permission: 'patrol.read' },
      schema: { tags: ['patrol'], querystring: latestQuery, response: { 200: evaluationSchema } },
    },
    async (request) => {
      const city = await patrol.city(request.query.city);
      return patrol.latestEvaluation(city, request.query.unit, actorOf(request));
    },
  );
}
