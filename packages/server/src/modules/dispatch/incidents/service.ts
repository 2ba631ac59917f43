import { findCategory } from '@citywatch/core/dispatch/categories';
import {
  canTransitionIncident,
  DUPLICATE_RADIUS_M,
  DUPLICATE_WINDOW_MS,
  type IncidentStatus,
  incidentNumber,
  localDay,
  OPEN_INCIDENT_STATUSES,
} from '@citywatch/core/dispatch/incident';
import type { CreateIncident, Incident, Recommendation } from '@citywatch/core/dispatch/schemas';
import { type TriageSuggestion, triage } from '@citywatch/core/dispatch/triage';
import { isUrgentPriority } from '@citywatch/core/roads/learned/emergency';
import { haversineMetres } from '@citywatch/core/roads/osm-to-graph';
import { latLngToCell } from 'h3-js';
import type { Kysely, Transaction } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { StagePublish } from '../../../bus/outbox.js';
import type { Database } from '../../../db/schema.js';
import { ProblemError } from '../../../http/problem.js';
import type { Actor } from '../../../identity/service.js';
import type { Deps } from '../../module.js';
import { toWgs84 } from '../../places/service.js';
import type { OrgScope } from '../../scope.js';
import * as diversionsStore from '../diversions/store.js';
import * as etasStore from '../etas/store.js';
import { DISPATCH_MESSAGES as M } from '../messages.js';
import { presentIncident } from '../present.js';
import type { UnitsService } from '../units/service.js';
import * as unitsStore from '../units/store.js';
import * as store from './store.js';

/** A change made in a new incident's transaction (see `createIncident`). */
export type AlongWithIncident = (
  trx: Transaction<Database>,
  publish: StagePublish,
  incident: { id: string; number: string; jurisdictionName: string | null },
) => Promise<void>;

/** The demo's marks: the calls the simulator's accounts file are demo calls. */
export interface DemoMarks {
  /** The simulator's accounts (in this process). */
  actors: Set<string>;
  /**
   * The demo runs on the embedded database, where nothing is real: people may send the demo's
   * units to their own calls. Elsewhere demo and real units never serve each other's calls.
   */
  mixAllowed: boolean;
}

export type IncidentsDeps = Pick<Deps<'places'>, 'db' | 'now' | 'transact' | 'places'>;

/**
 * Incidents (110 calls): intake with triage and possible duplicates, the pending queue of an
 * org subtree, the timeline, status transitions, sending a unit, the caller's number and unit
 * recommendations. Units follow their incident; that SQL is in units/store.ts.
 */
export class IncidentsService {
  private readonly db: Kysely<Database>;

  constructor(
    private readonly deps: IncidentsDeps,
    private readonly units: Pick<UnitsService, 'announceUnit' | 'nearestAvailableUnits' | 'unitEta'>,
    private readonly demo: DemoMarks = { actors: new Set(), mixAllowed: false },
  ) {
    this.db = deps.db.kysely;
  }

  /**
   * A new incident. `alongWith` runs in the incident's own transaction, after it is written: a
   * change elsewhere that must happen with the incident or not at all (a citizen report decided
   * into it, a mediation case escalated to it); if it throws, no incident is made.
   */
  async createIncident(
    actor: Actor,
    req: CreateIncident,
    alongWith?: AlongWithIncident,
  ): Promise<{ incident: Incident; duplicates: Incident[]; triage: TriageSuggestion }> {
    const category = findCategory(req.category);
    if (!category)
      throw new ProblemError('validation', undefined, [
        { field: 'category', rule: 'unknown_category', message: '' },
      ]);
    if (req.subcategory && !category.sub.some((s) => s.code === req.subcategory)) {
      throw new ProblemError('validation', undefined, [
        { field: 'subcategory', rule: 'unknown_category', message: '' },
      ]);
    }
    const city = await this.deps.places.city(req.city);
    const [lon, lat] = toWgs84(req.lon, req.lat, req.crs);
    const b = city.bounds;
    if (lon < b.minLon - 0.05 || lon > b.maxLon + 0.05 || lat < b.minLat - 0.05 || lat > b.maxLat + 0.05) {
      throw new ProblemError('validation', M.outsideCity(city.name), [
        { field: 'lon', rule: 'outside_city', message: '' },
        { field: 'lat', rule: 'outside_city', message: '' },
      ]);
    }
    const suggestion = triage(req.category, req.narrative);
    const jurisdiction = city.jurisdictionAt(lon, lat);
    const orgRow = jurisdiction ? await store.jurisdictionOrg(this.db, jurisdiction.id) : undefined;
    // The incident belongs to the station whose jurisdiction it lies in; outside every
    // jurisdiction (or in one no station holds) to the org of who took the call.
    const orgId = orgRow?.org_id ?? actor.orgId;
    const now = this.deps.now();
    const id = uuidv7();
    // The event is written with the incident (outbox): a node dying right after the commit does not
    // lose it.
    await this.deps.transact(async (trx, publish) => {
      const seq = await store.nextIncidentSeq(trx, localDay(now));
      await store.insertIncident(trx, {
        id,
        number: incidentNumber(now, seq),
        city_id: city.id,
        org_id: orgId,
        jurisdiction_id: jurisdiction?.id ?? null,
        category: req.category,
        subcategory: req.subcategory ?? null,
        priority: req.priority,
        status: 'received',
        police: category.police,
        caller_phone: req.callerPhone ?? null,
        narrative: req.narrative,
        lon,
        lat,
        h3: latLngToCell(lat, lon, 9),
        address_label: req.addressLabel ?? null,
        received_at: now,
        dispatched_at: null,
        arrived_at: null,
        cleared_at: null,
        closed_at: null,
        merged_into: null,
        created_by: actor.userId,
        updated_at: now,
        demo: this.demo.actors.has(actor.userId),
      });
      await this.event(trx, id, now, 'created', null, 'received', actor.userId, null, { triage: suggestion });
      await this.announce(trx, publish, id, orgId);
      await alongWith?.(trx, publish, {
        id,
        number: incidentNumber(now, seq),
        jurisdictionName: jurisdiction?.name ?? null,
      });
    });
    // The call taker gets the incident back even when it belongs to another station's jurisdiction;
    // the duplicates offered are only those of the call taker's own subtree.
    const incident = await this.incident(id, null);
    return { incident, duplicates: await this.duplicatesOf(incident, actor), triage: suggestion };
  }

