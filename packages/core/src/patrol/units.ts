/**
 * The places hot spots are ranked on: H3 cells or street segments, each with its measure (the
 * "area" of PAI: km² of a cell, metres of a segment), a few sample points (where kernel density
 * is read), a geometry for the map, and a way to find the unit of a point.
 *
 * Which cells make up the city (the denominator of PAI) is a choice that moves PAI, so it is
 * stated with the units: every cell holding a road node of the city's graph, or, with no graph,
 * every cell covering the convex hull of the incidents (the study area the data shows).
 */
import {
  cellArea,
  cellToBoundary,
  cellToLatLng,
  getHexagonEdgeLengthAvg,
  latLngToCell,
  polygonToCells,
} from 'h3-js';
import type { RoadGraph } from '../roads/graph';
import { haversineMetres } from '../roads/osm-to-graph';
import { EdgeSnapper } from '../roads/snap';
import { type StreetSegments, streetSegments } from './segments';

export type UnitSpec = { kind: 'h3'; resolution: number } | { kind: 'segment' };

/** `h3:9` / `segment` → spec; throws RangeError on anything else. */
export function parseUnitSpec(text: string): UnitSpec {
  const h3 = /^h3(?::(\d{1,2}))?$/.exec(text.trim());
  if (h3) {
    const resolution = h3[1] === undefined ? 9 : Number(h3[1]);
    if (resolution < 5 || resolution > 12) throw new RangeError('H3 resolution must be 5 to 12');
    return { kind: 'h3', resolution };
  }
  if (text.trim() === 'segment' || text.trim() === 'segments') return { kind: 'segment' };
  throw new RangeError(`unknown unit "${text}": h3:RES (5–12) or segment`);
}

export function unitSpecName(spec: UnitSpec): string {
  return spec.kind === 'h3' ? `h3:${spec.resolution}` : 'segment';
}

export interface SpatialUnits {
  spec: UnitSpec;
  count: number;
  /** km² (H3) or metres of street (segments). */
  measure: Float64Array;
  totalMeasure: number;
  measureUnit: 'km2' | 'm';
  /** What the units (and so the PAI denominator) cover, in words. */
  universe: string;
  /** Sample points of unit u: sampleLon/Lat[sampleStart[u] .. sampleStart[u+1]-1]. */
  sampleStart: Uint32Array;
  sampleLon: Float64Array;
  sampleLat: Float64Array;
  /** Stable id: the H3 index, or `s<n>` for a segment. */
  id(u: number): string;
  /** A label for lists: the street's name (a cell's: its main named street), if any. */
  label(u: number): string | null;
  /** GeoJSON geometry (WGS-84). */
  geometry(
    u: number,
  ): { type: 'Polygon'; coordinates: number[][][] } | { type: 'LineString'; coordinates: number[][] };
  /** Unit index of a point, or -1 when it lies in none. */
  locate(lon: number, lat: number): number;
}

// ---------------------------------------------------------------------------------------------
// H3

/**
 * Finds H3 cells of many points fast: a lattice of small squares (an eighth of the cell edge) is
 * laid over the area; a square whose four corners lie in one cell lies wholly in it (cells are
 * convex), so its points get that cell without asking H3 again. Points in squares a cell border
 * crosses are asked exactly. Same answers as `latLngToCell`, several times fewer calls.
 */
export class H3Locator {
  private readonly stepLon: number;
  private readonly stepLat: number;
  private readonly corners = new Map<number, string>();
  private readonly squares = new Map<number, number>();
  private readonly index: Map<string, number>;

  constructor(
    readonly resolution: number,
    cells: readonly string[],
    private readonly originLon: number,
    private readonly originLat: number,
  ) {
    const edgeM = getHexagonEdgeLengthAvg(resolution, 'm');
    this.stepLat = edgeM / 8 / 111_320;
    this.stepLon = this.stepLat / Math.max(0.05, Math.cos((originLat * Math.PI) / 180));
    this.index = new Map(cells.map((c, i) => [c, i]));
  }

  private corner(ix: number, iy: number): string {
    const key = (ix + 1_048_576) * 2_097_152 + (iy + 1_048_576);
    let c = this.corners.get(key);
    if (c === undefined) {
      c = latLngToCell(
        this.originLat + iy * this.stepLat,
        this.originLon + ix * this.stepLon,
        this.resolution,
      );
      this.corners.set(key, c);
    }
    return c;
  }

