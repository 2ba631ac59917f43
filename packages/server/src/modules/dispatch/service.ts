import { findCategory, UNIT_KIND_CAPABILITIES, unitCanServe } from '@citywatch/core/dispatch/categories';
import { shareWithin, summarise } from '@citywatch/core/dispatch/figures';
import {
  canTransitionIncident,
  canTransitionUnit,
  DUPLICATE_RADIUS_M,
  DUPLICATE_WINDOW_MS,
  INCIDENT_STATUS_LABELS,
  type IncidentStatus,
  incidentNumber,
  localDay,
  OPEN_INCIDENT_STATUSES,
  type Priority,
  UNIT_STATUS_LABELS,
  type UnitKind,
  type UnitStatus,
} from '@citywatch/core/dispatch/incident';
import type { CreateIncident, Incident, Recommendation, Unit } from '@citywatch/core/dispatch/schemas';
import { type TriageSuggestion, triage, validityRate } from '@citywatch/core/dispatch/triage';
import { haversineMetres } from '@citywatch/core/roads/osm-to-graph';
import { latLngToCell } from 'h3-js';
import { type Kysely, sql, type Transaction } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import type { Actor } from '../../identity/service.js';
import type { Deps } from '../module.js';
import { toWgs84 } from '../places/service.js';
import type { CityRuntime } from '../roads/registry.js';
import { HotlineForwarder } from './hotline.js';
import * as planUnits from './plan-units-store.js';
import { UnitTracker } from './tracker.js';

/** An AVL fix older than this makes a recommendation "stale" (shown, flagged). */
export const STALE_AVL_MS = 2 * 60_000;
const zhEn = (zh: string, en: string) => ({ zh, en });

type IncidentRow = Awaited<ReturnType<DispatchService['incidentRow']>>;

export class DispatchService {
  private readonly trackers = new Map<string, Promise<UnitTracker>>();
  private readonly db: Kysely<Database>;
  /** Forwards diverted calls to the 12345 hotline (started by the platform, stepped by tests). */
  readonly hotline: HotlineForwarder;

  constructor(private readonly ctx: Deps<'places'>) {
    this.db = ctx.db.kysely;
    this.hotline = new HotlineForwarder(
      this.db,
      {
        url: ctx.config.hotlineUrl,
        token: ctx.config.hotlineToken,
        callbackBase: `${ctx.config.publicUrl}/api/dispatch/diversions`,
      },
      ctx.now,
    );
  }

