/**
 * Hot-spot models: from past incidents, the expected number of incidents in each unit (H3 cell or
 * street segment) over a coming time window.
 *
 * Every model answers a daily rate per unit from the training period [from, to); the expectation
 * for a window is that rate times the window's length, shaped by the time-of-day / day-of-week
 * profile when the window is not whole weeks (see `windowExpectation`).
 *
 * - `prior_counts`: incidents in the unit during the training period ÷ its days. The baseline:
 *   simple counts are often as good as fancier models, so every model is scored beside it.
 * - `kde`: planar kernel density (Gaussian, bandwidth in metres) of the training incidents, read
 *   over each unit (averaged at its sample points, times its measure); the same total as prior
 *   counts, spread to the neighbourhood, so units next to hot ones rise.
 * - `recent`: counts with exponentially decaying weights (half-life in days): last week's
 *   incidents weigh more than last month's; the weights are normalised so a steady rate gives the
 *   same answer as prior counts.
 * - `network_kde` (segments only): each segment's count spread to the segments within a few
 *   bandwidths along the streets (Gaussian in network distance between segment middles), so a
 *   hot street rather than the block behind it rises.
 */
import type { RoadGraph } from '../roads/graph';
import { MODELS, type ModelName } from './names';
import type { StreetSegments } from './segments';
import type { SpatialUnits } from './units';

export { MODELS, type ModelName };

export interface ModelParams {
  /** KDE bandwidth (Gaussian σ), metres. */
  bandwidthM: number;
  /** Half-life of the `recent` model's weights, days. */
  halfLifeDays: number;
}

export const DEFAULT_MODEL_PARAMS: ModelParams = { bandwidthM: 200, halfLifeDays: 14 };

const DAY_MS = 86_400_000;

/** Incidents located in units, as columns (−1: in no unit). */
export interface LocatedIncidents {
  unit: Int32Array;
  time: Float64Array;
  lon: Float64Array;
  lat: Float64Array;
}

/** Indices of incidents in [from, to) — scanning once (times need not be sorted). */
export function inPeriod(incidents: LocatedIncidents, from: number, to: number): Uint32Array {
  const out: number[] = [];
  const { time } = incidents;
  for (let i = 0; i < time.length; i++) if (time[i] >= from && time[i] < to) out.push(i);
  return Uint32Array.from(out);
}

/** Incidents per unit among `which`. */
export function countPerUnit(
  units: SpatialUnits,
  incidents: LocatedIncidents,
  which: ArrayLike<number>,
): Float64Array {
  const counts = new Float64Array(units.count);
  for (let k = 0; k < which.length; k++) {
    const u = incidents.unit[which[k]];
    if (u >= 0) counts[u]++;
  }
  return counts;
}

export function priorCountsRate(
  units: SpatialUnits,
  incidents: LocatedIncidents,
  train: ArrayLike<number>,
  days: number,
): Float64Array {
  const rate = countPerUnit(units, incidents, train);
  for (let u = 0; u < rate.length; u++) rate[u] /= days;
  return rate;
}

export function recentRate(
  units: SpatialUnits,
  incidents: LocatedIncidents,
  train: ArrayLike<number>,
  to: number,
  days: number,
  halfLifeDays: number,
): Float64Array {
  const rate = new Float64Array(units.count);
  const k = Math.LN2 / (halfLifeDays * DAY_MS);
  for (let j = 0; j < train.length; j++) {
    const i = train[j];
    const u = incidents.unit[i];
    if (u >= 0) rate[u] += Math.exp(-k * (to - incidents.time[i]));
  }
  // ∫ over the training days of 2^(−age/H) d(age), in days: a constant rate r gives back r.
  const norm = (halfLifeDays / Math.LN2) * (1 - 2 ** (-days / halfLifeDays));
  for (let u = 0; u < rate.length; u++) rate[u] /= norm;
  return rate;
}

/**
 * A density surface: incidents binned on a metre grid over the units' area and blurred with a
 * separable Gaussian; read back by bilinear interpolation. O(grid · kernel) whatever the count.
 */
export class DensityGrid {
  readonly cols: number;
  readonly rows: number;
  readonly step: number;
  private readonly minX: number;
  private readonly minY: number;
  private readonly lon0: number;
  private readonly lat0: number;
  private readonly kx: number;
  private readonly ky: number;
  private grid: Float64Array;
  private readonly bandwidth: number;

