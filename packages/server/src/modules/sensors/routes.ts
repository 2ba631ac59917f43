import {
  acknowledgeTicketSchema,
  alarmSchema,
  closeTicketSchema,
  communitySchema,
  createCommunitySchema,
  createCrowdAreaSchema,
  createSensorSchema,
  crowdAreaSchema,
  crowdCountSchema,
  issuedSensorSchema,
  sensorIngestSchema,
  sensorSchema,
  ticketSchema,
} from '@citywatch/core/sensors/schemas';
import { z } from 'zod';
import { actorOf, deviceOf } from '../../http/auth.js';
import { ProblemError } from '../../http/problem.js';
import type { ZodApp } from '../module.js';
import type { SensorsService } from './service.js';

const tags = ['sensors'];
const idParams = z.strictObject({ id: z.string().uuid() });
const counter = z.number().int().min(0);
/** What this node's sensor ingest has taken since it started (not summed over nodes). */
const ingestStatsSchema = z.object({
  messages: counter,
  acknowledged: counter.meta({ description: 'MQTT messages written and acknowledged to the broker' }),
  heartbeats: counter,
  events: counter,
  counts: counter,
  dropped: z.record(z.string(), counter).meta({ description: 'Dropped messages by reason' }),
  alarmsRaised: counter,
  incidents: counter,
  tickets: counter,
});

