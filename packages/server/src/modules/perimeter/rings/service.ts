/**
 * Perimeter rings (圈层) and what a commander does with them: closure analysis with the minimum
 * cut, the closure plan ("10 minutes, city closed") that sends available units to a ring's
 * checkpoints, and the interception advisor for a fleeing vehicle.
 *
 * Travel times are exact road times on the city graph: a bounded reverse Dijkstra from each
 * checkpoint gives every unit's time to it (a ring has tens of checkpoints, so that is tens of
 * searches per activation, well under a second on a city graph), with the same partial-edge seeds
 * and same-segment shortcut the dispatch tracker uses, so an ETA here equals dispatch's ETA.
 */

import { solveAssignment } from '@citywatch/core/perimeter/assignment';
import {
  analyzeClosure,
  type CheckpointPlacement,
  findCrossings,
  ROAD_CLASS_WEIGHTS,
} from '@citywatch/core/perimeter/closure';
import { corridorAroundRing, MinCutError, ringMinimumCut } from '@citywatch/core/perimeter/mincut';
import {
  countSet,
  nodesInside,
  type RingGeometry,
  type RingIssue,
  type RingLevel,
  RingValidationError,
  validateRingGeometry,
} from '@citywatch/core/perimeter/ring';
import type { RoadGraph } from '@citywatch/core/roads/graph';
import { isochrone } from '@citywatch/core/roads/isochrone';
import { haversineMetres } from '@citywatch/core/roads/osm-to-graph';
import { type SnapResult, sameSegmentTime, sourceSeeds, targetSeeds } from '@citywatch/core/roads/snap';
import type { Kysely } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../../db/schema.js';
import { ProblemError } from '../../../http/problem.js';
import { appendAudit } from '../../../identity/audit.js';
import type { Actor } from '../../../identity/service.js';
import type { Deps } from '../../module.js';
import type { CityRuntime } from '../../roads/registry.js';
import * as store from './store.js';

/** "10 minutes, city closed": a checkpoint a unit cannot reach within this is flagged. */
export const HOLD_WITHIN_SECONDS = 600;
/** A unit within this distance of its checkpoint (by its last AVL fix) has arrived. */
export const ARRIVAL_RADIUS_M = 50;
/** Units further than this by road are not sent (they could not help close a ring in time). */
export const ETA_HORIZON_SECONDS = 3600;
/** How far ahead the interception advisor follows the fleeing vehicle. */
export const INTERCEPT_HORIZON_SECONDS = 7200;
/** A clicked checkpoint position further than this from any road is refused. */
const CHECKPOINT_SNAP_LIMIT_M = 200;
// Same as the dispatch tracker: a unit further than this from a road has no usable position.
const UNIT_SNAP_LIMIT_M = 300;
const SCENE_SNAP_LIMIT_M = 1000;

const zhEn = (zh: string, en: string) => ({ zh, en });
const notFound = (what: string, zh: string) => new ProblemError('not_found', zhEn(zh, `No such ${what}`));

export type CheckpointKind = 'station' | 'post' | 'camera';
export type CheckpointDirections = 'inbound' | 'outbound' | 'both';

export interface RingInput {
  city?: string;
  name: string;
  level: RingLevel;
  geometry: unknown;
}

export interface CheckpointInput {
  id: string;
  name: string;
  kind: CheckpointKind;
  city?: string;
  orgId?: string | null;
  ringId?: string | null;
  lon: number;
  lat: number;
  directions?: CheckpointDirections;
  equipment?: string[];
  staffing?: number;
}

export type CheckpointChanges = Partial<Omit<CheckpointInput, 'id' | 'city'>>;

export interface PlanWarning {
  code: 'no_available_units' | 'fewer_units_than_checkpoints' | 'checkpoint_off_network' | 'stale_positions';
  message: string;
}

type RingRow = NonNullable<Awaited<ReturnType<typeof store.findRing>>>;
type CheckpointRow = store.CheckpointRecord;

