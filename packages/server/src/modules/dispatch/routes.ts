import { DISPATCH_CATEGORIES } from '@citywatch/core/dispatch/categories';
import { eidoSchema, toEido } from '@citywatch/core/dispatch/eido';
import { etaAccuracySchema } from '@citywatch/core/dispatch/eta-accuracy';
import {
  avlBatchSchema,
  createIncidentSchema,
  createUnitSchema,
  dispatchUnitSchema,
  incidentEventSchema,
  incidentSchema,
  recommendationSchema,
  transitionSchema,
  unitSchema,
  unitStatusChangeSchema,
} from '@citywatch/core/dispatch/schemas';
import { z } from 'zod';
import { actorOf, auditPersonalRead, deviceOf } from '../../http/auth.js';
import { ProblemError } from '../../http/problem.js';
import type { Deps, ZodApp } from '../module.js';
import { tokenMatches } from './diversions/hotline.js';
import { helpRoutes } from './help/routes.js';
import { DISPATCH_MESSAGES } from './messages.js';
import type { DispatchService } from './service.js';
import { signOnSchema } from './units/reporting.js';

const idParams = z.strictObject({ id: z.string().uuid() });
const diversionOutcomeSchema = z.strictObject({
  status: z.enum(['accepted', 'resolved', 'rejected']),
  outcome: z.string().max(1000).optional(),
});
/**
 * A unit as the map shows it to a person: `inScope` marks the units of their subtree, the ones they
 * may send; another station's unit comes without the incident it serves (`incidentId` null).
 */
