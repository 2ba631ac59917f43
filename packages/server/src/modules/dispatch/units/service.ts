import { UNIT_KIND_CAPABILITIES, unitCanServe } from '@citywatch/core/dispatch/categories';
import { canTransitionUnit, type UnitKind, type UnitStatus } from '@citywatch/core/dispatch/incident';
import type { Recommendation, Unit } from '@citywatch/core/dispatch/schemas';
import { motionOf } from '@citywatch/core/roads/heading';
import type { TimeProfileLabel } from '@citywatch/core/roads/learned/hour';
import type { Kysely, Transaction } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { StagePublish } from '../../../bus/outbox.js';
import type { Database } from '../../../db/schema.js';
import { ProblemError } from '../../../http/problem.js';
import type { Actor } from '../../../identity/service.js';
import { stampedInFuture } from '../../../ingest/device-time.js';
import { deviceDrops } from '../../../ingest/drops.js';
import type { Deps } from '../../module.js';
import type { CityRuntime } from '../../roads/registry.js';
import { assertOrgInScope, type OrgScope } from '../../scope.js';
import * as etasStore from '../etas/store.js';
import { DISPATCH_MESSAGES as M } from '../messages.js';
import { presentUnit } from '../present.js';
import { UnitTracker } from '../tracker.js';
import { PositionFollower } from '../tracker-follow.js';
import * as store from './store.js';

/** How old a stored fix may be for its heading to count when the tracker is rebuilt. */
const MOTION_FRESH_MS = 120_000;

/** An AVL fix older than this makes a recommendation "stale" (shown, flagged). */
export const STALE_AVL_MS = 2 * 60_000;

export type UnitsDeps = Pick<
  Deps<'places' | 'eta' | 'workers'>,
  'db' | 'now' | 'publish' | 'places' | 'eta' | 'workers'
>;

/** A unit's road time to a point and what it was timed with (stored with each dispatch). */
/** A hierarchy rebuild's limit on its worker thread (it takes 0.7–2.7 s on the bundled cities). */
const HIERARCHY_TIMEOUT_MS = 120_000;

export interface UnitEta {
  etaSeconds: number;
  profile: TimeProfileLabel;
  /** OSM highway class of the edge the point snaps to (the final approach). */
  approachClass: string | null;
}

/**
 * What happens to a unit's incident when the unit reports en route or on scene. The incidents
 * side decides (incidents/service.ts); DispatchService connects the two, so neither imports the other.
 */
export type FollowUnitReport = (
  actor: Actor,
  incidentId: string,
  status: 'en_route' | 'on_scene',
) => Promise<void>;

export interface IngestReport {
  accepted: number;
  outOfOrder: number;
  duplicates: number;
  rejected: { index: number; reason: string }[];
}

/** An ingest report with the index of each out-of-order and each duplicate fix (to split a merged batch). */
export interface DetailedIngestReport extends IngestReport {
  outOfOrderAt: number[];
  duplicateAt: number[];
}

/**
 * Units and their positions: unit records, their own status reports, AVL ingest, where each unit
 * is on the road graph (one tracker per city) and who reaches a point first; also the units that
 * closure plans of other modules take and free.
 */
export class UnitsService {
  private readonly trackerOfCity = new Map<string, Promise<UnitTracker>>();
  /** Keeps the trackers current from every node's AVL fixes (the module starts it following). */
  readonly positions = new PositionFollower(this.trackerOfCity);
  private readonly db: Kysely<Database>;

  constructor(
    private readonly deps: UnitsDeps,
    private readonly followReport: FollowUnitReport,
  ) {
    this.db = deps.db.kysely;
  }

  /** The per-city trackers built so far (bench/dispatch.ts times their searches directly). */
  get trackers(): ReadonlyMap<string, Promise<UnitTracker>> {
    return this.trackerOfCity;
  }