/** Lookups on a city graph that several features need, built once per graph. */
interface GraphIndex {
  nodeByOsm: Map<number, number>;
}
const graphIndexes = new WeakMap<RoadGraph, GraphIndex>();
function graphIndex(graph: RoadGraph): GraphIndex {
  let index = graphIndexes.get(graph);
  if (!index) {
    const nodeByOsm = new Map<number, number>();
    for (let v = 0; v < graph.nodeCount; v++) nodeByOsm.set(graph.nodeOsmId[v], v);
    index = { nodeByOsm };
    graphIndexes.set(graph, index);
  }
  return index;
}

/** The directed edge from OSM node a to b, or b to a, or -1 when the segment is not in the graph. */
function edgeBetweenOsm(graph: RoadGraph, a: number, b: number): number {
  const { nodeByOsm } = graphIndex(graph);
  const find = (x: number, y: number) => {
    const tail = nodeByOsm.get(x);
    const head = nodeByOsm.get(y);
    if (tail === undefined || head === undefined) return -1;
    for (let e = graph.firstOut[tail]; e < graph.firstOut[tail + 1]; e++)
      if (graph.edgeHead[e] === head) return e;
    return -1;
  };
  const forward = find(a, b);
  return forward >= 0 ? forward : find(b, a);
}

function ringIssuesToProblem(issues: readonly RingIssue[]): ProblemError {
  return new ProblemError(
    'validation',
    zhEn('圈层多边形不可用', 'The ring polygon cannot be used'),
    issues.map((i) => ({ field: i.field, rule: i.rule, message: i.message })),
  );
}

/** A Feature is accepted for convenience (files drawn in QGIS/geojson.io are Features). */
function unwrapGeometry(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Feature') {
    return (value as { geometry?: unknown }).geometry;
  }
  return value;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const finiteOrNull = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);

