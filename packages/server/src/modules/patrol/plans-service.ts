/**
 * Patrol plans and their compliance (巡逻计划与到位率): plans are versioned (a new version per
 * change, old versions readable), belong to an org (a station sees its own subtree's, in the
 * query), and are refused with field + rule when a target cannot be reached on the road graph,
 * zones overlap, or a zone holds more visits than its units' shift can (RFC 9457, zh | en).
 * Compliance reads the assigned units' AVL history (dispatch's unit_positions) for the plan's
 * shift and runs core's tracker (core/src/patrol/compliance.ts; rules stated there).
 */
import {
  type ComplianceTarget,
  ComplianceTracker,
  type PlannedDose,
  summarise,
  TargetIndex,
} from '@citywatch/core/patrol/compliance';
import {
  checkPlanStructure,
  distanceM,
  type MyPlan,
  type PatrolPlan,
  type PlanBody,
  type PlanProblem,
  type PlanSummary,
  planBodySchema,
  type ScheduledVisit,
  scheduleVisits,
  targetAnchor,
} from '@citywatch/core/patrol/plans';
import type { RoadGraph } from '@citywatch/core/roads/graph';
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import { ProblemError } from '../../http/problem.js';
import type { PlacesService } from '../places/service.js';
import type { CityRuntime } from '../roads/registry.js';
import { assertOrgInScope, type OrgScope, orgsUnder } from '../scope.js';
import * as store from './plans-store.js';

/** A target farther than this from any road is unreachable. */
export const REACH_SNAP_M = 200;
const SIGN_ON_MAX_MS = 12 * 3_600_000;

export interface PlanActor extends OrgScope {
  userId: string;
}

const RULES: Record<string, string> = {
  unreachable:
    '无法经道路到达（距道路过远或不连通） | Not reachable on the road graph (too far from a road or cut off)',
  zones_overlap: '巡区重叠 | Zones overlap',
  invalid_polygon:
    '巡区边界无效（退化或自相交） | The zone boundary is invalid (degenerate or self-crossing)',
  shift_capacity: '巡访次数超出该班次所能容纳 | More visits than the shift can hold',
  zone_unassigned: '巡区有必巡点但未分配警力 | The zone has targets but no unit',
  zone_exists: '巡区不存在 | No such zone in the plan',
  unique: '编号重复 | Duplicate key',
  unit_once: '同一警力只能分到一个巡区 | A unit is assigned to one zone only',
  unit_in_scope: '警力不在本单位范围内 | The unit is not in your org',
  city_matches: '城市与原计划不同 | The city differs from the plan',
  target_in_plan: '计划中没有该必巡点 | No such target in the plan',
};

function refuse(problems: PlanProblem[]): never {
  throw new ProblemError(
    'validation',
    { zh: '巡逻计划未通过检查', en: 'The patrol plan was refused' },
    problems.map((p) => ({
      field: p.field,
      rule: p.rule,
      message: `${RULES[p.rule] ?? p.rule}: ${p.detail}`,
    })),
  );
}

/** Weakly connected components of a graph and the largest one's label (cached per graph). */
const components = new WeakMap<RoadGraph, { label: Int32Array; main: number }>();
function mainComponent(g: RoadGraph): { label: Int32Array; main: number } {
  const cached = components.get(g);
  if (cached) return cached;
  const label = new Int32Array(g.nodeCount).fill(-1);
  const stack = new Int32Array(g.nodeCount);
  let best = 0;
  let bestSize = 0;
  let next = 0;
  for (let s = 0; s < g.nodeCount; s++) {
    if (label[s] >= 0) continue;
    let top = 0;
    let size = 0;
    stack[top++] = s;
    label[s] = next;
    while (top > 0) {
      const v = stack[--top];
      size++;
      for (let e = g.firstOut[v]; e < g.firstOut[v + 1]; e++) {
        const w = g.edgeHead[e];
        if (label[w] < 0) {
          label[w] = next;
          stack[top++] = w;
        }
      }
      for (let i = g.firstIn[v]; i < g.firstIn[v + 1]; i++) {
        const w = g.edgeTail[g.inEdge[i]];
        if (label[w] < 0) {
          label[w] = next;
          stack[top++] = w;
        }
      }
    }
    if (size > bestSize) {
      bestSize = size;
      best = next;
    }
    next++;
  }
  const out = { label, main: best };
  components.set(g, out);
  return out;
}

function iso(d: Date | string): string {
  return (d instanceof Date ? d : new Date(d)).toISOString();
}

