/**
 * Snapping a coordinate to the nearest point on the road network, and turning that point into
 * routing seeds with partial-edge costs.
 *
 * Edges are indexed in a uniform grid over a local equirectangular projection (metres around the
 * graph's centre; city extents keep the distortion well under 1 %). A query walks rings of cells
 * outwards and stops once the next ring cannot hold anything closer, so it allocates nothing but
 * its result. A two-way street's twin edges are one segment in the index: the lower edge id
 * represents it and `twinOf` gives the other direction.
 */
import type { Seed } from './dijkstra';
import type { RoadGraph } from './graph';
import { haversineMetres } from './osm-to-graph';
import { forEachCopy, turnPenaltyOf } from './turn-restrictions';

export interface SnapResult {
  /** The representative edge of the segment (see `EdgeSnapper.twinOf` for the other direction). */
  edge: number;
  /** Position of the snapped point along `edge`, 0 at its tail, 1 at its head. */
  t: number;
  lon: number;
  lat: number;
  /** Distance from the query point to the snapped point, metres. */
  distanceM: number;
}

const METRES_PER_DEGREE = (6_371_008.8 * Math.PI) / 180;

/**
 * The local plane snapping and matching measure in: origin at the centre of the bounding box of
 * the first `nodeCount` nodes, metres per degree of longitude there (an equirectangular
 * projection, exact enough within a city).
 */
export function localPlane(
  graph: RoadGraph,
  nodeCount: number,
): {
  originLon: number;
  originLat: number;
  metresPerDegreeLon: number;
  bounds: { minLon: number; minLat: number; maxLon: number; maxLat: number };
} {
  let minLon = Number.POSITIVE_INFINITY;
  let maxLon = Number.NEGATIVE_INFINITY;
  let minLat = Number.POSITIVE_INFINITY;
  let maxLat = Number.NEGATIVE_INFINITY;
  for (let v = 0; v < nodeCount; v++) {
    minLon = Math.min(minLon, graph.nodeLon[v]);
    maxLon = Math.max(maxLon, graph.nodeLon[v]);
    minLat = Math.min(minLat, graph.nodeLat[v]);
    maxLat = Math.max(maxLat, graph.nodeLat[v]);
  }
  if (nodeCount === 0) minLon = maxLon = minLat = maxLat = 0;
  const originLat = (minLat + maxLat) / 2;
  return {
    originLon: (minLon + maxLon) / 2,
    originLat,
    metresPerDegreeLon: METRES_PER_DEGREE * Math.cos((originLat * Math.PI) / 180),
    bounds: { minLon, minLat, maxLon, maxLat },
  };
}
const MAX_GRID_CELLS = 4_000_000;

/**
 * For each edge u→v the edge v→u of the same way (or of any way, when the same way has none), or
 * -1. Two-way streets pair up; one-way edges have no twin.
 */
export function edgeTwins(graph: RoadGraph): Int32Array {
  const twins = new Int32Array(graph.edgeCount).fill(-1);
  const { firstOut, edgeTail, edgeHead, edgeWay } = graph;
  // On a turn-restricted graph only base edges (ids below baseEdgeCount, leaving plain nodes) are
  // segments; their heads may be junction copies, so compare base nodes. Copies have no twin.
  const nodeBase = graph.turns?.nodeBase;
  const segments = graph.turns?.baseEdgeCount ?? graph.edgeCount;
  for (let e = 0; e < segments; e++) {
    const u = edgeTail[e];
    const v = nodeBase ? nodeBase[edgeHead[e]] : edgeHead[e];
    let fallback = -1;
    for (let f = firstOut[v]; f < firstOut[v + 1]; f++) {
      const head = nodeBase ? nodeBase[edgeHead[f]] : edgeHead[f];
      if (head !== u || f === e) continue;
      if (edgeWay[f] === edgeWay[e]) {
        fallback = f;
        break;
      }
      if (fallback < 0) fallback = f;
    }
    twins[e] = fallback;
  }
  return twins;
}

export interface SnapperOptions {
  /** Grid cell size in metres (default: from the edge density, about two segments per cell). */
  cellSizeM?: number;
}

export class EdgeSnapper {
  readonly graph: RoadGraph;
  private readonly twins: Int32Array;
  private readonly originLon: number;
  private readonly originLat: number;
  private readonly metresPerDegreeLon: number;
  private readonly nodeX: Float64Array;
  private readonly nodeY: Float64Array;
  private readonly minX: number;
  private readonly minY: number;
  readonly cellSize: number;
  private readonly cols: number;
  private readonly rows: number;
  private readonly cellStart: Uint32Array;
  private readonly cellEdges: Uint32Array;
  // Scratch state of the running query (queries are synchronous, so one set suffices).
  private bestEdge = -1;
  private bestT = 0;
  private bestD2 = Number.POSITIVE_INFINITY;

