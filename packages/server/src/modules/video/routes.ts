import {
  adviceSchema,
  adviseInputSchema,
  cameraInputSchema,
  cameraListSchema,
  cameraSchema,
  citizenMediaQuerySchema,
  citizenMediaSchema,
  coverageSchema,
  liveViewSchema,
  nearCamerasSchema,
  nearQuerySchema,
  playbackDecisionSchema,
  playbackListSchema,
  playbackRequestInputSchema,
  playbackRequestSchema,
  playbackUrlSchema,
  tourInputSchema,
  tourListSchema,
  tourReportSchema,
  tourRunSchema,
  tourSchema,
  tourStepInputSchema,
} from '@citywatch/core/video/schemas';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actorOf, auditPersonalRead } from '../../http/auth.js';
import { ProblemError, pickLanguage } from '../../http/problem.js';
import type { CoreDeps, ZodApp } from '../module.js';
import { videoFieldError } from './messages.js';
import type { PlaybackService } from './playback.js';
import type { VideoService } from './service.js';
import type { ToursService } from './tours.js';

const idParams = z.strictObject({ id: z.string().uuid() });
const tags = ['video'];

const listQuery = z.strictObject({
  bbox: z
    .string()
    .regex(/^-?\d+(\.\d+)?(,-?\d+(\.\d+)?){3}$/)
    .optional(),
  status: z.enum(['unknown', 'online', 'offline', 'fault']).optional(),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  offset: z.coerce.number().int().min(0).default(0),
});

/** Runs a service call; a video rule it names is explained in the asker's language. */
export async function explained<T>(request: FastifyRequest, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ProblemError && error.errors?.some((e) => !e.message)) {
      const lang = pickLanguage(request.headers['accept-language']);
      throw new ProblemError(
        error.code,
        error.detail,
        error.errors.map((e) => (e.message ? e : videoFieldError(e.field, e.rule, lang))),
        error.statusOverride,
        error.headers,
      );
    }
    throw error;
  }
}

