/**
 * Candidate road positions for a GPS fix: every directed edge within a radius, nearest first.
 *
 * The snapper (../snap.ts) answers "the one nearest segment"; a hidden-Markov matcher needs all
 * plausible ones, in both directions of a two-way street (the direction is part of the state). A
 * uniform grid over a local equirectangular projection (metres around the graph's centre), cell
 * size about the search radius, so a query reads at most 3×3 cells. Only base edges are indexed
 * (on a turn-restricted graph the junction copies are routing states, not road positions).
 */
import type { RoadGraph } from '../graph';
import { localPlane } from '../snap';

const METRES_PER_DEGREE = (6_371_008.8 * Math.PI) / 180;
const MAX_GRID_CELLS = 4_000_000;

/** Output buffers of one query (reused between queries; valid until the next one). */
export interface CandidateSet {
  count: number;
  edge: Int32Array;
  /** Fraction along the edge from its tail, 0..1. */
  t: Float64Array;
  /** Distance fix → road, metres. */
  distance: Float64Array;
}

export class CandidateIndex {
  readonly graph: RoadGraph;
  readonly radiusM: number;
  readonly maxCandidates: number;
  private readonly originLon: number;
  private readonly originLat: number;
  private readonly mPerDegLon: number;
  readonly nodeX: Float64Array;
  readonly nodeY: Float64Array;
  private readonly minX: number;
  private readonly minY: number;
  private readonly cell: number;
  private readonly cols: number;
  private readonly rows: number;
  private readonly cellStart: Uint32Array;
  private readonly cellEdges: Uint32Array;
  private readonly seen: Uint32Array;
  /** Per edge e, side by side: tail x, tail y, head x − tail x, head y − tail y (one cache line). */
  private readonly segment: Float64Array;
  private epoch = 0;
  private readonly out: CandidateSet;