  constructor(graph: RoadGraph, options: SnapperOptions = {}) {
    this.graph = graph;
    this.twins = edgeTwins(graph);
    const n = graph.nodeCount;
    const plane = localPlane(graph, n);
    this.originLon = plane.originLon;
    this.originLat = plane.originLat;
    this.metresPerDegreeLon = plane.metresPerDegreeLon;
    const { minLon, minLat, maxLon, maxLat } = plane.bounds;
    this.nodeX = new Float64Array(n);
    this.nodeY = new Float64Array(n);
    for (let v = 0; v < n; v++) {
      this.nodeX[v] = this.projectX(graph.nodeLon[v]);
      this.nodeY[v] = this.projectY(graph.nodeLat[v]);
    }
    this.minX = this.projectX(minLon);
    this.minY = this.projectY(minLat);
    const width = Math.max(1, this.projectX(maxLon) - this.minX);
    const height = Math.max(1, this.projectY(maxLat) - this.minY);

    // Representatives: one directed edge per physical segment.
    const segmentEdges: number[] = [];
    for (let e = 0; e < (graph.turns?.baseEdgeCount ?? graph.edgeCount); e++) {
      const twin = this.twins[e];
      if (twin < 0 || e < twin) segmentEdges.push(e);
    }
    let cellSize = options.cellSizeM ?? Math.sqrt((width * height) / Math.max(1, segmentEdges.length / 2));
    cellSize = Math.max(cellSize, 10, Math.sqrt((width * height) / MAX_GRID_CELLS));
    this.cellSize = cellSize;
    this.cols = Math.max(1, Math.ceil(width / cellSize));
    this.rows = Math.max(1, Math.ceil(height / cellSize));

    // Counting sort of (cell, edge) pairs into CSR; a segment goes into every cell its bbox touches.
    const cellCount = this.cols * this.rows;
    this.cellStart = new Uint32Array(cellCount + 1);
    const forEachCell = (e: number, visit: (cell: number) => void): void => {
      const a = graph.edgeTail[e];
      const b = graph.edgeHead[e];
      const c0 = this.col(Math.min(this.nodeX[a], this.nodeX[b]));
      const c1 = this.col(Math.max(this.nodeX[a], this.nodeX[b]));
      const r0 = this.row(Math.min(this.nodeY[a], this.nodeY[b]));
      const r1 = this.row(Math.max(this.nodeY[a], this.nodeY[b]));
      for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) visit(r * this.cols + c);
    };
    for (const e of segmentEdges) forEachCell(e, (cell) => this.cellStart[cell + 1]++);
    for (let c = 0; c < cellCount; c++) this.cellStart[c + 1] += this.cellStart[c];
    this.cellEdges = new Uint32Array(this.cellStart[cellCount]);
    const cursor = this.cellStart.slice(0, cellCount);
    for (const e of segmentEdges) forEachCell(e, (cell) => (this.cellEdges[cursor[cell]++] = e));
  }

  /** The opposite direction of the same segment, or -1 for a one-way edge. */
  twinOf(edge: number): number {
    return this.twins[edge];
  }

  /**
   * The closest point on any segment within `maxDistanceM` (default: unlimited), optionally only
   * among edges `accept` admits (e.g. nodes in the main component). Null if none.
   */
  snap(
    lon: number,
    lat: number,
    maxDistanceM = Number.POSITIVE_INFINITY,
    accept?: (edge: number) => boolean,
  ): SnapResult | null {
    if (this.cellEdges.length === 0) return null;
    const px = this.projectX(lon);
    const py = this.projectY(lat);
    const pc = this.col(px);
    const pr = this.row(py);
    const maxRing = Math.max(this.cols, this.rows);
    this.bestEdge = -1;
    this.bestT = 0;
    this.bestD2 = Number.POSITIVE_INFINITY;
    const limit2 = maxDistanceM * maxDistanceM;
    for (let ring = 0; ring <= maxRing; ring++) {
      // The point lies in cell (pc, pr), so any cell `ring` steps away is at least (ring - 1)
      // cells from it; a segment near the point is indexed in the cell its nearest point is in.
      const bound = Math.max(0, (ring - 1) * this.cellSize);
      if (bound * bound > this.bestD2 || bound * bound > limit2) break;
      const r0 = pr - ring;
      const r1 = pr + ring;
      const c0 = pc - ring;
      const c1 = pc + ring;
      for (let r = Math.max(0, r0); r <= Math.min(this.rows - 1, r1); r++) {
        if (r === r0 || r === r1) {
          for (let c = Math.max(0, c0); c <= Math.min(this.cols - 1, c1); c++)
            this.scanCell(r, c, px, py, accept);
        } else {
          if (c0 >= 0) this.scanCell(r, c0, px, py, accept);
          if (c1 < this.cols) this.scanCell(r, c1, px, py, accept);
        }
      }
    }
    const bestEdge = this.bestEdge;
    const bestT = this.bestT;
    const bestD2 = this.bestD2;
    if (bestEdge < 0 || bestD2 > limit2) return null;
    const g = this.graph;
    const a = g.edgeTail[bestEdge];
    const b = g.edgeHead[bestEdge];
    const snappedLon = g.nodeLon[a] + bestT * (g.nodeLon[b] - g.nodeLon[a]);
    const snappedLat = g.nodeLat[a] + bestT * (g.nodeLat[b] - g.nodeLat[a]);
    return {
      edge: bestEdge,
      t: bestT,
      lon: snappedLon,
      lat: snappedLat,
      distanceM: haversineMetres(lon, lat, snappedLon, snappedLat),
    };
  }

  private scanCell(r: number, c: number, px: number, py: number, accept?: (edge: number) => boolean): void {
    const cell = r * this.cols + c;
    const end = this.cellStart[cell + 1];
    for (let i = this.cellStart[cell]; i < end; i++) {
      const e = this.cellEdges[i];
      if (accept !== undefined && !accept(e)) continue;
      const a = this.graph.edgeTail[e];
      const b = this.graph.edgeHead[e];
      const ax = this.nodeX[a];
      const ay = this.nodeY[a];
      const dx = this.nodeX[b] - ax;
      const dy = this.nodeY[b] - ay;
      const len2 = dx * dx + dy * dy;
      let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
      t = t < 0 ? 0 : Math.min(t, 1);
      const ex = ax + t * dx - px;
      const ey = ay + t * dy - py;
      const d2 = ex * ex + ey * ey;
      // Ties go to the lower edge id so results do not depend on cell visiting order.
      if (d2 < this.bestD2 || (d2 === this.bestD2 && e < this.bestEdge)) {
        this.bestD2 = d2;
        this.bestEdge = e;
        this.bestT = t;
      }
    }
  }

  private projectX(lon: number): number {
    return (lon - this.originLon) * this.metresPerDegreeLon;
  }

  private projectY(lat: number): number {
    return (lat - this.originLat) * METRES_PER_DEGREE;
  }

  private col(x: number): number {
    const c = Math.floor((x - this.minX) / this.cellSize);
    return c < 0 ? 0 : c >= this.cols ? this.cols - 1 : c;
  }

  private row(y: number): number {
    const r = Math.floor((y - this.minY) / this.cellSize);
    return r < 0 ? 0 : r >= this.rows ? this.rows - 1 : r;
  }
}

