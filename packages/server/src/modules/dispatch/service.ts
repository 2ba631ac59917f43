import { type EtaAccuracy, etaAccuracy } from '@citywatch/core/dispatch/eta-accuracy';
import type { IncidentStatus, UnitKind, UnitStatus } from '@citywatch/core/dispatch/incident';
import type { CreateIncident, Incident, Recommendation, Unit } from '@citywatch/core/dispatch/schemas';
import type { TriageSuggestion } from '@citywatch/core/dispatch/triage';
import type { Kysely, Transaction } from 'kysely';
import type { StagePublish } from '../../bus/outbox.js';
import type { Database } from '../../db/schema.js';
import type { Actor } from '../../identity/service.js';
import type { Deps } from '../module.js';
import type { CityRuntime } from '../roads/registry.js';
import type { OrgScope } from '../scope.js';
import type { HotlineForwarder } from './diversions/hotline.js';
import { DiversionsService } from './diversions/service.js';
import * as etasStore from './etas/store.js';
import { FiguresService } from './figures/service.js';
import { HelpService } from './help/service.js';
import { type AlongWithIncident, type DemoMarks, IncidentsService } from './incidents/service.js';
import type { UnitTracker } from './tracker.js';
import { UnitReporting } from './units/reporting.js';
import type { IngestReport } from './units/service.js';
import { UnitsService } from './units/service.js';
import type { PositionFix, Queryable } from './units/store.js';

/**
 * The dispatch module's service (ModuleServices['dispatch']): one object made of four parts, one
 * per concern, each with its own store of SQL —
 *   incidentsService  110 intake, duplicates, the queue, timeline, transitions, sending a unit;
 *   unitsService      units, their status and AVL positions, road-time ranking, plan units;
 *   diversionsService hand-offs to the 12345 hotline and their outcomes;
 *   figuresService    response figures and the validity rate.
 * Routes, other modules and tools call the methods below, which hand each call to its part.
 */
export class DispatchService {
  readonly unitsService: UnitsService;
  readonly incidentsService: IncidentsService;
  readonly diversionsService: DiversionsService;
  readonly figuresService: FiguresService;
  /** Cross-station help requests. */
  readonly help: HelpService;
  /** Forwards diverted calls to the 12345 hotline (started by the module, stepped by tests). */
  readonly hotline: HotlineForwarder;
  /** Who may report for a unit: its AVL terminal, or a person signed on to it for the shift. */
  readonly reporting: UnitReporting;
  /** Which calls are marked demo (set by the demo's start-up; see IncidentsService). */
  readonly demo: DemoMarks = { actors: new Set(), mixAllowed: false };

  private readonly db: Kysely<Database>;

  constructor(deps: Deps<'places' | 'eta' | 'workers'>) {
    this.db = deps.db.kysely;
    // A unit reporting en route or on scene moves its incident along: the incidents part decides.
    this.unitsService = new UnitsService(deps, (actor, incidentId, status) =>
      this.incidentsService.followUnitReport(actor, incidentId, status),
    );
    this.incidentsService = new IncidentsService(deps, this.unitsService, this.demo);
    this.diversionsService = new DiversionsService(deps);
    this.figuresService = new FiguresService(deps.db.kysely);
    this.help = new HelpService(deps, this.incidentsService);
    this.hotline = this.diversionsService.hotline;
    this.reporting = new UnitReporting(deps, this.unitsService);
  }

  /** The per-city unit trackers built so far (bench/dispatch.ts times their searches directly). */
  get trackers(): ReadonlyMap<string, Promise<UnitTracker>> {
    return this.unitsService.trackers;
  }

  // ---- incidents

  createIncident(
    actor: Actor,
    req: CreateIncident,
    alongWith?: AlongWithIncident,
  ): Promise<{ incident: Incident; duplicates: Incident[]; triage: TriageSuggestion }> {
    return this.incidentsService.createIncident(actor, req, alongWith);
  }

  /**
   * One incident, if it belongs to the scope's org subtree (else 404, as if it did not exist);
   * null scope: any incident (the module's own tasks).
   */
  incident(id: string, scope: OrgScope | null): Promise<Incident> {
    return this.incidentsService.incident(id, scope);
  }

  /** The pending queue of the actor's org subtree. */
  openIncidents(actor: Actor): Promise<Incident[]> {
    return this.incidentsService.openIncidents(actor);
  }

  /** The timeline of an incident of the scope's subtree (else 404). */
  timeline(id: string, scope: OrgScope) {
    return this.incidentsService.timeline(id, scope);
  }

  /** The caller's number: personal data, so the route audits the read with its purpose first. */
  callerPhone(id: string, scope: OrgScope): Promise<string | null> {
    return this.incidentsService.callerPhone(id, scope);
  }

  /** Units to send to an incident of the actor's subtree, among the units the actor may send. */
  recommend(actor: Actor, incidentId: string, limit = 10): Promise<Recommendation[]> {
    return this.incidentsService.recommend(actor, incidentId, limit);
  }

