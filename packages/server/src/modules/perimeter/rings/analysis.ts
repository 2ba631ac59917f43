/**
 * Closure analysis of a ring: its crossings, the closure rate (plain and by road class) its own
 * checkpoints achieve, the gaps they leave, and the minimum cut.
 */
import type { CheckpointPlacement } from '@citywatch/core/perimeter/closure';
import { corridorAroundRing } from '@citywatch/core/perimeter/mincut';
import type { RingGeometry } from '@citywatch/core/perimeter/ring';
import { ProblemError } from '../../../http/problem.js';
import type { OrgScope } from '../../scope.js';
import { RING_DETAILS } from '../messages.js';
import { cityOfRing, type RingDeps, ringIssuesToProblem, ringOrNotFound } from './common.js';
import * as store from './store.js';
import { edgeBetweenOsm } from './travel.js';

export interface AnalysisOptions {
  corridorBandM?: number;
  cost?: 'unit' | 'class';
}

export class ClosureAnalysis {
  constructor(private readonly ctx: Pick<RingDeps, 'db' | 'places' | 'workers'>) {}

  /**
   * Crossings, closure rate (plain and by road class), gaps and the minimum cut of a ring, with
   * the ring's own checkpoints as the held segments. The computation runs on a worker thread
   * (workers/jobs.ts `ring.analysis`).
   */
  async analysis(id: string, options: AnalysisOptions, scope: OrgScope) {
    const db = this.ctx.db.kysely;
    // A ring of the scope's subtree (else 404), held by all its checkpoints whichever org each is of.
    const ring = await ringOrNotFound(db, id, scope);
    const city = await cityOfRing(this.ctx, ring);
    const graph = city.graph;
    const geometry = ring.geometry as RingGeometry;
    const checkpoints = await store.listCheckpoints(db, { ringId: id }, null);
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
    const outcome = await this.ctx.workers.run(
      'ring.analysis',
      { geometry, placements, corridorBandM: options.corridorBandM, cost: options.cost },
      { city },
    );
    // The road data changed under a stored ring (re-import): say so rather than fail.
    if (!outcome.ok && outcome.stage === 'crossings') throw ringIssuesToProblem(outcome.issues);
    if (!outcome.ok) {
      throw new ProblemError('validation', RING_DETAILS.noCutInCorridor, [
        { field: 'corridorBandM', rule: outcome.rule, message: outcome.message },
      ]);
    }
    const { crossings, closure, cut } = outcome;
    // The band the cut fell in, for the map (the worker computed the cut in it; the buffer is cheap).
    const corridor =
      options.corridorBandM === undefined ? null : corridorAroundRing(geometry, options.corridorBandM);

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
        corridor,
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