  /** Unit index of the point's cell, or -1 when that cell is not one of the units. */
  locate(lon: number, lat: number): number {
    const fx = (lon - this.originLon) / this.stepLon;
    const fy = (lat - this.originLat) / this.stepLat;
    const ix = Math.floor(fx);
    const iy = Math.floor(fy);
    if (
      Math.abs(ix) >= 1_000_000 ||
      Math.abs(iy) >= 1_000_000 ||
      !Number.isFinite(fx) ||
      !Number.isFinite(fy)
    ) {
      return this.index.get(latLngToCell(lat, lon, this.resolution)) ?? -1;
    }
    const key = (ix + 1_048_576) * 2_097_152 + (iy + 1_048_576);
    let v = this.squares.get(key);
    if (v === undefined) {
      const a = this.corner(ix, iy);
      if (
        a === this.corner(ix + 1, iy) &&
        a === this.corner(ix, iy + 1) &&
        a === this.corner(ix + 1, iy + 1)
      ) {
        v = this.index.get(a) ?? -1;
      } else v = -2;
      if (this.squares.size > 4_000_000) {
        this.squares.clear();
        this.corners.clear();
      }
      this.squares.set(key, v);
    }
    if (v !== -2) return v;
    return this.index.get(latLngToCell(lat, lon, this.resolution)) ?? -1;
  }
}

/** Convex hull (monotone chain) of points, counter-clockwise, as [lon, lat] pairs. */
export function convexHull(lon: ArrayLike<number>, lat: ArrayLike<number>): [number, number][] {
  const pts: [number, number][] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lon.length; i++) {
    const key = `${lon[i]},${lat[i]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    pts.push([lon[i], lat[i]]);
  }
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length < 3) return pts;
  const cross = (o: [number, number], a: [number, number], b: [number, number]) =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: [number, number][] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

function h3Units(
  resolution: number,
  cellSet: Set<string>,
  universe: string,
  streetOf: ReadonlyMap<string, string> = new Map(),
): SpatialUnits {
  const cells = [...cellSet].sort();
  const count = cells.length;
  const measure = new Float64Array(count);
  let total = 0;
  const sampleStart = new Uint32Array(count + 1);
  const sampleLon = new Float64Array(count * 7);
  const sampleLat = new Float64Array(count * 7);
  let cLon = 0;
  let cLat = 0;
  for (let u = 0; u < count; u++) {
    measure[u] = cellArea(cells[u], 'km2');
    total += measure[u];
    const [lat, lon] = cellToLatLng(cells[u]);
    cLon += lon;
    cLat += lat;
    // The centre and six points halfway to the vertices: density is averaged over the cell.
    const boundary = cellToBoundary(cells[u]);
    let k = u * 7;
    sampleStart[u] = k;
    sampleLon[k] = lon;
    sampleLat[k] = lat;
    k++;
    for (let j = 0; j < 6; j++) {
      const [vLat, vLon] = boundary[Math.floor((j * boundary.length) / 6)];
      sampleLon[k] = lon + 0.5 * (vLon - lon);
      sampleLat[k] = lat + 0.5 * (vLat - lat);
      k++;
    }
  }
  sampleStart[count] = count * 7;
  const locator = new H3Locator(resolution, cells, count ? cLon / count : 0, count ? cLat / count : 0);
  return {
    spec: { kind: 'h3', resolution },
    count,
    measure,
    totalMeasure: total,
    measureUnit: 'km2',
    universe,
    sampleStart,
    sampleLon,
    sampleLat,
    id: (u) => cells[u],
    label: (u) => streetOf.get(cells[u]) ?? null,
    geometry: (u) => {
      const ring = cellToBoundary(cells[u], true);
      return { type: 'Polygon', coordinates: [[...ring, ring[0]].map(([x, y]) => [round7(x), round7(y)])] };
    },
    locate: (lon, lat) => locator.locate(lon, lat),
  };
}

/** H3 cells holding a road node of the graph. */
export function h3UnitsOfGraph(graph: RoadGraph, resolution: number): SpatialUnits {
  const cells = new Set<string>();
  const nodeCell: string[] = new Array(graph.nodeCount);
  for (let v = 0; v < graph.nodeCount; v++) {
    nodeCell[v] = latLngToCell(graph.nodeLat[v], graph.nodeLon[v], resolution);
    cells.add(nodeCell[v]);
  }
  // Each cell's label: the named street with the most length starting in it (a place people know).
  const lengths = new Map<string, Map<string, number>>();
  for (let e = 0; e < graph.edgeCount; e++) {
    const name = graph.ways[graph.edgeWay[e]]?.name;
    if (!name) continue;
    const cell = nodeCell[graph.edgeTail[e]];
    let byName = lengths.get(cell);
    if (!byName) {
      byName = new Map();
      lengths.set(cell, byName);
    }
    byName.set(name, (byName.get(name) ?? 0) + graph.edgeLength[e]);
  }
  const streetOf = new Map<string, string>();
  for (const [cell, byName] of lengths) {
    let best = '';
    let most = -1;
    for (const [name, length] of byName) if (length > most) [best, most] = [name, length];
    streetOf.set(cell, best);
  }
  return h3Units(
    resolution,
    cells,
    `H3 res ${resolution} cells holding any road node of the city's road graph`,
    streetOf,
  );
}