  private async duplicatesOf(incident: Incident, scope: OrgScope): Promise<Incident[]> {
    const at = new Date(incident.receivedAt).getTime();
    const near = await store.duplicateCandidates(
      this.db,
      {
        excludeId: incident.id,
        category: incident.category,
        statuses: [...OPEN_INCIDENT_STATUSES, 'cleared'],
        from: new Date(at - DUPLICATE_WINDOW_MS),
        to: new Date(at + DUPLICATE_WINDOW_MS),
        lon: incident.lon,
        lat: incident.lat,
        box: 0.005, // ~500 m box, then exact distance
      },
      scope,
    );
    // The ten nearest within 300 m, loaded in one query.
    const ids = near
      .map((r) => ({ id: r.id, m: haversineMetres(incident.lon, incident.lat, r.lon, r.lat) }))
      .filter((r) => r.m <= DUPLICATE_RADIUS_M)
      .sort((a, b) => a.m - b.m)
      .slice(0, 10)
      .map((r) => r.id);
    if (ids.length === 0) return [];
    const rows = await store.findIncidents(this.db, ids, scope);
    const units = await this.unitsOf(ids);
    const order = new Map(ids.map((id, i) => [id, i]));
    return rows
      .sort((a, b) => order.get(a.id)! - order.get(b.id)!)
      .map((r) => presentIncident(r, units.get(r.id) ?? []));
  }

  private async unitsOf(incidentIds: string[]) {
    if (incidentIds.length === 0)
      return new Map<string, { id: string; call_sign: string; status: string }[]>();
    const units = await unitsStore.unitsOnIncidents(this.db, incidentIds);
    const byIncident = new Map<string, { id: string; call_sign: string; status: string }[]>();
    for (const u of units)
      byIncident.set(u.current_incident_id!, [...(byIncident.get(u.current_incident_id!) ?? []), u]);
    return byIncident;
  }

  /**
   * One incident, if it belongs to the scope's org subtree (else 404, as if it did not exist);
   * null scope: any incident (the module's own tasks).
   */
  async incident(id: string, scope: OrgScope | null): Promise<Incident> {
    const r = await store.findIncident(this.db, id, scope);
    if (!r) throw new ProblemError('not_found', M.noSuchIncident);
    return presentIncident(r, (await this.unitsOf([id])).get(id) ?? []);
  }

  /** The pending queue of the actor's org subtree. */
  async openIncidents(actor: Actor): Promise<Incident[]> {
    const rows = await store.openIncidents(this.db, actor, [...OPEN_INCIDENT_STATUSES]);
    const units = await this.unitsOf(rows.map((r) => r.id));
    return rows.map((r) => presentIncident(r, units.get(r.id) ?? []));
  }

  async timeline(id: string, scope: OrgScope) {
    if (!(await store.incidentExists(this.db, id, scope)))
      throw new ProblemError('not_found', M.noSuchIncident);
    const rows = await store.timeline(this.db, id);
    return rows.map((r) => ({
      at: new Date(r.at).toISOString(),
      kind: r.kind,
      fromStatus: r.from_status,
      toStatus: r.to_status,
      username: r.username,
      unitCallSign: r.call_sign,
      detail: r.detail,
    }));
  }