  async diversions() {
    const rows = await this.db
      .selectFrom('diversions')
      .innerJoin('incidents', 'incidents.id', 'diversions.incident_id')
      .select([
        'diversions.id',
        'diversions.status',
        'diversions.attempts',
        'diversions.last_error',
        'diversions.outcome',
        'diversions.created_at',
        'diversions.updated_at',
        'incidents.number',
        'incidents.id as incident_id',
      ])
      .orderBy('diversions.created_at', 'desc')
      .limit(200)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      incidentId: r.incident_id,
      incidentNumber: r.number,
      status: r.status,
      attempts: r.attempts,
      lastError: r.last_error,
      outcome: r.outcome,
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
    }));
  }

  /** The hotline reports what became of a diverted call. */
  async recordDiversionOutcome(
    id: string,
    status: 'accepted' | 'resolved' | 'rejected',
    outcome: string | undefined,
  ) {
    const r = await this.db
      .updateTable('diversions')
      .set({ status, outcome: outcome ?? null, updated_at: this.ctx.now() })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0)
      throw new ProblemError('not_found', zhEn('转办记录不存在', 'No such diversion'));
  }

  // ---- units and positions

  private async tracker(city: CityRuntime): Promise<UnitTracker> {
    let t = this.trackers.get(city.id);
    if (!t) {
      t = (async () => {
        const tracker = new UnitTracker(city);
        const units = await this.db.selectFrom('units').select(['id', 'last_lon', 'last_lat']).execute();
        for (const u of units) tracker.setPosition(u.id, u.last_lon, u.last_lat);
        return tracker;
      })();
      this.trackers.set(city.id, t);
    }
    return t;
  }

  // ---- units for other modules' tasks (closure plans): the units table is dispatch's alone

  /** Units free to be sent anywhere: available, on no incident or plan, with a known position. */
  availableUnits(db: Kysely<Database> | Transaction<Database> = this.db) {
    return planUnits.availableUnits(db);
  }

  /**
   * Takes a unit for a closure plan inside the caller's transaction, with the conditional update
   * dispatch itself uses; false when a dispatcher took it meanwhile.
   */
  takeUnitForPlan(trx: Transaction<Database>, unitId: string, planId: string): Promise<boolean> {
    return planUnits.takeUnitForPlan(trx, unitId, planId);
  }

  /** Frees the plan's units inside the caller's transaction; returns those that became available. */
  releasePlanUnits(trx: Transaction<Database>, planId: string): Promise<string[]> {
    return planUnits.releasePlanUnits(trx, planId);
  }

  /** Dispatch consoles show units going busy or free, whatever made them so. */
  async announceUnits(unitIds: readonly string[]) {
    if (unitIds.length === 0) return;
    const units = await this.db
      .selectFrom('units')
      .select(['id', 'call_sign', 'status', 'current_incident_id', 'last_lon', 'last_lat', 'last_heading'])
      .where('id', 'in', [...unitIds])
      .execute();
    for (const u of units) {
      this.ctx.publish('dispatch.unit_changed', null, {
        unitId: u.id,
        callSign: u.call_sign,
        status: u.status,
        incidentId: u.current_incident_id,
        lon: u.last_lon,
        lat: u.last_lat,
        heading: u.last_heading,
      });
    }
  }

  async createUnit(req: {
    callSign: string;
    kind: UnitKind;
    capabilities?: string[];
    homeOrgId?: string;
  }): Promise<Unit> {
    if (
      await this.db.selectFrom('units').select('id').where('call_sign', '=', req.callSign).executeTakeFirst()
    ) {
      throw new ProblemError(
        'conflict',
        zhEn(`呼号 ${req.callSign} 已存在`, `Call sign ${req.callSign} is taken`),
        [{ field: 'callSign', rule: 'unique', message: '' }],
      );
    }
    const id = uuidv7();
    await this.db
      .insertInto('units')
      .values({
        id,
        call_sign: req.callSign,
        kind: req.kind,
        capabilities: req.capabilities ?? [...UNIT_KIND_CAPABILITIES[req.kind]],
        home_org_id: req.homeOrgId ?? null,
        status: 'available',
        current_incident_id: null,
        last_lon: null,
        last_lat: null,
        last_at: null,
        last_heading: null,
        last_speed: null,
      })
      .execute();
    return this.unit(id);
  }

  async unit(id: string): Promise<Unit> {
    const u = await this.db.selectFrom('units').selectAll().where('id', '=', id).executeTakeFirst();
    if (!u) throw new ProblemError('not_found', zhEn('警力单元不存在', 'No such unit'));
    return presentUnit(u);
  }

  async units(): Promise<Unit[]> {
    return (await this.db.selectFrom('units').selectAll().orderBy('call_sign').execute()).map(presentUnit);
  }

  /**
   * AVL batch: each fix is checked, stored in the unit's history, and — when newer than what we
   * have — becomes its live position. Unknown units and duplicates are reported, never fatal.
   */
  async ingestPositions(
    positions: { unitId: string; at: string; lon: number; lat: number; heading?: number; speed?: number }[],
    city: CityRuntime,
  ): Promise<{
    accepted: number;
    outOfOrder: number;
    duplicates: number;
    rejected: { index: number; reason: string }[];
  }> {
    const ids = [...new Set(positions.map((p) => p.unitId))];
    const known = new Map(
      (
        await this.db
          .selectFrom('units')
          .select(['id', 'call_sign', 'status', 'current_incident_id', 'last_at'])
          .where('id', 'in', ids)
          .execute()
      ).map((u) => [u.id, u]),
    );
    const rejected: { index: number; reason: string }[] = [];
    const now = this.ctx.now().getTime();
    const fresh = new Map<string, (typeof positions)[number]>();
    const history: (typeof positions)[number][] = [];
    let outOfOrder = 0;
    for (const [index, p] of positions.entries()) {
      const unit = known.get(p.unitId);
      const at = Date.parse(p.at);
      if (!unit) {
        rejected.push({ index, reason: 'unknown_unit' });
        continue;
      }
      if (at > now + 60_000) {
        rejected.push({ index, reason: 'in_the_future' });
        continue;
      }
      if (!city.snapper.snap(p.lon, p.lat, 1000)) {
        rejected.push({ index, reason: 'off_the_road_network' });
        continue;
      }
      history.push(p);
      const newest = fresh.get(p.unitId);
      const last = unit.last_at ? new Date(unit.last_at).getTime() : Number.NEGATIVE_INFINITY;
      if (at <= last || (newest && Date.parse(newest.at) >= at)) outOfOrder++;
      else fresh.set(p.unitId, p);
    }
    // One statement each for the history and the live positions, whatever the batch size: at a
    // thousand units reporting every second, a statement per fix is what saturates the database.
    const column = <T>(rows: typeof history, f: (p: (typeof history)[number]) => T) => rows.map(f);
    let inserted = 0;
    if (history.length) {
      const r = await sql`
        insert into unit_positions (unit_id, at, lon, lat, heading, speed)
        select * from unnest(
          ${column(history, (p) => p.unitId)}::uuid[], ${column(history, (p) => p.at)}::timestamptz[],
          ${column(history, (p) => p.lon)}::float8[], ${column(history, (p) => p.lat)}::float8[],
          ${column(history, (p) => p.heading ?? null)}::float8[], ${column(history, (p) => p.speed ?? null)}::float8[])
        on conflict (unit_id, at) do nothing`.execute(this.db);
      inserted = Number(r.numAffectedRows ?? 0);
    }
    const latest = [...fresh.values()];
    const moved = latest.length
      ? // Conditional on last_at so a slower concurrent batch cannot move a unit back in time.
        (
          await sql<{ id: string }>`
          update units as u set last_lon = v.lon, last_lat = v.lat, last_at = v.at, last_heading = v.heading, last_speed = v.speed
          from unnest(
            ${column(latest, (p) => p.unitId)}::uuid[], ${column(latest, (p) => p.lon)}::float8[],
            ${column(latest, (p) => p.lat)}::float8[], ${column(latest, (p) => p.at)}::timestamptz[],
            ${column(latest, (p) => p.heading ?? null)}::float8[], ${column(latest, (p) => p.speed ?? null)}::float8[]
          ) as v(id, lon, lat, at, heading, speed)
          where u.id = v.id and (u.last_at is null or u.last_at < v.at)
          returning u.id`.execute(this.db)
        ).rows.map((r) => r.id)
      : [];
    const tracker = await this.tracker(city);
    for (const id of moved) {
      const p = fresh.get(id)!;
      const u = known.get(id)!;
      tracker.setPosition(id, p.lon, p.lat);
      this.ctx.publish('dispatch.unit_changed', null, {
        unitId: id,
        callSign: u.call_sign,
        status: u.status,
        incidentId: u.current_incident_id,
        lon: p.lon,
        lat: p.lat,
        heading: p.heading ?? null,
      });
    }
    return { accepted: history.length, outOfOrder, duplicates: history.length - inserted, rejected };
  }

  // ---- incidents

  async createIncident(
    actor: Actor,
    req: CreateIncident,
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
    const city = await this.ctx.places.city(req.city);
    const [lon, lat] = toWgs84(req.lon, req.lat, req.crs);
    const b = city.bounds;
    if (lon < b.minLon - 0.05 || lon > b.maxLon + 0.05 || lat < b.minLat - 0.05 || lat > b.maxLat + 0.05) {
      throw new ProblemError(
        'validation',
        zhEn(`报警位置不在${city.name}范围内`, `The location lies outside ${city.name}`),
        [
          { field: 'lon', rule: 'outside_city', message: '' },
          { field: 'lat', rule: 'outside_city', message: '' },
        ],
      );
    }
    const suggestion = triage(req.category, req.narrative);
    const jurisdiction = city.jurisdictionAt(lon, lat);
    const orgRow = jurisdiction
      ? await this.db
          .selectFrom('jurisdictions')
          .select('org_id')
          .where('id', '=', jurisdiction.id)
          .executeTakeFirst()
      : undefined;
    const now = this.ctx.now();
    const id = uuidv7();
    await this.db.transaction().execute(async (trx) => {
      const day = localDay(now);
      const counter = await trx
        .insertInto('incident_counters')
        .values({ day, seq: 1 })
        .onConflict((oc) => oc.column('day').doUpdateSet({ seq: sql`incident_counters.seq + 1` }))
        .returning('seq')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('incidents')
        .values({
          id,
          number: incidentNumber(now, counter.seq),
          city_id: city.id,
          org_id: orgRow?.org_id ?? null,
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
        })
        .execute();
      await this.event(trx, id, now, 'created', null, 'received', actor.userId, null, { triage: suggestion });
    });
    const incident = await this.incident(id);
    this.announce(incident, orgRow?.org_id ?? null);
    return { incident, duplicates: await this.duplicatesOf(incident), triage: suggestion };
  }

  private async duplicatesOf(incident: Incident): Promise<Incident[]> {
    const at = new Date(incident.receivedAt).getTime();
    const d = 0.005; // ~500 m box, then exact distance
    const near = await this.db
      .selectFrom('incidents')
      .select(['id', 'lon', 'lat'])
      .where('id', '!=', incident.id)
      .where('category', '=', incident.category)
      .where('status', 'in', [...OPEN_INCIDENT_STATUSES, 'cleared'])
      .where('received_at', '>=', new Date(at - DUPLICATE_WINDOW_MS))
      .where('received_at', '<=', new Date(at + DUPLICATE_WINDOW_MS))
      .where('lon', '>=', incident.lon - d)
      .where('lon', '<=', incident.lon + d)
      .where('lat', '>=', incident.lat - d)
      .where('lat', '<=', incident.lat + d)
      .execute();
    // The ten nearest within 300 m, loaded in one query.
    const ids = near
      .map((r) => ({ id: r.id, m: haversineMetres(incident.lon, incident.lat, r.lon, r.lat) }))
      .filter((r) => r.m <= DUPLICATE_RADIUS_M)
      .sort((a, b) => a.m - b.m)
      .slice(0, 10)
      .map((r) => r.id);
    if (ids.length === 0) return [];
    const rows = await this.incidentQuery().where('incidents.id', 'in', ids).execute();
    const units = await this.unitsOf(ids);
    const order = new Map(ids.map((id, i) => [id, i]));
    return rows
      .sort((a, b) => order.get(a.id)! - order.get(b.id)!)
      .map((r) => presentIncident(r, units.get(r.id) ?? []));
  }

  /** Incidents with their jurisdiction and owning org's path (for scoping), one query. */
  private incidentQuery() {
    return this.db
      .selectFrom('incidents')
      .leftJoin('jurisdictions', 'jurisdictions.id', 'incidents.jurisdiction_id')
      .leftJoin('orgs as owner', 'owner.id', 'incidents.org_id')
      .select([
        'incidents.id',
        'incidents.number',
        'incidents.org_id',
        'incidents.category',
        'incidents.subcategory',
        'incidents.priority',
        'incidents.status',
        'incidents.police',
        'incidents.narrative',
        'incidents.lon',
        'incidents.lat',
        'incidents.address_label',
        'incidents.received_at',
        'incidents.dispatched_at',
        'incidents.arrived_at',
        'incidents.cleared_at',
        'incidents.closed_at',
        'incidents.merged_into',
        'jurisdictions.id as jurisdiction_id',
        'jurisdictions.name as jurisdiction_name',
        'owner.path as owner_path',
        sql<boolean>`incidents.caller_phone is not null`.as('has_caller'),
      ]);
  }

  private incidentRow(id: string) {
    return this.incidentQuery().where('incidents.id', '=', id).executeTakeFirst();
  }

  private async unitsOf(incidentIds: string[]) {
    if (incidentIds.length === 0)
      return new Map<string, { id: string; call_sign: string; status: string }[]>();
    const units = await this.db
      .selectFrom('units')
      .select(['id', 'call_sign', 'status', 'current_incident_id'])
      .where('current_incident_id', 'in', incidentIds)
      .orderBy('call_sign')
      .execute();
    const byIncident = new Map<string, { id: string; call_sign: string; status: string }[]>();
    for (const u of units)
      byIncident.set(u.current_incident_id!, [...(byIncident.get(u.current_incident_id!) ?? []), u]);
    return byIncident;
  }

  /** One incident; with an actor, only if it belongs to the actor's org subtree (else 404). */
  async incident(id: string, actor?: Actor): Promise<Incident> {
    const r = await this.incidentRow(id);
    if (!r || (actor && !inScope(actor, r.owner_path)))
      throw new ProblemError('not_found', zhEn('警情不存在', 'No such incident'));
    return presentIncident(r, (await this.unitsOf([id])).get(id) ?? []);
  }

  /** The pending queue of the actor's org subtree (incidents outside any jurisdiction are city-wide). */
  async openIncidents(actor: Actor): Promise<Incident[]> {
    const rows = await this.incidentQuery()
      .where('incidents.status', 'in', [...OPEN_INCIDENT_STATUSES])
      .where((eb) => eb.or([eb('owner.path', 'is', null), eb('owner.path', 'like', `${actor.orgPath}%`)]))
      .orderBy('incidents.priority')
      .orderBy('incidents.received_at')
      .limit(500)
      .execute();
    const units = await this.unitsOf(rows.map((r) => r.id));
    return rows.map((r) => presentIncident(r, units.get(r.id) ?? []));
  }

  async timeline(id: string) {
    await this.incident(id);
    const rows = await this.db
      .selectFrom('incident_events')
      .leftJoin('users', 'users.id', 'incident_events.user_id')
      .leftJoin('units', 'units.id', 'incident_events.unit_id')
      .select([
        'incident_events.at',
        'incident_events.kind',
        'incident_events.from_status',
        'incident_events.to_status',
        'incident_events.detail',
        'users.username',
        'units.call_sign',
      ])
      .where('incident_events.incident_id', '=', id)
      .orderBy('incident_events.at')
      .orderBy('incident_events.id')
      .execute();
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
  async callerPhone(id: string): Promise<string | null> {
    const r = await this.db
      .selectFrom('incidents')
      .select('caller_phone')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!r) throw new ProblemError('not_found', zhEn('警情不存在', 'No such incident'));
    return r.caller_phone;
  }

  async recommend(incidentId: string, limit = 10): Promise<Recommendation[]> {
    const incident = await this.db
      .selectFrom('incidents')
      .select(['lon', 'lat', 'category'])
      .where('id', '=', incidentId)
      .executeTakeFirst();
    if (!incident) throw new ProblemError('not_found', zhEn('警情不存在', 'No such incident'));
    return this.nearestAvailableUnits(
      incident.lon,
      incident.lat,
      limit,
      findCategory(incident.category)?.needs ?? [],
    );
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
  ): Promise<Recommendation[]> {
    const city = await this.ctx.places.city(undefined);
    const times = (await this.tracker(city)).timesTo(lon, lat);
    if (!times) return [];
    const ranked = [...times].filter(([, t]) => Number.isFinite(t)).sort((x, y) => x[1] - y[1]);
    const now = this.ctx.now().getTime();
    const picked: Recommendation[] = [];
    for (let i = 0; i < ranked.length && picked.length < limit; i += limit * 4) {
      const slice = ranked.slice(i, i + limit * 4);
      const rows = await this.db
        .selectFrom('units')
        .select(['id', 'call_sign', 'kind', 'capabilities', 'last_at'])
        .where(
          'id',
          'in',
          slice.map(([id]) => id),
        )
        .where('status', '=', 'available')
        .execute();
      const byId = new Map(rows.map((u) => [u.id, u]));
      for (const [id, eta] of slice) {
        const u = byId.get(id);
        if (!u || !unitCanServe(u.capabilities, needs)) continue;
        picked.push({
          unitId: u.id,
          callSign: u.call_sign,
          kind: u.kind,
          etaSeconds: eta,
          stale: !u.last_at || now - new Date(u.last_at).getTime() > STALE_AVL_MS,
          lastAt: u.last_at ? new Date(u.last_at).toISOString() : null,
        });
        if (picked.length === limit) break;
      }
    }
    return picked;
  }

  /**
   * Sends a unit. The guarantee that a unit serves one incident at a time lives in the database:
   * the unit row changes only if it is still available, so of two dispatchers clicking together
   * exactly one update matches and the other gets 409.
   */
  async dispatch(actor: Actor, incidentId: string, unitId: string): Promise<Incident> {
    const now = this.ctx.now();
    await this.db.transaction().execute(async (trx) => {
      const incident = await trx
        .selectFrom('incidents')
        .select(['status'])
        .where('id', '=', incidentId)
        .forUpdate()
        .executeTakeFirst();
      if (!incident) throw new ProblemError('not_found', zhEn('警情不存在', 'No such incident'));
      if (!['received', 'dispatched', 'en_route', 'on_scene'].includes(incident.status)) {
        throw new ProblemError(
          'conflict',
          zhEn(
            `警情状态为「${INCIDENT_STATUS_LABELS[incident.status as IncidentStatus].zh}」，不能派警`,
            `Cannot dispatch to an incident that is ${incident.status}`,
          ),
          [{ field: 'incidentId', rule: 'incident_not_open', message: '' }],
        );
      }
      const taken = await trx
        .updateTable('units')
        .set({ status: 'dispatched', current_incident_id: incidentId })
        .where('id', '=', unitId)
        .where('status', '=', 'available')
        .where('current_incident_id', 'is', null)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) !== 1) {
        const exists = await trx
          .selectFrom('units')
          .select('status')
          .where('id', '=', unitId)
          .executeTakeFirst();
        if (!exists) throw new ProblemError('not_found', zhEn('警力单元不存在', 'No such unit'));
        throw new ProblemError('conflict', zhEn('该警力已被派出或不在岗', 'The unit is not available'), [
          { field: 'unitId', rule: 'unit_not_available', message: '' },
        ]);
      }
      if (incident.status === 'received') {
        await trx
          .updateTable('incidents')
          .set({ status: 'dispatched', dispatched_at: now, updated_at: now })
          .where('id', '=', incidentId)
          .execute();
        await this.event(trx, incidentId, now, 'status', 'received', 'dispatched', actor.userId, unitId, {});
      }
      await this.event(trx, incidentId, now, 'unit_dispatched', null, null, actor.userId, unitId, {});
    });
    const incident = await this.incident(incidentId);
    this.announce(incident, (await this.incidentRow(incidentId))?.org_id ?? null);
    await this.announceUnit(unitId);
    return incident;
  }

  async transition(
    actor: Actor,
    incidentId: string,
    to: IncidentStatus,
    note?: string,
    mergeInto?: string,
  ): Promise<Incident> {
    const now = this.ctx.now();
    // Units follow the incident; remember which, to announce their new status afterwards.
    const affectedUnits = (
      await this.db.selectFrom('units').select('id').where('current_incident_id', '=', incidentId).execute()
    ).map((u) => u.id);
    await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('incidents')
        .select(['status'])
        .where('id', '=', incidentId)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw new ProblemError('not_found', zhEn('警情不存在', 'No such incident'));
      const from = row.status as IncidentStatus;
      if (!canTransitionIncident(from, to)) {
        throw new ProblemError(
          'conflict',
          zhEn(
            `不能从「${INCIDENT_STATUS_LABELS[from].zh}」变更为「${INCIDENT_STATUS_LABELS[to].zh}」`,
            `Cannot go from ${INCIDENT_STATUS_LABELS[from].en} to ${INCIDENT_STATUS_LABELS[to].en}`,
          ),
          [{ field: 'to', rule: 'invalid_transition', message: '' }],
        );
      }
      if (to === 'merged') {
        if (!mergeInto || mergeInto === incidentId) {
          throw new ProblemError('validation', undefined, [
            { field: 'mergeInto', rule: 'required', message: '' },
          ]);
        }
        const target = await trx
          .selectFrom('incidents')
          .select('id')
          .where('id', '=', mergeInto)
          .executeTakeFirst();
        if (!target)
          throw new ProblemError('validation', undefined, [
            { field: 'mergeInto', rule: 'not_found', message: '' },
          ]);
      }
      const stamp: Partial<Record<'dispatched_at' | 'arrived_at' | 'cleared_at' | 'closed_at', Date>> = {};
      if (to === 'on_scene') stamp.arrived_at = now;
      if (to === 'cleared') stamp.cleared_at = now;
      if (to === 'closed' || to === 'cancelled' || to === 'merged' || to === 'diverted')
        stamp.closed_at = now;
      await trx
        .updateTable('incidents')
        .set({
          status: to,
          updated_at: now,
          ...stamp,
          ...(to === 'merged' ? { merged_into: mergeInto } : {}),
        })
        .where('id', '=', incidentId)
        .execute();
      // Units follow the incident: on scene with it, free again once it is cleared or called off.
      if (to === 'en_route' || to === 'on_scene') {
        await trx
          .updateTable('units')
          .set({ status: to })
          .where('current_incident_id', '=', incidentId)
          .execute();
      } else if (['cleared', 'cancelled', 'merged', 'closed'].includes(to)) {
        await trx
          .updateTable('units')
          .set({ status: 'available', current_incident_id: null })
          .where('current_incident_id', '=', incidentId)
          .execute();
      }
      await this.event(trx, incidentId, now, 'status', from, to, actor.userId, null, note ? { note } : {});
      if (to === 'diverted') {
        await trx
          .insertInto('diversions')
          .values({
            id: uuidv7(),
            incident_id: incidentId,
            target: '12345',
            status: 'queued',
            attempts: 0,
            last_error: null,
            outcome: null,
            created_at: now,
            updated_at: now,
          })
          .execute();
      }
    });
    const incident = await this.incident(incidentId);
    this.announce(incident, (await this.incidentRow(incidentId))?.org_id ?? null);
    for (const unitId of affectedUnits) await this.announceUnit(unitId);
    return incident;
  }

  /** A unit reports its own status (en route, on scene, back in service). */
  async setUnitStatus(actor: Actor, unitId: string, status: UnitStatus): Promise<Unit> {
    const unit = await this.db.selectFrom('units').selectAll().where('id', '=', unitId).executeTakeFirst();
    if (!unit) throw new ProblemError('not_found', zhEn('警力单元不存在', 'No such unit'));
    if (!canTransitionUnit(unit.status as UnitStatus, status)) {
      throw new ProblemError(
        'conflict',
        zhEn(
          `不能从「${UNIT_STATUS_LABELS[unit.status as UnitStatus].zh}」变更为「${UNIT_STATUS_LABELS[status].zh}」`,
          `Cannot go from ${UNIT_STATUS_LABELS[unit.status as UnitStatus].en} to ${UNIT_STATUS_LABELS[status].en}`,
        ),
        [{ field: 'status', rule: 'invalid_transition', message: '' }],
      );
    }
    if ((status === 'en_route' || status === 'on_scene') && unit.current_incident_id) {
      const incident = await this.incident(unit.current_incident_id);
      if (canTransitionIncident(incident.status, status)) await this.transition(actor, incident.id, status);
    }
    const released = status === 'available' || status === 'out_of_service';
    await this.db
      .updateTable('units')
      .set({ status, ...(released ? { current_incident_id: null } : {}) })
      .where('id', '=', unitId)
      .execute();
    await this.announceUnit(unitId);
    return this.unit(unitId);
  }

  // ---- figures

  async figures(from: Date, to: Date) {
    const rows = await this.db
      .selectFrom('incidents')
      .select(['priority', 'org_id', 'police', 'received_at', 'dispatched_at', 'arrived_at'])
      .where('received_at', '>=', from)
      .where('received_at', '<', to)
      .execute();
    const secs = (a: Date | null, b: Date | null) =>
      a && b ? (new Date(b).getTime() - new Date(a).getTime()) / 1000 : null;
    const pick = (
      sel: (r: (typeof rows)[number]) => number | null,
      filter: (r: (typeof rows)[number]) => boolean = () => true,
    ) =>
      rows
        .filter(filter)
        .map(sel)
        .filter((x): x is number => x !== null);
    const byPriority = Object.fromEntries(
      (['P1', 'P2', 'P3', 'P4'] as Priority[]).map((p) => [
        p,
        {
          callToDispatch: summarise(
            pick(
              (r) => secs(r.received_at, r.dispatched_at),
              (r) => r.priority === p,
            ),
          ),
          dispatchToArrival: summarise(
            pick(
              (r) => secs(r.dispatched_at, r.arrived_at),
              (r) => r.priority === p,
            ),
          ),
          callToArrival: summarise(
            pick(
              (r) => secs(r.received_at, r.arrived_at),
              (r) => r.priority === p,
            ),
          ),
        },
      ]),
    );
    const orgNames = new Map(
      (await this.db.selectFrom('orgs').select(['id', 'name']).execute()).map((o) => [o.id, o.name] as const),
    );
    const groupBy = (key: (r: (typeof rows)[number]) => string) => {
      const groups = new Map<string, typeof rows>();
      for (const r of rows) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
      return [...groups].map(([k, rs]) => ({
        key: k,
        calls: rs.length,
        callToArrival: summarise(
          rs.map((r) => secs(r.received_at, r.arrived_at)).filter((x): x is number => x !== null),
        ),
      }));
    };
    const hourOf = (d: Date) =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Asia/Shanghai',
        hour: '2-digit',
        hourCycle: 'h23',
      }).format(new Date(d));
    const byStation = groupBy((r) => (r.org_id ? (orgNames.get(r.org_id) ?? r.org_id) : '未划分辖区'));
    const byHour = groupBy((r) => hourOf(r.received_at)).sort((a, b) => a.key.localeCompare(b.key));
    const p1Arrivals = pick(
      (r) => secs(r.received_at, r.arrived_at),
      (r) => r.priority === 'P1',
    );
    const police = rows.filter((r) => r.police).length;
    return {
      calls: rows.length,
      policeIncidents: police,
      validityRate: validityRate(police, rows.length),
      byPriority,
      byStation,
      byHour,
      p1WithinMinutes: {
        '1': shareWithin(p1Arrivals, 60),
        '3': shareWithin(p1Arrivals, 180),
        '5': shareWithin(p1Arrivals, 300),
      },
    };
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
    return trx
      .insertInto('incident_events')
      .values({
        id: uuidv7(),
        incident_id: incidentId,
        at,
        kind,
        from_status: from,
        to_status: to,
        user_id: userId,
        unit_id: unitId,
        detail: JSON.stringify(detail),
      })
      .execute();
  }

  private announce(incident: Incident, orgId: string | null) {
    this.ctx.publish('dispatch.incident_changed', orgId, {
      incidentId: incident.id,
      number: incident.number,
      status: incident.status,
      priority: incident.priority,
      category: incident.category,
      lon: incident.lon,
      lat: incident.lat,
    });
  }

  private async announceUnit(unitId: string) {
    const u = await this.unit(unitId);
    this.ctx.publish('dispatch.unit_changed', null, {
      unitId: u.id,
      callSign: u.callSign,
      status: u.status,
      incidentId: u.incidentId,
      lon: u.lon,
      lat: u.lat,
      heading: u.heading,
    });
  }
}

