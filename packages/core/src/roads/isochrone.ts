/**
 * Isochrones: what can be reached from a snapped point within T seconds (or, in reverse, from
 * where the point can be reached within T), as road pieces and as an area.
 *
 * The road pieces are exact: whole edges whose far end is within T, and the reachable part of
 * edges where time runs out midway. The area is the union of grid cells those pieces pass
 * through, with enclosed holes filled (a block ringed by reached streets counts as reached) and
 * diagonal-only contacts bridged so every outline is a simple ring. That is concave where the
 * network is, needs no buffering library, and cannot produce self-intersecting polygons.
 */
import type { DijkstraEngine, SearchDirection } from './dijkstra';
import { type EdgeSnapper, type SnapResult, sourceSeeds, targetSeeds } from './snap';
import { baseEdgeOf, turnPenaltyOf } from './turn-restrictions';

export type Position = [number, number];

export interface LineStringGeometry {
  type: 'LineString';
  coordinates: Position[];
}

export interface PolygonGeometry {
  type: 'Polygon';
  coordinates: Position[][];
}

export interface MultiPolygonGeometry {
  type: 'MultiPolygon';
  coordinates: Position[][][];
}

/** The part [from, to] (fractions along the edge, tail = 0) of a directed edge within the limit. */
export interface ReachedPiece {
  edge: number;
  from: number;
  to: number;
}

export interface IsochroneOptions {
  /** 'forward' (default): reachable from the point; 'reverse': can reach the point. */
  direction?: SearchDirection;
  /** Cell size of the area raster in metres (default 50). */
  cellSizeM?: number;
}

export interface Isochrone {
  limitSeconds: number;
  /** Road nodes within the limit (base nodes: junction copies of a turn-restricted graph count once). */
  reachedNodes: number;
  pieces: ReachedPiece[];
  /** The pieces as lines, one per physical piece (a two-way street reached both ways once). */
  lines: LineStringGeometry[];
  /** Null when nothing is reachable (e.g. T = 0 on an isolated point still gives one cell). */
  area: PolygonGeometry | MultiPolygonGeometry | null;
}

const METRES_PER_DEGREE = (6_371_008.8 * Math.PI) / 180;
const MAX_RASTER_CELLS = 4_000_000;

export function isochrone(
  engine: DijkstraEngine,
  snapper: EdgeSnapper,
  origin: SnapResult,
  limitSeconds: number,
  options: IsochroneOptions = {},
): Isochrone {
  const direction = options.direction ?? 'forward';
  const pieces = reachedPieces(engine, snapper, origin, limitSeconds, direction);
  const graph = engine.graph;
  const reachedNodes = reachedBaseNodes(graph, engine.settledNodes());

  const lines: LineStringGeometry[] = [];
  const fullEdges = new Set<number>();
  for (const p of pieces) if (p.from === 0 && p.to === 1) fullEdges.add(p.edge);
  for (const p of pieces) {
    const twin = snapper.twinOf(p.edge);
    // A street covered fully in both directions is drawn once.
    if (p.from === 0 && p.to === 1 && twin >= 0 && twin < p.edge && fullEdges.has(twin)) continue;
    lines.push({
      type: 'LineString',
      coordinates: [pointAt(graph, p.edge, p.from), pointAt(graph, p.edge, p.to)],
    });
  }

  return {
    limitSeconds,
    reachedNodes,
    pieces,
    lines,
    area: rasterArea(lines, origin, options.cellSizeM ?? 50),
  };
}

/** Road nodes reached: on a turn-restricted graph a junction reached in several states counts once. */
function reachedBaseNodes(graph: DijkstraEngine['graph'], settled: Uint32Array): number {
  const t = graph.turns;
  if (!t) return settled.length;
  const seen = new Set<number>();
  for (let i = 0; i < settled.length; i++) seen.add(t.nodeBase[settled[i]]);
  return seen.size;
}

function pointAt(graph: DijkstraEngine['graph'], edge: number, f: number): Position {
  const a = graph.edgeTail[edge];
  const b = graph.edgeHead[edge];
  return [
    graph.nodeLon[a] + f * (graph.nodeLon[b] - graph.nodeLon[a]),
    graph.nodeLat[a] + f * (graph.nodeLat[b] - graph.nodeLat[a]),
  ];
}