/** H3 cells covering the convex hull of the points, plus the cells of the points themselves. */
export function h3UnitsOfStudyArea(
  lon: ArrayLike<number>,
  lat: ArrayLike<number>,
  resolution: number,
): SpatialUnits {
  const cells = new Set<string>();
  const hull = convexHull(lon, lat);
  if (hull.length >= 3) {
    for (const c of polygonToCells(
      [...hull, hull[0]].map(([x, y]) => [y, x]),
      resolution,
    ))
      cells.add(c);
  }
  for (let i = 0; i < lon.length; i++) cells.add(latLngToCell(lat[i], lon[i], resolution));
  return h3Units(
    resolution,
    cells,
    `H3 res ${resolution} cells covering the convex hull of all imported incidents (the study area the data shows; no road graph given)`,
  );
}

// ---------------------------------------------------------------------------------------------
// Street segments

/** Street segments of the graph; points farther than `snapLimitM` from every street lie in none. */
export function segmentUnits(
  graph: RoadGraph,
  options: {
    snapLimitM?: number;
    sampleSpacingM?: number;
    segments?: StreetSegments;
    snapper?: EdgeSnapper;
  } = {},
): SpatialUnits & { segments: StreetSegments } {
  const segments = options.segments ?? streetSegments(graph);
  const snapLimit = options.snapLimitM ?? 150;
  const spacing = options.sampleSpacingM ?? 25;
  // A finer snapping grid than the default: cities with empty country between valleys (Andorra)
  // otherwise put many segments in one cell.
  const snapper = options.snapper ?? new EdgeSnapper(graph, { cellSizeM: 50 });
  const count = segments.count;
  let total = 0;
  for (let s = 0; s < count; s++) total += segments.length[s];

  // Samples every `spacing` metres along each segment (at least its middle).
  const sampleStart = new Uint32Array(count + 1);
  const lons: number[] = [];
  const lats: number[] = [];
  for (let s = 0; s < count; s++) {
    sampleStart[s] = lons.length;
    const n = Math.max(1, Math.round(segments.length[s] / spacing));
    const step = segments.length[s] / n;
    let want = step / 2;
    let walked = 0;
    const from = segments.nodeStart[s];
    const to = segments.nodeStart[s + 1];
    for (let i = from; i + 1 < to && lons.length - sampleStart[s] < n; i++) {
      const a = segments.nodes[i];
      const b = segments.nodes[i + 1];
      const d = haversineMetres(graph.nodeLon[a], graph.nodeLat[a], graph.nodeLon[b], graph.nodeLat[b]);
      while (want <= walked + d && lons.length - sampleStart[s] < n) {
        const f = d > 0 ? (want - walked) / d : 0;
        lons.push(graph.nodeLon[a] + f * (graph.nodeLon[b] - graph.nodeLon[a]));
        lats.push(graph.nodeLat[a] + f * (graph.nodeLat[b] - graph.nodeLat[a]));
        want += step;
      }
      walked += d;
    }
    if (lons.length === sampleStart[s]) {
      const a = segments.nodes[from];
      lons.push(graph.nodeLon[a]);
      lats.push(graph.nodeLat[a]);
    }
  }
  sampleStart[count] = lons.length;
  return {
    spec: { kind: 'segment' },
    count,
    measure: segments.length,
    totalMeasure: total,
    measureUnit: 'm',
    universe: `street segments (intersection to intersection) of the city's road graph; a point farther than ${snapLimit} m from every street lies in none`,
    sampleStart,
    sampleLon: Float64Array.from(lons),
    sampleLat: Float64Array.from(lats),
    segments,
    id: (u) => `s${u}`,
    label: (u) => graph.ways[segments.way[u]]?.name ?? null,
    geometry: (u) => {
      const coordinates: number[][] = [];
      for (let i = segments.nodeStart[u]; i < segments.nodeStart[u + 1]; i++) {
        const v = segments.nodes[i];
        coordinates.push([round7(graph.nodeLon[v]), round7(graph.nodeLat[v])]);
      }
      return { type: 'LineString', coordinates };
    },
    locate: (lon, lat) => {
      const hit = snapper.snap(lon, lat, snapLimit);
      return hit ? segments.segmentOfEdge[hit.edge] : -1;
    },
  };
}

/** The unit of every point (−1: none). */
export function locateAll(units: SpatialUnits, lon: ArrayLike<number>, lat: ArrayLike<number>): Int32Array {
  const out = new Int32Array(lon.length);
  for (let i = 0; i < out.length; i++) out[i] = units.locate(lon[i], lat[i]);
  return out;
}

function round7(x: number): number {
  return Math.round(x * 1e7) / 1e7;
}
