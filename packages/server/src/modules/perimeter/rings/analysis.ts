/**
 * Closure analysis of a ring: its crossings, the closure rate (plain and by road class) its own
 * checkpoints achieve, the gaps they leave, and the minimum cut.
 */
import {
  analyzeClosure,
  type CheckpointPlacement,
  findCrossings,
  ROAD_CLASS_WEIGHTS,
} from '@citywatch/core/perimeter/closure';
import { corridorAroundRing, MinCutError, ringMinimumCut } from '@citywatch/core/perimeter/mincut';
import { nodesInside, type RingGeometry, RingValidationError } from '@citywatch/core/perimeter/ring';
import { ProblemError } from '../../../http/problem.js';
import { RING_DETAILS } from '../messages.js';
import { cityOfRing, type RingDeps, ringIssuesToProblem, ringOrNotFound } from './common.js';
import * as store from './store.js';
import { edgeBetweenOsm } from './travel.js';

export interface AnalysisOptions {
  corridorBandM?: number;
  cost?: 'unit' | 'class';
}

export class ClosureAnalysis {
  constructor(private readonly ctx: Pick<RingDeps, 'db' | 'places'>) {}

  /**
   * Crossings, closure rate (plain and by road class), gaps and the minimum cut of a ring, with
   * the ring's own checkpoints as the held segments.
   */
  async analysis(id: string, options: AnalysisOptions = {}) {
    const db = this.ctx.db.kysely;
    const ring = await ringOrNotFound(db, id);
    const city = await cityOfRing(this.ctx, ring);
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
    const checkpoints = await store.listCheckpoints(db, { ringId: id });
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
        throw new ProblemError('validation', RING_DETAILS.noCutInCorridor, [
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
}
