/**
 * Closure plans ("10 minutes, city closed"): activating one sends available units to a ring's
 * checkpoints by the optimal assignment; a plan ends by hand or expires, and frees its units. The
 * units themselves are dispatch's: they are read, taken, freed and announced through its service.
 */

import { ringClosureAlert } from '@citywatch/core/cap/road-closure';
import type { Unit } from '@citywatch/core/dispatch/schemas';
import { solveAssignment } from '@citywatch/core/perimeter/assignment';
import type { RingGeometry } from '@citywatch/core/perimeter/ring';
import { haversineMetres } from '@citywatch/core/roads/osm-to-graph';
import type { Kysely, Transaction } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { StagePublish } from '../../../bus/outbox.js';
import type { Database } from '../../../db/schema.js';
import { ProblemError } from '../../../http/problem.js';
import { appendAudit } from '../../../identity/audit.js';
import type { Actor } from '../../../identity/service.js';
import type { CityRuntime } from '../../roads/registry.js';
import type { OrgScope } from '../../scope.js';
import { RING_DETAILS } from '../messages.js';
import {
  type CheckpointRow,
  cityOfRing,
  finiteOrNull,
  iso,
  type RingDeps,
  type RingRow,
  ringOrNotFound,
} from './common.js';
import * as planStore from './plan-store.js';
import * as store from './store.js';
import {
  ARRIVAL_RADIUS_M,
  checkpointSnap,
  ETA_HORIZON_SECONDS,
  HOLD_WITHIN_SECONDS,
  travelTimes,
  type UnitRoute,
  unitRoute,
  unitSnaps,
} from './travel.js';

export interface PlanWarning {
  code: 'no_available_units' | 'fewer_units_than_checkpoints' | 'checkpoint_off_network' | 'stale_positions';
  message: string;
}

export interface ActivateRequest {
  reason: string;
  durationMinutes: number;
  /**
   * The CAP road-control notice goes in the public feed (scope Public, without the reason) when
   * true; otherwise it is Restricted (with the reason) and reaches the partner agencies' webhooks
   * only.
   */
  publicNotice?: boolean;
}

/** Thrown inside the activation transaction when a unit was taken meanwhile: recompute and retry. */
class UnitTakenMeanwhile extends Error {}

const planNotFound = () => new ProblemError('not_found', RING_DETAILS.noSuchPlan);
const alreadyActive = () =>
  new ProblemError('conflict', RING_DETAILS.planAlreadyActive, [
    { field: 'id', rule: 'plan_active', message: '' },
  ]);

export class ClosurePlans {
  private readonly db: Kysely<Database>;

  constructor(private readonly ctx: RingDeps) {
    this.db = ctx.db.kysely;
  }

  /** Ends every active plan past its expiry and frees its units (run lazily and on a timer). */
  async expireDuePlans(): Promise<number> {
    const due = await planStore.duePlans(this.db, this.ctx.now());
    let expired = 0;
    for (const plan of due) {
      const ended = await this.ctx.transact(async (trx, publish) => {
        const at = new Date(plan.expires_at);
        if (!(await planStore.closePlan(trx, plan.id, 'expired', at, null, null))) return null;
        const units = await this.ctx.dispatch.releasePlanUnits(trx, plan.id);
        await this.announcePlan(trx, publish, plan.id, units);
        return { cancel: await this.ctx.cap.recordCancel(trx, `closure_plan:${plan.id}`, at) };
      });
      if (ended === null) continue;
      if (ended.cancel) this.ctx.cap.deliver(ended.cancel);
      expired++;
    }
    return expired;
  }

  /** Whether the ring has an active plan (expired ones count until expireDuePlans ran). */
  async hasActivePlan(ringId: string): Promise<boolean> {
    return (await planStore.activePlanOfRing(this.db, ringId)) !== undefined;
  }

