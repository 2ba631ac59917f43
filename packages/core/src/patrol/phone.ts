/**
 * The patrol officer's phone (单元防控 巡逻终端): the road route from where the phone is to where the
 * officer goes next (the next visit of the shift's plan, or the incident they were sent to).
 */
import { z } from 'zod';
import type { DijkstraEngine } from '../roads/dijkstra';
import { haversineMetres } from '../roads/osm-to-graph';
import { type EdgeSnapper, sameSegmentTime, sourceSeeds, targetSeeds } from '../roads/snap';

/** A point further than this from every road has no road route. */
export const ROUTE_SNAP_LIMIT_M = 500;

export const roadRouteSchema = z.object({
  /** Seconds by road class and maxspeed, as dispatch ranks units. */
  timeSeconds: z.number(),
  lengthM: z.number(),
  /** [lon, lat] from the snapped start to the snapped end, in travel order. */
  coordinates: z.array(z.tuple([z.number(), z.number()])),
  /** How far each end lay from the road it was snapped to (metres). */
  snappedM: z.object({ from: z.number(), to: z.number() }),
});
export type RoadRoute = z.infer<typeof roadRouteSchema>;

export interface LonLat {
  lon: number;
  lat: number;
}

/**
 * The quickest road route between two points: both are snapped to the nearest road (within
 * `ROUTE_SNAP_LIMIT_M`), then Dijkstra from the partial edge at the start to the partial edge at
 * the end (or straight along one segment when both lie on it and its direction allows). Null when
 * either end is off the network or the end cannot be reached (one-way streets, islands).
 */
export function roadRoute(
  engine: DijkstraEngine,
  snapper: EdgeSnapper,
  from: LonLat,
  to: LonLat,
): RoadRoute | null {
  const graph = engine.graph;
  const a = snapper.snap(from.lon, from.lat, ROUTE_SNAP_LIMIT_M);
  const b = snapper.snap(to.lon, to.lat, ROUTE_SNAP_LIMIT_M);
  if (!a || !b) return null;
  const snappedM = { from: a.distanceM, to: b.distanceM };
  const direct = sameSegmentTime(graph, snapper, a, b);
  const targets = targetSeeds(graph, snapper, b);
  const routed = engine.route(sourceSeeds(graph, snapper, a), targets);
  if (!routed && !Number.isFinite(direct)) return null;
  if (!routed || direct <= routed.time) {
    const lengthM = Math.abs(b.t - a.t) * graph.edgeLength[a.edge];
    return {
      timeSeconds: direct,
      lengthM,
      coordinates: [
        [a.lon, a.lat],
        [b.lon, b.lat],
      ],
      snappedM,
    };
  }
  const coordinates: [number, number][] = [[a.lon, a.lat]];
  const node = (v: number): [number, number] => [graph.nodeLon[v], graph.nodeLat[v]];
  // The route leaves the start's segment at one of its ends (a seed node) and follows whole edges.
  // The route leaves the start's segment at one of its ends and follows whole edges to the node
  // where it enters the target's segment (with no whole edge, that node is the seed itself).
  const first = routed.edges.length > 0 ? graph.edgeTail[routed.edges[0]] : targets[routed.targetIndex].node;
  coordinates.push(node(first));
  let lengthM = 0;
  for (const e of routed.edges) {
    coordinates.push(node(graph.edgeHead[e]));
    lengthM += graph.edgeLength[e];
  }
  coordinates.push([b.lon, b.lat]);
  // The partial segments at both ends, by straight distance (each lies along one straight edge).
  lengthM += metres(coordinates[0], coordinates[1]) + metres(coordinates.at(-2)!, coordinates.at(-1)!);
  return { timeSeconds: routed.time, lengthM, coordinates, snappedM };
}

function metres(p: readonly [number, number], q: readonly [number, number]): number {
  return haversineMetres(p[0], p[1], q[0], q[1]);
}