  constructor(units: SpatialUnits, bandwidthM: number, maxCells = 4_000_000) {
    const { sampleLon, sampleLat } = units;
    let minLon = Number.POSITIVE_INFINITY;
    let maxLon = Number.NEGATIVE_INFINITY;
    let minLat = Number.POSITIVE_INFINITY;
    let maxLat = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < sampleLon.length; i++) {
      if (sampleLon[i] < minLon) minLon = sampleLon[i];
      if (sampleLon[i] > maxLon) maxLon = sampleLon[i];
      if (sampleLat[i] < minLat) minLat = sampleLat[i];
      if (sampleLat[i] > maxLat) maxLat = sampleLat[i];
    }
    if (!Number.isFinite(minLon)) minLon = maxLon = minLat = maxLat = 0;
    this.lon0 = (minLon + maxLon) / 2;
    this.lat0 = (minLat + maxLat) / 2;
    this.ky = 111_320;
    this.kx = 111_320 * Math.cos((this.lat0 * Math.PI) / 180);
    const margin = 4 * bandwidthM;
    this.minX = (minLon - this.lon0) * this.kx - margin;
    this.minY = (minLat - this.lat0) * this.ky - margin;
    const width = (maxLon - this.lon0) * this.kx + margin - this.minX;
    const height = (maxLat - this.lat0) * this.ky + margin - this.minY;
    this.step = Math.max(bandwidthM / 3, Math.sqrt((width * height) / maxCells), 1);
    this.cols = Math.max(2, Math.ceil(width / this.step) + 1);
    this.rows = Math.max(2, Math.ceil(height / this.step) + 1);
    this.grid = new Float64Array(this.cols * this.rows);
    this.bandwidth = bandwidthM;
  }

  /** Adds weight at a point (bilinear splat, so mass is kept). */
  add(lon: number, lat: number, weight = 1): void {
    const fx = ((lon - this.lon0) * this.kx - this.minX) / this.step;
    const fy = ((lat - this.lat0) * this.ky - this.minY) / this.step;
    const ix = Math.floor(fx);
    const iy = Math.floor(fy);
    if (ix < 0 || iy < 0 || ix >= this.cols - 1 || iy >= this.rows - 1) return;
    const dx = fx - ix;
    const dy = fy - iy;
    const at = iy * this.cols + ix;
    this.grid[at] += weight * (1 - dx) * (1 - dy);
    this.grid[at + 1] += weight * dx * (1 - dy);
    this.grid[at + this.cols] += weight * (1 - dx) * dy;
    this.grid[at + this.cols + 1] += weight * dx * dy;
  }

  /** Blurs the binned mass with the Gaussian kernel (rows, then columns). */
  smooth(): void {
    const sigma = this.bandwidth / this.step;
    const radius = Math.max(1, Math.ceil(3 * sigma));
    const kernel = new Float64Array(2 * radius + 1);
    let sum = 0;
    for (let i = -radius; i <= radius; i++) {
      kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
      sum += kernel[i + radius];
    }
    for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
    const { cols, rows } = this;
    const tmp = new Float64Array(this.grid.length);
    // Rows: spread each non-zero cell (grids are mostly empty).
    for (let y = 0; y < rows; y++) {
      const base = y * cols;
      for (let x = 0; x < cols; x++) {
        const v = this.grid[base + x];
        if (v === 0) continue;
        const lo = Math.max(0, x - radius);
        const hi = Math.min(cols - 1, x + radius);
        for (let t = lo; t <= hi; t++) tmp[base + t] += v * kernel[t - x + radius];
      }
    }
    const out = new Float64Array(this.grid.length);
    for (let y = 0; y < rows; y++) {
      const base = y * cols;
      for (let x = 0; x < cols; x++) {
        const v = tmp[base + x];
        if (v === 0) continue;
        const lo = Math.max(0, y - radius);
        const hi = Math.min(rows - 1, y + radius);
        for (let t = lo; t <= hi; t++) out[t * cols + x] += v * kernel[t - y + radius];
      }
    }
    this.grid = out;
  }

  /** Mass per grid cell at a point (bilinear). */
  at(lon: number, lat: number): number {
    const fx = ((lon - this.lon0) * this.kx - this.minX) / this.step;
    const fy = ((lat - this.lat0) * this.ky - this.minY) / this.step;
    const ix = Math.floor(fx);
    const iy = Math.floor(fy);
    if (ix < 0 || iy < 0 || ix >= this.cols - 1 || iy >= this.rows - 1) return 0;
    const dx = fx - ix;
    const dy = fy - iy;
    const a = iy * this.cols + ix;
    const g = this.grid;
    return (
      g[a] * (1 - dx) * (1 - dy) +
      g[a + 1] * dx * (1 - dy) +
      g[a + this.cols] * (1 - dx) * dy +
      g[a + this.cols + 1] * dx * dy
    );
  }
}

