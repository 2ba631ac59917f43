/**
 * Camera coverage (the sector model of sector.ts): what share of the road network, of the hot spots
 * and of the checkpoints lies within some camera's view, where the gaps are, and where new cameras
 * would close most of them.
 *
 * Roads: every street segment (one per two-way pair) is cut into pieces of at most `stepM` metres;
 * a piece counts as covered when its midpoint lies in some sector, and weighs its length. Points
 * (hot spots, checkpoints) are covered when they lie in some sector. The placement advisor is the
 * greedy maximum-coverage heuristic (as the posts advisor): candidates are road nodes, each tried
 * with a standard camera at `headings` directions; at each step the candidate covering the most
 * still-uncovered road length is taken (lazy re-evaluation, CELF), which is within 1 − 1/e of the
 * best choice of that many cameras.
 */
import type { RoadGraph } from '../roads/graph';
import { type Sector, SectorIndex } from './sector';

export interface RoadSamples {
  lon: Float64Array;
  lat: Float64Array;
  /** Metres each sample stands for. */
  length: Float64Array;
  /** The edge each sample lies on (the representative of its two-way pair). */
  edge: Uint32Array;
  totalM: number;
}

/** True when edge e is the one of its two-way pair that represents the street segment. */
function representative(graph: RoadGraph, e: number): boolean {
  const a = graph.edgeTail[e];
  const b = graph.edgeHead[e];
  if (a < b) return true;
  for (let f = graph.firstOut[b]; f < graph.firstOut[b + 1]; f++) {
    if (graph.edgeHead[f] === a && Math.abs(graph.edgeLength[f] - graph.edgeLength[e]) < 0.01) return false;
  }
  return true;
}

/** The road network as samples of at most `stepM` metres each. */
export function roadSamples(graph: RoadGraph, stepM = 10): RoadSamples {
  const lon: number[] = [];
  const lat: number[] = [];
  const length: number[] = [];
  const edge: number[] = [];
  let totalM = 0;
  for (let e = 0; e < graph.edgeCount; e++) {
    if (!representative(graph, e)) continue;
    const len = graph.edgeLength[e];
    const n = Math.max(1, Math.ceil(len / stepM));
    const a = graph.edgeTail[e];
    const b = graph.edgeHead[e];
    for (let i = 0; i < n; i++) {
      const t = (i + 0.5) / n;
      lon.push(graph.nodeLon[a] + t * (graph.nodeLon[b] - graph.nodeLon[a]));
      lat.push(graph.nodeLat[a] + t * (graph.nodeLat[b] - graph.nodeLat[a]));
      length.push(len / n);
      edge.push(e);
    }
    totalM += len;
  }
  return {
    lon: Float64Array.from(lon),
    lat: Float64Array.from(lat),
    length: Float64Array.from(length),
    edge: Uint32Array.from(edge),
    totalM,
  };
}

export interface RoadCoverage {
  totalM: number;
  coveredM: number;
  share: number;
  /** Per sample: 1 when covered. */
  covered: Uint8Array;
}

export function roadCoverage<T extends Sector>(index: SectorIndex<T>, samples: RoadSamples): RoadCoverage {
  const covered = new Uint8Array(samples.lon.length);
  let coveredM = 0;
  for (let i = 0; i < covered.length; i++) {
    if (index.anyCovers(samples.lon[i], samples.lat[i])) {
      covered[i] = 1;
      coveredM += samples.length[i];
    }
  }
  return {
    totalM: samples.totalM,
    coveredM,
    share: samples.totalM > 0 ? coveredM / samples.totalM : 0,
    covered,
  };
}

/** Uncovered stretches: per edge, the uncovered length, longest first (the gaps to draw). */
export function roadGaps(
  samples: RoadSamples,
  covered: Uint8Array,
  minM = 50,
): { edge: number; uncoveredM: number }[] {
  const byEdge = new Map<number, number>();
  for (let i = 0; i < covered.length; i++) {
    if (covered[i]) continue;
    byEdge.set(samples.edge[i], (byEdge.get(samples.edge[i]) ?? 0) + samples.length[i]);
  }
  return [...byEdge]
    .filter(([, m]) => m >= minM)
    .map(([edge, uncoveredM]) => ({ edge, uncoveredM }))
    .sort((a, b) => b.uncoveredM - a.uncoveredM);
}

export interface PointCoverage<P> {
  total: number;
  covered: number;
  share: number;
  uncovered: P[];
}

