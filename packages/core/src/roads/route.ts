/**
 * A drivable route between two snapped points, as geometry with per-street times: what a map
 * draws and a dispatcher reads. Runs on the base graph or on a turn-restricted one (then the
 * route obeys the restrictions, and names those whose approach it drove).
 */
import type { DijkstraEngine } from './dijkstra';
import { headedSameSegmentTime, headedSourceSeeds, type Motion } from './heading';
import type { Position } from './isochrone';
import { type EdgeSnapper, type SnapResult, sameSegmentTime, sourceSeeds, targetSeeds } from './snap';
import { baseEdgeOf, forEachCopy, turnPenaltyOf } from './turn-restrictions';

/** One street of the route: consecutive pieces of the same OSM way. */
export interface RouteSegment {
  wayOsmId: number;
  name: string | null;
  highway: string;
  lengthM: number;
  timeS: number;
  /** Seconds from the start when the segment begins. */
  startS: number;
  /** Index range [first, last] of the segment's points in `coordinates`. */
  from: number;
  to: number;
}

export interface RoadRoute {
  timeS: number;
  lengthM: number;
  /** WGS-84 [lon, lat] from the snapped start to the snapped end. */
  coordinates: Position[];
  segments: RouteSegment[];
  /**
   * Turn-restriction relations whose approach the route drove and then left by an allowed way
   * (ascending OSM ids); empty on an unrestricted graph.
   */
  restrictionsObeyed: number[];
  /** Times the route turns back the way it came (each priced at the graph's U-turn penalty). */
  uTurns: number;
}

export interface RouteRestrictions {
  sequences: readonly (readonly number[])[];
  osmIds: readonly number[];
}

interface Piece {
  edge: number;
  from: number;
  to: number;
  /** A U-turn penalty paid before the piece is driven, else 0. */
  penaltyS: number;
}

/**
 * The fastest route from `from` to `to`, or null when none exists (e.g. one-way dead ends). With
 * the vehicle's `motion` (core/roads/heading.ts) starting back the way it drives is a U-turn, as
 * in the unit ranking, so the drawn route is the one the ETA was timed on.
 */
