import {
  createDeviceSchema,
  deviceListSchema,
  deviceSchema,
  issuedDeviceSchema,
  revokeDeviceSchema,
} from '@citywatch/core/devices/schemas';
import { z } from 'zod';
import { actorOf } from '../../http/auth.js';
import type { ZodApp } from '../module.js';
import type { DevicesService } from './service.js';

const idParams = z.strictObject({ id: z.string().uuid() });
const tags = ['devices'];

/** Device tokens for admins: issue (shown once), list, re-issue, revoke. */
export function devicesRoutes(app: ZodApp, devices: DevicesService) {
  app.get(
    '/api/devices',
    { config: { permission: 'devices.read' }, schema: { tags, response: { 200: deviceListSchema } } },
    async (request) => ({ items: await devices.list(actorOf(request)) }),
  );

  app.post(
    '/api/devices',
    {
      config: { permission: 'devices.write' },
      schema: { tags, body: createDeviceSchema, response: { 201: issuedDeviceSchema } },
    },
    async (request, reply) => reply.code(201).send(await devices.issue(actorOf(request), request.body)),
  );

  app.post(
    '/api/devices/:id/token',
    {
      config: { permission: 'devices.write' },
      schema: { tags, params: idParams, response: { 200: issuedDeviceSchema } },
    },
    async (request) => devices.reissue(actorOf(request), request.params.id),
  );

  app.post(
    '/api/devices/:id/revoke',
    {
      config: { permission: 'devices.write' },
      schema: { tags, params: idParams, body: revokeDeviceSchema, response: { 200: deviceSchema } },
    },
    async (request) => devices.revoke(actorOf(request), request.params.id, request.body.reason),
  );
}
