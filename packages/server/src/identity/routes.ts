import {
  auditEntrySchema,
  auditQuerySchema,
  changePasswordRequestSchema,
  createOrgRequestSchema,
  createUserRequestSchema,
  loginRequestSchema,
  orgSchema,
  sessionInfoSchema,
  updateUserRequestSchema,
  userSchema,
} from '@citywatch/core/identity/schemas';
import { z } from 'zod';
import { actorOf, SESSION_COOKIE } from '../http/auth.js';
import type { CoreDeps, ZodApp } from '../modules/module.js';
import { isCityLevel, orgsUnder } from '../modules/scope.js';
import { presentAuditRow, verifyAuditChain } from './audit.js';
import type { IdentityService } from './service.js';

const idParams = z.strictObject({ id: z.string().uuid() });
const list = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });
/** 204: the answer has no body. */
const noContent = z.null();

export function identityRoutes(
  app: ZodApp,
  ctx: Pick<CoreDeps, 'config' | 'db' | 'publish' | 'permissions'>,
  identity: IdentityService,
) {
  app.post(
    '/api/auth/login',
    {
      config: { permission: 'public' },
      schema: { tags: ['identity'], body: loginRequestSchema, response: { 200: sessionInfoSchema } },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const { token, user, expiresAt, mustChangePassword } = await identity.login(username, password, {
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      reply.setCookie(SESSION_COOKIE, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: ctx.config.secureCookies,
        expires: expiresAt,
      });
      return {
        user,
        expiresAt: expiresAt.toISOString(),
        permissions: ctx.permissions.grantedTo(user.roles),
        mustChangePassword,
      };
    },
  );

  app.post(
    '/api/auth/logout',
    { config: { permission: 'session.self' }, schema: { tags: ['identity'], response: { 204: noContent } } },
    async (request, reply) => {
      const actor = actorOf(request);
      await identity.logout(actor);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/api/auth/password',
    {
      config: { permission: 'session.self' },
      schema: { tags: ['identity'], body: changePasswordRequestSchema, response: { 204: noContent } },
    },
    async (request, reply) => {
      await identity.changeOwnPassword(
        actorOf(request),
        request.body.currentPassword,
        request.body.newPassword,
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { permission: 'session.self' },
      schema: { tags: ['identity'], response: { 200: sessionInfoSchema } },
    },
    async (request) => ({
      user: await identity.me(actorOf(request)),
      expiresAt: actorOf(request).sessionExpiresAt.toISOString(),
      permissions: ctx.permissions.grantedTo(actorOf(request).roles),
      mustChangePassword: actorOf(request).mustChangePassword,
    }),
  );

  app.get(
    '/api/users',
    {
      config: { permission: 'users.read' },
      schema: { tags: ['identity'], response: { 200: list(userSchema) } },
    },
    async (request) => ({ items: await identity.listUsers(actorOf(request)) }),
  );

  app.post(
    '/api/users',
    {
      config: { permission: 'users.write' },
      schema: { tags: ['identity'], body: createUserRequestSchema, response: { 201: userSchema } },
    },
    async (request, reply) => {
      const user = await identity.createUser(actorOf(request), request.body);
      return reply.code(201).send(user);
    },
  );

  app.patch(
    '/api/users/:id',
    {
      config: { permission: 'users.write' },
      schema: {
        tags: ['identity'],
        params: idParams,
        body: updateUserRequestSchema,
        response: { 200: userSchema },
      },
    },
    async (request) => {
      const { id } = request.params;
      const user = await identity.updateUser(actorOf(request), id, request.body);
      return user;
    },
  );

  app.post(
    '/api/users/:id/end-sessions',
    {
      config: { permission: 'users.write' },
      schema: { tags: ['identity'], params: idParams, response: { 204: noContent } },
    },
    async (request, reply) => {
      const { id } = request.params;
      await identity.endSessions(actorOf(request), id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/orgs',
    {
      config: { permission: 'orgs.read' },
      schema: { tags: ['identity'], response: { 200: list(orgSchema) } },
    },
    async (request) => ({ items: await identity.listOrgs(actorOf(request)) }),
  );

  app.post(
    '/api/orgs',
    {
      config: { permission: 'orgs.write' },
      schema: { tags: ['identity'], body: createOrgRequestSchema, response: { 201: orgSchema } },
    },
    async (request, reply) => {
      const org = await identity.createOrg(actorOf(request), request.body);
      return reply.code(201).send(org);
    },
  );

  app.get(
    '/api/audit',
    {
      config: { permission: 'audit.read' },
      schema: { tags: ['audit'], querystring: auditQuerySchema, response: { 200: list(auditEntrySchema) } },
    },
    async (request) => {
      const q = request.query;
      const actor = actorOf(request);
      const db = ctx.db.kysely;
      let query = db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(q.limit);
      // Need to know: the rows of people of the actor's org subtree. City-level auditors see every
      // row, those of no person too (failed logins of unknown names, device batches).
      if (!isCityLevel(actor)) {
        query = query.where(
          'user_id',
          'in',
          db.selectFrom('users').select('users.id').where('users.org_id', 'in', orgsUnder(db, actor)),
        );
      }
      if (q.action) query = query.where('action', '=', q.action);
      if (q.username) query = query.where('username', '=', q.username);
      if (q.beforeSeq) query = query.where('seq', '<', q.beforeSeq);
      return { items: (await query.execute()).map(presentAuditRow) };
    },
  );

  app.get(
    '/api/audit/verify',
    {
      config: { permission: 'audit.read' },
      schema: {
        tags: ['audit'],
        response: {
          200: z.object({
            ok: z.boolean(),
            checked: z.number(),
            firstBadSeq: z.number().nullable(),
            reason: z.string().nullable(),
            problems: z.array(
              z.object({
                seq: z.number(),
                kind: z.enum(['altered', 'missing', 'reordered', 'relinked']),
                reason: z.string(),
              }),
            ),
          }),
        },
      },
    },
    async () => verifyAuditChain(ctx.db.kysely),
  );
}