/** Runs the search and lists the reached parts of every edge. */
export function reachedPieces(
  engine: DijkstraEngine,
  snapper: EdgeSnapper,
  origin: SnapResult,
  limitSeconds: number,
  direction: SearchDirection = 'forward',
): ReachedPiece[] {
  const graph = engine.graph;
  const seeds =
    direction === 'forward' ? sourceSeeds(graph, snapper, origin) : targetSeeds(graph, snapper, origin);
  const settled = engine.travelTimeField(seeds, limitSeconds, direction);
  const pieces: ReachedPiece[] = [];

  // The origin's own edge (and twin) from the point itself.
  const twin = snapper.twinOf(origin.edge);
  const along = (edge: number, start: number, forwardAlongEdge: boolean): void => {
    const time = graph.edgeTime[edge];
    const reach = time > 0 ? limitSeconds / time : 1;
    if (forwardAlongEdge) pieces.push({ edge, from: start, to: Math.min(1, start + reach) });
    else pieces.push({ edge, from: Math.max(0, start - reach), to: start });
  };
  along(origin.edge, origin.t, direction === 'forward');
  if (twin >= 0) along(twin, 1 - origin.t, direction === 'forward');

  for (let i = 0; i < settled.length; i++) {
    const v = settled[i];
    const left = limitSeconds - engine.costOf(v);
    if (direction === 'forward') {
      for (let e = graph.firstOut[v]; e < graph.firstOut[v + 1]; e++) {
        // A U-turn copy spends its penalty at the node, before any of the street is driven.
        const penalty = turnPenaltyOf(graph, e);
        if (penalty > left) continue;
        const time = graph.edgeTime[e] - penalty;
        pieces.push({ edge: e, from: 0, to: time > left - penalty ? (left - penalty) / time : 1 });
      }
    } else {
      for (let k = graph.firstIn[v]; k < graph.firstIn[v + 1]; k++) {
        const e = graph.inEdge[k];
        // Backwards, the part of the street nearest v is reached before the U-turn at its tail.
        const time = graph.edgeTime[e] - turnPenaltyOf(graph, e);
        pieces.push({ edge: e, from: time > left ? 1 - left / time : 0, to: 1 });
      }
    }
  }
  return graph.turns ? mergeCopies(graph, pieces, direction) : pieces;
}

/**
 * On a turn-restricted graph one street may be reached through several junction copies of its
 * edge: report each base edge once, with the furthest reach (forward pieces grow from a fixed
 * start, reverse pieces towards a fixed end).
 */
function mergeCopies(
  graph: DijkstraEngine['graph'],
  pieces: ReachedPiece[],
  direction: SearchDirection,
): ReachedPiece[] {
  const merged = new Map<string, ReachedPiece>();
  for (const p of pieces) {
    const edge = baseEdgeOf(graph, p.edge);
    const key = direction === 'forward' ? `${edge}|${p.from}` : `${edge}|${p.to}`;
    const known = merged.get(key);
    if (!known) merged.set(key, { edge, from: p.from, to: p.to });
    else if (direction === 'forward') known.to = Math.max(known.to, p.to);
    else known.from = Math.min(known.from, p.from);
  }
  return [...merged.values()];
}

/** Union of the raster cells the lines pass through, as simple rings (see the file comment). */
function rasterArea(
  lines: readonly LineStringGeometry[],
  origin: SnapResult,
  requestedCellSize: number,
): PolygonGeometry | MultiPolygonGeometry | null {
  if (lines.length === 0) return null;
  const lon0 = origin.lon;
  const lat0 = origin.lat;
  const mx = METRES_PER_DEGREE * Math.cos((lat0 * Math.PI) / 180);
  const my = METRES_PER_DEGREE;
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const line of lines) {
    for (const [lon, lat] of line.coordinates) {
      const x = (lon - lon0) * mx;
      const y = (lat - lat0) * my;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
  }
  const cellSize = Math.max(
    requestedCellSize,
    Math.sqrt(((maxX - minX + 1) * (maxY - minY + 1)) / MAX_RASTER_CELLS),
  );
  // One empty cell of margin on every side, so the outside is one connected region.
  const originX = minX - cellSize;
  const originY = minY - cellSize;
  const cols = Math.floor((maxX - originX) / cellSize) + 2;
  const rows = Math.floor((maxY - originY) / cellSize) + 2;
  const cells = new Uint8Array(cols * rows);
  const mark = (x: number, y: number): void => {
    cells[Math.floor((y - originY) / cellSize) * cols + Math.floor((x - originX) / cellSize)] = 1;
  };
  for (const line of lines) {
    const [[lonA, latA], [lonB, latB]] = line.coordinates;
    const ax = (lonA - lon0) * mx;
    const ay = (latA - lat0) * my;
    const bx = (lonB - lon0) * mx;
    const by = (latB - lat0) * my;
    const steps = Math.ceil(Math.hypot(bx - ax, by - ay) / (cellSize / 2));
    for (let s = 0; s <= steps; s++) {
      const f = steps === 0 ? 0 : s / steps;
      mark(ax + f * (bx - ax), ay + f * (by - ay));
    }
  }

  bridgeDiagonals(cells, cols, rows);
  fillHoles(cells, cols, rows);
  const rings = traceRings(cells, cols, rows);

  const toLonLat = (vx: number, vy: number): Position => [
    lon0 + (originX + vx * cellSize) / mx,
    lat0 + (originY + vy * cellSize) / my,
  ];
  const polygons: Position[][][] = rings.map((ring) => [ring.map(([vx, vy]) => toLonLat(vx, vy))]);
  if (polygons.length === 0) return null;
  if (polygons.length === 1) return { type: 'Polygon', coordinates: polygons[0] };
  return { type: 'MultiPolygon', coordinates: polygons };
}

