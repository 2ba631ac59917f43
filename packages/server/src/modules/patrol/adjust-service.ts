/**
 * Smart adjustment (智能调整): scans the recent incidents of the actor's subtree for places where
 * they cluster beyond what the same hours of past weeks expected (core/patrol/adjust.ts: a
 * one-sided Poisson test per H3 cell), proposes each such place for the current shift's plan with
 * the nearest available patrol unit by road time (the dispatch module's ranking), and records the
 * commander's decision (accepted or dismissed), audited in the same transaction.
 */
import {
  ADJUST_DEFAULTS,
  type Adjustment,
  type AdjustmentScan,
  type AdjustParams,
  scanClusters,
} from '@citywatch/core/patrol/adjust';
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import { appendAudit } from '../../identity/audit.js';
import type { Actor } from '../../identity/service.js';
import type { DispatchService } from '../dispatch/service.js';
import type { CityRuntime } from '../roads/registry.js';
import * as adjustStore from './adjust-store.js';
import * as store from './store.js';

const WEEK_MS = 7 * 86_400_000;
/** Proposals listed: those of the last week. */
const LIST_DAYS = 7;
/** Unit kinds that patrol (a checkpoint team or a post does not). */
export const PATROL_KINDS: ReadonlySet<string> = new Set(['patrol_car', 'foot_patrol', 'motorcycle']);

export const ADJUST_MESSAGES = {
  noSuchAdjustment: { zh: '调整建议不存在', en: 'No such adjustment' },
  alreadyDecided: (status: string) => ({
    zh: `该调整建议已处理（${status === 'accepted' ? '已采纳' : '已忽略'}）`,
    en: `This adjustment was already ${status}`,
  }),
};

/** What accepting a proposal does to the current shift's plan (wired by the module). */
export interface PlanAdder {
  addPlace(
    actor: Actor,
    place: {
      city: string;
      lon: number;
      lat: number;
      name: string;
      unitId: string | null;
      adjustmentId: string;
    },
  ): Promise<{ planId: string | null; version: number | null; note: string }>;
}

export interface AdjustDeps {
  db: Kysely<Database>;
  now: () => Date;
  city: (name: string | undefined) => Promise<CityRuntime>;
  dispatch: Pick<DispatchService, 'unitsService' | 'policeIncidentPoints'>;
  plans?: PlanAdder;
}

export class AdjustService {
  constructor(private readonly deps: AdjustDeps) {}

  async scan(cityName: string | undefined, params: AdjustParams, actor: Actor): Promise<AdjustmentScan> {
    const { db } = this.deps;
    const city = await this.deps.city(cityName);
    const now = this.deps.now();
    const w = params.windowHours * 3_600_000;
    const from = new Date(now.getTime() - params.weeks * WEEK_MS - w);
    const [history, summary] = await Promise.all([
      store.historyColumns(db, city.name, actor, { from, to: now }),
      store.historySummary(db, city.name, actor),
    ]);
    // Live 110 calls count too, from where the imported history ends (before that the history is
    // the record of the same calls, so counting both would count them twice).
    const historyEnd = summary.last ? new Date(summary.last).getTime() : Number.NEGATIVE_INFINITY;
    const liveFrom = new Date(Math.max(from.getTime(), historyEnd + 1));
    const live = liveFrom < now ? await this.deps.dispatch.policeIncidentPoints(actor, liveFrom, now) : [];
    const incidents = withLiveIncidents(history, live);
    const result = scanClusters(incidents, now, summary.first, params, ADJUST_DEFAULTS.resolution);
    const seen = await adjustStore.recentlyProposedCells(db, city.name, new Date(now.getTime() - w));
    const orgOfJurisdiction = await store.jurisdictionOrgs(db, city.name);
    const subtree = await store.orgsInScope(db, actor);
    const created: Adjustment[] = [];
    for (const c of result.clusters) {
      if (seen.has(c.cell)) continue;
      const jurisdiction = city.jurisdictionAt(c.lon, c.lat);
      const stationOrg = jurisdiction ? orgOfJurisdiction.get(jurisdiction.id) : undefined;
      const orgId = stationOrg && subtree.has(stationOrg) ? stationOrg : actor.orgId;
      const unit = await this.nearestPatrolUnit(c.lon, c.lat, actor);
      const snap = city.snapper.snap(c.lon, c.lat, 300);
      const row = {
        id: uuidv7(),
        city: city.name,
        org_id: orgId,
        cell: c.cell,
        place: snap ? (city.graph.ways[city.graph.edgeWay[snap.edge]].name ?? null) : null,
        lon: c.lon,
        lat: c.lat,
        window_start: new Date(now.getTime() - w),
        window_end: now,
        observed: c.observed,
        expected: c.expected,
        p_value: c.pValue,
        weeks: c.weeks,
        unit_id: unit?.unitId ?? null,
        unit_call_sign: unit?.callSign ?? null,
        eta_seconds: unit?.etaSeconds ?? null,
        status: 'proposed',
        created_at: now,
        created_by: actor.userId,
        decided_at: null,
        decided_by: null,
        note: null,
        plan_id: null,
        plan_version: null,
        plan_note: null,
      } satisfies adjustStore.AdjustmentRow;
      await adjustStore.insertAdjustment(db, row);
      created.push(present(row, new Map()));
    }
    return {
      at: now.toISOString(),
      params: { ...params, resolution: ADJUST_DEFAULTS.resolution },
      tested: result.tested,
      untestable: result.untestable,
      flagged: result.clusters.length,
      created,
    };
  }