  private async tracker(city: CityRuntime): Promise<UnitTracker> {
    let t = this.trackerOfCity.get(city.id);
    if (!t) {
      t = (async () => {
        // The static hierarchy on a worker thread: seconds on a large city's edge-based graph,
        // which the event loop (AVL, consoles) must not wait for.
        const ch = await this.deps.workers.run(
          'eta.hierarchy',
          { baseTimes: null },
          { city: city.turnRouting().poolCity, timeoutMs: HIERARCHY_TIMEOUT_MS },
        );
        const tracker = new UnitTracker(city, ch);
        const units = await store.livePositions(this.db);
        for (const u of units) {
          // A heading is kept only from a fix of the last minutes: a terminal gone quiet while
          // driving is not still driving that way.
          const fresh =
            u.last_at !== null && this.deps.now().getTime() - new Date(u.last_at).getTime() < MOTION_FRESH_MS;
          tracker.setPosition(
            u.id,
            u.last_lon,
            u.last_lat,
            fresh ? motionOf(u.last_heading, u.last_speed) : null,
          );
          // A fix's event older than the stored position, arriving late, must not move it back.
          if (u.last_at) this.positions.remember(u.id, new Date(u.last_at).getTime());
        }
        await this.refreshTracker(tracker, city);
        return tracker;
      })();
      this.trackerOfCity.set(city.id, t);
      // A failed build (a worker timed out) is tried again by the next caller, not kept.
      t.catch(() => this.trackerOfCity.delete(city.id));
    }
    return t;
  }

  private readonly refreshing = new Map<string, Promise<void>>();

  /**
   * Puts the travel-time profile of the current hour into the city's tracker: the learned times of
   * this hour of week when the eta module has learned any for the city, else the static ones. A
   * no-op while the hour and the learned statistics are unchanged, so it is cheap to call often;
   * the rebuild (a new hierarchy) happens once per hour. The module runs it every few minutes and
   * a recommendation starts it (without waiting) when the hour has turned.
   */
  async refreshTravelTimes(): Promise<TimeProfileLabel | null> {
    let city: CityRuntime;
    try {
      city = await this.deps.places.city(undefined);
    } catch {
      return null; // no city imported yet
    }
    const tracker = await this.tracker(city);
    await this.refreshTracker(tracker, city);
    return tracker.profile;
  }

  private refreshTracker(tracker: UnitTracker, city: CityRuntime): Promise<void> {
    let running = this.refreshing.get(city.id);
    if (!running) {
      running = (async () => {
        const learned = await this.deps.eta.hourTimes(this.deps.now(), city.name);
        const key = learned ? `${learned.version}:${learned.label}` : 'static';
        if (key === tracker.profileKey) return;
        const baseTimes = learned?.baseTimes ?? null;
        // The hierarchy is built on a worker thread (0.7–2.7 s): requests keep being answered
        // with the previous profile meanwhile, and the new one is swapped in whole.
        const ch = await this.deps.workers.run(
          'eta.hierarchy',
          { baseTimes },
          { city: city.turnRouting().poolCity, timeoutMs: HIERARCHY_TIMEOUT_MS },
        );
        tracker.useHierarchy(ch, baseTimes, learned ? learned.label : 'static', key);
      })()
        .then(() => this.refreshEmergency(tracker, city))
        .finally(() => this.refreshing.delete(city.id));
      this.refreshing.set(city.id, running);
    }
    return running;
  }

  /**
   * The emergency-driving profile of the hour into the tracker's second table (urgent incidents
   * are timed with it), or none while no emergency traversal is learned.
   */
  private async refreshEmergency(tracker: UnitTracker, city: CityRuntime): Promise<void> {
    const learned = await this.deps.eta.hourTimes(this.deps.now(), city.name, 'emergency');
    const key = learned ? `${learned.version}:${learned.label}` : 'none';
    if (key === tracker.emergencyKey) return;
    if (!learned) {
      tracker.useEmergencyHierarchy(null, null, 'static', key);
      return;
    }
    const ch = await this.deps.workers.run(
      'eta.hierarchy',
      { baseTimes: learned.baseTimes },
      { city: city.turnRouting().poolCity, timeoutMs: HIERARCHY_TIMEOUT_MS },
    );
    tracker.useEmergencyHierarchy(ch, learned.baseTimes, learned.label, key);
  }

