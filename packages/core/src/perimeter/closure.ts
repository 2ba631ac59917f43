/**
 * Closure analysis (围闭度): which roads cross a ring, which of them a checkpoint holds, and the
 * closure rate, plain and weighted by road class.
 *
 * A crossing is one physical road segment (one straight OSM segment, both directions grouped)
 * with one end outside the ring and the other inside. It is "inbound" when a car may drive it
 * from the outside end to the inside end; a one-way road leaving the ring is a crossing but not an
 * inbound one, and the closure rate counts inbound crossings only (a closed city is one nobody
 * can drive into).
 *
 * Checkpoints sit on edges. A checkpoint holds the whole junction-free stretch of road it sits on:
 * OSM splits a road at every shape point, so a checkpoint 80 m inside the ring on the same road,
 * with no side street in between, holds the crossing just as well as one on the crossing segment.
 */
import type { RoadGraph } from '../roads/graph';
import { edgeTwins } from '../roads/snap';
import { countSet, RingValidationError } from './ring';

/**
 * Road-class weights: how much a crossing counts in the weighted closure rate, and the default
 * cost of holding a segment when the minimum cut is priced by class (a motorway or trunk crossing
 * needs a staffed checkpoint station on several lanes, a residential street a barrier). One table
 * so that the two figures agree.
 *
 * | highway                          | weight |
 * |----------------------------------|--------|
 * | motorway, trunk (and `_link`)    | 5      |
 * | primary (and `_link`)            | 4      |
 * | secondary (and `_link`)          | 3      |
 * | tertiary (and `_link`)           | 2      |
 * | everything else                  | 1      |
 */
export const ROAD_CLASS_WEIGHTS: Readonly<Record<string, number>> = {
  motorway: 5,
  motorway_link: 5,
  trunk: 5,
  trunk_link: 5,
  primary: 4,
  primary_link: 4,
  secondary: 3,
  secondary_link: 3,
  tertiary: 2,
  tertiary_link: 2,
};
export const DEFAULT_ROAD_CLASS_WEIGHT = 1;

export function roadClassWeight(highway: string): number {
  return ROAD_CLASS_WEIGHTS[highway] ?? DEFAULT_ROAD_CLASS_WEIGHT;
}

export interface Crossing {
  /** Edge from the outside end to the inside end, or -1 when the road is one-way outbound. */
  inboundEdge: number;
  /** Edge from the inside end to the outside end, or -1 when the road is one-way inbound. */
  outboundEdge: number;
  outsideNode: number;
  insideNode: number;
  outsideOsmNode: number;
  insideOsmNode: number;
  /** Index into `graph.ways`. */
  way: number;
  wayOsmId: number;
  name: string | null;
  highway: string;
  weight: number;
  /** Midpoint of the segment, [lon, lat]. */
  midpoint: [number, number];
}

export interface RingCrossings {
  /** 1 per node inside the ring. */
  inside: Uint8Array;
  insideNodes: number;
  outsideNodes: number;
  /** Every crossing segment, inbound ones first in edge order, then one-way outbound ones. */
  crossings: Crossing[];
  /** Crossings a car can drive inwards (the denominator of the closure rate). */
  inboundCount: number;
  /** One-way roads that only leave the ring. */
  outboundOnlyCount: number;
}

/**
 * The crossings of a ring given its node mask. Throws `RingValidationError` (`no_road_inside`)
 * when no road node lies inside: a ring drawn over the sea or with swapped coordinates is a
 * mistake to report, not a ring with a closure rate of 100 %.
 */
export function findCrossings(graph: RoadGraph, inside: Uint8Array, twins = edgeTwins(graph)): RingCrossings {
  const insideNodes = countSet(inside);
  if (insideNodes === 0) {
    throw new RingValidationError([
      { field: 'geometry', rule: 'no_road_inside', message: 'no drivable road node lies inside the ring' },
    ]);
  }
  const { edgeTail, edgeHead, edgeWay, nodeLon, nodeLat, nodeOsmId } = graph;
  const grouped = new Uint8Array(graph.edgeCount);
  const crossings: Crossing[] = [];
  const make = (inboundEdge: number, outboundEdge: number): Crossing => {
    const representative = inboundEdge >= 0 ? inboundEdge : outboundEdge;
    const tail = edgeTail[representative];
    const head = edgeHead[representative];
    const outsideNode = inside[tail] ? head : tail;
    const insideNode = inside[tail] ? tail : head;
    const way = graph.ways[edgeWay[representative]];
    return {
      inboundEdge,
      outboundEdge,
      outsideNode,
      insideNode,
      outsideOsmNode: nodeOsmId[outsideNode],
      insideOsmNode: nodeOsmId[insideNode],
      way: edgeWay[representative],
      wayOsmId: way.osmId,
      name: way.name,
      highway: way.highway,
      weight: roadClassWeight(way.highway),
      midpoint: [(nodeLon[tail] + nodeLon[head]) / 2, (nodeLat[tail] + nodeLat[head]) / 2],
    };
  };
  // Inbound edges first, each taking its twin (the same segment driven outwards) along.
  for (let e = 0; e < graph.edgeCount; e++) {
    if (inside[edgeTail[e]] || !inside[edgeHead[e]]) continue;
    const twin = twins[e];
    const outbound = twin >= 0 && !grouped[twin] ? twin : -1;
    grouped[e] = 1;
    if (outbound >= 0) grouped[outbound] = 1;
    crossings.push(make(e, outbound));
  }
  const inboundCount = crossings.length;
  for (let e = 0; e < graph.edgeCount; e++) {
    if (grouped[e] || !inside[edgeTail[e]] || inside[edgeHead[e]]) continue;
    grouped[e] = 1;
    crossings.push(make(-1, e));
  }
  return {
    inside,
    insideNodes,
    outsideNodes: graph.nodeCount - insideNodes,
    crossings,
    inboundCount,
    outboundOnlyCount: crossings.length - inboundCount,
  };
}

