/**
 * A moving vehicle's direction on its street: turning round costs time. The plain seeds
 * (snap.ts `sourceSeeds`) let a unit start either way along its segment for free, so a patrol car
 * driving north at 40 km/h is timed as if it could head south at once. With its AVL heading, the
 * direction it is not driving in starts with a U-turn penalty.
 *
 * Why a start-only penalty and not a U-turn cost at every junction: an exact junction cost needs
 * an edge-based graph everywhere (≈ 2× the nodes, 3–4× the edges), and on the bundled restricted
 * graphs shortest paths U-turn at a through junction only to get round a banned turn (Monaco
 * 3.5 % of routes, Baltimore 0 %; stop 23's figures). Where a unit is already moving, though,
 * every route that sends it back the way it came turns it round; that is the case priced here.
 *
 * What it does not catch: the node-based graph still lets a route turn round for free at any node
 * (a shape point of the way as much as a junction), so "drive on to the next node, turn, come
 * back" caps the penalty at twice the time to that node. On Longgang's two-way segments of 60 m
 * or more, units driving away from a scene are timed a median 11 s later than units driving
 * toward it (20 s in 15 % of pairs); an edge-based graph would close the rest.
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