  /** The caller's number: personal data, so the route audits the read with its purpose first. */
  async callerPhone(id: string, scope: OrgScope): Promise<string | null> {
    const r = await store.callerPhone(this.db, id, scope);
    if (!r) throw new ProblemError('not_found', M.noSuchIncident);
    return r.caller_phone;
  }

  /** The nearest available units able to serve the incident, among those the actor may send. */
  async recommend(actor: Actor, incidentId: string, limit = 10): Promise<Recommendation[]> {
    const incident = await store.incidentPlace(this.db, incidentId, actor);
    if (!incident) throw new ProblemError('not_found', M.noSuchIncident);
    const recs = await this.units.nearestAvailableUnits(
      incident.lon,
      incident.lat,
      limit,
      findCategory(incident.category)?.needs ?? [],
      actor,
      // Urgent incidents: timed with the emergency-driving profile of the hour when one is learned.
      isUrgentPriority(incident.priority),
    );
    if (this.demo.mixAllowed) return recs;
    // Demo units for demo calls, real units for real calls.
    const demo = await unitsStore.demoUnitIds(
      this.db,
      recs.map((r) => r.unitId),
    );
    return recs.filter((r) => demo.has(r.unitId) === incident.demo);
  }

  /**
   * Sends a unit. The guarantee that a unit serves one incident at a time lives in the database:
   * the unit row changes only if it is still available, so of two dispatchers clicking together
   * exactly one update matches and the other gets 409.
   *
   * Need to know: the incident must be the actor's subtree's (else 404), and so must the unit: a
   * station sends its own units; city-level staff send any (403 `unit_in_scope` otherwise).
   * `incidentScope` null: the incident may be any org's (a station accepting a help request sends
   * its own unit to the asking station's incident).
   */
  async dispatch(
    actor: Actor,
    incidentId: string,
    unitId: string,
    incidentScope: OrgScope | null = actor,
  ): Promise<Incident> {
    const now = this.deps.now();
    // The road time promised now, stored with the sending to be compared with the unit's arrival
    // (ETA accuracy). Read before the transaction: the tracker may load from the database.
    const place = await store.incidentPlaceAny(this.db, incidentId);
    const predicted = place
      ? await this.units.unitEta(unitId, place.lon, place.lat, isUrgentPriority(place.priority))
      : null;
    await this.deps.transact(async (trx, publish) => {
      const incident = await store.lockIncidentStatus(trx, incidentId, incidentScope);
      if (!incident) throw new ProblemError('not_found', M.noSuchIncident);
      if (!['received', 'dispatched', 'en_route', 'on_scene'].includes(incident.status)) {
        throw new ProblemError('conflict', M.incidentNotOpen(incident.status), [
          { field: 'incidentId', rule: 'incident_not_open', message: '' },
        ]);
      }
      if (
        !this.demo.mixAllowed &&
        (await unitsStore.demoUnitIds(trx, [unitId])).has(unitId) !== incident.demo
      ) {
        throw new ProblemError('conflict', M.demoMix, [{ field: 'unitId', rule: 'demo_mix', message: '' }]);
      }
      if (!(await unitsStore.takeUnitForIncident(trx, unitId, incidentId, actor))) {
        const exists = await unitsStore.unitStatus(trx, unitId);
        if (!exists) throw new ProblemError('not_found', M.noSuchUnit);
        if (!(await unitsStore.unitInScope(trx, unitId, actor))) {
          // Every unit is on the map (positions only), so its existence is no secret; sending it is.
          throw new ProblemError('forbidden', M.unitNotYours, [
            { field: 'unitId', rule: 'unit_in_scope', message: '' },
          ]);
        }
        throw new ProblemError('conflict', M.unitNotAvailable, [
          { field: 'unitId', rule: 'unit_not_available', message: '' },
        ]);
      }
      if (incident.status === 'received') {
        await store.updateIncident(trx, incidentId, {
          status: 'dispatched',
          dispatched_at: now,
          updated_at: now,
        });
        await this.event(trx, incidentId, now, 'status', 'received', 'dispatched', actor.userId, unitId, {});
      }
      await this.event(trx, incidentId, now, 'unit_dispatched', null, null, actor.userId, unitId, {});
      if (predicted) {
        await etasStore.insertPrediction(trx, {
          id: uuidv7(),
          incidentId,
          unitId,
          at: now,
          predictedS: predicted.etaSeconds,
          profile: predicted.profile,
          approachClass: predicted.approachClass,
        });
      }
      await this.announce(trx, publish, incidentId, incident.org_id);
    });
    const incident = await this.incident(incidentId, null);
    await this.units.announceUnit(unitId);
    return incident;
  }