function inScope(actor: Actor, ownerPath: string | null): boolean {
  return ownerPath === null || ownerPath.startsWith(actor.orgPath);
}

function iso(d: Date | null): string | null {
  return d ? new Date(d).toISOString() : null;
}

function presentIncident(
  r: NonNullable<IncidentRow>,
  units: { id: string; call_sign: string; status: string }[],
): Incident {
  return {
    id: r.id,
    number: r.number,
    category: r.category,
    subcategory: r.subcategory,
    priority: r.priority as Priority,
    status: r.status as IncidentStatus,
    police: r.police,
    narrative: r.narrative,
    lon: r.lon,
    lat: r.lat,
    addressLabel: r.address_label,
    jurisdiction:
      r.jurisdiction_id && r.jurisdiction_name ? { id: r.jurisdiction_id, name: r.jurisdiction_name } : null,
    hasCaller: r.has_caller,
    receivedAt: new Date(r.received_at).toISOString(),
    dispatchedAt: iso(r.dispatched_at),
    arrivedAt: iso(r.arrived_at),
    clearedAt: iso(r.cleared_at),
    closedAt: iso(r.closed_at),
    mergedInto: r.merged_into,
    units: units.map((u) => ({ id: u.id, callSign: u.call_sign, status: u.status as UnitStatus })),
  };
}

function presentUnit(u: {
  id: string;
  call_sign: string;
  kind: string;
  capabilities: string[];
  status: string;
  current_incident_id: string | null;
  last_lon: number | null;
  last_lat: number | null;
  last_heading: number | null;
  last_at: Date | null;
}): Unit {
  return {
    id: u.id,
    callSign: u.call_sign,
    kind: u.kind as UnitKind,
    capabilities: u.capabilities,
    status: u.status as UnitStatus,
    incidentId: u.current_incident_id,
    lon: u.last_lon,
    lat: u.last_lat,
    heading: u.last_heading,
    lastAt: iso(u.last_at),
  };
}