/** Number of distinct neighbours (by any edge, either direction) of every node. */
function neighbourCounts(graph: RoadGraph): Uint32Array {
  const counts = new Uint32Array(graph.nodeCount);
  const seen = new Int32Array(graph.nodeCount).fill(-1);
  for (let v = 0; v < graph.nodeCount; v++) {
    let count = 0;
    for (let e = graph.firstOut[v]; e < graph.firstOut[v + 1]; e++) {
      const w = graph.edgeHead[e];
      if (w !== v && seen[w] !== v) {
        seen[w] = v;
        count++;
      }
    }
    for (let i = graph.firstIn[v]; i < graph.firstIn[v + 1]; i++) {
      const w = graph.edgeTail[graph.inEdge[i]];
      if (w !== v && seen[w] !== v) {
        seen[w] = v;
        count++;
      }
    }
    counts[v] = count;
  }
  return counts;
}

/** Every edge (either direction) between a and b. */
function edgesBetween(graph: RoadGraph, a: number, b: number, into: number[]): void {
  for (let e = graph.firstOut[a]; e < graph.firstOut[a + 1]; e++) if (graph.edgeHead[e] === b) into.push(e);
  for (let e = graph.firstOut[b]; e < graph.firstOut[b + 1]; e++) if (graph.edgeHead[e] === a) into.push(e);
}

/** The neighbour of a two-neighbour node that is not `previous`. */
function otherNeighbour(graph: RoadGraph, node: number, previous: number): number {
  for (let e = graph.firstOut[node]; e < graph.firstOut[node + 1]; e++) {
    const w = graph.edgeHead[e];
    if (w !== previous && w !== node) return w;
  }
  for (let i = graph.firstIn[node]; i < graph.firstIn[node + 1]; i++) {
    const w = graph.edgeTail[graph.inEdge[i]];
    if (w !== previous && w !== node) return w;
  }
  return -1;
}

/**
 * The edges (both directions) of the junction-free stretch of road through a crossing: walk away
 * from the segment on both sides while the next node has exactly two neighbours (a shape point,
 * not a junction or dead end).
 */
function stretchEdges(graph: RoadGraph, crossing: Crossing, neighbours: Uint32Array): number[] {
  const edges: number[] = [];
  edgesBetween(graph, crossing.outsideNode, crossing.insideNode, edges);
  const walk = (from: number, start: number) => {
    let previous = from;
    let current = start;
    // A junction-free loop would walk forever; it has at most nodeCount nodes.
    for (let steps = 0; steps < graph.nodeCount && neighbours[current] === 2; steps++) {
      const next = otherNeighbour(graph, current, previous);
      if (next < 0 || next === start) break;
      edgesBetween(graph, current, next, edges);
      previous = current;
      current = next;
    }
  };
  walk(crossing.outsideNode, crossing.insideNode);
  walk(crossing.insideNode, crossing.outsideNode);
  return edges;
}

export type CheckpointDirections = 'inbound' | 'outbound' | 'both';

export interface CheckpointPlacement {
  /** Caller's id (a checkpoint's UUID), echoed in the report. */
  id?: string;
  /** Either direction's edge of the segment the checkpoint sits on. */
  edge: number;
  /** Traffic it checks, relative to the ring: entering, leaving, or both. */
  directions: CheckpointDirections;
}

export interface ClosureGap {
  edge: number;
  wayOsmId: number;
  name: string | null;
  highway: string;
  outsideOsmNode: number;
  insideOsmNode: number;
  midpoint: [number, number];
  weight: number;
}