/** The camera registry and the live view. */
export function videoRoutes(app: ZodApp, deps: Pick<CoreDeps, 'db' | 'now'>, video: VideoService) {
  playbackRoutes(app, deps, video.playback);
  tourRoutes(app, video.tours);

  // Coverage of the viewer's cameras (own subtree and shared): roads, checkpoints, gaps; advisor.
  app.get(
    '/api/video/coverage',
    { config: { permission: 'video.read' }, schema: { tags, response: { 200: coverageSchema } } },
    async (request) => video.coverage.coverage(actorOf(request)),
  );
  app.post(
    '/api/video/coverage/advise',
    {
      config: { permission: 'video.read', auditWrites: false },
      schema: { tags, body: adviseInputSchema, response: { 200: adviceSchema } },
    },
    async (request) =>
      video.coverage.advise(actorOf(request), request.body.count, request.body.fovDeg, request.body.rangeM),
  );
  app.get(
    '/api/video/cameras',
    {
      config: { permission: 'video.read' },
      schema: { tags, querystring: listQuery, response: { 200: cameraListSchema } },
    },
    async (request) => {
      const q = request.query;
      const bbox = q.bbox ? (q.bbox.split(',').map(Number) as [number, number, number, number]) : undefined;
      const items = await video.list(actorOf(request), {
        bbox,
        status: q.status,
        limit: q.limit,
        offset: q.offset,
      });
      return { items, total: items.length };
    },
  );

  // The cameras whose view covers a point (an incident, a checkpoint), then the nearest by road.
  app.get(
    '/api/video/near',
    {
      config: { permission: 'video.read' },
      schema: { tags, querystring: nearQuerySchema, response: { 200: nearCamerasSchema } },
    },
    async (request) => {
      const q = request.query;
      return { items: await video.near(actorOf(request), q.lon, q.lat, q.k, q.maxM) };
    },
  );

  // Citizens' photos and videos near the point (community reports; staff with community.read only).
  app.get(
    '/api/video/near/media',
    {
      config: { permission: 'video.read' },
      schema: { tags, querystring: citizenMediaQuerySchema, response: { 200: citizenMediaSchema } },
    },
    async (request) => {
      const q = request.query;
      return { items: await video.citizenMedia(actorOf(request), q.lon, q.lat, q.maxM) };
    },
  );

  app.post(
    '/api/video/cameras',
    {
      config: { permission: 'video.write' },
      schema: { tags, body: cameraInputSchema, response: { 201: cameraSchema } },
    },
    async (request, reply) =>
      reply.code(201).send(await explained(request, () => video.create(actorOf(request), request.body))),
  );

  app.get(
    '/api/video/cameras/:id',
    {
      config: { permission: 'video.read' },
      schema: { tags, params: idParams, response: { 200: cameraSchema } },
    },
    async (request) => video.get(actorOf(request), request.params.id),
  );

  app.delete(
    '/api/video/cameras/:id',
    {
      config: { permission: 'video.write' },
      schema: { tags, params: idParams, response: { 204: z.null().describe('Removed') } },
    },
    async (request, reply) => {
      await video.remove(actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  // A live view is a personal-data read: purpose required (X-Purpose), audited before the stream's
  // address leaves the server, scoped to the viewer's subtree unless the camera is shared.
  app.get(
    '/api/video/cameras/:id/live',
    {
      config: { permission: 'video.view' },
      schema: { tags, params: idParams, response: { 200: liveViewSchema } },
    },
    async (request) => {
      const stream = await video.liveStream(actorOf(request), request.params.id);
      await auditPersonalRead(deps, request, `camera:${stream.cameraId}`, {
        view: 'live',
        code: stream.code,
      });
      const raw = request.headers['x-purpose'];
      const purpose = typeof raw === 'string' ? decodeURIComponent(raw).trim() : '';
      return { cameraId: stream.cameraId, hlsUrl: stream.hlsUrl, purpose };
    },
  );
}

/** Playback requests: ask (window, purpose, incident or case), a second person decides, open the NVR URL. */
function playbackRoutes(app: ZodApp, deps: Pick<CoreDeps, 'db' | 'now'>, playback: PlaybackService) {
  app.get(
    '/api/video/playbacks',
    { config: { permission: 'video.read' }, schema: { tags, response: { 200: playbackListSchema } } },
    async (request) => ({ items: await playback.list(actorOf(request)) }),
  );
  app.post(
    '/api/video/playbacks',
    {
      config: { permission: 'video.view' },
      schema: { tags, body: playbackRequestInputSchema, response: { 201: playbackRequestSchema } },
    },
    async (request, reply) =>
      reply.code(201).send(await explained(request, () => playback.request(actorOf(request), request.body))),
  );
  app.post(
    '/api/video/playbacks/:id/decision',
    {
      config: { permission: 'video.approve' },
      schema: {
        tags,
        params: idParams,
        body: playbackDecisionSchema,
        response: { 200: playbackRequestSchema },
      },
    },
    async (request) =>
      explained(request, () =>
        playback.decide(actorOf(request), request.params.id, request.body.approve, request.body.note),
      ),
  );
  // Opening the NVR's playback is a personal-data read: X-Purpose, audited as playback:<id>.
  app.get(
    '/api/video/playbacks/:id/url',
    {
      config: { permission: 'video.view' },
      schema: { tags, params: idParams, response: { 200: playbackUrlSchema } },
    },
    async (request) => {
      const opened = await playback.url(actorOf(request), request.params.id);
      await auditPersonalRead(deps, request, `playback:${opened.id}`, {
        camera: opened.cameraId,
        requestPurpose: opened.purpose,
      });
      return { id: opened.id, url: opened.url };
    },
  );
}

const reportQuery = z.strictObject({
  from: z.string().datetime({ offset: true }),
  to: z.string().datetime({ offset: true }),
});

/** Video patrol tours: define, run (a step per camera), finish, report per shift / operator / tour. */
function tourRoutes(app: ZodApp, tours: ToursService) {
  app.get(
    '/api/video/tours',
    { config: { permission: 'video.read' }, schema: { tags, response: { 200: tourListSchema } } },
    async (request) => ({ items: await tours.list(actorOf(request)) }),
  );
  app.post(
    '/api/video/tours',
    {
      config: { permission: 'video.write' },
      schema: { tags, body: tourInputSchema, response: { 201: tourSchema } },
    },
    async (request, reply) =>
      reply.code(201).send(await explained(request, () => tours.create(actorOf(request), request.body))),
  );
  app.get(
    '/api/video/tours/report',
    {
      config: { permission: 'video.read' },
      schema: { tags, querystring: reportQuery, response: { 200: tourReportSchema } },
    },
    async (request) =>
      tours.report(actorOf(request), new Date(request.query.from), new Date(request.query.to)),
  );
  app.post(
    '/api/video/tours/:id/runs',
    {
      config: { permission: 'video.view' },
      schema: { tags, params: idParams, response: { 201: tourRunSchema } },
    },
    async (request, reply) => reply.code(201).send(await tours.start(actorOf(request), request.params.id)),
  );
  app.get(
    '/api/video/runs/:id',
    {
      config: { permission: 'video.read' },
      schema: { tags, params: idParams, response: { 200: tourRunSchema } },
    },
    async (request) => tours.getRun(actorOf(request), request.params.id),
  );
  app.post(
    '/api/video/runs/:id/steps',
    {
      config: { permission: 'video.view' },
      schema: { tags, params: idParams, body: tourStepInputSchema, response: { 200: tourRunSchema } },
    },
    async (request) =>
      explained(request, () => tours.step(actorOf(request), request.params.id, request.body)),
  );
  app.post(
    '/api/video/runs/:id/finish',
    {
      config: { permission: 'video.view' },
      schema: { tags, params: idParams, response: { 200: tourRunSchema } },
    },
    async (request) => explained(request, () => tours.finish(actorOf(request), request.params.id)),
  );
}