  /**
   * Activates a closure plan on a ring: the optimal assignment (most checkpoints covered, then most
   * covered within 10 minutes, then least total travel time) of available units to the ring's
   * checkpoints, taken with dispatch's
   * conditional update, written with its audit row in one transaction.
   *
   * Need to know: the ring must be of the actor's subtree (else 404), the plan belongs to the
   * ring's org, and the units sent are those of the actor's subtree (a station's commander holds
   * a ring with the station's own units; a city-level one with any).
   */
  async activate(actor: Actor, ringId: string, request: ActivateRequest) {
    await this.expireDuePlans();
    const ring = await ringOrNotFound(this.db, ringId, actor);
    const city = await cityOfRing(this.ctx, ring);
    const checkpoints = await store.listCheckpoints(this.db, { ringId }, null);
    if (checkpoints.length === 0) {
      throw new ProblemError('conflict', RING_DETAILS.ringHasNoCheckpoints, [
        { field: 'id', rule: 'no_checkpoints', message: '' },
      ]);
    }
    if (await this.hasActivePlan(ringId)) throw alreadyActive();

    for (let attempt = 0; ; attempt++) {
      try {
        return await this.tryActivate(actor, ring, city, checkpoints, request);
      } catch (error) {
        // A dispatcher took one of the chosen units between our read and our write: recompute.
        if (error instanceof UnitTakenMeanwhile && attempt < 3) continue;
        if (isUniqueViolation(error)) throw alreadyActive();
        throw error;
      }
    }
  }

