import type { CreateHelpRequest, HelpRequest } from '@citywatch/core/dispatch/help';
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../../db/schema.js';
import { ProblemError } from '../../../http/problem.js';
import type { Actor } from '../../../identity/service.js';
import type { Deps } from '../../module.js';
import type { OrgScope } from '../../scope.js';
import type { IncidentsService } from '../incidents/service.js';
import { DISPATCH_MESSAGES as M } from '../messages.js';
import * as store from './store.js';

const OPEN = ['received', 'dispatched', 'en_route', 'on_scene'];

/**
 * Cross-station help (跨所支援). A station sends its own units; for another station's unit it asks
 * that station, which accepts (its unit is dispatched to the asking station's incident at once, by
 * the accepting dispatcher) or declines with a reason. Only the asked side (the unit's home org
 * subtree) decides; both sides list the request and get a live `dispatch.help_changed`. City-level
 * staff send any unit directly and need no request. Every request and decision is a write, audited
 * by the app's hook as `incident:<id>` (the request) and `help-request:<id>` (the decisions).
 */
export class HelpService {
  private readonly db: Kysely<Database>;

  constructor(
    private readonly deps: Pick<Deps<'places'>, 'db' | 'now' | 'transact'>,
    private readonly incidents: Pick<IncidentsService, 'dispatch'>,
  ) {
    this.db = deps.db.kysely;
  }

  async request(actor: Actor, incidentId: string, req: CreateHelpRequest): Promise<HelpRequest> {
    const incident = await store.incidentForRequest(this.db, incidentId, actor);
    if (!incident) throw new ProblemError('not_found', M.noSuchIncident);
    if (!OPEN.includes(incident.status)) {
      throw new ProblemError('conflict', M.incidentNotOpen(incident.status), [
        { field: 'incidentId', rule: 'incident_not_open', message: '' },
      ]);
    }
    const unit = await store.unitWithOrg(this.db, req.unitId);
    if (!unit) throw new ProblemError('not_found', M.noSuchUnit);
    // A unit of the incident's own subtree is sent, not asked for.
    if (unit.org_path.startsWith(incident.org_path)) {
      throw new ProblemError('conflict', M.helpOwnUnit, [{ field: 'unitId', rule: 'own_unit', message: '' }]);
    }
    const id = uuidv7();
    const now = this.deps.now();
    const open = await this.db
      .selectFrom('help_requests')
      .select('id')
      .where('incident_id', '=', incidentId)
      .where('unit_id', '=', unit.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (open)
      throw new ProblemError('conflict', M.helpAlreadyAsked, [
        { field: 'unitId', rule: 'unique', message: '' },
      ]);
    return this.writeAndAnnounce(id, actor, (trx) =>
      store.insertRequest(trx, {
        id,
        incident_id: incidentId,
        unit_id: unit.id,
        from_org_id: incident.org_id,
        to_org_id: unit.home_org_id,
        note: req.note || null,
        requested_by: actor.userId,
        requested_at: now,
        decided_by: null,
        decided_at: null,
        decline_reason: null,
      }),
    );
  }

  /** Requests the scope takes part in (asking or asked), newest first. */
  async list(scope: OrgScope, limit = 200): Promise<HelpRequest[]> {
    return (await store.listRequests(this.db, scope, { limit })).map(present);
  }

  /** The asked side accepts: its unit is dispatched to the asking station's incident. */
  async accept(actor: Actor, id: string): Promise<HelpRequest> {
    const request = await this.pendingAskedOf(actor, id);
    // The unit must be the accepting dispatcher's to send (403 unit_in_scope otherwise); the
    // incident is the asking station's.
    await this.incidents.dispatch(actor, request.incident_id, request.unit_id, null);
    return this.writeAndAnnounce(id, actor, async (trx) => {
      if (!(await store.decide(trx, id, { status: 'accepted', by: actor.userId, at: this.deps.now() })))
        throw new ProblemError('conflict', M.helpDecided);
    });
  }

  async decline(actor: Actor, id: string, reason: string): Promise<HelpRequest> {
    await this.pendingAskedOf(actor, id);
    return this.writeAndAnnounce(id, actor, async (trx) => {
      if (
        !(await store.decide(trx, id, {
          status: 'declined',
          by: actor.userId,
          at: this.deps.now(),
          reason,
        }))
      )
        throw new ProblemError('conflict', M.helpDecided);
    });
  }

  private async pendingAskedOf(actor: Actor, id: string) {
    const request = await store.askedOf(this.db, id, actor);
    if (!request) throw new ProblemError('not_found', M.noSuchHelpRequest);
    if (request.status !== 'pending') throw new ProblemError('conflict', M.helpDecided);
    return request;
  }

  private async one(id: string, scope: OrgScope, q: store.Queryable = this.db): Promise<HelpRequest> {
    const [row] = await store.listRequests(q, scope, { id, limit: 1 });
    if (!row) throw new ProblemError('not_found', M.noSuchHelpRequest);
    return present(row);
  }

  /**
   * Writes the request or its decision and stages its event in the same transaction (outbox):
   * both sides' consoles follow the request, and a node dying after the commit loses nothing.
   */
  private writeAndAnnounce(
    id: string,
    actor: Actor,
    write: (trx: store.Queryable) => Promise<unknown>,
  ): Promise<HelpRequest> {
    return this.deps.transact(async (trx, publish) => {
      await write(trx);
      const r = await this.one(id, actor, trx);
      const payload = {
        requestId: r.id,
        incidentId: r.incidentId,
        unitId: r.unitId,
        callSign: r.callSign,
        fromOrgId: r.fromOrgId,
        toOrgId: r.toOrgId,
        status: r.status,
      };
      await publish('dispatch.help_changed', r.fromOrgId, payload);
      await publish('dispatch.help_changed', r.toOrgId, payload);
      return r;
    });
  }
}

type Row = Awaited<ReturnType<typeof store.listRequests>>[number];

function present(r: Row): HelpRequest {
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
  return {
    id: r.id,
    incidentId: r.incident_id,
    incidentNumber: r.number,
    category: r.category,
    priority: r.priority,
    lon: Number(r.lon),
    lat: Number(r.lat),
    unitId: r.unit_id,
    callSign: r.call_sign,
    fromOrgId: r.from_org_id,
    fromOrgName: r.from_org_name,
    toOrgId: r.to_org_id,
    toOrgName: r.to_org_name,
    status: r.status,
    note: r.note,
    requestedBy: r.requested_by,
    requestedAt: new Date(r.requested_at).toISOString(),
    decidedBy: r.decided_by,
    decidedAt: iso(r.decided_at),
    declineReason: r.decline_reason,
    asked: Boolean(r.asked),
  };
}
