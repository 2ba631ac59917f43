import {
  checkInSchema,
  createMemberSchema,
  createShiftSchema,
  createTeamSchema,
  fixesSchema,
  hoursRowSchema,
  memberSchema,
  myShiftsSchema,
  shiftRefSchema,
  shiftSchema,
  teamSchema,
  updateTeamSchema,
} from '@citywatch/core/community/volunteers';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actorOf, auditPersonalRead } from '../../http/auth.js';
import type { CoreDeps, ZodApp } from '../module.js';
import { monthWindow, type VolunteersService } from './volunteers-service.js';

const idParams = z.strictObject({ id: z.uuid() });
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/);

/** The member's phone link sends its token as `Authorization: Bearer …`. */
/** The member's phone link: a bearer token checked by the service (the routes are otherwise public). */
const LINK = [{ volunteerLink: [] }];

function tokenOf(request: FastifyRequest): string | null {
  const m = /^Bearer +(\S{10,200})$/i.exec(request.headers.authorization ?? '');
  return m ? m[1] : null;
}

/**
 * 群防群治: staff manage teams, members and shifts and read the roster, patrol positions and hours
 * (community.read / community.volunteers, scoped to their subtree); a member signs up, swaps,
 * checks in and posts positions from their own phone link (its token; audited by the service).
 */
