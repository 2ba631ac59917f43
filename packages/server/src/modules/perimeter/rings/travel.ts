/**
 * Road travel times for closure plans and the interception advisor. Times are exact road times on
 * the city's turn-restricted graph (the one dispatch ranks units on and GET /api/roads/route
 * draws): a bounded reverse Dijkstra from each checkpoint gives every unit's time to it (a ring has
 * tens of checkpoints, so that is tens of searches per activation, well under a second on a city
 * graph), with the same partial-edge seeds and same-segment shortcut the dispatch tracker uses, so
 * an ETA here equals dispatch's ETA. `unitRoute` gives the road the ETA drives, for the map.
 */
import type { RoadGraph } from '@citywatch/core/roads/graph';
import { roadRoute } from '@citywatch/core/roads/route';
import { type SnapResult, sameSegmentTime, sourceSeeds, targetSeeds } from '@citywatch/core/roads/snap';
import type { ProfileRouting } from '../../eta/service.js';
import type { CityRuntime } from '../../roads/registry.js';
import type { CheckpointRow } from './common.js';

/** "10 minutes, city closed": a checkpoint a unit cannot reach within this is flagged. */
export const HOLD_WITHIN_SECONDS = 600;
/** A unit within this distance of its checkpoint (by its last AVL fix) has arrived. */
export const ARRIVAL_RADIUS_M = 50;
/** Units further than this by road are not sent (they could not help close a ring in time). */
export const ETA_HORIZON_SECONDS = 3600;
/** A clicked checkpoint position further than this from any road is refused. */
export const CHECKPOINT_SNAP_LIMIT_M = 200;
// Same as the dispatch tracker: a unit further than this from a road has no usable position.
const UNIT_SNAP_LIMIT_M = 300;

/** A unit's travel time matrix row set: [unit][checkpoint] seconds, Infinity when not reachable. */
export type EtaMatrix = number[][];

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
export function edgeBetweenOsm(graph: RoadGraph, a: number, b: number): number {
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

/** Where on the road a stored checkpoint is, on its own segment when that still exists. */
export function checkpointSnap(
  city: CityRuntime,
  c: Pick<CheckpointRow, 'lon' | 'lat' | 'edge_from_osm' | 'edge_to_osm'>,
): SnapResult | null {
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

/** Each unit's last position on the road, null when it has none or is too far from any road. */
export function unitSnaps(
  city: CityRuntime,
  units: readonly { last_lon: number | null; last_lat: number | null }[],
): (SnapResult | null)[] {
  return units.map((u) =>
    u.last_lon === null || u.last_lat === null
      ? null
      : city.snapper.snap(u.last_lon, u.last_lat, UNIT_SNAP_LIMIT_M),
  );
}

/** The graph and engine a plan times on: the city's turn-restricted one, static or learned times. */
export type PlanRouting = Pick<ProfileRouting, 'graph' | 'dijkstra'>;

/**
 * Road seconds from each unit position to each checkpoint: one reverse search per checkpoint,
 * bounded by `horizon` (beyond it: Infinity), on `routing` (default: static times). Synchronous
 * from search to read-out, because the Dijkstra engine is shared by every request.
 */
export function travelTimes(
  city: CityRuntime,
  from: readonly (SnapResult | null)[],
  to: readonly (SnapResult | null)[],
  horizon = ETA_HORIZON_SECONDS,
  routing: PlanRouting = city.turnRouting(),
): EtaMatrix {
  const { graph, dijkstra: engine } = routing;
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

/** A unit's road to its checkpoint, as the map draws it: WGS-84 positions and the route's figures. */
export interface UnitRoute {
  geometry: { type: 'LineString'; coordinates: [number, number][] };
  timeS: number;
  lengthM: number;
}

/**
 * The fastest road from a unit's position to a checkpoint on the turn-restricted graph (the search
 * `travelTimes` times, so the line drives the ETA's road), or null when either is off the road or
 * no route exists. Positions rounded to 1e-6° (~0.1 m): a route is tens to hundreds of vertices.
 */
export function unitRoute(
  city: CityRuntime,
  from: SnapResult | null,
  to: SnapResult | null,
  routing: PlanRouting = city.turnRouting(),
): UnitRoute | null {
  if (!from || !to) return null;
  const route = roadRoute(routing.dijkstra, city.snapper, from, to);
  if (!route) return null;
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  return {
    geometry: {
      type: 'LineString',
      coordinates: route.coordinates.map(([lon, lat]) => [round(lon), round(lat)]),
    },
    timeS: Math.round(route.timeS * 10) / 10,
    lengthM: Math.round(route.lengthM * 10) / 10,
  };
}
