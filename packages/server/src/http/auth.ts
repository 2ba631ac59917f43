import { textRuleBroken } from '@citywatch/core/text/clean';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { recordAudit } from '../identity/audit.js';
import type { PermissionTable } from '../identity/permissions.js';
import type { Actor, IdentityService } from '../identity/service.js';
import type { CoreDeps } from '../modules/module.js';
import { ProblemError } from './problem.js';

export const SESSION_COOKIE = 'cw_session';

/**
 * The second kind of principal (DESIGN.md "Who may see what"): a device speaking for exactly one
 * checkpoint (plate camera), one unit (AVL terminal) or itself (community sensor), by an API token
 * (modules/devices).
 */
export type DevicePrincipal = { deviceId: string; name: string; orgId: string } & (
  | { kind: 'camera'; checkpointId: string }
  | { kind: 'avl'; unitId: string }
  | { kind: 'sensor' }
);
export type DeviceKind = DevicePrincipal['kind'];

/** Resolves a device's API token; null when it is unknown or revoked. */
export interface DeviceAuthenticator {
  authenticate(token: string): Promise<DevicePrincipal | null>;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
    /** The device behind an `Authorization: Bearer` token, on routes that take devices. */
    device: DevicePrincipal | null;
    /** The id a create answered with (set on 201), for the audit row. */
    createdId: string;
  }
  interface FastifyContextConfig {
    /**
     * A device route: a `Bearer` token of a device of this kind is accepted instead of a session
     * (and sets request.device); without one the route's permission applies to the person as usual.
     */
    device?: DeviceKind;
  }
}

/** The actor behind the request's session cookie, if any (used by /api/live too). */
export async function actorFromRequest(
  identity: Pick<IdentityService, 'authenticate'>,
  request: FastifyRequest,
): Promise<Actor | null> {
  const token = request.cookies?.[SESSION_COOKIE];
  if (!token || token.length > 200) return null;
  return identity.authenticate(token);
}

/** The device behind a request on a device route, or null when a person called it. */
export function deviceOf(request: FastifyRequest): DevicePrincipal | null {
  return request.device;
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
function bearerToken(header: string | undefined): string | null {
  if (!header || header.length > 300) return null;
  const match = /^Bearer +(\S+)$/i.exec(header);
  return match ? match[1] : null;
}

/** The signed-in person behind a request (every non-public route has one once the auth hook ran). */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new ProblemError('unauthenticated');
  return request.actor;
}

export interface AuthDeps extends Pick<CoreDeps, 'db' | 'now'> {
  identity: Pick<IdentityService, 'authenticate'>;
  devices: DeviceAuthenticator;
  permissions: PermissionTable;
  /** Filled as routes register, with their declared permission (tests walk it). */
  routes: { method: string; url: string; permission: string }[];
}

/**
 * Deny by default: every route must declare a permission or the app refuses to start; each
 * request is authenticated and its roles checked before its body is even validated.
 */