  constructor(graph: RoadGraph, radiusM = 75, maxCandidates = 8) {
    this.graph = graph;
    this.radiusM = radiusM;
    this.maxCandidates = maxCandidates;
    const baseNodes = graph.turns?.baseNodeCount ?? graph.nodeCount;
    const edges = graph.turns?.baseEdgeCount ?? graph.edgeCount;
    const plane = localPlane(graph, baseNodes);
    this.originLon = plane.originLon;
    this.originLat = plane.originLat;
    this.mPerDegLon = plane.metresPerDegreeLon;
    const { minLon, minLat, maxLon, maxLat } = plane.bounds;
    const n = graph.nodeCount;
    this.nodeX = new Float64Array(n);
    this.nodeY = new Float64Array(n);
    for (let v = 0; v < n; v++) {
      this.nodeX[v] = this.x(graph.nodeLon[v]);
      this.nodeY[v] = this.y(graph.nodeLat[v]);
    }
    this.minX = this.x(minLon) - radiusM;
    this.minY = this.y(minLat) - radiusM;
    const width = this.x(maxLon) + radiusM - this.minX;
    const height = this.y(maxLat) + radiusM - this.minY;
    this.cell = Math.max(radiusM, Math.sqrt((width * height) / MAX_GRID_CELLS));
    this.cols = Math.max(1, Math.ceil(width / this.cell));
    this.rows = Math.max(1, Math.ceil(height / this.cell));
    const cells = this.cols * this.rows;
    this.cellStart = new Uint32Array(cells + 1);
    const visit = (e: number, f: (c: number) => void) => {
      const a = graph.edgeTail[e];
      const b = graph.edgeHead[e];
      const c0 = this.col(Math.min(this.nodeX[a], this.nodeX[b]));
      const c1 = this.col(Math.max(this.nodeX[a], this.nodeX[b]));
      const r0 = this.row(Math.min(this.nodeY[a], this.nodeY[b]));
      const r1 = this.row(Math.max(this.nodeY[a], this.nodeY[b]));
      for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) f(r * this.cols + c);
    };
    for (let e = 0; e < edges; e++) visit(e, (c) => this.cellStart[c + 1]++);
    for (let c = 0; c < cells; c++) this.cellStart[c + 1] += this.cellStart[c];
    this.cellEdges = new Uint32Array(this.cellStart[cells]);
    const cursor = this.cellStart.slice(0, cells);
    for (let e = 0; e < edges; e++) visit(e, (c) => (this.cellEdges[cursor[c]++] = e));
    this.seen = new Uint32Array(edges);
    this.segment = new Float64Array(4 * edges);
    for (let e = 0; e < edges; e++) {
      const a = graph.edgeTail[e];
      const b = graph.edgeHead[e];
      this.segment[4 * e] = this.nodeX[a];
      this.segment[4 * e + 1] = this.nodeY[a];
      this.segment[4 * e + 2] = this.nodeX[b] - this.nodeX[a];
      this.segment[4 * e + 3] = this.nodeY[b] - this.nodeY[a];
    }
    this.out = {
      count: 0,
      edge: new Int32Array(maxCandidates),
      t: new Float64Array(maxCandidates),
      distance: new Float64Array(maxCandidates),
    };
  }

  x(lon: number): number {
    return (lon - this.originLon) * this.mPerDegLon;
  }

  y(lat: number): number {
    return (lat - this.originLat) * METRES_PER_DEGREE;
  }

  private col(x: number): number {
    const c = Math.floor((x - this.minX) / this.cell);
    return c < 0 ? 0 : c >= this.cols ? this.cols - 1 : c;
  }

  private row(y: number): number {
    const r = Math.floor((y - this.minY) / this.cell);
    return r < 0 ? 0 : r >= this.rows ? this.rows - 1 : r;
  }

  /** Directed edges within the radius of (lon, lat), nearest first, at most maxCandidates. */
  query(lon: number, lat: number): CandidateSet {
    const out = this.out;
    out.count = 0;
    const px = this.x(lon);
    const py = this.y(lat);
    const r = this.radiusM;
    const r2 = r * r;
    this.epoch++;
    if (this.epoch === 0xffffffff) {
      this.seen.fill(0);
      this.epoch = 1;
    }
    const c0 = this.col(px - r);
    const c1 = this.col(px + r);
    const r0 = this.row(py - r);
    const r1 = this.row(py + r);
    const k = this.maxCandidates;
    const { seen, segment, cellStart, cellEdges, epoch } = this;
    for (let row = r0; row <= r1; row++) {
      for (let col = c0; col <= c1; col++) {
        const cell = row * this.cols + col;
        const end = cellStart[cell + 1];
        for (let i = cellStart[cell]; i < end; i++) {
          const e = cellEdges[i];
          if (seen[e] === epoch) continue;
          seen[e] = epoch;
          const ax = segment[4 * e];
          const ay = segment[4 * e + 1];
          const dx = segment[4 * e + 2];
          const dy = segment[4 * e + 3];
          const len2 = dx * dx + dy * dy;
          let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
          t = t < 0 ? 0 : Math.min(t, 1);
          const ex = ax + t * dx - px;
          const ey = ay + t * dy - py;
          const d2 = ex * ex + ey * ey;
          if (d2 > r2) continue;
          const d = Math.sqrt(d2);
          // Insertion into the sorted top-k (k is small).
          let pos = Math.min(out.count, k);
          if (pos === k && d >= out.distance[k - 1]) continue;
          while (
            pos > 0 &&
            (out.distance[pos - 1] > d || (out.distance[pos - 1] === d && out.edge[pos - 1] > e))
          ) {
            if (pos < k) {
              out.distance[pos] = out.distance[pos - 1];
              out.edge[pos] = out.edge[pos - 1];
              out.t[pos] = out.t[pos - 1];
            }
            pos--;
          }
          out.distance[pos] = d;
          out.edge[pos] = e;
          out.t[pos] = t;
          if (out.count < k) out.count++;
        }
      }
    }
    return out;
  }
}