  private async tryActivate(
    actor: Actor,
    ring: RingRow,
    city: CityRuntime,
    checkpoints: CheckpointRow[],
    request: ActivateRequest,
  ) {
    const units = await this.ctx.dispatch.availableUnits(actor);
    const now = this.ctx.now();
    const checkpointSnaps = checkpoints.map((c) => checkpointSnap(city, c));
    // The travel times of the hour now, learned where the eta module has learned any (as dispatch
    // ranks units), else the static ones.
    const routing = await this.ctx.eta.routing(city, 'learned');
    const etas = travelTimes(city, unitSnaps(city, units), checkpointSnaps, ETA_HORIZON_SECONDS, routing);
    // Objective, in order: hold as many checkpoints as possible, then as many as possible within
    // 10 minutes, then the least total travel time. A late pair carries a penalty larger than any
    // assignment's whole travel time (every ETA is within the horizon), which makes the exact
    // min-sum solver optimise exactly that order.
    const latePenalty = (checkpoints.length + 1) * ETA_HORIZON_SECONDS;
    const { rowToColumn } = solveAssignment(
      etas.map((row) =>
        row.map((s) => (Number.isFinite(s) && s > HOLD_WITHIN_SECONDS ? s + latePenalty : s)),
      ),
    );

    const warnings: PlanWarning[] = [];
    if (units.length === 0) {
      warnings.push({
        code: 'no_available_units',
        message: 'no unit is available with a known position: every checkpoint is left unheld',
      });
    } else if (units.length < checkpoints.length) {
      warnings.push({
        code: 'fewer_units_than_checkpoints',
        message: `${units.length} available unit(s) for ${checkpoints.length} checkpoints`,
      });
    }
    const offNetwork = checkpoints.filter((_, j) => checkpointSnaps[j] === null).map((c) => c.id);
    if (offNetwork.length > 0) {
      warnings.push({
        code: 'checkpoint_off_network',
        message: `no road near checkpoint(s) ${offNetwork.join(', ')}`,
      });
    }
    const stale = units.filter(
      (u) => !u.last_at || now.getTime() - new Date(u.last_at).getTime() > 2 * 60_000,
    );
    if (stale.length > 0) {
      warnings.push({
        code: 'stale_positions',
        message: `${stale.length} unit(s) were assigned from a position older than 2 minutes`,
      });
    }

    const unitOfCheckpoint = new Map<number, number>();
    rowToColumn.forEach((j, i) => {
      if (j >= 0) unitOfCheckpoint.set(j, i);
    });
    const planId = uuidv7();
    const expiresAt = new Date(now.getTime() + request.durationMinutes * 60_000);
    const notice = this.ctx.cap.newIdentifier();
    const alert = await this.ctx.transact(async (trx, publish) => {
      await planStore.insertPlan(trx, {
        id: planId,
        ring_id: ring.id,
        org_id: ring.org_id,
        status: 'active',
        reason: request.reason,
        activated_by: actor.userId,
        activated_at: now,
        expires_at: expiresAt,
        ended_at: null,
        ended_by: null,
      });
      for (const i of unitOfCheckpoint.values()) {
        if (!(await this.ctx.dispatch.takeUnitForPlan(trx, units[i].id, planId)))
          throw new UnitTakenMeanwhile();
      }
      await planStore.insertAssignments(
        trx,
        checkpoints.map((c, j) => {
          const i = unitOfCheckpoint.get(j);
          return i === undefined
            ? {
                plan_id: planId,
                checkpoint_id: c.id,
                unit_id: null,
                eta_seconds: null,
                status: 'unassigned' as const,
                arrived_at: null,
              }
            : {
                plan_id: planId,
                checkpoint_id: c.id,
                unit_id: units[i].id,
                eta_seconds: etas[i][j],
                status: 'assigned' as const,
                arrived_at: null,
              };
        }),
      );
      await appendAudit(
        trx,
        {
          userId: actor.userId,
          username: actor.username,
          action: 'write',
          resource: `closure_plan:${planId}`,
          detail: {
            event: 'closure_plan_activated',
            ringId: ring.id,
            ringName: ring.name,
            reason: request.reason,
            durationMinutes: request.durationMinutes,
            assigned: unitOfCheckpoint.size,
            checkpoints: checkpoints.length,
            capAlert: notice.identifier,
          },
        },
        now,
      );
      await this.announcePlan(
        trx,
        publish,
        planId,
        [...unitOfCheckpoint.values()].map((i) => units[i].id),
      );
      // The road-control notice (CAP 1.2), recorded with the plan it announces.
      const scope = request.publicNotice ? 'Public' : 'Restricted';
      return this.ctx.cap.record(
        trx,
        notice.id,
        ringClosureAlert({
          identifier: notice.identifier,
          sender: this.ctx.cap.sender,
          senderName: { zh: '公安机关', en: 'Public Security Bureau' },
          sent: now,
          expires: expiresAt,
          ringName: ring.name,
          geometry: ring.geometry as RingGeometry,
          scope,
          reason: request.reason,
          planId,
          web: scope === 'Public' ? notice.url : undefined,
        }),
        { orgId: ring.org_id, source: `closure_plan:${planId}` },
      );
    });
    this.ctx.cap.deliver(alert);
    const plan = await this.plan(planId, null);
    return {
      ...plan,
      capAlert: {
        identifier: alert.identifier,
        scope: request.publicNotice ? 'Public' : 'Restricted',
        url: alert.url,
      },
      warnings,
      // The matrix the assignment was solved on, so a console (or a test) can check it.
      etaMatrix: {
        profile: routing.label,
        unitIds: units.map((u) => u.id),
        checkpointIds: checkpoints.map((c) => c.id),
        seconds: etas.map((row) => row.map(finiteOrNull)),
      },
    };
  }