export class PlansService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly places: PlacesService,
    private readonly now: () => Date,
  ) {}

  /** Every check a plan body must pass; throws a validation problem naming each field and rule. */
  private async check(body: PlanBody, city: CityRuntime, actor: PlanActor): Promise<ScheduledVisit[]> {
    const problems = checkPlanStructure(body);
    // Assigned units: in the actor's subtree.
    const ids = [...new Set(body.assignments.map((a) => a.unitId))];
    const allowed = new Set(
      (
        await this.db
          .selectFrom('units')
          .select('id')
          .where('id', 'in', ids.length ? ids : ['00000000-0000-0000-0000-000000000000'])
          .where('home_org_id', 'in', orgsUnder(this.db, actor))
          .execute()
      ).map((r) => r.id),
    );
    body.assignments.forEach((a, i) => {
      if (!allowed.has(a.unitId))
        problems.push({ field: `assignments.${i}.unitId`, rule: 'unit_in_scope', detail: a.unitId });
    });
    // Reachable on the road graph: near a road of the city's main component.
    const { label, main } = mainComponent(city.graph);
    body.targets.forEach((t, i) => {
      const [lon, lat] = targetAnchor(t);
      const snap = city.snapper.snap(lon, lat, REACH_SNAP_M);
      if (!snap || snap.distanceM > REACH_SNAP_M || label[city.graph.edgeTail[snap.edge]] !== main) {
        problems.push({
          field: `targets.${i}.geometry`,
          rule: 'unreachable',
          detail: snap ? `${t.key}: ${Math.round(snap.distanceM)} m` : `${t.key}: > ${REACH_SNAP_M} m`,
        });
      }
    });
    if (problems.length > 0) refuse(problems);
    const schedule = scheduleVisits(body, body.seed ?? 0);
    if (schedule.problems.length > 0) refuse(schedule.problems);
    return schedule.visits;
  }

  private async write(planId: string | null, input: PlanBody, actor: PlanActor): Promise<PatrolPlan> {
    const city = await this.places.city(input.city);
    const body: PlanBody & { seed: number } = {
      ...input,
      city: city.name,
      seed: input.seed ?? Math.floor(Math.random() * 2 ** 31),
    };
    const orgId = body.orgId ?? actor.orgId;
    if (body.orgId) await assertOrgInScope(this.db, actor, body.orgId, 'orgId');
    const schedule = await this.check(body, city, actor);
    const at = this.now();
    const id = planId ?? uuidv7();
    await this.db.transaction().execute(async (trx) => {
      let version = 1;
      if (planId) {
        const current = await store.lockPlan(trx, planId, actor);
        if (!current) throw new ProblemError('not_found');
        if (current.city !== city.name)
          refuse([{ field: 'city', rule: 'city_matches', detail: current.city }]);
        version = current.version + 1;
        if (body.orgId && body.orgId !== current.org_id) {
          await trx.updateTable('patrol_plans').set({ org_id: orgId }).where('id', '=', planId).execute();
        }
      } else {
        await store.insertPlan(trx, {
          id,
          orgId,
          city: city.name,
          name: body.name,
          start: new Date(body.shift.start),
          end: new Date(body.shift.end),
          at,
        });
      }
      await store.insertVersion(
        trx,
        {
          planId: id,
          version,
          body,
          schedule,
          unitIds: [...new Set(body.assignments.map((a) => a.unitId))],
          at,
          by: actor.userId,
          note: body.note ?? null,
        },
        { name: body.name, start: new Date(body.shift.start), end: new Date(body.shift.end) },
      );
    });
    return this.get(id, undefined, actor);
  }

  create(input: PlanBody, actor: PlanActor): Promise<PatrolPlan> {
    return this.write(null, input, actor);
  }

  update(id: string, input: PlanBody, actor: PlanActor): Promise<PatrolPlan> {
    return this.write(id, input, actor);
  }

  async get(id: string, version: number | undefined, actor: OrgScope): Promise<PatrolPlan> {
    const plan = await store.findPlan(this.db, id, actor);
    if (!plan) throw new ProblemError('not_found');
    const v = await store.findVersion(this.db, id, version ?? plan.version);
    if (!v) throw new ProblemError('not_found');
    const body = planBodySchema.parse(v.body);
    return {
      id: plan.id,
      orgId: plan.org_id,
      city: plan.city,
      name: body.name,
      version: v.version,
      latestVersion: plan.version,
      createdAt: iso(v.created_at),
      createdBy: v.created_by,
      body: { ...body, city: plan.city, seed: body.seed ?? 0 },
      schedule: v.schedule,
    };
  }

  async list(cityName: string | undefined, actor: OrgScope): Promise<PlanSummary[]> {
    const city = await this.places.city(cityName);
    const rows = await store.listPlans(this.db, city.name, actor);
    return rows.map((r) => ({
      id: r.id,
      orgId: r.org_id,
      city: r.city,
      name: r.name,
      version: r.version,
      shiftStart: iso(r.shift_start),
      shiftEnd: iso(r.shift_end),
      updatedAt: iso(r.updated_at),
      zones: r.body.zones.length,
      targets: r.body.targets.length,
      units: new Set(r.body.assignments.map((a) => a.unitId)).size,
    }));
  }

  async versions(id: string, actor: OrgScope) {
    const plan = await store.findPlan(this.db, id, actor);
    if (!plan) throw new ProblemError('not_found');
    const rows = await store.listVersions(this.db, id);
    return rows.map((r) => ({
      version: r.version,
      createdAt: iso(r.created_at),
      createdBy: r.created_by,
      note: r.note,
    }));
  }

  /** Zones from the station areas (jurisdictions) the actor's org holds in the city. */
  async jurisdictionZones(cityName: string | undefined, actor: OrgScope) {
    const city = await this.places.city(cityName);
    const rows = await store.jurisdictionsInScope(this.db, city.name, actor);
    return rows.flatMap((r, i) => {
      const polygons = r.geometry.type === 'Polygon' ? [r.geometry.coordinates] : r.geometry.coordinates;
      return polygons.map((coordinates, k) => ({
        key: `j${i + 1}${polygons.length > 1 ? `-${k + 1}` : ''}`,
        name: r.name,
        geometry: { type: 'Polygon' as const, coordinates },
        source: 'jurisdiction' as const,
        jurisdictionId: r.id,
      }));
    });
  }

  /** The officer's signed-on unit, or a problem. */
  private async signedOnUnit(actor: PlanActor): Promise<string> {
    const on = await store.openSignOn(this.db, actor.userId, new Date(this.now().getTime() - SIGN_ON_MAX_MS));
    if (!on) {
      throw new ProblemError('conflict', {
        zh: '尚未签到任何警力单元',
        en: 'You are not signed on to a unit',
      });
    }
    return on.unit_id;
  }

  /** "My unit's plan for today": the current plan of the unit the officer is signed on to and its visits. */
  async myPlan(actor: PlanActor): Promise<MyPlan> {
    const unitId = await this.signedOnUnit(actor);
    const now = this.now();
    const found = await store.planOfUnitAt(this.db, unitId, now);
    if (!found) return { unitId, plan: null, visits: [], next: null };
    // The unit's plan is read by its crew whatever org wrote it (a bureau plan naming the unit).
    const plan = await this.get(found.id, found.version, { orgId: '', orgPath: '/' });
    const done = await store.checkIns(this.db, plan.id, unitId);
    const targets = new Map(plan.body.targets.map((t) => [t.key, t]));
    const visits = plan.schedule
      .filter((v) => v.unitId === unitId)
      .map((v) => {
        const t = targets.get(v.targetKey);
        const [lon, lat] = t ? targetAnchor(t) : [0, 0];
        const checkedIn = done.some(
          (c) =>
            c.accepted &&
            c.target_key === v.targetKey &&
            new Date(c.at).getTime() >= Date.parse(v.start) - 3_600_000 &&
            new Date(c.at).getTime() <= Date.parse(v.end) + 3_600_000,
        );
        return {
          ...v,
          target: {
            key: v.targetKey,
            name: t?.name ?? v.targetKey,
            kind: t?.kind ?? 'point',
            lon,
            lat,
            radiusM: t?.radiusM ?? 50,
          },
          checkedIn,
        };
      });
    const nextAt = visits.findIndex((v) => !v.checkedIn && Date.parse(v.end) > now.getTime());
    return { unitId, plan, visits, next: nextAt >= 0 ? nextAt : null };
  }

  /** A check-in at a must-patrol point of today's plan: accepted within radius + min(accuracy, 30 m). */
  async checkIn(
    actor: PlanActor,
    input: { targetKey: string; lon: number; lat: number; accuracyM?: number },
  ) {
    const mine = await this.myPlan(actor);
    if (!mine.plan)
      throw new ProblemError('conflict', {
        zh: '本单元今天没有巡逻计划',
        en: 'Your unit has no patrol plan now',
      });
    const target = mine.plan.body.targets.find((t) => t.key === input.targetKey);
    if (!target) refuse([{ field: 'targetKey', rule: 'target_in_plan', detail: input.targetKey }]);
    const [lon, lat] = targetAnchor(target);
    const d = distanceM(lon, lat, input.lon, input.lat);
    const accepted = d <= target.radiusM + Math.min(input.accuracyM ?? 10, 30);
    const id = uuidv7();
    const at = this.now();
    await store.insertCheckIn(this.db, {
      id,
      plan_id: mine.plan.id,
      version: mine.plan.version,
      unit_id: mine.unitId,
      user_id: actor.userId,
      target_key: target.key,
      at,
      lon: input.lon,
      lat: input.lat,
      accuracy_m: input.accuracyM ?? null,
      distance_m: d,
      accepted,
    });
    return {
      id,
      planId: mine.plan.id,
      targetKey: target.key,
      at: at.toISOString(),
      distanceM: Math.round(d),
      accepted,
    };
  }

  /** Compliance and dosage of a plan version's shift from the assigned units' AVL history. */
  async compliance(id: string, version: number | undefined, actor: OrgScope) {
    const plan = await this.get(id, version, actor);
    const { body, schedule } = plan;
    const start = new Date(body.shift.start);
    const end = new Date(body.shift.end);
    const t0 = start.getTime();
    const targets: ComplianceTarget[] = [
      ...body.targets.map((t) => ({
        key: t.key,
        kind: t.kind,
        coordinates: t.geometry.type === 'Polygon' ? t.geometry.coordinates[0] : t.geometry.coordinates,
        radiusM: t.radiusM,
        dwellMinMin: t.dwellMinMin,
      })),
      ...body.zones.map((z) => ({
        key: `zone:${z.key}`,
        kind: 'zone' as const,
        coordinates: z.geometry.coordinates[0],
        radiusM: 0,
        dwellMinMin: 0,
      })),
    ];
    const planned = new Map<string, PlannedDose>();
    for (const t of body.targets)
      planned.set(t.key, { visits: 0, minutes: 0, revisitMaxMin: t.revisitMaxMin });
    const plannedByUnit = new Map<string, number>();
    for (const v of schedule) {
      const p = planned.get(v.targetKey);
      if (p) {
        p.visits++;
        p.minutes += (Date.parse(v.end) - Date.parse(v.start)) / 60_000;
      }
      plannedByUnit.set(v.unitId, (plannedByUnit.get(v.unitId) ?? 0) + 1);
    }
    const unitIds = [...new Set(body.assignments.map((a) => a.unitId))];
    const tracker = new ComplianceTracker(new TargetIndex(targets));
    const until = new Date(Math.min(end.getTime(), this.now().getTime()));
    const rows = unitIds.length ? await store.positions(this.db, unitIds, start, end) : [];
    const byUnit = new Map<string, typeof rows>();
    for (const r of rows) {
      const list = byUnit.get(r.unit_id);
      if (list) list.push(r);
      else byUnit.set(r.unit_id, [r]);
    }
    unitIds.forEach((unitId, u) => {
      const own = byUnit.get(unitId) ?? [];
      const f = {
        n: own.length,
        t: new Float64Array(own.length),
        lon: new Float64Array(own.length),
        lat: new Float64Array(own.length),
      };
      own.forEach((r, i) => {
        f.t[i] = (new Date(r.at).getTime() - t0) / 1000;
        f.lon[i] = r.lon;
        f.lat[i] = r.lat;
      });
      tracker.addUnit(u, f);
    });
    const endS = (Math.max(until.getTime(), t0) - t0) / 1000;
    const summary = summarise(tracker, planned, 0, endS, unitIds.length);
    const calls = new Map(
      (await store.unitsWithOrg(this.db, unitIds)).map((r) => [r.id, r.call_sign] as const),
    );
    const byKey = new Map(body.targets.map((t) => [t.key, t]));
    const toIso = (s: number) => new Date(t0 + s * 1000).toISOString();
    return {
      planId: plan.id,
      version: plan.version,
      shift: body.shift,
      asOf: until.toISOString(),
      fixes: tracker.counts,
      targets: summary.targets
        .filter((t) => t.kind !== 'zone')
        .map((t) => {
          const target = byKey.get(t.key);
          const [lon, lat] = target ? targetAnchor(target) : [0, 0];
          return {
            ...t,
            name: target?.name ?? t.key,
            zoneKey: target?.zoneKey ?? '',
            lon,
            lat,
            hotspotId: target?.hotspotId ?? null,
          };
        }),
      units: summary.units.map((u) => ({
        unitId: unitIds[u.unit],
        callSign: calls.get(unitIds[u.unit]) ?? '',
        plannedVisits: plannedByUnit.get(unitIds[u.unit]) ?? 0,
        visits: u.visits,
        dosedVisits: u.dosedVisits,
        targetMin: u.targetMin,
        zoneMin: Object.fromEntries(Object.entries(u.zoneMin).map(([k, v]) => [k.replace(/^zone:/, ''), v])),
      })),
      visits: tracker
        .visits()
        .filter((v) => targets[v.target].kind !== 'zone')
        .map((v) => ({
          unitId: unitIds[v.unit],
          targetKey: targets[v.target].key,
          entry: toIso(v.entry),
          exit: toIso(v.exit),
          dwellMin: v.dwellS / 60,
        })),
    };
  }
}