/** Spreads `total` over the units in proportion to `weight` (all zero: nothing). */
function normalizeTo(weight: Float64Array, total: number): Float64Array {
  let sum = 0;
  for (let u = 0; u < weight.length; u++) sum += weight[u];
  if (sum > 0) for (let u = 0; u < weight.length; u++) weight[u] *= total / sum;
  return weight;
}

export function kdeRate(
  units: SpatialUnits,
  incidents: LocatedIncidents,
  train: ArrayLike<number>,
  days: number,
  bandwidthM: number,
): Float64Array {
  const grid = new DensityGrid(units, bandwidthM);
  let located = 0;
  for (let j = 0; j < train.length; j++) {
    const i = train[j];
    // Incidents outside every unit still shape the surface near the units' edge.
    grid.add(incidents.lon[i], incidents.lat[i]);
    if (incidents.unit[i] >= 0) located++;
  }
  grid.smooth();
  const weight = new Float64Array(units.count);
  for (let u = 0; u < units.count; u++) {
    const from = units.sampleStart[u];
    const to = units.sampleStart[u + 1];
    let sum = 0;
    for (let k = from; k < to; k++) sum += grid.at(units.sampleLon[k], units.sampleLat[k]);
    weight[u] = to > from ? (sum / (to - from)) * units.measure[u] : 0;
  }
  // The same expected total as prior counts: KDE moves incidents, it does not make more.
  normalizeTo(weight, located / days);
  return weight;
}

/**
 * Each segment's middle, as a position on the graph: network distances between middles are
 * found by a bounded Dijkstra over undirected street lengths from both ends of the source
 * segment.
 */
export class SegmentNetwork {
  private readonly adjStart: Uint32Array;
  private readonly adjNode: Uint32Array;
  private readonly adjLength: Float64Array;
  private readonly dist: Float64Array;
  private readonly touched: number[] = [];
  private readonly endA: Uint32Array;
  private readonly endB: Uint32Array;
  /** Segments at each node (CSR). */
  private readonly segStart: Uint32Array;
  private readonly segAt: Uint32Array;

  constructor(
    graph: RoadGraph,
    private readonly segments: StreetSegments,
  ) {
    const n = graph.nodeCount;
    // Undirected adjacency over every directed edge (a one-way street is still walkable distance).
    const deg = new Uint32Array(n + 1);
    for (let e = 0; e < graph.edgeCount; e++) {
      deg[graph.edgeTail[e] + 1]++;
      deg[graph.edgeHead[e] + 1]++;
    }
    for (let v = 0; v < n; v++) deg[v + 1] += deg[v];
    this.adjStart = deg;
    this.adjNode = new Uint32Array(deg[n]);
    this.adjLength = new Float64Array(deg[n]);
    const cur = deg.slice(0, n);
    for (let e = 0; e < graph.edgeCount; e++) {
      const a = graph.edgeTail[e];
      const b = graph.edgeHead[e];
      this.adjNode[cur[a]] = b;
      this.adjLength[cur[a]++] = graph.edgeLength[e];
      this.adjNode[cur[b]] = a;
      this.adjLength[cur[b]++] = graph.edgeLength[e];
    }
    this.dist = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    const count = segments.count;
    this.endA = new Uint32Array(count);
    this.endB = new Uint32Array(count);
    const sdeg = new Uint32Array(n + 1);
    for (let s = 0; s < count; s++) {
      this.endA[s] = segments.nodes[segments.nodeStart[s]];
      this.endB[s] = segments.nodes[segments.nodeStart[s + 1] - 1];
      sdeg[this.endA[s] + 1]++;
      sdeg[this.endB[s] + 1]++;
    }
    for (let v = 0; v < n; v++) sdeg[v + 1] += sdeg[v];
    this.segStart = sdeg;
    this.segAt = new Uint32Array(sdeg[n]);
    const c2 = sdeg.slice(0, n);
    for (let s = 0; s < count; s++) {
      this.segAt[c2[this.endA[s]]++] = s;
      this.segAt[c2[this.endB[s]]++] = s;
    }
  }