  /** Hour of week of the tracker's profile vs now: when they differ, refresh in the background. */
  private maybeRefresh(tracker: UnitTracker, city: CityRuntime): void {
    const hour = Math.floor(this.deps.now().getTime() / 3600_000);
    if (this.lastHourSeen.get(city.id) === hour) return;
    this.lastHourSeen.set(city.id, hour);
    this.refreshTracker(tracker, city).catch(() => this.lastHourSeen.delete(city.id));
  }

  private readonly lastHourSeen = new Map<string, number>();

  /**
   * The road time of one unit to a point with the profile in use, and the point's approach road
   * class (stored with a dispatch to measure ETA accuracy later); null when the unit has no usable
   * position or no city is loaded.
   */
  async unitEta(unitId: string, lon: number, lat: number, urgent = false): Promise<UnitEta | null> {
    let city: CityRuntime;
    try {
      city = await this.deps.places.city(undefined);
    } catch {
      return null;
    }
    const tracker = await this.tracker(city);
    const t = tracker.timesTo(lon, lat, urgent)?.get(unitId);
    if (t === undefined || !Number.isFinite(t)) return null;
    return {
      etaSeconds: t,
      profile: tracker.profileFor(urgent),
      approachClass: tracker.approachClass(lon, lat),
    };
  }

  // ---- units for other modules' tasks (closure plans): the units table is dispatch's alone

  /**
   * Units free to be sent anywhere: available, on no incident or plan, with a known position; with
   * a scope, only those of its subtree (the units that person may send).
   */
  availableUnits(scope: OrgScope | null, db: store.Queryable = this.db) {
    return store.availableUnits(db, scope);
  }

  /**
   * Takes a unit for a closure plan inside the caller's transaction, with the conditional update
   * dispatch itself uses; false when a dispatcher took it meanwhile.
   */
  takeUnitForPlan(trx: Transaction<Database>, unitId: string, planId: string): Promise<boolean> {
    return store.takeUnitForPlan(trx, unitId, planId);
  }

  /** Frees the plan's units inside the caller's transaction; returns those that became available. */
  releasePlanUnits(trx: Transaction<Database>, planId: string): Promise<string[]> {
    return store.releasePlanUnits(trx, planId);
  }

  /**
   * Dispatch consoles show units going busy or free, whatever made them so. Given the change's
   * transaction (`staged`), the events are read and staged in it (outbox) instead of published
   * after the commit.
   */
  async announceUnits(
    unitIds: readonly string[],
    staged?: { trx: Transaction<Database>; publish: StagePublish },
  ) {
    if (unitIds.length === 0) return;
    const units = await store.unitsToAnnounce(staged?.trx ?? this.db, unitIds);
    const publish = staged?.publish ?? this.deps.publish;
    // Each with its home org: a sibling station's console sees it without its incident.
    for (const u of units) {
      await publish('dispatch.unit_changed', u.home_org_id, {
        unitId: u.id,
        callSign: u.call_sign,
        status: u.status,
        incidentId: u.current_incident_id,
        lon: u.last_lon,
        lat: u.last_lat,
        heading: u.last_heading,
        speed: u.last_speed,
      });
    }
  }

  /** Announces one unit as it is now. */
  async announceUnit(unitId: string) {
    await this.announceUnits([unitId]);
  }

  // ---- unit records

  /**
   * A new unit of `homeOrgId`, which must lie in the actor's subtree (by default the actor's own
   * org). Without an actor (start-up tasks: the demo units) a unit without one belongs to the city
   * bureau at the root of the org tree.
   */
  async createUnit(
    req: {
      callSign: string;
      kind: UnitKind;
      capabilities?: string[];
      homeOrgId?: string;
      /** Created by the demo (only the platform's own demo start-up sets this). */
      demo?: boolean;
    },
    actor?: OrgScope,
  ): Promise<Unit> {
    if (actor && req.homeOrgId) await assertOrgInScope(this.db, actor, req.homeOrgId, 'homeOrgId');
    const homeOrgId = req.homeOrgId ?? actor?.orgId ?? (await store.rootOrg(this.db))?.id;
    if (!homeOrgId) throw new Error('no org to home the unit in: seed the org tree first');
    if (await store.unitWithCallSign(this.db, req.callSign)) {
      throw new ProblemError('conflict', M.callSignTaken(req.callSign), [
        { field: 'callSign', rule: 'unique', message: '' },
      ]);
    }
    const id = uuidv7();
    await store.insertUnit(this.db, {
      id,
      call_sign: req.callSign,
      kind: req.kind,
      capabilities: req.capabilities ?? [...UNIT_KIND_CAPABILITIES[req.kind]],
      home_org_id: homeOrgId,
      status: 'available',
      current_incident_id: null,
      last_lon: null,
      last_lat: null,
      last_at: null,
      last_heading: null,
      last_speed: null,
      demo: req.demo ?? false,
    });
    return this.unit(id);
  }