  /** Sends a unit; of two dispatchers sending the same unit at once exactly one succeeds (409). */
  dispatch(actor: Actor, incidentId: string, unitId: string): Promise<Incident> {
    return this.incidentsService.dispatch(actor, incidentId, unitId);
  }

  transition(
    actor: Actor,
    incidentId: string,
    to: IncidentStatus,
    note?: string,
    mergeInto?: string,
  ): Promise<Incident> {
    return this.incidentsService.transition(actor, incidentId, to, note, mergeInto);
  }

  // ---- units and positions

  /** A unit of `homeOrgId` (in the actor's subtree; default the actor's org, or the root without one). */
  createUnit(
    req: {
      callSign: string;
      kind: UnitKind;
      capabilities?: string[];
      homeOrgId?: string;
      demo?: boolean;
    },
    actor?: OrgScope,
  ): Promise<Unit> {
    return this.unitsService.createUnit(req, actor);
  }

  unit(id: string): Promise<Unit> {
    return this.unitsService.unit(id);
  }

  /** Every unit, unscoped (start-up tasks, closure plans reading their own units). */
  units(): Promise<Unit[]> {
    return this.unitsService.units();
  }

  /** The map's units as a person sees them (positions of all; incidents only of their subtree's). */
  unitsSeenBy(scope: OrgScope): Promise<(Unit & { inScope: boolean })[]> {
    return this.unitsService.unitsSeenBy(scope);
  }

  /** A unit reports its own status (en route, on scene, back in service). */
  setUnitStatus(actor: Actor, unitId: string, status: UnitStatus, scope: OrgScope | null): Promise<Unit> {
    return this.unitsService.setUnitStatus(actor, unitId, status, scope);
  }

  /** AVL batch: checked, stored in history, newest fix per unit becomes its live position. */
  ingestPositions(positions: PositionFix[], city: CityRuntime): Promise<IngestReport> {
    return this.unitsService.ingestPositions(positions, city);
  }

  /** Available units able to serve `needs`, nearest first by road time from their live positions. */
  nearestAvailableUnits(
    lon: number,
    lat: number,
    limit: number,
    needs: readonly string[] = [],
    scope: OrgScope | null = null,
  ): Promise<Recommendation[]> {
    return this.unitsService.nearestAvailableUnits(lon, lat, limit, needs, scope);
  }

  // ---- units for other modules' tasks (closure plans): the units table is dispatch's alone

  /**
   * Units free to be sent anywhere: available, on no incident or plan, with a known position; with
   * a scope, only those of its subtree (the units that person may send).
   */
  availableUnits(scope: OrgScope | null, db?: Queryable) {
    return this.unitsService.availableUnits(scope, db);
  }

  /**
   * Takes a unit for a closure plan inside the caller's transaction, with the conditional update
   * dispatch itself uses; false when a dispatcher took it meanwhile.
   */
  takeUnitForPlan(trx: Transaction<Database>, unitId: string, planId: string): Promise<boolean> {
    return this.unitsService.takeUnitForPlan(trx, unitId, planId);
  }

  /** Frees the plan's units inside the caller's transaction; returns those that became available. */
  releasePlanUnits(trx: Transaction<Database>, planId: string): Promise<string[]> {
    return this.unitsService.releasePlanUnits(trx, planId);
  }

  /** Dispatch consoles show units going busy or free, whatever made them so. */
  announceUnits(
    unitIds: readonly string[],
    staged?: { trx: Transaction<Database>; publish: StagePublish },
  ): Promise<void> {
    return this.unitsService.announceUnits(unitIds, staged);
  }

  // ---- 12345 diversions

  /** Hand-offs of incidents of the scope's subtree. */
  diversions(scope: OrgScope) {
    return this.diversionsService.diversions(scope);
  }

  /** The hotline reports what became of a diverted call. */
  recordDiversionOutcome(
    id: string,
    status: 'accepted' | 'resolved' | 'rejected',
    outcome: string | undefined,
  ): Promise<void> {
    return this.diversionsService.recordDiversionOutcome(id, status, outcome);
  }

  // ---- figures

  /** Where and when the scope's police incidents (110 calls, no demo) were received in [from, to). */
  policeIncidentPoints(scope: OrgScope, from: Date, to: Date) {
    return this.figuresService.policeIncidentPoints(scope, from, to);
  }

  /**
   * ETA accuracy over units sent in [from, to) to incidents of the scope's subtree: actual −
   * predicted by hour of day, approach road class and profile (core/dispatch/eta-accuracy.ts).
   */
  async etaAccuracy(scope: OrgScope, from: Date, to: Date): Promise<EtaAccuracy> {
    const rows = await etasStore.predictions(this.db, scope, from, to);
    const arrived = rows.filter((r) => r.actual_s !== null);
    return etaAccuracy(
      arrived.map((r) => ({
        predictedS: r.predicted_s,
        actualS: r.actual_s as number,
        hour: Number(r.hour),
        approachClass: r.approach_class,
        profile: r.profile,
      })),
      rows.length - arrived.length,
    );
  }

  /** Response figures over the incidents of the scope's subtree. */
  figures(scope: OrgScope, from: Date, to: Date) {
    return this.figuresService.figures(scope, from, to);
  }
}
