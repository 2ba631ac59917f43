/**
 * Post placement advisor: maximal covering location, solved greedily.
 *
 * Given demand (weighted points on the network: past incidents, or addresses as a proxy), posts
 * that already exist, candidate sites (graph nodes) and a response radius in seconds, pick K
 * candidates one at a time, each time the one that newly covers the most demand weight. Coverage
 * is submodular, so greedy is within 1 − 1/e of the best K-set and is the standard answer.
 *
 * Who-covers-whom is built from the demand side: one REVERSE search per demand point, limited to
 * the radius and seeded with the point's partial-edge costs, settles exactly the nodes that can
 * drive to the point within the radius; the candidates among them are its coverers. That is one
 * bounded search per (aggregated) demand point instead of one per candidate, and the candidate
 * lists are then inverted once into candidate → demand lists.
 *
 * The greedy itself is lazy (CELF): a candidate's gain can only shrink as picks accumulate, so a
 * stale gain is an upper bound; only the top of the queue is re-evaluated. Ties go to the lower
 * candidate index, so the result equals the naive greedy's exactly.
 */
import type { DijkstraEngine } from '../roads/dijkstra';
import type { RoadGraph } from '../roads/graph';
import { nodeCopies } from '../roads/turn-restrictions';
import { CoverageEngine, type EdgePosition, type WeightedPosition } from './coverage';

export interface PlacementOptions {
  /** How many new posts to place. */
  k: number;
  /** Response radius, seconds (the 3-minute circle: 180). */
  radiusSeconds: number;
  /** Candidate sites as node ids (see `intersectionCandidates`). */
  candidates: ArrayLike<number>;
  /** Posts already there: demand they cover within the radius counts as covered from the start. */
  existingPosts?: readonly EdgePosition[];
  /** Cap on demand points after aggregation (default 5,000); see `aggregateDemand`. */
  maxDemandPoints?: number;
}

export interface PlacementPick {
  node: number;
  lon: number;
  lat: number;
  /** Demand weight newly covered by this pick. */
  gain: number;
  /** Share of all demand weight covered after this pick (existing posts included). */
  cumulativeShare: number;
}

export interface PlacementResult {
  /** Share covered by the existing posts alone. */
  baselineShare: number;
  /** In pick order; fewer than k when no candidate adds anything more. */
  picks: PlacementPick[];
  totalWeight: number;
  /** Demand points actually used after aggregation. */
  demandPoints: number;
}

/** Who covers whom: candidate → demand indices (CSR) and the weight of each demand point. */
export interface CoverageSets {
  candidates: Uint32Array;
  /** demandOf[candidateStart[i] .. candidateStart[i+1]-1]: demand points candidate i covers. */
  candidateStart: Uint32Array;
  demandOf: Uint32Array;
  weight: Float64Array;
  /** Demand points already covered before any pick. */
  initiallyCovered: Uint8Array;
}

/**
 * Candidate sites: nodes where three or more distinct neighbours meet (intersections), since OSM
 * shape points in the middle of a street add nothing a nearby intersection does not. Falls back
 * to every node on a graph with no intersection.
 */
export function intersectionCandidates(graph: RoadGraph): Uint32Array {
  // On a turn-restricted graph: the road nodes only (junction copies are states, not places).
  const nodes = graph.turns?.baseNodeCount ?? graph.nodeCount;
  const base = (v: number) => (graph.turns ? graph.turns.nodeBase[v] : v);
  const picked: number[] = [];
  const neighbours = new Set<number>();
  for (let v = 0; v < nodes; v++) {
    neighbours.clear();
    for (let e = graph.firstOut[v]; e < graph.firstOut[v + 1]; e++) neighbours.add(base(graph.edgeHead[e]));
    for (const x of nodeCopies(graph, v))
      for (let i = graph.firstIn[x]; i < graph.firstIn[x + 1]; i++)
        neighbours.add(base(graph.edgeTail[graph.inEdge[i]]));
    if (neighbours.size >= 3) picked.push(v);
  }
  if (picked.length === 0) for (let v = 0; v < nodes; v++) picked.push(v);
  return Uint32Array.from(picked);
}

/**
 * Merges demand so the reverse searches stay bounded: exact duplicates (same segment, same
 * position) add their weights; if more than `maxPoints` remain, points on the same segment merge
 * at their weighted mean position; if still too many, a systematic sample of `maxPoints` is kept
 * with weights scaled so the total weight is unchanged.
 */
