import { unitChangedSeenFromOutside } from '@citywatch/core/dispatch/events';
import type { DomainEvent } from '@citywatch/core/events/events';
import { STAFF_ROLES } from '@citywatch/core/identity/schemas';
import { actorFromRequest } from '../http/auth.js';
import { sessionRef } from '../identity/service.js';
import { defineModule } from '../modules/module.js';
import { liveGateway } from './live.js';

/** `/api/live`: domain events forwarded to the consoles allowed to see them. */
export const liveModule = defineModule({
  name: 'live',
  needs: ['identity'],
  permissions: { 'live.subscribe': STAFF_ROLES },
  routes: async (app, deps) => {
    await app.register(liveGateway, {
      bus: deps.bus,
      allowedOrigins: deps.config.allowedOrigins,
      now: deps.now,
      authenticate: async (request) => {
        // The auth hook has already resolved the session for this route.
        const actor = request.actor ?? (await actorFromRequest(deps.identity, request));
        if (!actor) return null;
        // An org-less event is city-wide; otherwise it must fall in the viewer's subtree.
        const visible = await deps.identity.listOrgs(actor);
        const scope = new Set(visible.map((o) => o.id));
        return {
          userId: actor.userId,
          orgScope: (orgId) => orgId === null || scope.has(orgId),
          // Each event type needs its module's permission: a patrol officer gets no hotlist hits.
          mayReceive: (type) => deps.permissions.mayReceive(actor.roles, type),
          outsideScope,
          sessionRef: sessionRef(actor.sessionTokenHash),
          expiresAt: actor.sessionExpiresAt,
          stillValid: () => deps.identity.sessionStillValid(actor.sessionTokenHash),
        };
      },
    });
  },
});

/**
 * What a console sees of an event of another org's (a sibling station's): another station's units
 * move on every map (position and status) without the incident they serve; every other type of
 * another org's is not sent at all.
 */
function outsideScope(event: DomainEvent): DomainEvent | null {
  return event.type === 'dispatch.unit_changed' ? unitChangedSeenFromOutside(event) : null;
}