export function volunteerRoutes(app: ZodApp, deps: Pick<CoreDeps, 'db' | 'now'>, v: VolunteersService) {
  const tags = ['community'];
  app.get(
    '/api/community/volunteer-teams',
    {
      config: { permission: 'community.read' },
      schema: { tags, response: { 200: z.object({ items: z.array(teamSchema) }) } },
    },
    async (request) => ({ items: await v.listTeams(actorOf(request)) }),
  );

  app.post(
    '/api/community/volunteer-teams',
    {
      config: { permission: 'community.volunteers' },
      schema: { tags, body: createTeamSchema, response: { 201: teamSchema } },
    },
    async (request, reply) => reply.code(201).send(await v.createTeam(actorOf(request), request.body)),
  );

  app.patch(
    '/api/community/volunteer-teams/:id',
    {
      config: { permission: 'community.volunteers' },
      schema: { tags, params: idParams, body: updateTeamSchema, response: { 200: teamSchema } },
    },
    async (request) => v.updateTeam(actorOf(request), request.params.id, request.body),
  );

  app.get(
    '/api/community/volunteer-teams/:id/members',
    {
      config: { permission: 'community.read' },
      schema: { tags, params: idParams, response: { 200: z.object({ items: z.array(memberSchema) }) } },
    },
    async (request) => ({ items: await v.members(request.params.id, actorOf(request)) }),
  );

  app.post(
    '/api/community/volunteer-members',
    {
      config: { permission: 'community.volunteers' },
      schema: {
        tags,
        body: createMemberSchema.extend({ teamId: z.uuid() }),
        response: { 201: z.object({ id: z.string(), token: z.string() }) },
      },
    },
    async (request, reply) => {
      const { teamId, ...member } = request.body;
      return reply.code(201).send(await v.createMember(actorOf(request), teamId, member));
    },
  );

  app.post(
    '/api/community/volunteer-members/:id/token',
    {
      config: { permission: 'community.volunteers' },
      schema: { tags, params: idParams, response: { 200: z.object({ id: z.string(), token: z.string() }) } },
    },
    async (request) => v.reissueToken(actorOf(request), request.params.id),
  );

  app.get(
    '/api/community/volunteer-members/:id/phone',
    {
      config: { permission: 'community.read' },
      schema: {
        tags,
        params: idParams,
        headers: z.object({ 'x-purpose': z.string().max(2000).optional() }),
        response: { 200: z.object({ id: z.string(), name: z.string(), phone: z.string().nullable() }) },
      },
    },
    async (request) => {
      // 404 before the audit row for a member outside the subtree.
      const m = await v.memberInScope(request.params.id, actorOf(request));
      await auditPersonalRead(deps, request, `volunteer-member:${m.id}`, { fields: ['phone'] });
      return { id: m.id, name: m.name, phone: m.phone };
    },
  );

  app.get(
    '/api/community/volunteer-shifts',
    {
      config: { permission: 'community.read' },
      schema: {
        tags,
        querystring: z.strictObject({
          teamId: z.uuid().optional(),
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
        }),
        response: { 200: z.object({ items: z.array(shiftSchema) }) },
      },
    },
    async (request) => ({ items: await v.listShifts(actorOf(request), request.query) }),
  );

  app.post(
    '/api/community/volunteer-shifts',
    {
      config: { permission: 'community.volunteers' },
      schema: {
        tags,
        body: z.intersection(createShiftSchema, z.object({ teamId: z.uuid() })),
        response: { 201: shiftSchema },
      },
    },
    async (request, reply) => {
      const { teamId, ...shift } = request.body;
      return reply.code(201).send(await v.createShift(actorOf(request), teamId, shift));
    },
  );

  app.get(
    '/api/community/volunteer-shifts/:id/fixes',
    {
      config: { permission: 'community.read' },
      schema: {
        tags,
        params: idParams,
        response: {
          200: z.object({
            items: z.array(
              z.object({
                /** A track number local to the shift, never the member (no tracking of named people). */
                walker: z.number().int(),
                at: z.string(),
                lon: z.number(),
                lat: z.number(),
                inside: z.boolean(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => ({ items: await v.fixes(request.params.id, actorOf(request)) }),
  );

  app.get(
    '/api/community/volunteer-hours',
    {
      config: { permission: 'community.read' },
      schema: {
        tags,
        querystring: z.strictObject({ from: month, to: month }),
        response: { 200: z.object({ items: z.array(hoursRowSchema) }) },
      },
    },
    async (request) => {
      const w = monthWindow(request.query.from, request.query.to);
      return { items: await v.hours(actorOf(request), w.from, w.to) };
    },
  );

  // ---- the member's own phone link (token, no session)

  app.get(
    '/api/community/volunteer/me',
    {
      config: { permission: 'public' },
      schema: { tags, security: LINK, response: { 200: myShiftsSchema } },
    },
    async (request) => v.mine(await v.principal(tokenOf(request))),
  );

  const mine = <B extends z.ZodType>(
    path: string,
    body: B,
    response: z.ZodType,
    act: (me: Awaited<ReturnType<VolunteersService['principal']>>, b: z.infer<B>) => Promise<unknown>,
  ) =>
    app.post(
      `/api/community/volunteer/me/${path}`,
      {
        config: { permission: 'public' },
        schema: { tags, security: LINK, body, response: { 200: response } },
      },
      async (request) => {
        const me = await v.principal(tokenOf(request));
        // Validated already; parsed again for its type (the generic schema does not narrow the body).
        return (await act(me, body.parse(request.body))) ?? { ok: true };
      },
    );

  const ok = z.object({ ok: z.literal(true) });
  mine('signups', shiftRefSchema, ok, (me, b) => v.signUp(me, b.shiftId));
  mine('offers', shiftRefSchema.extend({ offered: z.boolean().default(true) }), ok, (me, b) =>
    v.offer(me, b.shiftId, b.offered),
  );
  mine(
    'takes',
    shiftRefSchema,
    z.object({ from: z.uuid().meta({ description: 'The member whose offered place was taken' }) }),
    (me, b) => v.take(me, b.shiftId),
  );
  mine(
    'check-in',
    checkInSchema,
    z.object({
      metres: z.number().meta({ description: 'Distance from the shift’s post or area, in metres' }),
      checkedInAt: z.iso.datetime(),
    }),
    (me, b) => v.checkIn(me, b.shiftId, b),
  );
  mine('check-out', shiftRefSchema, ok, (me, b) => v.checkOut(me, b.shiftId));
  mine(
    'fixes',
    fixesSchema,
    z.object({
      accepted: z.number().int().min(0),
      dropped: z.number().int().min(0).meta({ description: 'Fixes outside the shift’s time' }),
    }),
    (me, b) => v.postFixes(me, b.shiftId, b.fixes),
  );
}
