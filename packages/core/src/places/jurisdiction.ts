/**
 * Police-station areas where a city has none on file: a network Voronoi diagram. Every road node
 * belongs to the station that reaches it first by road (a forward search from all stations at
 * once), and each station's area is the union of the H3 cells its nodes fall in, grown into the
 * gaps between roads so that neighbouring areas meet.
 */
import { cellsToMultiPolygon, gridDisk, latLngToCell } from 'h3-js';
import { DijkstraEngine, type Seed } from '../roads/dijkstra';
import type { RoadGraph } from '../roads/graph';

export interface StationSeed {
  /** The station's seeds on the graph (from snapping its location). */
  seeds: readonly Seed[];
}

export interface NetworkVoronoi {
  /** For each node, the index of the station that reaches it first, or -1 if none does. */
  nodeStation: Int32Array;
  /** For each node, that station's travel time in seconds (Infinity if unreached). */
  nodeTime: Float64Array;
}

export function networkVoronoi(
  graph: RoadGraph,
  stations: readonly StationSeed[],
  engine = new DijkstraEngine(graph),
): NetworkVoronoi {
  const nodeStation = new Int32Array(graph.nodeCount).fill(-1);
  const nodeTime = new Float64Array(graph.nodeCount).fill(Number.POSITIVE_INFINITY);
  const seedStation = new Map<number, { station: number; cost: number }>();
  stations.forEach((s, i) => {
    for (const seed of s.seeds) {
      const prev = seedStation.get(seed.node);
      if (!prev || seed.cost < prev.cost) seedStation.set(seed.node, { station: i, cost: seed.cost });
    }
  });
  engine.begin('forward');
  for (const [node, { cost }] of seedStation) engine.addSeed(node, cost);
  // Settling order guarantees a node's parent is labelled before the node itself.
  for (let v = engine.settleNext(); v >= 0; v = engine.settleNext()) {
    const parent = engine.parentEdgeOf(v);
    nodeStation[v] = parent < 0 ? (seedStation.get(v)?.station ?? -1) : nodeStation[graph.edgeTail[parent]];
    nodeTime[v] = engine.costOf(v);
  }
  return { nodeStation, nodeTime };
}

export type MultiPolygonCoordinates = number[][][][];

/**
 * One MultiPolygon per station from the node labels: H3 cells at `resolution` voted by the nodes
 * in them, then grown ring by ring (up to `growRings`) into unclaimed cells so areas close the
 * gaps between roads; a contested cell goes to whichever area reached it first.
 */
export function voronoiAreas(
  graph: RoadGraph,
  voronoi: NetworkVoronoi,
  stationCount: number,
  resolution = 9,
  growRings = 2,
): MultiPolygonCoordinates[] {
  const votes = new Map<string, Map<number, number>>();
  for (let v = 0; v < graph.nodeCount; v++) {
    const s = voronoi.nodeStation[v];
    if (s < 0) continue;
    const cell = latLngToCell(graph.nodeLat[v], graph.nodeLon[v], resolution);
    const m = votes.get(cell) ?? new Map<number, number>();
    votes.set(cell, m);
    m.set(s, (m.get(s) ?? 0) + 1);
  }
  const owner = new Map<string, number>();
  for (const [cell, m] of votes) {
    let best = -1;
    let bestVotes = -1;
    for (const [s, n] of m) if (n > bestVotes || (n === bestVotes && s < best)) [best, bestVotes] = [s, n];
    owner.set(cell, best);
  }
  let frontier = [...owner.keys()];
  for (let ring = 0; ring < growRings; ring++) {
    const next: string[] = [];
    const claims = new Map<string, number>();
    for (const cell of frontier) {
      const s = owner.get(cell)!;
      for (const n of gridDisk(cell, 1)) if (!owner.has(n) && !claims.has(n)) claims.set(n, s);
    }
    for (const [cell, s] of claims) {
      owner.set(cell, s);
      next.push(cell);
    }
    frontier = next;
  }
  const cellsByStation: string[][] = Array.from({ length: stationCount }, () => []);
  for (const [cell, s] of owner) cellsByStation[s].push(cell);
  return cellsByStation.map((cells) => (cells.length ? cellsToMultiPolygon(cells, true) : []));
}