export type ClosureWarningCode = 'no_crossing' | 'no_road_outside' | 'checkpoint_off_ring';

export interface ClosureWarning {
  code: ClosureWarningCode;
  message: string;
}

export interface ClosureReport {
  /** Inbound crossings (physical segments a car can drive inwards). */
  crossings: number;
  coveredInbound: number;
  /** covered / all inbound crossings; null when the ring has no inbound crossing. */
  closureRate: number | null;
  /** The same by `ROAD_CLASS_WEIGHTS`. */
  weightedClosureRate: number | null;
  /** Crossings that can be left by car (two-way and one-way outbound). */
  outboundCrossings: number;
  coveredOutbound: number;
  /** Inbound crossings no checkpoint holds, heaviest road class first. */
  gaps: ClosureGap[];
  /** Per crossing (same order as `RingCrossings.crossings`): held inbound / outbound. */
  crossingInboundCovered: boolean[];
  crossingOutboundCovered: boolean[];
  warnings: ClosureWarning[];
}

/** Which crossings the checkpoints hold, the closure rates and the gaps. */
export function analyzeClosure(
  graph: RoadGraph,
  ring: RingCrossings,
  checkpoints: readonly CheckpointPlacement[],
): ClosureReport {
  const warnings: ClosureWarning[] = [];
  if (ring.outsideNodes === 0) {
    warnings.push({
      code: 'no_road_outside',
      message: 'every road node lies inside the ring: nothing to close',
    });
  } else if (ring.inboundCount === 0) {
    warnings.push({ code: 'no_crossing', message: 'no road can be driven into the ring' });
  }

  const edgeCheckpoints = new Map<number, CheckpointPlacement[]>();
  for (const checkpoint of checkpoints) {
    if (!Number.isInteger(checkpoint.edge) || checkpoint.edge < 0 || checkpoint.edge >= graph.edgeCount) {
      throw new RangeError(`checkpoint edge ${checkpoint.edge} is not an edge of the graph`);
    }
    const list = edgeCheckpoints.get(checkpoint.edge) ?? [];
    list.push(checkpoint);
    edgeCheckpoints.set(checkpoint.edge, list);
  }

  const neighbours = neighbourCounts(graph);
  const used = new Set<CheckpointPlacement>();
  const inboundCovered: boolean[] = [];
  const outboundCovered: boolean[] = [];
  for (const crossing of ring.crossings) {
    let inbound = false;
    let outbound = false;
    if (edgeCheckpoints.size > 0) {
      for (const e of stretchEdges(graph, crossing, neighbours)) {
        for (const checkpoint of edgeCheckpoints.get(e) ?? []) {
          used.add(checkpoint);
          if (checkpoint.directions !== 'outbound') inbound = true;
          if (checkpoint.directions !== 'inbound') outbound = true;
        }
      }
    }
    inboundCovered.push(crossing.inboundEdge >= 0 && inbound);
    outboundCovered.push(crossing.outboundEdge >= 0 && outbound);
  }
  const offRing = checkpoints.filter((c) => !used.has(c));
  if (offRing.length > 0) {
    warnings.push({
      code: 'checkpoint_off_ring',
      message: `${offRing.length} checkpoint(s) hold no road crossing this ring: ${offRing
        .map((c) => c.id ?? `edge ${c.edge}`)
        .join(', ')}`,
    });
  }

  let coveredInbound = 0;
  let weightAll = 0;
  let weightCovered = 0;
  let outboundCrossings = 0;
  let coveredOutbound = 0;
  const gaps: ClosureGap[] = [];
  ring.crossings.forEach((crossing, i) => {
    if (crossing.outboundEdge >= 0) {
      outboundCrossings++;
      if (outboundCovered[i]) coveredOutbound++;
    }
    if (crossing.inboundEdge < 0) return;
    weightAll += crossing.weight;
    if (inboundCovered[i]) {
      coveredInbound++;
      weightCovered += crossing.weight;
      return;
    }
    gaps.push({
      edge: crossing.inboundEdge,
      wayOsmId: crossing.wayOsmId,
      name: crossing.name,
      highway: crossing.highway,
      outsideOsmNode: crossing.outsideOsmNode,
      insideOsmNode: crossing.insideOsmNode,
      midpoint: crossing.midpoint,
      weight: crossing.weight,
    });
  });
  gaps.sort((a, b) => b.weight - a.weight || a.edge - b.edge);
  const crossings = ring.inboundCount;
  return {
    crossings,
    coveredInbound,
    closureRate: crossings > 0 ? coveredInbound / crossings : null,
    weightedClosureRate: weightAll > 0 ? weightCovered / weightAll : null,
    outboundCrossings,
    coveredOutbound,
    gaps,
    crossingInboundCovered: inboundCovered,
    crossingOutboundCovered: outboundCovered,
    warnings,
  };
}