export function aggregateDemand(
  coverage: CoverageEngine,
  demand: readonly WeightedPosition[],
  maxPoints: number,
): WeightedPosition[] {
  const byPosition = new Map<string, WeightedPosition>();
  for (const point of demand) {
    const p = coverage.normalise(point);
    const key = `${p.edge}:${p.t.toFixed(6)}`;
    const found = byPosition.get(key);
    if (found) found.weight = (found.weight ?? 1) + (point.weight ?? 1);
    else byPosition.set(key, { edge: p.edge, t: p.t, weight: point.weight ?? 1 });
  }
  let points = [...byPosition.values()];
  if (points.length <= maxPoints) return points;

  const bySegment = new Map<number, { weight: number; weightedT: number }>();
  for (const p of points) {
    const w = p.weight ?? 1;
    const found = bySegment.get(p.edge);
    if (found) {
      found.weight += w;
      found.weightedT += w * p.t;
    } else bySegment.set(p.edge, { weight: w, weightedT: w * p.t });
  }
  points = [...bySegment.entries()].map(([edge, s]) => ({
    edge,
    t: s.weightedT / s.weight,
    weight: s.weight,
  }));
  if (points.length <= maxPoints) return points;

  const total = points.reduce((sum, p) => sum + (p.weight ?? 1), 0);
  const stride = points.length / maxPoints;
  const sample: WeightedPosition[] = [];
  for (let i = 0; i < maxPoints; i++) sample.push({ ...points[Math.floor(i * stride)] });
  const sampleTotal = sample.reduce((sum, p) => sum + (p.weight ?? 1), 0);
  const scale = sampleTotal > 0 ? total / sampleTotal : 1;
  for (const p of sample) p.weight = (p.weight ?? 1) * scale;
  return sample;
}

/**
 * Builds the candidate → demand lists with one reverse search per demand point, and marks the
 * demand the existing posts already cover (one forward search from all of them).
 */
export function buildCoverageSets(
  coverage: CoverageEngine,
  demand: readonly WeightedPosition[],
  candidates: ArrayLike<number>,
  radiusSeconds: number,
  existingPosts: readonly EdgePosition[] = [],
): CoverageSets {
  const graph = coverage.graph;
  const engine: DijkstraEngine = coverage.engine;
  const candidateIndex = new Int32Array(graph.nodeCount).fill(-1);
  const candidateNodes = new Uint32Array(candidates.length);
  for (let i = 0; i < candidates.length; i++) {
    candidateNodes[i] = candidates[i];
    if (candidateIndex[candidates[i]] < 0) candidateIndex[candidates[i]] = i;
  }

  const initiallyCovered = new Uint8Array(demand.length);
  if (existingPosts.length > 0) {
    coverage.search(existingPosts, radiusSeconds);
    for (let d = 0; d < demand.length; d++)
      if (coverage.timeToPosition(demand[d]) <= radiusSeconds) initiallyCovered[d] = 1;
  }

  // Pass 1: for each demand point, its coverers (candidate indices), kept as one flat list.
  const demandStart = new Uint32Array(demand.length + 1);
  let flat = new Uint32Array(Math.max(1024, demand.length * 16));
  let used = 0;
  for (let d = 0; d < demand.length; d++) {
    demandStart[d] = used;
    if (initiallyCovered[d]) continue; // nothing to gain there
    const settled = engine.travelTimeField(coverage.demandSeeds(demand[d]), radiusSeconds, 'reverse');
    for (let i = 0; i < settled.length; i++) {
      const c = candidateIndex[settled[i]];
      if (c < 0) continue;
      if (used === flat.length) {
        const grown = new Uint32Array(flat.length * 2);
        grown.set(flat);
        flat = grown;
      }
      flat[used++] = c;
    }
  }
  demandStart[demand.length] = used;

  // Pass 2: invert into candidate → demand (counting sort).
  const candidateStart = new Uint32Array(candidateNodes.length + 1);
  for (let i = 0; i < used; i++) candidateStart[flat[i] + 1]++;
  for (let c = 0; c < candidateNodes.length; c++) candidateStart[c + 1] += candidateStart[c];
  const cursor = candidateStart.slice(0, candidateNodes.length);
  const demandOf = new Uint32Array(used);
  for (let d = 0; d < demand.length; d++)
    for (let i = demandStart[d]; i < demandStart[d + 1]; i++) demandOf[cursor[flat[i]]++] = d;

  const weight = new Float64Array(demand.length);
  for (let d = 0; d < demand.length; d++) weight[d] = demand[d].weight ?? 1;
  return { candidates: candidateNodes, candidateStart, demandOf, weight, initiallyCovered };
}