export function installAuth(app: FastifyInstance, ctx: AuthDeps) {
  app.decorateRequest('actor', null);
  app.decorateRequest('device', null);
  app.decorateRequest('createdId', '');

  app.addHook('onRoute', (route) => {
    const permission = route.config?.permission;
    if (!ctx.permissions.has(permission)) {
      throw new Error(`route ${route.method} ${route.url} declares no permission (config.permission)`);
    }
    for (const method of [route.method].flat()) ctx.routes.push({ method, url: route.url, permission });
  });

  app.addHook('onRequest', async (request) => {
    const permission = request.routeOptions.config?.permission;
    if (permission === undefined) return; // 404: no route matched
    if (permission === 'public') {
      // Public routes still know who is calling when a session exists (e.g. for the audit trail).
      return;
    }
    // A device route with a Bearer token: the device speaks, not a person (and no session is read).
    const deviceKind = request.routeOptions.config?.device;
    const token = deviceKind ? bearerToken(request.headers.authorization) : null;
    if (deviceKind && token !== null) {
      const device = await ctx.devices.authenticate(token);
      if (!device) throw new ProblemError('unauthenticated');
      if (device.kind !== deviceKind) {
        await recordAudit(
          ctx.db.kysely,
          {
            userId: null,
            username: `device:${device.name}`,
            action: 'permission_denied',
            resource: `${request.method} ${request.routeOptions.url}`,
            detail: { deviceId: device.deviceId, kind: device.kind, route: deviceKind },
          },
          ctx.now(),
        );
        throw new ProblemError('forbidden');
      }
      request.device = device;
      return;
    }
    const actor = await actorFromRequest(ctx.identity, request);
    if (!actor) throw new ProblemError('unauthenticated');
    request.actor = actor;
    // A generated or reset password: only the session's own routes (me, logout, change password).
    if (actor.mustChangePassword && permission !== 'session.self') {
      throw new ProblemError('password_change_required');
    }
    if (!ctx.permissions.grants(actor.roles, permission)) {
      await recordAudit(
        ctx.db.kysely,
        {
          userId: actor.userId,
          username: actor.username,
          action: 'permission_denied',
          resource: `${request.method} ${request.routeOptions.url}`,
          detail: { permission, roles: actor.roles },
        },
        ctx.now(),
      );
      throw new ProblemError('forbidden');
    }
  });

  // Every successful write by a signed-in user leaves a row (login/logout have their own rows).
  app.addHook('onResponse', async (request, reply) => {
    if (
      !request.actor ||
      request.method === 'GET' ||
      request.method === 'HEAD' ||
      request.method === 'OPTIONS'
    )
      return;
    if (reply.statusCode >= 400 || request.routeOptions.url === '/api/auth/logout') return;
    if (request.routeOptions.config?.auditWrites === false) return;
    try {
      await recordAudit(
        ctx.db.kysely,
        {
          userId: request.actor.userId,
          username: request.actor.username,
          action: 'write',
          resource: writtenResource(
            request.routeOptions.url ?? request.url,
            request.params,
            request.createdId,
          ),
          detail: {
            route: `${request.method} ${request.routeOptions.url}`,
            params: request.params ?? {},
            status: reply.statusCode,
          },
        },
        ctx.now(),
      );
    } catch (error) {
      request.log.error({ err: error }, 'audit write failed');
    }
  });

  // A create answers with the new resource's id: remember it so the audit row can name it.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'POST' || reply.statusCode !== 201 || typeof payload !== 'string') return payload;
    try {
      const id = (JSON.parse(payload) as { id?: unknown }).id;
      if (typeof id === 'string') request.createdId = id;
    } catch {
      // not JSON: nothing to name
    }
    return payload;
  });
}

/**
 * The resource a write changed, as `type:id` (`incident:0190…`, `checkpoint:CP-1`), so the audit
 * page answers "who changed this incident": the id from the route's `:id` (or the new id of a
 * create), the type from the path segment before it, singular. Without an id, the route itself.
 */
export function writtenResource(route: string, params: unknown, createdId?: string): string {
  const segments = route.split('?')[0].split('/').filter(Boolean);
  const idAt = segments.indexOf(':id');
  const id = idAt >= 0 ? (params as Record<string, unknown> | undefined)?.id : createdId;
  const typeSegment = idAt >= 0 ? segments[idAt - 1] : segments.at(-1);
  if (typeof id !== 'string' || id === '' || !typeSegment || typeSegment.startsWith(':')) return route;
  const type = typeSegment.replace(/ies$/, 'y').replace(/([^s])s$/, '$1');
  return `${type}:${id}`;
}

/**
 * Personal data may only be read with a stated purpose (header `X-Purpose`, URL-encoded), and the
 * read is written to the audit chain before the data leaves the server.
 */
export async function auditPersonalRead(
  ctx: Pick<CoreDeps, 'db' | 'now'>,
  request: FastifyRequest,
  resource: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  const raw = request.headers['x-purpose'];
  const purpose = typeof raw === 'string' ? safeDecode(raw).trim().normalize('NFC') : '';
  const broken = textRuleBroken(purpose);
  if (broken) {
    throw new ProblemError('validation', undefined, [{ field: 'X-Purpose', rule: broken, message: '' }]);
  }
  if (purpose.length < 2) {
    throw new ProblemError('purpose_required', undefined, [
      { field: 'X-Purpose', rule: 'required', message: '' },
    ]);
  }
  const actor = request.actor;
  await recordAudit(
    ctx.db.kysely,
    {
      userId: actor?.userId ?? null,
      username: actor?.username ?? null,
      action: 'personal_data_read',
      resource,
      purpose: purpose.slice(0, 500),
      detail,
    },
    ctx.now(),
  );
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