  /**
   * The plan as it stands: who goes where with which ETA, who has arrived (a unit whose last AVL
   * fix is within 50 m of its checkpoint is marked arrived now — done on read so AVL ingest stays
   * untouched), time to full closure and the checkpoints that cannot be held within 10 minutes.
   * A plan of the scope's subtree (a plan belongs to its ring's org), else 404; null: any plan.
   */
  async plan(id: string, scope: OrgScope | null) {
    await this.expireDuePlans();
    const plan = await planStore.findPlan(this.db, id, scope);
    if (!plan) throw planNotFound();
    const rows = await planStore.planAssignments(this.db, id);
    const units = await this.unitsOf(rows);
    const now = this.ctx.now();
    const arriving: typeof rows = [];
    if (plan.status === 'active') {
      for (const r of rows) {
        const unit = r.unit_id === null ? undefined : units.get(r.unit_id);
        if (r.status !== 'assigned' || !unit || unit.lon === null || unit.lat === null) continue;
        if (r.checkpoint_lon === null || r.checkpoint_lat === null) continue;
        const distance = haversineMetres(unit.lon, unit.lat, r.checkpoint_lon, r.checkpoint_lat);
        if (distance <= ARRIVAL_RADIUS_M) arriving.push(r);
      }
    }
    if (arriving.length > 0) {
      // Marked and announced in one transaction; a checkpoint another read marked first is skipped.
      const marked = await this.ctx.transact(async (trx, publish) => {
        const done = [];
        for (const r of arriving)
          if (await planStore.markArrived(trx, id, r.checkpoint_id, now)) done.push(r);
        if (done.length > 0) await this.announcePlan(trx, publish, id, []);
        return done;
      });
      for (const r of marked) {
        r.status = 'arrived';
        r.arrived_at = now;
      }
    }
    const ring = plan.ring_id ? await store.findRing(this.db, plan.ring_id, null) : undefined;
    const routes = plan.status === 'active' && ring ? await this.routesNow(ring, rows, units) : new Map();
    const assignments = rows.map((r) => ({
      checkpointId: r.checkpoint_id,
      checkpointName: r.checkpoint_name,
      kind: r.checkpoint_kind,
      lon: r.checkpoint_lon,
      lat: r.checkpoint_lat,
      unitId: r.unit_id,
      callSign: (r.unit_id === null ? undefined : units.get(r.unit_id)?.callSign) ?? null,
      etaSeconds: r.eta_seconds === null ? null : finiteOrNull(r.eta_seconds),
      status: r.status,
      arrivedAt: iso(r.arrived_at),
      holdableWithin10Min: r.eta_seconds !== null && r.eta_seconds <= HOLD_WITHIN_SECONDS,
      route: routes.get(r.checkpoint_id) ?? null,
    }));
    const unheld = assignments.filter((a) => a.etaSeconds === null);
    return {
      id: plan.id,
      ringId: plan.ring_id,
      ringName: ring?.name ?? null,
      status: plan.status,
      reason: plan.reason,
      activatedBy: plan.activated_by,
      activatedAt: iso(plan.activated_at),
      expiresAt: iso(plan.expires_at),
      endedAt: iso(plan.ended_at),
      assignments,
      assigned: assignments.filter((a) => a.unitId !== null).length,
      arrived: assignments.filter((a) => a.status === 'arrived').length,
      /** Seconds until the last checkpoint is manned; null while any checkpoint has no unit. */
      timeToFullClosureSeconds:
        unheld.length > 0 || assignments.length === 0
          ? null
          : Math.max(...assignments.map((a) => a.etaSeconds ?? 0)),
      notHoldableWithin10Min: assignments.filter((a) => !a.holdableWithin10Min).map((a) => a.checkpointId),
    };
  }