/** Smart-community devices, their alarms, and crowd areas; device ingest over HTTP. */
export function sensorsRoutes(app: ZodApp, sensors: SensorsService) {
  app.get(
    '/api/sensors/communities',
    {
      config: { permission: 'sensors.read' },
      schema: { tags, response: { 200: z.object({ items: z.array(communitySchema) }) } },
    },
    async (request) => ({ items: await sensors.communities(actorOf(request)) }),
  );
  app.post(
    '/api/sensors/communities',
    {
      config: { permission: 'sensors.write' },
      schema: { tags, body: createCommunitySchema, response: { 201: communitySchema } },
    },
    async (request, reply) =>
      reply.code(201).send(await sensors.createCommunity(actorOf(request), request.body)),
  );

  app.get(
    '/api/sensors/devices',
    {
      config: { permission: 'sensors.read' },
      schema: {
        tags,
        querystring: z.strictObject({ communityId: z.string().uuid().optional() }),
        response: { 200: z.object({ items: z.array(sensorSchema) }) },
      },
    },
    async (request) => ({ items: await sensors.devices(actorOf(request), request.query.communityId) }),
  );
  app.post(
    '/api/sensors/devices',
    {
      config: { permission: 'sensors.write' },
      schema: { tags, body: createSensorSchema, response: { 201: issuedSensorSchema } },
    },
    async (request, reply) => reply.code(201).send(await sensors.register(actorOf(request), request.body)),
  );

  // A sensor's own messages (its token); bad tokens and other kinds' tokens are counted.
  app.post(
    '/api/sensors/ingest',
    {
      config: { permission: 'sensors.ingest', device: 'sensor', auditWrites: false },
      schema: {
        tags,
        body: sensorIngestSchema,
        response: {
          200: z.object({
            accepted: z.number().int().min(0),
            dropped: z
              .number()
              .int()
              .min(0)
              .meta({ description: 'Messages not taken (malformed, in the future…)' }),
          }),
        },
      },
      onResponse: async (_request, reply) => {
        if (reply.statusCode === 401) sensors.drop('bad_token');
        else if (reply.statusCode === 403) sensors.drop('wrong_device');
        else if (reply.statusCode === 400) sensors.drop('malformed');
      },
    },
    async (request) => {
      const device = deviceOf(request);
      if (device?.kind !== 'sensor') throw new ProblemError('forbidden');
      const body = request.body;
      return sensors.ingestHttp(device, Array.isArray(body) ? body : [body]);
    },
  );

  app.get(
    '/api/sensors/ingest/stats',
    { config: { permission: 'sensors.read' }, schema: { tags, response: { 200: ingestStatsSchema } } },
    async () => sensors.stats,
  );

  app.get(
    '/api/sensors/alarms',
    {
      config: { permission: 'sensors.read' },
      schema: {
        tags,
        querystring: z.strictObject({ active: z.enum(['true', 'false']).optional() }),
        response: { 200: z.object({ items: z.array(alarmSchema) }) },
      },
    },
    async (request) => ({ items: await sensors.alarms(actorOf(request), request.query.active !== 'false') }),
  );
  for (const action of ['acknowledge', 'clear'] as const) {
    app.post(
      `/api/sensors/alarms/:id/${action}`,
      {
        config: { permission: 'sensors.respond' },
        schema: { tags, params: idParams, response: { 200: alarmSchema } },
      },
      async (request) => sensors.respond(actorOf(request), request.params.id, action),
    );
  }

  // Fault tickets (a camera offline) of the viewer's subtree: listed, acknowledged, closed with a note.
  app.get(
    '/api/sensors/tickets',
    {
      config: { permission: 'sensors.read' },
      schema: {
        tags,
        querystring: z.strictObject({
          open: z.enum(['true', 'false']).optional().meta({ description: 'false: closed ones too' }),
        }),
        response: { 200: z.object({ items: z.array(ticketSchema) }) },
      },
    },
    async (request) => ({ items: await sensors.tickets(actorOf(request), request.query.open !== 'false') }),
  );
  app.post(
    '/api/sensors/tickets/:id/acknowledge',
    {
      config: { permission: 'sensors.respond' },
      schema: { tags, params: idParams, body: acknowledgeTicketSchema, response: { 200: ticketSchema } },
    },
    async (request) =>
      sensors.handleTicket(actorOf(request), request.params.id, 'acknowledge', request.body.note ?? null),
  );
  app.post(
    '/api/sensors/tickets/:id/close',
    {
      config: { permission: 'sensors.respond' },
      schema: { tags, params: idParams, body: closeTicketSchema, response: { 200: ticketSchema } },
    },
    async (request) => sensors.handleTicket(actorOf(request), request.params.id, 'close', request.body.note),
  );

  app.get(
    '/api/sensors/crowd-areas',
    {
      config: { permission: 'sensors.read' },
      schema: { tags, response: { 200: z.object({ items: z.array(crowdAreaSchema) }) } },
    },
    async (request) => ({ items: await sensors.areas(actorOf(request)) }),
  );
  app.post(
    '/api/sensors/crowd-areas',
    {
      config: { permission: 'sensors.write' },
      schema: { tags, body: createCrowdAreaSchema, response: { 201: crowdAreaSchema } },
    },
    async (request, reply) => reply.code(201).send(await sensors.createArea(actorOf(request), request.body)),
  );
  app.delete(
    '/api/sensors/crowd-areas/:id',
    {
      config: { permission: 'sensors.write' },
      schema: { tags, params: idParams, response: { 204: z.null() } },
    },
    async (request, reply) => {
      await sensors.deleteArea(actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/api/sensors/crowd-areas/:id/counts',
    {
      config: { permission: 'sensors.read' },
      schema: {
        tags,
        params: idParams,
        querystring: z.strictObject({ minutes: z.coerce.number().int().min(1).max(1440).default(60) }),
        response: {
          200: z.object({ items: z.array(crowdCountSchema), trendPerMinute: z.number().nullable() }),
        },
      },
    },
    async (request) => {
      const items = await sensors.areaCounts(actorOf(request), request.params.id, request.query.minutes);
      const { trendPerMinute } = await import('@citywatch/core/sensors/crowd');
      const ok = items.filter((i) => i.flag === null);
      return {
        items,
        trendPerMinute: trendPerMinute(ok.map((i) => ({ atMs: Date.parse(i.at), count: i.count }))),
      };
    },
  );
}