export function pointCoverage<T extends Sector, P extends { lon: number; lat: number }>(
  index: SectorIndex<T>,
  points: readonly P[],
): PointCoverage<P> {
  const uncovered = points.filter((p) => !index.anyCovers(p.lon, p.lat));
  const covered = points.length - uncovered.length;
  return { total: points.length, covered, share: points.length > 0 ? covered / points.length : 0, uncovered };
}

export interface Placement {
  lon: number;
  lat: number;
  headingDeg: number;
  /** New road length it covers, given the picks before it. */
  gainM: number;
}

/**
 * Greedy maximum coverage of the still-uncovered road samples by `count` new cameras of the given
 * field of view and range, each at a candidate position and one of `headings` directions.
 */
export function advisePlacement(
  samples: RoadSamples,
  covered: Uint8Array,
  candidates: readonly { lon: number; lat: number }[],
  camera: { fovDeg: number; rangeM: number; headings: readonly number[] },
  count: number,
  refLat: number,
): Placement[] {
  const options: (Sector & { k: number })[] = [];
  for (const c of candidates) {
    for (const h of camera.headings) {
      options.push({
        lon: c.lon,
        lat: c.lat,
        headingDeg: h,
        fovDeg: camera.fovDeg,
        rangeM: camera.rangeM,
        k: options.length,
      });
    }
  }
  const index = new SectorIndex(options, refLat);
  // Which uncovered samples each option sees.
  const sees: number[][] = options.map(() => []);
  for (let i = 0; i < covered.length; i++) {
    if (covered[i]) continue;
    for (const o of index.covers(samples.lon[i], samples.lat[i])) sees[o.k].push(i);
  }
  const taken = Uint8Array.from(covered);
  const gainOf = (k: number) => {
    let g = 0;
    for (const i of sees[k]) if (!taken[i]) g += samples.length[i];
    return g;
  };
  // CELF: a max-heap of (stale) gains; re-evaluate the top until it is fresh.
  const heap = options.map((o) => ({ k: o.k, gain: gainOf(o.k), round: 0 })).filter((h) => h.gain > 0);
  heap.sort((a, b) => b.gain - a.gain);
  const picks: Placement[] = [];
  for (let round = 1; round <= count && heap.length > 0; round++) {
    for (;;) {
      const top = heap[0];
      if (top.round === round) break;
      top.gain = gainOf(top.k);
      top.round = round;
      // Re-insert in order (the list is short-lived and mostly sorted).
      heap.shift();
      let at = 0;
      while (at < heap.length && heap[at].gain > top.gain) at++;
      heap.splice(at, 0, top);
    }
    const best = heap.shift();
    if (!best || best.gain <= 0) break;
    for (const i of sees[best.k]) taken[i] = 1;
    const o = options[best.k];
    picks.push({ lon: o.lon, lat: o.lat, headingDeg: o.headingDeg, gainM: best.gain });
  }
  return picks;
}

/**
 * A representative point of a hot spot's shape, for point coverage: a polygon's vertex mean (its
 * outer ring without the closing vertex; an H3 cell's centre), a line's point halfway along it.
 */
export function shapeCentre(
  geometry: { type: 'Polygon'; coordinates: number[][][] } | { type: 'LineString'; coordinates: number[][] },
): { lon: number; lat: number } | null {
  if (geometry.type === 'Polygon') {
    const ring = geometry.coordinates[0] ?? [];
    const closed = ring.length > 1 && ring[0][0] === ring.at(-1)![0] && ring[0][1] === ring.at(-1)![1];
    const pts = closed ? ring.slice(0, -1) : ring;
    if (pts.length === 0) return null;
    return {
      lon: pts.reduce((a, p) => a + p[0], 0) / pts.length,
      lat: pts.reduce((a, p) => a + p[1], 0) / pts.length,
    };
  }
  const pts = geometry.coordinates;
  if (pts.length === 0) return null;
  const seg = (i: number) => Math.hypot(pts[i + 1][0] - pts[i][0], pts[i + 1][1] - pts[i][1]);
  let total = 0;
  for (let i = 0; i + 1 < pts.length; i++) total += seg(i);
  let left = total / 2;
  for (let i = 0; i + 1 < pts.length; i++) {
    const d = seg(i);
    if (d >= left && d > 0) {
      const f = left / d;
      return {
        lon: pts[i][0] + f * (pts[i + 1][0] - pts[i][0]),
        lat: pts[i][1] + f * (pts[i + 1][1] - pts[i][1]),
      };
    }
    left -= d;
  }
  return { lon: pts[0][0], lat: pts[0][1] };
}