  async unit(id: string): Promise<Unit> {
    const u = await store.findUnit(this.db, id);
    if (!u) throw new ProblemError('not_found', M.noSuchUnit);
    return presentUnit(u);
  }

  /** Every unit, unscoped (the module's and other modules' own tasks). */
  async units(): Promise<Unit[]> {
    return (await store.listUnits(this.db)).map(presentUnit);
  }

  /**
   * The map's units as a person sees them: every unit's call sign, kind, status and position (so
   * help across stations can be seen and asked for), but the incident a unit serves only for units
   * of the person's subtree; `inScope` says which units the person may send.
   */
  async unitsSeenBy(scope: OrgScope): Promise<(Unit & { inScope: boolean })[]> {
    return (await store.listUnitsSeenBy(this.db, scope)).map((u) => ({
      ...presentUnit(u),
      inScope: Boolean(u.in_scope),
    }));
  }

  /**
   * A unit reports its own status (en route, on scene, back in service): a unit of the scope's
   * subtree, else 404 (null scope: its crew reporting, whose sign-on already checked the org).
   */
  async setUnitStatus(
    actor: Actor,
    unitId: string,
    status: UnitStatus,
    scope: OrgScope | null,
  ): Promise<Unit> {
    const unit = await store.findUnit(this.db, unitId, scope);
    if (!unit) throw new ProblemError('not_found', M.noSuchUnit);
    if (!canTransitionUnit(unit.status as UnitStatus, status)) {
      throw new ProblemError('conflict', M.unitTransition(unit.status as UnitStatus, status), [
        { field: 'status', rule: 'invalid_transition', message: '' },
      ]);
    }
    if ((status === 'en_route' || status === 'on_scene') && unit.current_incident_id) {
      await this.followReport(actor, unit.current_incident_id, status);
    }
    // The unit's own arrival closes the ETA it was sent with (ETA accuracy).
    if (status === 'on_scene' && unit.current_incident_id)
      await etasStore.recordArrival(this.db, unitId, unit.current_incident_id, this.deps.now());
    const released = status === 'available' || status === 'out_of_service';
    await store.setUnitStatus(this.db, unitId, status, released);
    await this.announceUnit(unitId);
    return this.unit(unitId);
  }

  // ---- positions

