/**
 * A moving vehicle's direction on its street: turning round costs time. The plain seeds
 * (snap.ts `sourceSeeds`) let a unit start either way along its segment for free, so a patrol car
 * driving north at 40 km/h is timed as if it could head south at once. With its AVL heading, the
 * direction it is not driving in starts with a U-turn penalty.
 *
 * The routing graph itself prices U-turns at junctions and dead ends (turn-restrictions.ts,
 * `uTurnSeconds`), and forbids them mid-street. What it cannot see is the vehicle's own position
 * part-way along a segment: a seed there may start either way. This file prices that one U-turn,
 * where the vehicle is, by its AVL heading. A parked or crawling unit may pull out either way.
 */
import type { Seed } from './dijkstra';
import type { RoadGraph } from './graph';
import { type EdgeSnapper, type SnapResult, sameSegmentTime, sourceSeeds } from './snap';

/**
 * Seconds a U-turn costs: OSRM's car profile charges 20 s (profiles/car.lua, `u_turn_penalty`);
 * we take the same figure rather than invent one.
 */
export const U_TURN_SECONDS = 20;
/** A heading within this of one direction of the segment counts as driving that way. */
const HEADING_TOLERANCE_DEG = 45;
/**
 * Below this speed (m/s, ≈ 11 km/h) a heading says little: a car at a standstill or crawling can
 * pull out either way, and a GNSS heading at low speed wanders.
 */
export const MOVING_SPEED_MS = 3;

/** How a vehicle moves at its fix: the heading it reported, degrees clockwise from north. */
export interface Motion {
  headingDeg: number;
}

/** A fix's motion when its heading can be trusted for routing (moving fast enough), else null. */
export function motionOf(
  heading: number | null | undefined,
  speedMs: number | null | undefined,
): Motion | null {
  if (heading == null || speedMs == null || !Number.isFinite(heading) || !(speedMs >= MOVING_SPEED_MS))
    return null;
  return { headingDeg: ((heading % 360) + 360) % 360 };
}

/** Bearing of an edge from its tail to its head, degrees clockwise from north (local plane). */
export function edgeBearing(graph: RoadGraph, edge: number): number {
  const a = graph.edgeTail[edge];
  const b = graph.edgeHead[edge];
  const lat0 = ((graph.nodeLat[a] + graph.nodeLat[b]) / 2) * (Math.PI / 180);
  const dx = (graph.nodeLon[b] - graph.nodeLon[a]) * Math.cos(lat0);
  const dy = graph.nodeLat[b] - graph.nodeLat[a];
  const deg = (Math.atan2(dx, dy) * 180) / Math.PI;
  return (deg + 360) % 360;
}

function angleBetween(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return d > 180 ? 360 - d : d;
}

/**
 * Which way along the snapped edge the vehicle drives: 1 along the edge (tail → head), -1 against
 * it (its twin's way), 0 when its heading crosses the street or it is not moving.
 */
export function travelDirection(graph: RoadGraph, at: SnapResult, motion: Motion | null): 1 | -1 | 0 {
  if (!motion) return 0;
  const bearing = edgeBearing(graph, at.edge);
  if (angleBetween(motion.headingDeg, bearing) <= HEADING_TOLERANCE_DEG) return 1;
  if (angleBetween(motion.headingDeg, bearing + 180) <= HEADING_TOLERANCE_DEG) return -1;
  return 0;
}

/** `sourceSeeds`, with the direction the vehicle is not driving in costing a U-turn. */
export function headedSourceSeeds(
  graph: RoadGraph,
  twins: Int32Array | EdgeSnapper,
  at: SnapResult,
  motion: Motion | null,
): Seed[] {
  const seeds = sourceSeeds(graph, twins, at);
  const direction = travelDirection(graph, at, motion);
  if (direction === 0) return seeds;
  // seeds[0] drives on along the edge to its head; seeds[1] (two-way streets) back to its tail.
  return seeds.map((s, k) => {
    const alongEdge = k === 0;
    const backwards = direction === 1 ? !alongEdge : alongEdge;
    return backwards ? { node: s.node, cost: s.cost + U_TURN_SECONDS } : s;
  });
}

/** `sameSegmentTime`, with driving back along the segment against the vehicle's heading costing a U-turn. */
export function headedSameSegmentTime(
  graph: RoadGraph,
  twins: Int32Array | EdgeSnapper,
  from: SnapResult,
  to: SnapResult,
  motion: Motion | null,
): number {
  const time = sameSegmentTime(graph, twins, from, to);
  if (!Number.isFinite(time)) return time;
  const direction = travelDirection(graph, from, motion);
  // Reaching `to` goes along the edge when it lies ahead of `from` (t grows), else along the twin.
  const alongEdge = to.t >= from.t;
  if ((direction === 1 && !alongEdge) || (direction === -1 && alongEdge)) return time + U_TURN_SECONDS;
  return time;
}