/** Greedy maximal covering with lazy evaluation over prebuilt coverage sets. */
export function greedyMaximalCovering(sets: CoverageSets, k: number): { picks: number[]; gains: number[] } {
  const covered = sets.initiallyCovered.slice();
  const n = sets.candidates.length;
  const gainOf = (c: number): number => {
    let gain = 0;
    for (let i = sets.candidateStart[c]; i < sets.candidateStart[c + 1]; i++) {
      const d = sets.demandOf[i];
      if (!covered[d]) gain += sets.weight[d];
    }
    return gain;
  };

  const heap = new CandidateHeap(n);
  for (let c = 0; c < n; c++) {
    const gain = gainOf(c);
    if (gain > 0) heap.push(c, gain, 0);
  }
  const picks: number[] = [];
  const gains: number[] = [];
  while (picks.length < k && heap.size > 0) {
    const top = heap.pop();
    if (top.round !== picks.length) {
      const gain = gainOf(top.candidate);
      if (gain > 0) heap.push(top.candidate, gain, picks.length);
      continue;
    }
    picks.push(top.candidate);
    gains.push(top.gain);
    for (let i = sets.candidateStart[top.candidate]; i < sets.candidateStart[top.candidate + 1]; i++)
      covered[sets.demandOf[i]] = 1;
  }
  return { picks, gains };
}

/** The whole advisor: aggregate demand, build coverage sets, run the lazy greedy, report. */
export function placePosts(
  engine: DijkstraEngine,
  demand: readonly WeightedPosition[],
  options: PlacementOptions,
  coverage: CoverageEngine = new CoverageEngine(engine),
): PlacementResult {
  const graph = engine.graph;
  const points = aggregateDemand(coverage, demand, options.maxDemandPoints ?? 5_000);
  const sets = buildCoverageSets(
    coverage,
    points,
    options.candidates,
    options.radiusSeconds,
    options.existingPosts,
  );
  let totalWeight = 0;
  let coveredWeight = 0;
  for (let d = 0; d < points.length; d++) {
    totalWeight += sets.weight[d];
    if (sets.initiallyCovered[d]) coveredWeight += sets.weight[d];
  }
  const share = (w: number): number => (totalWeight > 0 ? w / totalWeight : 0);
  const baselineShare = share(coveredWeight);
  const { picks, gains } = greedyMaximalCovering(sets, options.k);
  return {
    baselineShare,
    totalWeight,
    demandPoints: points.length,
    picks: picks.map((c, i) => {
      coveredWeight += gains[i];
      const node = sets.candidates[c];
      return {
        node,
        lon: graph.nodeLon[node],
        lat: graph.nodeLat[node],
        gain: gains[i],
        cumulativeShare: share(coveredWeight),
      };
    }),
  };
}

/** Max-heap of candidates by (gain desc, index asc), remembering the round a gain was computed in. */
class CandidateHeap {
  private readonly candidate: Int32Array;
  private readonly gain: Float64Array;
  private readonly round: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.candidate = new Int32Array(capacity);
    this.gain = new Float64Array(capacity);
    this.round = new Int32Array(capacity);
  }

  push(candidate: number, gain: number, round: number): void {
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(candidate, gain, this.candidate[parent], this.gain[parent])) break;
      this.move(parent, i);
      i = parent;
    }
    this.candidate[i] = candidate;
    this.gain[i] = gain;
    this.round[i] = round;
  }

  pop(): { candidate: number; gain: number; round: number } {
    const top = { candidate: this.candidate[0], gain: this.gain[0], round: this.round[0] };
    const last = --this.size;
    if (last > 0) {
      const c = this.candidate[last];
      const g = this.gain[last];
      const r = this.round[last];
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= last) break;
        const right = child + 1;
        if (
          right < last &&
          this.before(this.candidate[right], this.gain[right], this.candidate[child], this.gain[child])
        )
          child = right;
        if (!this.before(this.candidate[child], this.gain[child], c, g)) break;
        this.move(child, i);
        i = child;
      }
      this.candidate[i] = c;
      this.gain[i] = g;
      this.round[i] = r;
    }
    return top;
  }

  private before(ca: number, ga: number, cb: number, gb: number): boolean {
    return ga > gb || (ga === gb && ca < cb);
  }

  private move(from: number, to: number): void {
    this.candidate[to] = this.candidate[from];
    this.gain[to] = this.gain[from];
    this.round[to] = this.round[from];
  }
}