/**
 * Where two marked cells touch only at a corner, marks one of the two empty cells between them,
 * so outlines never pinch to a point (a non-simple ring). Repeats until stable: a new cell can
 * create a new corner contact.
 */
function bridgeDiagonals(cells: Uint8Array, cols: number, rows: number): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (let r = 0; r + 1 < rows; r++) {
      for (let c = 0; c + 1 < cols; c++) {
        const a = cells[r * cols + c];
        const b = cells[r * cols + c + 1];
        const d = cells[(r + 1) * cols + c];
        const e = cells[(r + 1) * cols + c + 1];
        if (a && e && !b && !d) {
          cells[r * cols + c + 1] = 1;
          changed = true;
        } else if (b && d && !a && !e) {
          cells[r * cols + c] = 1;
          changed = true;
        }
      }
    }
  }
}

/** Marks every empty cell not 4-connected to the border (a hole inside the reached area). */
function fillHoles(cells: Uint8Array, cols: number, rows: number): void {
  const outside = new Uint8Array(cells.length);
  const stack: number[] = [];
  const push = (i: number): void => {
    if (!cells[i] && !outside[i]) {
      outside[i] = 1;
      stack.push(i);
    }
  };
  for (let c = 0; c < cols; c++) {
    push(c);
    push((rows - 1) * cols + c);
  }
  for (let r = 0; r < rows; r++) {
    push(r * cols);
    push(r * cols + cols - 1);
  }
  while (stack.length > 0) {
    const i = stack.pop()!;
    const r = Math.floor(i / cols);
    const c = i - r * cols;
    if (c > 0) push(i - 1);
    if (c + 1 < cols) push(i + 1);
    if (r > 0) push(i - cols);
    if (r + 1 < rows) push(i + cols);
  }
  for (let i = 0; i < cells.length; i++) if (!cells[i] && !outside[i]) cells[i] = 1;
}

/**
 * Outlines of the marked cells as counter-clockwise rings of lattice points (x = column, y =
 * row), closed, with collinear points removed. Requires no corner contacts and no holes, so every
 * lattice point has at most one outgoing boundary edge.
 */
function traceRings(cells: Uint8Array, cols: number, rows: number): Array<Array<[number, number]>> {
  const vcols = cols + 1;
  const next = new Int32Array(vcols * (rows + 1)).fill(-1);
  const at = (r: number, c: number): number =>
    r < 0 || c < 0 || r >= rows || c >= cols ? 0 : cells[r * cols + c];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (!cells[r * cols + c]) continue;
      // Walk the cell's border counter-clockwise (y up): bottom, right, top, left.
      if (!at(r - 1, c)) next[r * vcols + c] = r * vcols + c + 1;
      if (!at(r, c + 1)) next[r * vcols + c + 1] = (r + 1) * vcols + c + 1;
      if (!at(r + 1, c)) next[(r + 1) * vcols + c + 1] = (r + 1) * vcols + c;
      if (!at(r, c - 1)) next[(r + 1) * vcols + c] = r * vcols + c;
    }
  }
  const rings: Array<Array<[number, number]>> = [];
  for (let start = 0; start < next.length; start++) {
    if (next[start] < 0) continue;
    const ring: Array<[number, number]> = [];
    let v = start;
    while (next[v] >= 0) {
      const w = next[v];
      next[v] = -1;
      ring.push([v % vcols, Math.floor(v / vcols)]);
      v = w;
    }
    rings.push(closeWithoutCollinear(ring));
  }
  return rings;
}

function closeWithoutCollinear(ring: Array<[number, number]>): Array<[number, number]> {
  const n = ring.length;
  const kept: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const p = ring[(i + n - 1) % n];
    const q = ring[i];
    const s = ring[(i + 1) % n];
    const cross = (q[0] - p[0]) * (s[1] - q[1]) - (q[1] - p[1]) * (s[0] - q[0]);
    if (cross !== 0) kept.push(q);
  }
  kept.push(kept[0]);
  return kept;
}