const unitSeenSchema = unitSchema.extend({ inScope: z.boolean() });
const categorySchema = z.object({
  code: z.string(),
  zh: z.string(),
  en: z.string(),
  police: z.boolean(),
  needs: z.array(z.string()).describe('Capabilities a unit must have to be recommended'),
  sub: z.array(z.object({ code: z.string(), zh: z.string(), en: z.string() })),
});
const createdIncidentSchema = z.object({
  incident: incidentSchema,
  duplicates: z.array(incidentSchema).describe('Open incidents near it that may be the same event'),
  triage: z.object({
    police: z.boolean(),
    matched: z.array(z.string()).describe('Words that decided it'),
    reason: z.enum(['category', 'police_words', 'non_police_words', 'default']),
  }),
});
const avlReportSchema = z.object({
  accepted: z.number().int(),
  outOfOrder: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.array(z.object({ index: z.number().int(), reason: z.string() })),
});
const diversionSchema = z.object({
  id: z.string(),
  incidentId: z.string(),
  incidentNumber: z.string(),
  status: z.string(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  outcome: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const responseFiguresSchema = z.object({
  count: z.number().int(),
  medianSeconds: z.number().nullable(),
  p90Seconds: z.number().nullable(),
});
const figureGroupSchema = z.object({
  key: z.string(),
  calls: z.number().int(),
  callToArrival: responseFiguresSchema,
});
const figuresSchema = z.object({
  calls: z.number().int(),
  policeIncidents: z.number().int(),
  validityRate: z.number().nullable(),
  byPriority: z.record(
    z.string(),
    z.object({
      callToDispatch: responseFiguresSchema,
      dispatchToArrival: responseFiguresSchema,
      callToArrival: responseFiguresSchema,
    }),
  ),
  byStation: z.array(figureGroupSchema),
  byHour: z.array(figureGroupSchema),
  p1WithinMinutes: z.record(z.string(), z.number().nullable()),
});
const figuresQuery = z.strictObject({
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
});

export function dispatchRoutes(app: ZodApp, ctx: Deps<'places'>, dispatch: DispatchService): void {
  const tags = ['dispatch'];

  app.get(
    '/api/dispatch/categories',
    {
      config: { permission: 'dispatch.read' },
      schema: { tags, response: { 200: z.object({ items: z.array(categorySchema) }) } },
    },
    async () => ({ items: DISPATCH_CATEGORIES.map((c) => ({ ...c, needs: [...c.needs], sub: [...c.sub] })) }),
  );

  app.post(
    '/api/dispatch/incidents',
    {
      config: { permission: 'dispatch.write' },
      schema: { tags, body: createIncidentSchema, response: { 201: createdIncidentSchema } },
    },
    async (request, reply) =>
      reply.code(201).send(await dispatch.createIncident(actorOf(request), request.body)),
  );

  app.get(
    '/api/dispatch/incidents',
    {
      config: { permission: 'dispatch.read' },
      schema: { tags, response: { 200: z.object({ items: z.array(incidentSchema) }) } },
    },
    async (request) => ({ items: await dispatch.openIncidents(actorOf(request)) }),
  );

  app.get(
    '/api/dispatch/incidents/:id',
    {
      config: { permission: 'dispatch.read' },
      schema: { tags, params: idParams, response: { 200: incidentSchema } },
    },
    async (request) => dispatch.incident(request.params.id, actorOf(request)),
  );

  app.get(
    '/api/dispatch/incidents/:id/timeline',
    {
      config: { permission: 'dispatch.read' },
      schema: {
        tags,
        params: idParams,
        response: { 200: z.object({ items: z.array(incidentEventSchema) }) },
      },
    },
    async (request) => ({ items: await dispatch.timeline(request.params.id, actorOf(request)) }),
  );

  app.get(
    '/api/dispatch/incidents/:id/eido',
    {
      config: { permission: 'dispatch.read' },
      schema: { tags, params: idParams, response: { 200: eidoSchema } },
    },
    async (request) => {
      const incident = await dispatch.incident(request.params.id, actorOf(request));
      // The kind of each unit on the incident (its Emergency Resource Type code); a unit lent by
      // another station is on the incident, so its kind is shown with it.
      const units = await Promise.all(incident.units.map((u) => dispatch.unit(u.id)));
      return toEido(incident, {
        agencyDomain: ctx.config.agencyDomain,
        issuedAt: ctx.now().toISOString(),
        unitKinds: Object.fromEntries(units.map((u) => [u.id, u.kind])),
      });
    },
  );

  app.get(
    '/api/dispatch/incidents/:id/caller',
    {
      config: { permission: 'dispatch.caller' },
      schema: {
        tags,
        params: idParams,
        response: { 200: z.object({ callerPhone: z.string().nullable() }) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const phone = await dispatch.callerPhone(id, actorOf(request));
      await auditPersonalRead(ctx, request, `incident:${id}:caller_phone`);
      return { callerPhone: phone };
    },
  );

  app.get(
    '/api/dispatch/incidents/:id/recommendations',
    {
      config: { permission: 'dispatch.read' },
      schema: {
        tags,
        params: idParams,
        response: { 200: z.object({ items: z.array(recommendationSchema) }) },
      },
    },
    async (request) => ({ items: await dispatch.recommend(actorOf(request), request.params.id) }),
  );

  app.post(
    '/api/dispatch/incidents/:id/dispatch',
    {
      config: { permission: 'dispatch.write' },
      schema: { tags, params: idParams, body: dispatchUnitSchema, response: { 200: incidentSchema } },
    },
    async (request) => dispatch.dispatch(actorOf(request), request.params.id, request.body.unitId),
  );

  app.post(
    '/api/dispatch/incidents/:id/transition',
    {
      config: { permission: 'dispatch.write' },
      schema: { tags, params: idParams, body: transitionSchema, response: { 200: incidentSchema } },
    },
    async (request) => {
      const body = request.body;
      return dispatch.transition(actorOf(request), request.params.id, body.to, body.note, body.mergeInto);
    },
  );

  app.get(
    '/api/dispatch/units',
    {
      config: { permission: 'dispatch.read' },
      schema: { tags, response: { 200: z.object({ items: z.array(unitSeenSchema) }) } },
    },
    async (request) => ({ items: await dispatch.unitsSeenBy(actorOf(request)) }),
  );

  app.post(
    '/api/dispatch/units',
    {
      config: { permission: 'units.write' },
      schema: { tags, body: createUnitSchema, response: { 201: unitSchema } },
    },
    async (request, reply) => reply.code(201).send(await dispatch.createUnit(request.body, actorOf(request))),
  );

  app.post(
    '/api/dispatch/units/:id/status',
    {
      config: { permission: 'units.report' },
      schema: { tags, params: idParams, body: unitStatusChangeSchema, response: { 200: unitSchema } },
    },
    async (request) => {
      const actor = actorOf(request);
      // A patrol officer reports only for the unit they are signed on to; dispatchers for any.
      await dispatch.reporting.assertMayReportStatus(actor, request.params.id);
      // Need to know: whoever crews the unit (signed on: same branch of the org tree) reports for
      // it; whoever commands units, for the units of their own subtree (else 404).
      const crews = (await dispatch.reporting.current(actor))?.unitId === request.params.id;
      return dispatch.setUnitStatus(actor, request.params.id, request.body.status, crews ? null : actor);
    },
  );

  app.post(
    '/api/dispatch/units/:id/sign-on',
    {
      config: { permission: 'units.report' },
      schema: { tags, params: idParams, response: { 200: signOnSchema } },
    },
    async (request) => dispatch.reporting.signOn(actorOf(request), request.params.id),
  );

  app.post(
    '/api/dispatch/units/:id/sign-off',
    {
      config: { permission: 'units.report' },
      schema: { tags, params: idParams, response: { 200: signOnSchema } },
    },
    async (request) => dispatch.reporting.signOff(actorOf(request), request.params.id),
  );

  app.get(
    '/api/dispatch/sign-on',
    {
      config: { permission: 'units.report' },
      schema: { tags, response: { 200: z.object({ signOn: signOnSchema.nullable() }) } },
    },
    async (request) => ({ signOn: await dispatch.reporting.current(actorOf(request)) }),
  );

  // AVL terminals (device token bound to one unit), or a person signed on to a unit: fixes only
  // for that unit; others are refused per fix (`not_bound_unit`) and audited.
  app.post(
    '/api/dispatch/avl',
    {
      config: { permission: 'units.report', device: 'avl', auditWrites: false },
      schema: { tags, body: avlBatchSchema, response: { 200: avlReportSchema } },
    },
    async (request) => {
      const device = deviceOf(request);
      const sender = device ? { device } : { actor: actorOf(request) };
      const city = await ctx.places.city(undefined);
      return dispatch.reporting.ingest(sender, request.body.positions, city);
    },
  );

  app.get(
    '/api/dispatch/diversions',
    {
      config: { permission: 'dispatch.read' },
      schema: { tags, response: { 200: z.object({ items: z.array(diversionSchema) }) } },
    },
    async (request) => ({
      items: await dispatch.diversions(actorOf(request)),
    }),
  );

  // Called by the 12345 hotline, not by a person: public, but only with the shared token.
  app.post(
    '/api/dispatch/diversions/:id/outcome',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        params: idParams,
        body: diversionOutcomeSchema,
        security: [{ hotlineToken: [] }],
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      if (!tokenMatches(ctx.config.hotlineToken, request.headers['x-hotline-token'])) {
        throw new ProblemError('unauthenticated', DISPATCH_MESSAGES.invalidHotlineToken);
      }
      const body = request.body;
      await dispatch.recordDiversionOutcome(request.params.id, body.status, body.outcome);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/dispatch/figures',
    {
      config: { permission: 'dispatch.read' },
      schema: { tags, querystring: figuresQuery, response: { 200: figuresSchema } },
    },
    async (request) => {
      const q = request.query;
      const to = q.to ? new Date(q.to) : ctx.now();
      const from = q.from ? new Date(q.from) : new Date(to.getTime() - 24 * 3600_000);
      return dispatch.figures(actorOf(request), from, to);
    },
  );

  // ETA accuracy (issue 16 item 5): aggregates only (no caller, no position), so the read is not
  // audited, like the response figures above; scoped by the incidents' org in the store query.
  app.get(
    '/api/dispatch/eta-accuracy',
    {
      config: { permission: 'dispatch.read' },
      schema: { tags, querystring: figuresQuery, response: { 200: etaAccuracySchema } },
    },
    async (request) => {
      const q = request.query;
      const to = q.to ? new Date(q.to) : ctx.now();
      const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * 24 * 3600_000);
      return dispatch.etaAccuracy(actorOf(request), from, to);
    },
  );

  helpRoutes(app, dispatch.help);
}