  /** A change of status by a person: the incident (and one merged into) must be the actor's subtree's. */
  transition(
    actor: Actor,
    incidentId: string,
    to: IncidentStatus,
    note?: string,
    mergeInto?: string,
  ): Promise<Incident> {
    return this.changeStatus(actor, actor, incidentId, to, note, mergeInto);
  }

  private async changeStatus(
    actor: Actor,
    scope: OrgScope | null,
    incidentId: string,
    to: IncidentStatus,
    note?: string,
    mergeInto?: string,
  ): Promise<Incident> {
    const now = this.deps.now();
    // Units follow the incident; remember which, to announce their new status afterwards.
    const affectedUnits = await unitsStore.unitIdsOnIncident(this.db, incidentId);
    await this.deps.transact(async (trx, publish) => {
      const row = await store.lockIncidentStatus(trx, incidentId, scope);
      if (!row) throw new ProblemError('not_found', M.noSuchIncident);
      const from = row.status as IncidentStatus;
      if (!canTransitionIncident(from, to)) {
        throw new ProblemError('conflict', M.incidentTransition(from, to), [
          { field: 'to', rule: 'invalid_transition', message: '' },
        ]);
      }
      if (to === 'merged') {
        if (!mergeInto || mergeInto === incidentId) {
          throw new ProblemError('validation', undefined, [
            { field: 'mergeInto', rule: 'required', message: '' },
          ]);
        }
        if (!(await store.incidentExists(trx, mergeInto, scope)))
          throw new ProblemError('validation', undefined, [
            { field: 'mergeInto', rule: 'not_found', message: '' },
          ]);
      }
      const stamp: Partial<Record<'dispatched_at' | 'arrived_at' | 'cleared_at' | 'closed_at', Date>> = {};
      if (to === 'on_scene') stamp.arrived_at = now;
      if (to === 'cleared') stamp.cleared_at = now;
      if (to === 'closed' || to === 'cancelled' || to === 'merged' || to === 'diverted')
        stamp.closed_at = now;
      await store.updateIncident(trx, incidentId, {
        status: to,
        updated_at: now,
        ...stamp,
        ...(to === 'merged' ? { merged_into: mergeInto } : {}),
      });
      // Units follow the incident: on scene with it, free again once it is cleared or called off.
      if (to === 'en_route' || to === 'on_scene') {
        await unitsStore.unitsFollowIncident(trx, incidentId, to);
      } else if (['cleared', 'cancelled', 'merged', 'closed'].includes(to)) {
        await unitsStore.releaseIncidentUnits(trx, incidentId);
      }
      await this.event(trx, incidentId, now, 'status', from, to, actor.userId, null, note ? { note } : {});
      if (to === 'diverted') await diversionsStore.insertDiversion(trx, uuidv7(), incidentId, now);
      await this.announce(trx, publish, incidentId, row.org_id);
    });
    const incident = await this.incident(incidentId, null);
    for (const unitId of affectedUnits) await this.units.announceUnit(unitId);
    return incident;
  }

  /**
   * A unit on this incident reported en route or on scene: the incident follows when it can. The
   * unit was sent there, so this holds whichever station the incident belongs to (a unit lent by a
   * city-level dispatcher to another station's incident moves that incident along).
   */
  async followUnitReport(actor: Actor, incidentId: string, status: 'en_route' | 'on_scene'): Promise<void> {
    const incident = await this.incident(incidentId, null);
    if (canTransitionIncident(incident.status, status))
      await this.changeStatus(actor, null, incident.id, status);
  }

  // ---- helpers

  private event(
    trx: Transaction<Database>,
    incidentId: string,
    at: Date,
    kind: string,
    from: string | null,
    to: string | null,
    userId: string | null,
    unitId: string | null,
    detail: Record<string, unknown>,
  ) {
    return store.insertEvent(trx, { id: uuidv7(), incidentId, at, kind, from, to, userId, unitId, detail });
  }

  /** Stages `dispatch.incident_changed` with the incident as the transaction leaves it. */
  private async announce(
    trx: Transaction<Database>,
    publish: StagePublish,
    incidentId: string,
    orgId: string,
  ) {
    const row = await store.findIncident(trx, incidentId, null);
    if (!row) return;
    const incident = presentIncident(row, []);
    await publish('dispatch.incident_changed', orgId, {
      incidentId: incident.id,
      number: incident.number,
      status: incident.status,
      priority: incident.priority,
      category: incident.category,
      lon: incident.lon,
      lat: incident.lat,
    });
  }
}