export function roadRoute(
  engine: DijkstraEngine,
  snapper: EdgeSnapper,
  from: SnapResult,
  to: SnapResult,
  restrictions?: RouteRestrictions,
  motion: Motion | null = null,
): RoadRoute | null {
  const graph = engine.graph;
  const plainSources = sourceSeeds(graph, snapper, from);
  const sources = headedSourceSeeds(graph, snapper, from, motion);
  const targets = targetSeeds(graph, snapper, to);
  const found = engine.route(sources, targets);
  const direct = headedSameSegmentTime(graph, snapper, from, to, motion);
  const pieces: Piece[] = [];
  if (direct < Number.POSITIVE_INFINITY && direct <= (found?.time ?? Number.POSITIVE_INFINITY)) {
    const penaltyS = direct - sameSegmentTime(graph, snapper, from, to);
    if (to.t >= from.t) pieces.push({ edge: from.edge, from: from.t, to: to.t, penaltyS });
    else pieces.push({ edge: snapper.twinOf(from.edge), from: 1 - from.t, to: 1 - to.t, penaltyS });
  } else if (found) {
    const endNode = targets[found.targetIndex].node;
    const startNode = found.edges.length > 0 ? graph.edgeTail[found.edges[0]] : endNode;
    // Which way the route leaves the start point's street: along the snapped edge or its twin
    // (against the vehicle's heading, that start is a U-turn).
    const k = startNode === sources[0].node ? 0 : 1;
    const startPenaltyS = sources[k].cost - plainSources[k].cost;
    if (k === 0) pieces.push({ edge: from.edge, from: from.t, to: 1, penaltyS: startPenaltyS });
    else pieces.push({ edge: snapper.twinOf(from.edge), from: 1 - from.t, to: 1, penaltyS: startPenaltyS });
    for (const e of found.edges)
      pieces.push({ edge: baseEdgeOf(graph, e), from: 0, to: 1, penaltyS: turnPenaltyOf(graph, e) });
    // targetSeeds lists the snapped edge's copies first, then its twin's.
    const arrival = targetCopies(graph, snapper, to)[found.targetIndex];
    const penaltyS = turnPenaltyOf(graph, arrival);
    if (found.targetIndex <= lastCopyIndex(graph, to.edge))
      pieces.push({ edge: to.edge, from: 0, to: to.t, penaltyS });
    else pieces.push({ edge: snapper.twinOf(to.edge), from: 0, to: 1 - to.t, penaltyS });
  } else {
    return null;
  }

  const coordinates: Position[] = [];
  const segments: RouteSegment[] = [];
  const driven: number[] = [];
  let timeS = 0;
  let lengthM = 0;
  const point = (edge: number, f: number): Position => {
    const a = graph.edgeTail[edge];
    const b = graph.edgeHead[edge];
    return [
      graph.nodeLon[a] + f * (graph.nodeLon[b] - graph.nodeLon[a]),
      graph.nodeLat[a] + f * (graph.nodeLat[b] - graph.nodeLat[a]),
    ];
  };
  let uTurns = 0;
  for (const p of pieces) {
    if (p.to <= p.from && pieces.length > 1 && p.penaltyS === 0) continue;
    if (p.penaltyS > 0) uTurns++;
    if (coordinates.length === 0) coordinates.push(point(p.edge, p.from));
    coordinates.push(point(p.edge, p.to));
    driven.push(p.edge);
    const share = p.to - p.from;
    const time = share * graph.edgeTime[p.edge] + p.penaltyS;
    const length = share * graph.edgeLength[p.edge];
    const way = graph.ways[graph.edgeWay[p.edge]];
    const last = segments.at(-1);
    if (last && last.wayOsmId === way.osmId) {
      last.timeS += time;
      last.lengthM += length;
      last.to = coordinates.length - 1;
    } else {
      segments.push({
        wayOsmId: way.osmId,
        name: way.name,
        highway: way.highway,
        lengthM: length,
        timeS: time,
        startS: timeS,
        from: coordinates.length - 2,
        to: coordinates.length - 1,
      });
    }
    timeS += time;
    lengthM += length;
  }
  return { timeS, lengthM, coordinates, segments, restrictionsObeyed: obeyed(driven, restrictions), uTurns };
}

/** The edge copy behind each of targetSeeds' seeds, in the same order. */
function targetCopies(graph: DijkstraEngine['graph'], snapper: EdgeSnapper, at: SnapResult): number[] {
  const copies: number[] = [];
  forEachCopy(graph, at.edge, (copy) => copies.push(copy));
  const twin = snapper.twinOf(at.edge);
  if (twin >= 0) forEachCopy(graph, twin, (copy) => copies.push(copy));
  return copies;
}

/** Index in targetSeeds' list of the last seed that arrives along `edge` itself (not its twin). */
function lastCopyIndex(graph: DijkstraEngine['graph'], edge: number): number {
  const t = graph.turns;
  return t ? t.copyFirst[edge + 1] - t.copyFirst[edge] : 0;
}

/** Relations whose approach (all but the banned last edge) the route drove past. */
function obeyed(driven: readonly number[], restrictions: RouteRestrictions | undefined): number[] {
  if (!restrictions) return [];
  const found = new Set<number>();
  const text = `,${driven.join(',')},`;
  restrictions.sequences.forEach((sequence, i) => {
    const approach = `,${sequence.slice(0, -1).join(',')},`;
    const at = text.indexOf(approach);
    // The route must go on after the approach: it reached the junction and chose an allowed way.
    if (at >= 0 && at + approach.length < text.length) found.add(restrictions.osmIds[i]);
  });
  return [...found].sort((a, b) => a - b);
}