  /**
   * The road each unit still on its way drives from where it is now (its last AVL fix) to its
   * checkpoint, by checkpoint id: the map draws these instead of straight lines. Sent with the plan
   * rather than fetched per line from /api/roads/route: a ring has tens of checkpoints, and one
   * answer of a few kB per route beats tens of requests per refresh (the plan is reread whenever
   * one of its units moves); the line is the same turn-restricted search the ETA comes from; and
   * the plan's readers need not hold roads.read.
   */
  private async routesNow(
    ring: RingRow,
    rows: Awaited<ReturnType<typeof planStore.planAssignments>>,
    units: Map<string, Unit>,
  ): Promise<Map<string, UnitRoute>> {
    const routes = new Map<string, UnitRoute>();
    const onTheirWay = rows.filter((r) => r.status === 'assigned' && r.unit_id !== null);
    if (onTheirWay.length === 0) return routes;
    const city = await cityOfRing(this.ctx, ring);
    const routing = await this.ctx.eta.routing(city, 'learned');
    for (const r of onTheirWay) {
      const unit = units.get(r.unit_id as string);
      if (!unit) continue;
      const [from] = unitSnaps(city, [{ last_lon: unit.lon, last_lat: unit.lat }]);
      const to = checkpointSnap(city, {
        lon: r.checkpoint_lon,
        lat: r.checkpoint_lat,
        edge_from_osm: r.checkpoint_edge_from_osm,
        edge_to_osm: r.checkpoint_edge_to_osm,
      });
      const route = unitRoute(city, from, to, routing);
      if (route) routes.set(r.checkpoint_id, route);
    }
    return routes;
  }

  /** The plan's units as dispatch has them now (call sign, last AVL position), by id. */
  private async unitsOf(rows: readonly { unit_id: string | null }[]): Promise<Map<string, Unit>> {
    if (rows.every((r) => r.unit_id === null)) return new Map();
    return new Map((await this.ctx.dispatch.units()).map((u) => [u.id, u]));
  }

  /** The plans of the scope's subtree, newest first. */
  async plans(filter: { ringId?: string; active?: boolean }, scope: OrgScope) {
    await this.expireDuePlans();
    const rows = await planStore.listPlans(
      this.db,
      { ringId: filter.ringId, status: filter.active ? 'active' : undefined },
      scope,
    );
    return rows.map((p) => ({
      id: p.id,
      ringId: p.ring_id,
      status: p.status,
      reason: p.reason,
      activatedAt: iso(p.activated_at),
      expiresAt: iso(p.expires_at),
      endedAt: iso(p.ended_at),
    }));
  }

  /** Ends an active plan of the actor's subtree (else 404) and frees its units. */
  async endPlan(actor: Actor, id: string) {
    await this.expireDuePlans();
    const plan = await planStore.findPlan(this.db, id, actor);
    if (!plan) throw planNotFound();
    const now = this.ctx.now();
    const ended = await this.ctx.transact(async (trx, publish) => {
      if (!(await planStore.closePlan(trx, id, 'ended', now, actor.userId, actor))) return null;
      const units = await this.ctx.dispatch.releasePlanUnits(trx, id);
      await this.announcePlan(trx, publish, id, units);
      // The road-control notice is lifted with the plan (a CAP Cancel referencing it).
      return { cancel: await this.ctx.cap.recordCancel(trx, `closure_plan:${id}`, now) };
    });
    if (ended === null) {
      throw new ProblemError('conflict', RING_DETAILS.planNotActive(plan.status), [
        { field: 'id', rule: 'plan_not_active', message: '' },
      ]);
    }
    if (ended.cancel) this.ctx.cap.deliver(ended.cancel);
    return this.plan(id, actor);
  }

  /**
   * Consoles of the plan's org subtree learn of the change (the plan belongs to its ring's org),
   * and dispatch consoles of the units it took or freed: staged in the change's transaction
   * (outbox), so a node dying after the commit does not lose them.
   */
  private async announcePlan(
    trx: Transaction<Database>,
    publish: StagePublish,
    planId: string,
    unitIds: readonly string[],
  ) {
    const plan = await planStore.findPlan(trx, planId, null);
    const rows = plan ? await planStore.planAssignments(trx, planId) : [];
    if (plan)
      await publish('perimeter.plan_changed', plan.org_id, {
        planId,
        ringId: plan.ring_id,
        status: plan.status,
        assigned: rows.filter((r) => r.unit_id !== null).length,
        arrived: rows.filter((r) => r.status === 'arrived').length,
      });
    await this.ctx.dispatch.announceUnits(unitIds, { trx, publish });
  }
}

/** PostgreSQL's unique_violation (PGlite reports the same SQLSTATE). */
function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