/**
 * Where a search may start from a snapped point: along the snapped edge to its head, and (if the
 * street is two-way) along the twin to its head, the edge's tail. Costs are the partial-edge times.
 * On a turn-restricted graph the heads are the junction states after driving those edges, so a
 * restriction that starts on the snapped street applies.
 */
export function sourceSeeds(graph: RoadGraph, twins: Int32Array | EdgeSnapper, at: SnapResult): Seed[] {
  const twin = twins instanceof EdgeSnapper ? twins.twinOf(at.edge) : twins[at.edge];
  const seeds: Seed[] = [{ node: graph.edgeHead[at.edge], cost: (1 - at.t) * graph.edgeTime[at.edge] }];
  // On the twin (head→tail) the point sits at fraction 1 - t, so t of the twin remains to the tail.
  if (twin >= 0) seeds.push({ node: graph.edgeHead[twin], cost: at.t * graph.edgeTime[twin] });
  return seeds;
}

/**
 * Where a search may end at a snapped point: arriving at the edge's tail and driving fraction t
 * of it, or (two-way) arriving at its head and driving the twin's remaining 1 - t. On a
 * turn-restricted graph every junction state from which the edge may be entered is a target.
 */
export function targetSeeds(graph: RoadGraph, twins: Int32Array | EdgeSnapper, at: SnapResult): Seed[] {
  const twin = twins instanceof EdgeSnapper ? twins.twinOf(at.edge) : twins[at.edge];
  const seeds: Seed[] = [];
  // A copy that turns back to where the vehicle came from starts with its U-turn penalty.
  const cost = at.t * graph.edgeTime[at.edge];
  forEachCopy(graph, at.edge, (copy) =>
    seeds.push({ node: graph.edgeTail[copy], cost: cost + turnPenaltyOf(graph, copy) }),
  );
  if (twin >= 0) {
    const twinCost = (1 - at.t) * graph.edgeTime[twin];
    forEachCopy(graph, twin, (copy) =>
      seeds.push({ node: graph.edgeTail[copy], cost: twinCost + turnPenaltyOf(graph, copy) }),
    );
  }
  return seeds;
}

/**
 * Travel time between two snapped points when both lie on the same segment and the direction of
 * travel allows driving straight along it; Infinity otherwise (then route through the graph).
 */
export function sameSegmentTime(
  graph: RoadGraph,
  twins: Int32Array | EdgeSnapper,
  from: SnapResult,
  to: SnapResult,
): number {
  if (from.edge !== to.edge) return Number.POSITIVE_INFINITY;
  if (to.t >= from.t) return (to.t - from.t) * graph.edgeTime[from.edge];
  const twin = twins instanceof EdgeSnapper ? twins.twinOf(from.edge) : twins[from.edge];
  return twin >= 0 ? (from.t - to.t) * graph.edgeTime[twin] : Number.POSITIVE_INFINITY;
}