  /**
   * AVL batch: each fix is checked, stored in the unit's history, and — when newer than what we
   * have — becomes its live position. Unknown units and duplicates are reported, never fatal.
   */
  async ingestPositions(positions: store.PositionFix[], city: CityRuntime): Promise<DetailedIngestReport> {
    const ids = [...new Set(positions.map((p) => p.unitId))];
    const known = new Map((await store.unitsForIngest(this.db, ids)).map((u) => [u.id, u]));
    const rejected: { index: number; reason: string }[] = [];
    const now = this.deps.now().getTime();
    const fresh = new Map<string, store.PositionFix>();
    const history: store.PositionFix[] = [];
    const historyAt: number[] = [];
    const outOfOrderAt: number[] = [];
    for (const [index, p] of positions.entries()) {
      const unit = known.get(p.unitId);
      const at = Date.parse(p.at);
      if (!unit) {
        rejected.push({ index, reason: 'unknown_unit' });
        continue;
      }
      // A clock ahead of ours would pin the unit there against genuine fixes until then.
      if (stampedInFuture(at, now)) {
        rejected.push({ index, reason: 'in_the_future' });
        continue;
      }
      if (!city.snapper.snap(p.lon, p.lat, 1000)) {
        rejected.push({ index, reason: 'off_the_road_network' });
        continue;
      }
      history.push(p);
      historyAt.push(index);
      const newest = fresh.get(p.unitId);
      const last = unit.last_at ? new Date(unit.last_at).getTime() : Number.NEGATIVE_INFINITY;
      if (at <= last || (newest && Date.parse(newest.at) >= at)) outOfOrderAt.push(index);
      else fresh.set(p.unitId, p);
    }
    // One statement each for the history and the live positions, whatever the batch size: at a
    // thousand units reporting every second, a statement per fix is what saturates the database.
    // Each stored row stands for the first of the batch's fixes with its unit and time; the others,
    // and those stored before, are duplicates.
    const inserted = new Map<string, number>();
    for (const key of history.length ? await store.insertPositions(this.db, history) : []) {
      inserted.set(key, (inserted.get(key) ?? 0) + 1);
    }
    const duplicateAt = historyAt.filter((_, k) => {
      const key = store.positionKey(history[k].unitId, Date.parse(history[k].at));
      const left = inserted.get(key) ?? 0;
      inserted.set(key, left - 1);
      return left <= 0;
    });
    for (const r of rejected) deviceDrops.count('avl', r.reason);
    const latest = [...fresh.values()];
    const moved = latest.length ? await store.moveUnits(this.db, latest) : [];
    const tracker = await this.tracker(city);
    for (const id of moved) {
      const p = fresh.get(id)!;
      const u = known.get(id)!;
      const fixAt = new Date(p.at);
      // Every node follows the event (tracker-follow.ts); this one moves the unit now and skips its
      // own event, unless another node's newer fix of the unit arrived meanwhile.
      if (this.positions.noteApplied(id, fixAt.getTime()))
        tracker.setPosition(id, p.lon, p.lat, motionOf(p.heading, p.speed));
      this.deps.publish('dispatch.unit_changed', u.home_org_id, {
        unitId: id,
        callSign: u.call_sign,
        status: u.status,
        incidentId: u.current_incident_id,
        lon: p.lon,
        lat: p.lat,
        heading: p.heading ?? null,
        speed: p.speed ?? null,
        fixAt: fixAt.toISOString(),
      });
    }
    return {
      accepted: history.length,
      outOfOrder: outOfOrderAt.length,
      duplicates: duplicateAt.length,
      rejected,
      outOfOrderAt,
      duplicateAt,
    };
  }

  /**
   * Available units able to serve `needs`, nearest first by road time from their live positions.
   * Ranked in memory first (the CH bucket table), then only the front of the list is read from
   * the database, a few times the limit at a time, until enough are free and able.
   */
  async nearestAvailableUnits(
    lon: number,
    lat: number,
    limit: number,
    needs: readonly string[] = [],
    scope: OrgScope | null = null,
    /** An urgent incident: timed with the emergency-driving profile of the hour when learned. */
    urgent = false,
  ): Promise<Recommendation[]> {
    const city = await this.deps.places.city(undefined);
    const tracker = await this.tracker(city);
    this.maybeRefresh(tracker, city);
    const profile = tracker.profileFor(urgent);
    const times = tracker.timesTo(lon, lat, urgent);
    if (!times) return [];
    const ranked = [...times].filter(([, t]) => Number.isFinite(t)).sort((x, y) => x[1] - y[1]);
    const now = this.deps.now().getTime();
    const picked: Recommendation[] = [];
    for (let i = 0; i < ranked.length && picked.length < limit; i += limit * 4) {
      const slice = ranked.slice(i, i + limit * 4);
      const rows = await store.availableAmong(
        this.db,
        slice.map(([id]) => id),
        scope,
      );
      const byId = new Map(rows.map((u) => [u.id, u]));
      for (const [id, eta] of slice) {
        const u = byId.get(id);
        if (!u || !unitCanServe(u.capabilities, needs)) continue;
        picked.push({
          unitId: u.id,
          callSign: u.call_sign,
          kind: u.kind,
          etaSeconds: eta,
          profile,
          stale: !u.last_at || now - new Date(u.last_at).getTime() > STALE_AVL_MS,
          lastAt: u.last_at ? new Date(u.last_at).toISOString() : null,
        });
        if (picked.length === limit) break;
      }
    }
    return picked;
  }
}