export function presentRing(r: RingRow) {
  return {
    id: r.id,
    cityId: r.city_id,
    name: r.name,
    level: r.level,
    geometry: r.geometry as RingGeometry,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export function presentCheckpoint(c: CheckpointRow) {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    cityId: c.city_id,
    orgId: c.org_id,
    ringId: c.ring_id,
    lon: c.lon,
    lat: c.lat,
    segment:
      c.edge_from_osm !== null && c.edge_to_osm !== null
        ? { fromOsmNode: Number(c.edge_from_osm), toOsmNode: Number(c.edge_to_osm) }
        : null,
    directions: c.directions,
    equipment: c.equipment,
    staffing: c.staffing,
    createdAt: iso(c.created_at),
  };
}

/** A unit's travel time matrix row set: [unit][checkpoint] seconds, Infinity when not reachable. */
type EtaMatrix = number[][];

/** Thrown inside the activation transaction when a unit was taken meanwhile: recompute and retry. */
class UnitTakenMeanwhile extends Error {}

export class RingsService {
  private readonly db: Kysely<Database>;

  constructor(
    private readonly ctx: Deps<'places' | 'dispatch'>,
    /** Called after a checkpoint is created or changed (the plate ingest reloads its registry). */
    private readonly onCheckpointsChanged: () => Promise<void> = async () => {},
  ) {
    this.db = ctx.db.kysely;
  }

  // ---- rings

  private async cityOfRing(ring: RingRow): Promise<CityRuntime> {
    const row = await store.cityName(this.db, ring.city_id);
    if (!row) throw notFound('city', '城市不存在');
    return this.ctx.places.city(row.name);
  }

  /** Structure, self-intersection, then "is there any road inside" on the ring's city. */
  private checkGeometry(city: CityRuntime, input: unknown): RingGeometry {
    const geometry = unwrapGeometry(input);
    const issues = validateRingGeometry(geometry);
    if (issues.length > 0) throw ringIssuesToProblem(issues);
    const ring = geometry as RingGeometry;
    if (countSet(nodesInside(city.graph, ring)) === 0) {
      throw ringIssuesToProblem([
        {
          field: 'geometry',
          rule: 'no_road_inside',
          message: `no drivable road of ${city.name} lies inside the ring`,
        },
      ]);
    }
    return ring;
  }

  async createRing(input: RingInput) {
    const city = await this.ctx.places.city(input.city);
    const geometry = this.checkGeometry(city, input.geometry);
    const now = this.ctx.now();
    const row = await store.insertRing(this.db, {
      id: uuidv7(),
      city_id: city.id,
      name: input.name.trim(),
      level: input.level,
      geometry: JSON.stringify(geometry),
      created_at: now,
      updated_at: now,
    });
    return presentRing(row);
  }

  async rings(cityName?: string) {
    const cityId = cityName ? (await this.ctx.places.city(cityName)).id : undefined;
    return (await store.listRings(this.db, cityId)).map(presentRing);
  }

  private async ringRow(id: string): Promise<RingRow> {
    const ring = await store.findRing(this.db, id);
    if (!ring) throw notFound('ring', '圈层不存在');
    return ring;
  }

  async ring(id: string) {
    return presentRing(await this.ringRow(id));
  }

  async updateRing(id: string, changes: Partial<Omit<RingInput, 'city'>>) {
    const ring = await this.ringRow(id);
    const geometry =
      changes.geometry === undefined
        ? undefined
        : JSON.stringify(this.checkGeometry(await this.cityOfRing(ring), changes.geometry));
    const row = await store.updateRing(this.db, id, {
      ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
      ...(changes.level !== undefined ? { level: changes.level } : {}),
      ...(geometry !== undefined ? { geometry } : {}),
      updated_at: this.ctx.now(),
    });
    if (!row) throw notFound('ring', '圈层不存在');
    return presentRing(row);
  }

  /** Refused while a closure plan holds the ring; its checkpoints stay, detached from it. */
  async deleteRing(id: string): Promise<void> {
    await this.expireDuePlans();
    await this.ringRow(id);
    if (await store.activePlanOfRing(this.db, id)) {
      throw new ProblemError(
        'conflict',
        zhEn('该圈层有正在执行的封控方案，请先结束方案', 'The ring has an active closure plan; end it first'),
        [{ field: 'id', rule: 'plan_active', message: '' }],
      );
    }
    await store.deleteRing(this.db, id);
  }

  /**
   * Crossings, closure rate (plain and by road class), gaps and the minimum cut of a ring, with
   * the ring's own checkpoints as the held segments.
   */
  async analysis(id: string, options: { corridorBandM?: number; cost?: 'unit' | 'class' } = {}) {
    const ring = await this.ringRow(id);
    const city = await this.cityOfRing(ring);
    const graph = city.graph;
    const geometry = ring.geometry as RingGeometry;
    let crossings: ReturnType<typeof findCrossings>;
    try {
      crossings = findCrossings(graph, nodesInside(graph, geometry));
    } catch (error) {
      // The road data changed under a stored ring (re-import): say so rather than fail.
      if (error instanceof RingValidationError) throw ringIssuesToProblem(error.issues);
      throw error;
    }
    const checkpoints = await store.listCheckpoints(this.db, { ringId: id });
    const placements: CheckpointPlacement[] = [];
    const unplaced: string[] = [];
    for (const c of checkpoints) {
      const edge =
        c.edge_from_osm === null || c.edge_to_osm === null
          ? -1
          : edgeBetweenOsm(graph, Number(c.edge_from_osm), Number(c.edge_to_osm));
      if (edge < 0) unplaced.push(c.id);
      else placements.push({ id: c.id, edge, directions: c.directions });
    }
    const closure = analyzeClosure(graph, crossings, placements);

    let corridor: ReturnType<typeof corridorAroundRing> | undefined;
    let cut: ReturnType<typeof ringMinimumCut>;
    try {
      if (options.corridorBandM !== undefined) corridor = corridorAroundRing(geometry, options.corridorBandM);
      cut = ringMinimumCut(graph, crossings, {
        costByClass: options.cost === 'class' ? ROAD_CLASS_WEIGHTS : undefined,
        corridor,
      });
    } catch (error) {
      if (error instanceof RingValidationError || error instanceof MinCutError) {
        const rule = error instanceof MinCutError ? error.code : (error.issues[0]?.rule ?? 'malformed');
        throw new ProblemError('validation', zhEn('无法在该走廊内求最小割', 'No cut within that corridor'), [
          { field: 'corridorBandM', rule, message: error.message },
        ]);
      }
      throw error;
    }

    const warnings = closure.warnings.map((w) => ({ code: w.code as string, message: w.message }));
    if (unplaced.length > 0) {
      warnings.push({
        code: 'checkpoint_not_on_graph',
        message: `${unplaced.length} checkpoint(s) sit on road segments the current road graph no longer has: ${unplaced.join(', ')}`,
      });
    }
    return {
      ringId: ring.id,
      cityId: ring.city_id,
      crossings: crossings.inboundCount,
      outboundOnly: crossings.outboundOnlyCount,
      insideNodes: crossings.insideNodes,
      covered: closure.coveredInbound,
      closureRate: closure.closureRate,
      weightedClosureRate: closure.weightedClosureRate,
      checkpoints: checkpoints.map((c) => c.id),
      crossingList: crossings.crossings.map((c, i) => ({
        wayOsmId: c.wayOsmId,
        name: c.name,
        highway: c.highway,
        outsideOsmNode: c.outsideOsmNode,
        insideOsmNode: c.insideOsmNode,
        lon: c.midpoint[0],
        lat: c.midpoint[1],
        inbound: c.inboundEdge >= 0,
        outbound: c.outboundEdge >= 0,
        coveredInbound: closure.crossingInboundCovered[i],
        coveredOutbound: closure.crossingOutboundCovered[i],
      })),
      gaps: closure.gaps.map((g) => ({
        wayOsmId: g.wayOsmId,
        name: g.name,
        highway: g.highway,
        weight: g.weight,
        outsideOsmNode: g.outsideOsmNode,
        insideOsmNode: g.insideOsmNode,
        lon: g.midpoint[0],
        lat: g.midpoint[1],
      })),
      minimumCut: {
        segments: cut.cut.length,
        cost: cut.cost,
        costModel: options.cost ?? 'unit',
        corridorBandM: options.corridorBandM ?? null,
        replacesCrossings: cut.replacesCrossings,
        cut: cut.cut.map((s) => ({
          fromOsmNode: s.tailOsmNode,
          toOsmNode: s.headOsmNode,
          wayOsmId: s.wayOsmId,
          name: s.name,
          highway: s.highway,
          cost: s.cost,
          lon: s.midpoint[0],
          lat: s.midpoint[1],
        })),
      },
      warnings,
    };
  }

  // ---- checkpoints

  private async checkRingInCity(ringId: string, cityId: string): Promise<void> {
    const ring = await store.findRing(this.db, ringId);
    if (!ring || ring.city_id !== cityId) {
      throw new ProblemError('validation', undefined, [
        { field: 'ringId', rule: 'not_found', message: zhEn('圈层不存在', 'No such ring in this city').en },
      ]);
    }
  }

  /** The nearest road segment to a clicked point, as its snapped point and OSM end nodes. */
  private placeOnRoad(city: CityRuntime, lon: number, lat: number) {
    const snap = city.snapper.snap(lon, lat, CHECKPOINT_SNAP_LIMIT_M);
    if (!snap) {
      const message = `no road within ${CHECKPOINT_SNAP_LIMIT_M} m`;
      throw new ProblemError('validation', zhEn('附近没有道路', 'No road near that point'), [
        { field: 'lon', rule: 'off_road', message },
        { field: 'lat', rule: 'off_road', message },
      ]);
    }
    const graph = city.graph;
    return {
      placement: {
        lon: snap.lon,
        lat: snap.lat,
        edge_from_osm: graph.nodeOsmId[graph.edgeTail[snap.edge]],
        edge_to_osm: graph.nodeOsmId[graph.edgeHead[snap.edge]],
      },
      snapDistanceM: Math.round(snap.distanceM * 10) / 10,
    };
  }

  async createCheckpoint(input: CheckpointInput) {
    const city = await this.ctx.places.city(input.city);
    if (input.ringId) await this.checkRingInCity(input.ringId, city.id);
    const { placement, snapDistanceM } = this.placeOnRoad(city, input.lon, input.lat);
    const row = await store.insertCheckpoint(this.db, {
      id: input.id,
      name: input.name.trim(),
      kind: input.kind,
      city_id: city.id,
      org_id: input.orgId ?? null,
      ring_id: input.ringId ?? null,
      ...placement,
      directions: input.directions ?? 'both',
      equipment: input.equipment ?? [],
      staffing: input.staffing ?? 0,
    });
    if (!row) {
      throw new ProblemError('conflict', zhEn(`查控点 ${input.id} 已存在`, `Checkpoint ${input.id} exists`), [
        { field: 'id', rule: 'unique', message: '' },
      ]);
    }
    await this.onCheckpointsChanged();
    return { ...presentCheckpoint(row), snapDistanceM };
  }

  async checkpoints(filter: { ringId?: string; city?: string }) {
    const cityId = filter.city ? (await this.ctx.places.city(filter.city)).id : undefined;
    return (await store.listCheckpoints(this.db, { ringId: filter.ringId, cityId })).map(presentCheckpoint);
  }

  async checkpoint(id: string) {
    const row = await store.findCheckpoint(this.db, id);
    if (!row) throw notFound('checkpoint', '查控点不存在');
    return presentCheckpoint(row);
  }

  async updateCheckpoint(id: string, changes: CheckpointChanges) {
    const current = await store.findCheckpoint(this.db, id);
    if (!current) throw notFound('checkpoint', '查控点不存在');
    const moves = changes.lon !== undefined || changes.lat !== undefined;
    const needsCity = moves || (changes.ringId !== undefined && changes.ringId !== null);
    let city: CityRuntime | undefined;
    if (needsCity) {
      if (!current.city_id) {
        throw new ProblemError('validation', undefined, [
          { field: 'lon', rule: 'no_city', message: 'the checkpoint belongs to no city' },
        ]);
      }
      const name = await store.cityName(this.db, current.city_id);
      city = await this.ctx.places.city(name?.name);
    }
    if (city && changes.ringId) await this.checkRingInCity(changes.ringId, city.id);
    let placement: ReturnType<RingsService['placeOnRoad']>['placement'] | undefined;
    if (moves && city) {
      const lon = changes.lon ?? current.lon;
      const lat = changes.lat ?? current.lat;
      if (lon === null || lat === null) {
        throw new ProblemError('validation', undefined, [
          { field: lon === null ? 'lon' : 'lat', rule: 'required', message: '' },
        ]);
      }
      placement = this.placeOnRoad(city, lon, lat).placement;
    }
    const row = await store.updateCheckpoint(this.db, id, {
      ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
      ...(changes.kind !== undefined ? { kind: changes.kind } : {}),
      ...(changes.orgId !== undefined ? { org_id: changes.orgId } : {}),
      ...(changes.ringId !== undefined ? { ring_id: changes.ringId } : {}),
      ...(changes.directions !== undefined ? { directions: changes.directions } : {}),
      ...(changes.equipment !== undefined ? { equipment: changes.equipment } : {}),
      ...(changes.staffing !== undefined ? { staffing: changes.staffing } : {}),
      ...(placement ?? {}),
    });
    if (!row) throw notFound('checkpoint', '查控点不存在');
    await this.onCheckpointsChanged();
    return presentCheckpoint(row);
  }

  // ---- travel times

  /** Where on the road a stored checkpoint is, on its own segment when that still exists. */
  private checkpointSnap(city: CityRuntime, c: CheckpointRow): SnapResult | null {
    if (c.lon === null || c.lat === null) return null;
    const graph = city.graph;
    if (c.edge_from_osm !== null && c.edge_to_osm !== null) {
      const a = Number(c.edge_from_osm);
      const b = Number(c.edge_to_osm);
      const onSegment = city.snapper.snap(c.lon, c.lat, CHECKPOINT_SNAP_LIMIT_M, (e) => {
        const tail = graph.nodeOsmId[graph.edgeTail[e]];
        const head = graph.nodeOsmId[graph.edgeHead[e]];
        return (tail === a && head === b) || (tail === b && head === a);
      });
      if (onSegment) return onSegment;
    }
    return city.snapper.snap(c.lon, c.lat, CHECKPOINT_SNAP_LIMIT_M);
  }

  /**
   * Road seconds from each unit position to each checkpoint: one reverse search per checkpoint,
   * bounded by `horizon` (beyond it: Infinity). Synchronous from search to read-out, because the
   * city's Dijkstra engine is shared by every request.
   */
  private travelTimes(
    city: CityRuntime,
    from: readonly (SnapResult | null)[],
    to: readonly (SnapResult | null)[],
    horizon = ETA_HORIZON_SECONDS,
  ): EtaMatrix {
    const graph = city.graph;
    const engine = city.dijkstra;
    const matrix: EtaMatrix = from.map(() => to.map(() => Number.POSITIVE_INFINITY));
    to.forEach((target, j) => {
      if (!target) return;
      engine.travelTimeField(targetSeeds(graph, city.snapper, target), horizon, 'reverse');
      from.forEach((source, i) => {
        if (!source) return;
        let best = sameSegmentTime(graph, city.snapper, source, target);
        for (const seed of sourceSeeds(graph, city.snapper, source)) {
          if (engine.isSettled(seed.node)) best = Math.min(best, seed.cost + engine.costOf(seed.node));
        }
        matrix[i][j] = best <= horizon ? best : Number.POSITIVE_INFINITY;
      });
    });
    return matrix;
  }

  // ---- closure plans

  /** Ends every active plan past its expiry and frees its units (run lazily and on a timer). */
  async expireDuePlans(): Promise<number> {
    const due = await store.duePlans(this.db, this.ctx.now());
    let expired = 0;
    for (const plan of due) {
      const freed = await this.db.transaction().execute(async (trx) => {
        if (!(await store.closePlan(trx, plan.id, 'expired', new Date(plan.expires_at), null))) return null;
        return this.ctx.dispatch.releasePlanUnits(trx, plan.id);
      });
      if (freed === null) continue;
      expired++;
      await this.announcePlan(plan.id);
      await this.ctx.dispatch.announceUnits(freed);
    }
    return expired;
  }

  /**
   * Activates a closure plan on a ring: the optimal assignment (most checkpoints covered, then most
   * covered within 10 minutes, then least total travel time) of available units to the ring's
   * checkpoints, taken with dispatch's
   * conditional update, written with its audit row in one transaction.
   */
  async activate(actor: Actor, ringId: string, request: { reason: string; durationMinutes: number }) {
    await this.expireDuePlans();
    const ring = await this.ringRow(ringId);
    const city = await this.cityOfRing(ring);
    const checkpoints = await store.listCheckpoints(this.db, { ringId });
    if (checkpoints.length === 0) {
      throw new ProblemError(
        'conflict',
        zhEn('该圈层没有查控点，无法启动封控', 'The ring has no checkpoints to hold'),
        [{ field: 'id', rule: 'no_checkpoints', message: '' }],
      );
    }
    if (await store.activePlanOfRing(this.db, ringId)) throw this.alreadyActive();

    for (let attempt = 0; ; attempt++) {
      try {
        return await this.tryActivate(actor, ring, city, checkpoints, request);
      } catch (error) {
        // A dispatcher took one of the chosen units between our read and our write: recompute.
        if (error instanceof UnitTakenMeanwhile && attempt < 3) continue;
        if (isUniqueViolation(error)) throw this.alreadyActive();
        throw error;
      }
    }
  }

  private alreadyActive() {
    return new ProblemError(
      'conflict',
      zhEn('该圈层已有正在执行的封控方案', 'The ring already has an active closure plan'),
      [{ field: 'id', rule: 'plan_active', message: '' }],
    );
  }

  private async tryActivate(
    actor: Actor,
    ring: RingRow,
    city: CityRuntime,
    checkpoints: CheckpointRow[],
    request: { reason: string; durationMinutes: number },
  ) {
    const units = await this.ctx.dispatch.availableUnits();
    const now = this.ctx.now();
    const unitSnaps = units.map((u) =>
      u.last_lon === null || u.last_lat === null
        ? null
        : city.snapper.snap(u.last_lon, u.last_lat, UNIT_SNAP_LIMIT_M),
    );
    const checkpointSnaps = checkpoints.map((c) => this.checkpointSnap(city, c));
    const etas = this.travelTimes(city, unitSnaps, checkpointSnaps);
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
    await this.db.transaction().execute(async (trx) => {
      await store.insertPlan(trx, {
        id: planId,
        ring_id: ring.id,
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
      await store.insertAssignments(
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
          },
        },
        now,
      );
    });
    await this.announcePlan(planId);
    await this.ctx.dispatch.announceUnits([...unitOfCheckpoint.values()].map((i) => units[i].id));
    const plan = await this.plan(planId);
    return {
      ...plan,
      warnings,
      // The matrix the assignment was solved on, so a console (or a test) can check it.
      etaMatrix: {
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
   */
  async plan(id: string) {
    await this.expireDuePlans();
    const plan = await store.findPlan(this.db, id);
    if (!plan) throw notFound('closure plan', '封控方案不存在');
    const rows = await store.planAssignments(this.db, id);
    const now = this.ctx.now();
    let newlyArrived = 0;
    if (plan.status === 'active') {
      for (const r of rows) {
        if (r.status !== 'assigned' || r.last_lon === null || r.last_lat === null) continue;
        if (r.checkpoint_lon === null || r.checkpoint_lat === null) continue;
        const distance = haversineMetres(r.last_lon, r.last_lat, r.checkpoint_lon, r.checkpoint_lat);
        if (distance <= ARRIVAL_RADIUS_M && (await store.markArrived(this.db, id, r.checkpoint_id, now))) {
          r.status = 'arrived';
          r.arrived_at = now;
          newlyArrived++;
        }
      }
    }
    if (newlyArrived > 0) await this.announcePlan(id);
    const ring = plan.ring_id ? await store.findRing(this.db, plan.ring_id) : undefined;
    const assignments = rows.map((r) => ({
      checkpointId: r.checkpoint_id,
      checkpointName: r.checkpoint_name,
      kind: r.checkpoint_kind,
      lon: r.checkpoint_lon,
      lat: r.checkpoint_lat,
      unitId: r.unit_id,
      callSign: r.call_sign,
      etaSeconds: r.eta_seconds === null ? null : finiteOrNull(r.eta_seconds),
      status: r.status,
      arrivedAt: iso(r.arrived_at),
      holdableWithin10Min: r.eta_seconds !== null && r.eta_seconds <= HOLD_WITHIN_SECONDS,
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

  async plans(filter: { ringId?: string; active?: boolean }) {
    await this.expireDuePlans();
    const rows = await store.listPlans(this.db, {
      ringId: filter.ringId,
      status: filter.active ? 'active' : undefined,
    });
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

  /** Ends an active plan and frees its units. */
  async endPlan(actor: Actor, id: string) {
    await this.expireDuePlans();
    const plan = await store.findPlan(this.db, id);
    if (!plan) throw notFound('closure plan', '封控方案不存在');
    const now = this.ctx.now();
    const freed = await this.db.transaction().execute(async (trx) => {
      if (!(await store.closePlan(trx, id, 'ended', now, actor.userId))) return null;
      return this.ctx.dispatch.releasePlanUnits(trx, id);
    });
    if (freed === null) {
      throw new ProblemError(
        'conflict',
        zhEn(
          `封控方案已${plan.status === 'expired' ? '到期' : '结束'}`,
          `The plan has already ${plan.status}`,
        ),
        [{ field: 'id', rule: 'plan_not_active', message: '' }],
      );
    }
    await this.announcePlan(id);
    await this.ctx.dispatch.announceUnits(freed);
    return this.plan(id);
  }

  // ---- interception advisor

  /**
   * Where a vehicle fleeing the scene `minutes` ago could be (isochrone at road speeds), and the
   * checkpoints it cannot have passed yet, soonest first, each with the vehicle's earliest arrival
   * (seconds from the incident) and the nearest available unit's ETA from now.
   */
  async intercept(request: { lon: number; lat: number; minutes: number; city?: string; ringId?: string }) {
    const city = await this.ctx.places.city(request.city);
    const scene = city.snapper.snap(request.lon, request.lat, SCENE_SNAP_LIMIT_M);
    if (!scene) {
      const message = `no road within ${SCENE_SNAP_LIMIT_M} m`;
      throw new ProblemError('validation', zhEn('现场附近没有道路', 'No road near the scene'), [
        { field: 'lon', rule: 'off_road', message },
        { field: 'lat', rule: 'off_road', message },
      ]);
    }
    const elapsed = request.minutes * 60;
    const checkpoints = await store.listCheckpoints(this.db, { cityId: city.id, ringId: request.ringId });
    const snaps = checkpoints.map((c) => this.checkpointSnap(city, c));
    // The vehicle's earliest arrival at every checkpoint: one forward search from the scene.
    const arrivals = this.vehicleArrivals(city, scene, snaps);
    const area = isochrone(city.dijkstra, city.snapper, scene, elapsed).area;

    const ahead: number[] = [];
    const passed: number[] = [];
    const unreachable: number[] = [];
    arrivals.forEach((t, j) => {
      if (!Number.isFinite(t)) unreachable.push(j);
      else if (t <= elapsed) passed.push(j);
      else ahead.push(j);
    });
    ahead.sort((a, b) => arrivals[a] - arrivals[b]);
    passed.sort((a, b) => arrivals[a] - arrivals[b]);

    const units = await this.ctx.dispatch.availableUnits();
    const unitSnaps = units.map((u) =>
      u.last_lon === null || u.last_lat === null
        ? null
        : city.snapper.snap(u.last_lon, u.last_lat, UNIT_SNAP_LIMIT_M),
    );
    const etas = this.travelTimes(
      city,
      unitSnaps,
      ahead.map((j) => snaps[j]),
    );
    const describe = (j: number) => ({
      checkpointId: checkpoints[j].id,
      name: checkpoints[j].name,
      kind: checkpoints[j].kind,
      ringId: checkpoints[j].ring_id,
      lon: checkpoints[j].lon,
      lat: checkpoints[j].lat,
      vehicleArrivalSeconds: finiteOrNull(arrivals[j]),
    });
    return {
      scene: { lon: scene.lon, lat: scene.lat },
      minutes: request.minutes,
      isochrone: area,
      activateNow: ahead.map((j, k) => {
        let nearest = -1;
        units.forEach((_, i) => {
          if (etas[i][k] < (nearest < 0 ? Number.POSITIVE_INFINITY : etas[nearest][k])) nearest = i;
        });
        const secondsLeft = arrivals[j] - elapsed;
        const unitEta = nearest < 0 ? Number.POSITIVE_INFINITY : etas[nearest][k];
        return {
          ...describe(j),
          vehicleSecondsLeft: finiteOrNull(secondsLeft),
          nearestUnit:
            nearest < 0
              ? null
              : {
                  unitId: units[nearest].id,
                  callSign: units[nearest].call_sign,
                  etaSeconds: finiteOrNull(unitEta),
                },
          unitBeatsVehicle: unitEta < secondsLeft,
        };
      }),
      possiblyPassed: passed.map(describe),
      unreachable: unreachable.map((j) => checkpoints[j].id),
    };
  }

  /** Earliest time (s) the vehicle can reach each checkpoint from the scene, Infinity beyond the horizon. */
  private vehicleArrivals(
    city: CityRuntime,
    scene: SnapResult,
    to: readonly (SnapResult | null)[],
  ): number[] {
    const graph = city.graph;
    const engine = city.dijkstra;
    engine.travelTimeField(sourceSeeds(graph, city.snapper, scene), INTERCEPT_HORIZON_SECONDS, 'forward');
    return to.map((target) => {
      if (!target) return Number.POSITIVE_INFINITY;
      let best = sameSegmentTime(graph, city.snapper, scene, target);
      for (const seed of targetSeeds(graph, city.snapper, target)) {
        if (engine.isSettled(seed.node)) best = Math.min(best, engine.costOf(seed.node) + seed.cost);
      }
      return best <= INTERCEPT_HORIZON_SECONDS ? best : Number.POSITIVE_INFINITY;
    });
  }

  // ---- events

  private async announcePlan(planId: string) {
    const plan = await store.findPlan(this.db, planId);
    if (!plan) return;
    const rows = await store.planAssignments(this.db, planId);
    this.ctx.publish('perimeter.plan_changed', null, {
      planId,
      ringId: plan.ring_id,
      status: plan.status,
      assigned: rows.filter((r) => r.unit_id !== null).length,
      arrived: rows.filter((r) => r.status === 'arrived').length,
    });
  }
}

/** PostgreSQL's unique_violation (PGlite reports the same SQLSTATE). */
function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
