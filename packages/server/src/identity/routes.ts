import {
  auditEntrySchema,
  auditQuerySchema,
  createOrgRequestSchema,
  createUserRequestSchema,
  loginRequestSchema,
  orgSchema,
  sessionInfoSchema,
  updateUserRequestSchema,
  userSchema,
} from '@citywatch/core/identity/schemas';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../app-context.js';
import { SESSION_COOKIE } from '../http/auth.js';
import { presentAuditRow, verifyAuditChain } from './audit.js';

const idParams = z.strictObject({ id: z.string().uuid() });
const list = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

export function identityRoutes(app: FastifyInstance, ctx: AppContext) {
  const { identity } = ctx;

  app.post(
    '/api/auth/login',
    {
      config: { permission: 'public' },
      schema: { tags: ['identity'], body: loginRequestSchema, response: { 200: sessionInfoSchema } },
    },
    async (request, reply) => {
      const { username, password } = request.body as z.infer<typeof loginRequestSchema>;
      const { token, user, expiresAt } = await identity.login(username, password, {
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
      return { user, expiresAt: expiresAt.toISOString() };
    },
  );

  app.post(
    '/api/auth/logout',
    { config: { permission: 'session.self' }, schema: { tags: ['identity'] } },
    async (request, reply) => {
      await identity.logout(request.actor!);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { permission: 'session.self' },
      schema: { tags: ['identity'], response: { 200: sessionInfoSchema } },
    },
    async (request) => ({
      user: await identity.me(request.actor!),
      expiresAt: request.actor!.sessionExpiresAt.toISOString(),
    }),
  );

  app.get(
    '/api/users',
    {
      config: { permission: 'users.read' },
      schema: { tags: ['identity'], response: { 200: list(userSchema) } },
    },
    async (request) => ({ items: await identity.listUsers(request.actor!) }),
  );

  app.post(
    '/api/users',
    {
      config: { permission: 'users.write' },
      schema: { tags: ['identity'], body: createUserRequestSchema, response: { 201: userSchema } },
    },
    async (request, reply) => {
      const user = await identity.createUser(
        request.actor!,
        request.body as z.infer<typeof createUserRequestSchema>,
      );
      ctx.publish('identity.user_changed', user.orgId, { userId: user.id, username: user.username });
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
      const { id } = request.params as z.infer<typeof idParams>;
      const user = await identity.updateUser(
        request.actor!,
        id,
        request.body as z.infer<typeof updateUserRequestSchema>,
      );
      ctx.publish('identity.user_changed', user.orgId, { userId: user.id, username: user.username });
      return user;
    },
  );

  app.post(
    '/api/users/:id/end-sessions',
    { config: { permission: 'users.write' }, schema: { tags: ['identity'], params: idParams } },
    async (request, reply) => {
      const { id } = request.params as z.infer<typeof idParams>;
      await identity.endSessions(request.actor!, id);
      ctx.publish('identity.sessions_ended', request.actor!.orgId, { userId: id });
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/orgs',
    {
      config: { permission: 'orgs.read' },
      schema: { tags: ['identity'], response: { 200: list(orgSchema) } },
    },
    async (request) => ({ items: await identity.listOrgs(request.actor!) }),
  );

  app.post(
    '/api/orgs',
    {
      config: { permission: 'orgs.write' },
      schema: { tags: ['identity'], body: createOrgRequestSchema, response: { 201: orgSchema } },
    },
    async (request, reply) => {
      const org = await identity.createOrg(
        request.actor!,
        request.body as z.infer<typeof createOrgRequestSchema>,
      );
      ctx.publish('identity.org_changed', org.id, { orgId: org.id, name: org.name });
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
      const q = request.query as z.infer<typeof auditQuerySchema>;
      let query = ctx.db.kysely.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(q.limit);
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
          }),
        },
      },
    },
    async () => verifyAuditChain(ctx.db.kysely),
  );
}