  /**
   * Calls `visit(segment, distance)` for every segment whose middle lies within `limit` metres
   * (along the streets) of segment `s`'s middle, `s` itself at 0.
   */
  around(s: number, limit: number, visit: (segment: number, distanceM: number) => void): void {
    const half = this.segments.length[s] / 2;
    for (const v of this.touched) this.dist[v] = Number.POSITIVE_INFINITY;
    this.touched.length = 0;
    const heap: number[] = []; // pairs (dist, node) in a binary heap over dist
    const push = (d: number, v: number) => {
      if (d >= this.dist[v] || d > limit) return;
      if (this.dist[v] === Number.POSITIVE_INFINITY) this.touched.push(v);
      this.dist[v] = d;
      heap.push(d, v);
      let i = heap.length / 2 - 1;
      while (i > 0) {
        const p = ((i - 1) >> 1) | 0;
        if (heap[2 * p] <= heap[2 * i]) break;
        [heap[2 * p], heap[2 * i]] = [heap[2 * i], heap[2 * p]];
        [heap[2 * p + 1], heap[2 * i + 1]] = [heap[2 * i + 1], heap[2 * p + 1]];
        i = p;
      }
    };
    const pop = (): [number, number] => {
      const d = heap[0];
      const v = heap[1];
      const lastV = heap.pop() as number;
      const lastD = heap.pop() as number;
      const n = heap.length / 2;
      if (n > 0) {
        heap[0] = lastD;
        heap[1] = lastV;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < n && heap[2 * l] < heap[2 * m]) m = l;
          if (r < n && heap[2 * r] < heap[2 * m]) m = r;
          if (m === i) break;
          [heap[2 * m], heap[2 * i]] = [heap[2 * i], heap[2 * m]];
          [heap[2 * m + 1], heap[2 * i + 1]] = [heap[2 * i + 1], heap[2 * m + 1]];
          i = m;
        }
      }
      return [d, v];
    };
    push(half, this.endA[s]);
    push(half, this.endB[s]);
    const seen = new Set<number>([s]);
    visit(s, 0);
    while (heap.length > 0) {
      const [d, v] = pop();
      if (d > this.dist[v]) continue;
      for (let i = this.segStart[v]; i < this.segStart[v + 1]; i++) {
        const t = this.segAt[i];
        if (seen.has(t)) continue;
        const dm = d + this.segments.length[t] / 2;
        if (dm <= limit) {
          seen.add(t);
          visit(t, dm);
        }
      }
      for (let i = this.adjStart[v]; i < this.adjStart[v + 1]; i++)
        push(d + this.adjLength[i], this.adjNode[i]);
    }
  }
}

export function networkKdeRate(
  network: SegmentNetwork,
  units: SpatialUnits,
  incidents: LocatedIncidents,
  train: ArrayLike<number>,
  days: number,
  bandwidthM: number,
): Float64Array {
  const counts = countPerUnit(units, incidents, train);
  let total = 0;
  const weight = new Float64Array(units.count);
  const twoSigma2 = 2 * bandwidthM * bandwidthM;
  for (let s = 0; s < counts.length; s++) {
    const c = counts[s];
    if (c === 0) continue;
    total += c;
    // Each incident's kernel mass is shared out over the segments it reaches (so a dead end does
    // not lose mass and a busy crossing does not multiply it).
    const reached: [number, number][] = [];
    let sum = 0;
    network.around(s, 3 * bandwidthM, (t, d) => {
      const k = Math.exp(-(d * d) / twoSigma2);
      reached.push([t, k]);
      sum += k;
    });
    for (const [t, k] of reached) weight[t] += (c * k) / sum;
  }
  return normalizeTo(weight, total / days);
}

export interface ModelContext {
  units: SpatialUnits;
  incidents: LocatedIncidents;
  /** For network_kde (segments only). */
  network?: SegmentNetwork;
  params: ModelParams;
}

/** Which models apply to a unit kind (network KDE needs segments). */
export function modelsFor(units: SpatialUnits): ModelName[] {
  return units.spec.kind === 'segment' ? [...MODELS] : MODELS.filter((m) => m !== 'network_kde');
}

/** A model's daily rate per unit from the training incidents `train` of [from, to). */
export function modelRate(
  model: ModelName,
  ctx: ModelContext,
  train: ArrayLike<number>,
  from: number,
  to: number,
): Float64Array {
  const days = (to - from) / DAY_MS;
  switch (model) {
    case 'prior_counts':
      return priorCountsRate(ctx.units, ctx.incidents, train, days);
    case 'recent':
      return recentRate(ctx.units, ctx.incidents, train, to, days, ctx.params.halfLifeDays);
    case 'kde':
      return kdeRate(ctx.units, ctx.incidents, train, days, ctx.params.bandwidthM);
    case 'network_kde':
      if (!ctx.network) throw new RangeError('network_kde needs street segments');
      return networkKdeRate(ctx.network, ctx.units, ctx.incidents, train, days, ctx.params.bandwidthM);
  }
}