  async list(cityName: string | undefined, actor: Actor): Promise<Adjustment[]> {
    const city = await this.deps.city(cityName);
    const since = new Date(this.deps.now().getTime() - LIST_DAYS * 86_400_000);
    const rows = await adjustStore.listAdjustments(this.deps.db, city.name, actor, since);
    const names = await adjustStore.userNames(
      this.deps.db,
      rows.flatMap((r) => (r.decided_by ? [r.decided_by] : [])),
    );
    return rows.map((r) => present(r, names));
  }

  /** Accepts or dismisses a proposal of the actor's subtree (404 outside it, 409 once decided). */
  async decide(id: string, decision: 'accept' | 'dismiss', note: string | undefined, actor: Actor) {
    const now = this.deps.now();
    const row = await adjustStore.findAdjustment(this.deps.db, id, actor);
    if (!row) throw new ProblemError('not_found', ADJUST_MESSAGES.noSuchAdjustment);
    if (row.status !== 'proposed') {
      throw new ProblemError('conflict', ADJUST_MESSAGES.alreadyDecided(row.status), [
        { field: 'id', rule: 'already_decided', message: ADJUST_MESSAGES.alreadyDecided(row.status).zh },
      ]);
    }
    let plan: { planId: string | null; version: number | null; note: string | null } = {
      planId: null,
      version: null,
      note: null,
    };
    if (decision === 'accept') {
      plan = this.deps.plans
        ? await this.deps.plans.addPlace(actor, {
            city: row.city,
            lon: row.lon,
            lat: row.lat,
            name: row.place ?? row.cell,
            unitId: row.unit_id,
            adjustmentId: row.id,
          })
        : { planId: null, version: null, note: 'no_plans' };
    }
    const status = decision === 'accept' ? 'accepted' : 'dismissed';
    await this.deps.db.transaction().execute(async (trx) => {
      const changed = await adjustStore.decideAdjustment(trx, id, {
        status,
        decided_at: now,
        decided_by: actor.userId,
        note: note ?? null,
        plan_id: plan.planId,
        plan_version: plan.version,
        plan_note: plan.note,
      });
      if (!changed) {
        throw new ProblemError('conflict', ADJUST_MESSAGES.alreadyDecided('decided'), [
          { field: 'id', rule: 'already_decided', message: '' },
        ]);
      }
      await appendAudit(
        trx,
        {
          userId: actor.userId,
          username: actor.username,
          action: 'write',
          resource: `adjustment:${id}`,
          detail: {
            decision: status,
            cell: row.cell,
            observed: row.observed,
            expected: row.expected,
            pValue: row.p_value,
            unitId: row.unit_id,
            planId: plan.planId,
            planVersion: plan.version,
            planNote: plan.note,
            note: note ?? null,
          },
        },
        now,
      );
    });
    const [after] = (await this.list(row.city, actor)).filter((a) => a.id === id);
    return after;
  }

  /** The nearest available unit that patrols, by road time, among the units the actor may send. */
  private async nearestPatrolUnit(lon: number, lat: number, actor: Actor) {
    const ranked = await this.deps.dispatch.unitsService.nearestAvailableUnits(lon, lat, 20, [], actor);
    return ranked.find((u) => PATROL_KINDS.has(u.kind)) ?? null;
  }
}

function iso(v: Date | string | null): string | null {
  return v === null ? null : new Date(v).toISOString();
}

function present(r: adjustStore.AdjustmentRow, names: Map<string, string>): Adjustment {
  return {
    id: r.id,
    city: r.city,
    orgId: r.org_id,
    cell: r.cell,
    lon: r.lon,
    lat: r.lat,
    place: r.place,
    windowStart: iso(r.window_start)!,
    windowEnd: iso(r.window_end)!,
    observed: r.observed,
    expected: r.expected,
    pValue: r.p_value,
    weeks: r.weeks,
    unit: r.unit_id ? { id: r.unit_id, callSign: r.unit_call_sign ?? '', etaSeconds: r.eta_seconds } : null,
    status: r.status,
    createdAt: iso(r.created_at)!,
    decidedAt: iso(r.decided_at),
    decidedBy: r.decided_by ? (names.get(r.decided_by) ?? r.decided_by) : null,
    note: r.note,
    plan: { id: r.plan_id, version: r.plan_version, note: r.plan_note },
  };
}

/** Imported history and live incidents as one set of columns (scanClusters needs no order). */
function withLiveIncidents(
  history: { lon: ArrayLike<number>; lat: ArrayLike<number>; time: ArrayLike<number> },
  live: readonly { lon: number; lat: number; at: Date }[],
): { lon: Float64Array; lat: Float64Array; time: Float64Array } {
  const n = history.time.length;
  const out = {
    lon: new Float64Array(n + live.length),
    lat: new Float64Array(n + live.length),
    time: new Float64Array(n + live.length),
  };
  out.lon.set(Array.from(history.lon));
  out.lat.set(Array.from(history.lat));
  out.time.set(Array.from(history.time));
  live.forEach((p, i) => {
    out.lon[n + i] = p.lon;
    out.lat[n + i] = p.lat;
    out.time[n + i] = p.at.getTime();
  });
  return out;
}
