/**
 * Coverage of the 1-3-5 minute response circles: from a set of posts, which share of addresses
 * and of road length can be reached within each threshold.
 *
 * One multi-source forward search from every post at once (limit = the largest threshold) gives
 * each node the minimum travel time from any post; everything else is arithmetic on edges.
 *
 * Road length is counted per physical street segment, not per directed edge: a two-way street's
 * twin edges are one segment (counted once), a one-way edge is its own segment. A point at
 * fraction f along a segment is reached at
 *
 *   min( time(tail) + f · time(tail→head),  time(head) + (1 − f) · time(head→tail) [two-way only],
 *        for every post on the segment: its distance along the segment in a drivable direction ).
 *
 * So a segment whose tail is reached at time a with T − a < its travel time contributes the part
 * len · (T − a) / time — the share of the segment a car can drive into before time runs out —
 * rather than all or nothing; a two-way street reached from both ends contributes the union of
 * the two parts. That makes road-length coverage continuous in T and independent of how finely
 * OSM happens to split a street into nodes.
 *
 * Addresses (and any other demand point) are positions on a segment (snapped by `EdgeSnapper`),
 * timed with the same formula, so an address on a post's own street is reached without going
 * through a node.
 *
 * On a turn-restricted graph (roads/turn-restrictions.ts) the segments are the base edges, and
 * time(tail) above is the earliest arrival at the tail in a junction state from which the edge may
 * be driven (the minimum over the edge's copies' tails): a street behind a banned turn is reached
 * by the detour. Posts start in the plain state (no approach), so their seeds are the states after
 * driving out of their segment, as `sourceSeeds` gives.
 */
import type { DijkstraEngine, Seed } from '../roads/dijkstra';
import type { RoadGraph } from '../roads/graph';
import { edgeTwins } from '../roads/snap';
import { forEachCopy, nodeCopies, turnPenaltyOf } from '../roads/turn-restrictions';

/** A point on the road network: fraction `t` along directed edge `edge` (tail 0, head 1). */
export interface EdgePosition {
  edge: number;
  t: number;
}

/** A demand point (address, place, incident) on the network, with an optional weight and group. */
export interface WeightedPosition extends EdgePosition {
  /** Default 1. */
  weight?: number;
  /** Any grouping key, e.g. an H3 cell: per-group figures are reported when given. */
  cell?: string;
}

export interface ThresholdCoverage {
  seconds: number;
  /** Weighted share of the demand points reached within `seconds` (0 when there are none). */
  addressShare: number;
  /** Weight of the demand points reached. */
  addressesReached: number;
  roadLengthM: number;
  roadLengthShare: number;
}

export interface CellCoverage {
  cell: string;
  /** Total weight of the cell's points. */
  weight: number;
  /** Weight reached within each threshold, in the order of the thresholds. */
  reached: number[];
}

export interface CoverageResult {
  thresholds: ThresholdCoverage[];
  /** Total weight of the demand points. */
  addressWeight: number;
  /** Length of the whole network, each physical segment once. */
  totalRoadLengthM: number;
  /** Nodes within the largest threshold of some post. */
  reachedNodes: number;
  /** Travel time from the nearest post to each demand point (Infinity beyond the largest threshold). */
  addressTimes: Float64Array;
  /** Per group (`cell` of the points), sorted by cell; empty when no point has a cell. */
  cells: CellCoverage[];
}

/** A stretch [from, to] of a segment (fractions along its representative edge) and its band. */
export interface CoveragePiece {
  /** The segment's representative directed edge; fractions are along it. */
  edge: number;
  from: number;
  to: number;
  /** The smallest threshold within which every point of the piece is reached. */
  bandSeconds: number;
}

/**
 * One way of travelling along a segment: starting at fraction `start` at time `startTime`,
 * towards the head (`direction` 1, along the representative edge) or the tail (−1, along the
 * twin), spending `secondsPerSegment` for the whole segment's length.
 */
interface SegmentSource {
  start: number;
  startTime: number;
  direction: 1 | -1;
  secondsPerSegment: number;
}

/** Reusable per graph: builds the segment pairing once, then answers many coverage questions. */
export class CoverageEngine {
  readonly graph: RoadGraph;
  readonly engine: DijkstraEngine;
  /** For each edge: its twin when the two pair up both ways (one physical two-way segment), else -1. */
  private readonly pairedTwin: Int32Array;
  readonly totalRoadLengthM: number;
  /** Minimum time from any post to each node for the last search (Infinity beyond the limit). */
  private readonly nodeTime: Float64Array;
  private postsBySegment = new Map<number, number[]>();
  private reachedNodeCount = 0;
  /** Edges that are road segments: all of them, or a turn-restricted graph's base edges. */
  private readonly segmentEdges: number;

  constructor(engine: DijkstraEngine, twins: Int32Array = edgeTwins(engine.graph)) {
    const graph = engine.graph;
    this.graph = graph;
    this.engine = engine;
    this.segmentEdges = graph.turns?.baseEdgeCount ?? graph.edgeCount;
    this.pairedTwin = new Int32Array(graph.edgeCount).fill(-1);
    let total = 0;
    for (let e = 0; e < this.segmentEdges; e++) {
      const twin = twins[e];
      // Only a mutual pairing makes one segment; anything else counts each edge on its own.
      if (twin >= 0 && twins[twin] === e) this.pairedTwin[e] = twin;
      if (this.isRepresentative(e)) total += graph.edgeLength[e];
    }
    this.totalRoadLengthM = total;
    this.nodeTime = new Float64Array(graph.nodeCount).fill(Number.POSITIVE_INFINITY);
  }

  /** The lower edge id stands for a two-way segment; a one-way edge stands for itself. */
  isRepresentative(edge: number): boolean {
    const twin = this.pairedTwin[edge];
    return twin < 0 || edge < twin;
  }

  /** The same point expressed on its segment's representative edge. */
  normalise(position: EdgePosition): EdgePosition {
    const twin = this.pairedTwin[position.edge];
    if (twin >= 0 && twin < position.edge) return { edge: twin, t: 1 - position.t };
    return { edge: position.edge, t: position.t };
  }

  /**
   * Where a post at `position` starts searching: the segment's head (and, on a two-way segment,
   * its tail) with the partial-edge time as the initial cost.
   */
  postSeeds(position: EdgePosition): Seed[] {
    const g = this.graph;
    const p = this.normalise(position);
    const seeds: Seed[] = [{ node: g.edgeHead[p.edge], cost: (1 - p.t) * g.edgeTime[p.edge] }];
    const twin = this.pairedTwin[p.edge];
    // The twin's head is the edge's tail (on a turn-restricted graph: in the state after the twin).
    if (twin >= 0) seeds.push({ node: g.edgeHead[twin], cost: p.t * g.edgeTime[twin] });
    // At the very tail of a one-way edge the post stands on the tail node itself.
    else if (p.t === 0) seeds.push({ node: g.edgeTail[p.edge], cost: 0 });
    return seeds;
  }

  /**
   * Where a reverse search towards a point at `position` starts (who can drive to it): the
   * segment's tail plus the part of the edge up to the point, and on a two-way segment its head
   * plus the twin's remaining part.
   */
  demandSeeds(position: EdgePosition): Seed[] {
    const g = this.graph;
    const p = this.normalise(position);
    const seeds: Seed[] = [];
    // Every junction state from which the edge (or its twin) may be driven (just the tail when
    // the graph is not turn-restricted).
    const cost = p.t * g.edgeTime[p.edge];
    forEachCopy(g, p.edge, (c) => seeds.push({ node: g.edgeTail[c], cost: cost + turnPenaltyOf(g, c) }));
    const twin = this.pairedTwin[p.edge];
    if (twin >= 0) {
      const twinCost = (1 - p.t) * g.edgeTime[twin];
      forEachCopy(g, twin, (c) => seeds.push({ node: g.edgeTail[c], cost: twinCost + turnPenaltyOf(g, c) }));
    }
    // At the very head of a one-way edge the point is the head node itself, in any state.
    else if (p.t === 1) {
      const head = g.turns ? g.turns.nodeBase[g.edgeHead[p.edge]] : g.edgeHead[p.edge];
      for (const v of nodeCopies(g, head)) seeds.push({ node: v, cost: 0 });
    }
    return seeds;
  }

  /**
   * Runs the one multi-source search from all posts up to `limitSeconds` and remembers the node
   * times and which segments hold posts, for the queries below.
   */
  search(posts: readonly EdgePosition[], limitSeconds: number): void {
    const seeds: Seed[] = [];
    this.postsBySegment = new Map();
    for (const post of posts) {
      const p = this.normalise(post);
      for (const seed of this.postSeeds(p)) seeds.push(seed);
      const onSegment = this.postsBySegment.get(p.edge);
      if (onSegment) onSegment.push(p.t);
      else this.postsBySegment.set(p.edge, [p.t]);
    }
    this.nodeTime.fill(Number.POSITIVE_INFINITY);
    const settled = this.engine.travelTimeField(seeds, limitSeconds, 'forward');
    for (let i = 0; i < settled.length; i++) this.nodeTime[settled[i]] = this.engine.costOf(settled[i]);
    // Road nodes: a junction reached in several turn states counts once.
    const base = this.graph.turns?.nodeBase;
    this.reachedNodeCount = base ? new Set(Array.from(settled, (v) => base[v])).size : settled.length;
  }

  /** Minimum travel time from a post to `node` in the last search (Infinity beyond its limit). */
  timeToNode(node: number): number {
    return this.nodeTime[node];
  }

  /** Minimum travel time from any post of the last search to a point on the network. */
  timeToPosition(position: EdgePosition): number {
    const p = this.normalise(position);
    let best = Number.POSITIVE_INFINITY;
    for (const source of this.sourcesOf(p.edge)) {
      const along = (p.t - source.start) * source.direction;
      if (along < 0) continue;
      const time = source.startTime + along * source.secondsPerSegment;
      if (time < best) best = time;
    }
    // The head of a one-way edge is reached at its node's time, not only by driving the edge.
    if (p.t === 1 && this.pairedTwin[p.edge] < 0) {
      const g = this.graph;
      const head = g.turns ? g.turns.nodeBase[g.edgeHead[p.edge]] : g.edgeHead[p.edge];
      for (const v of nodeCopies(g, head)) if (this.nodeTime[v] < best) best = this.nodeTime[v];
    }
    return best;
  }

  /**
   * Coverage of `demand` and of road length within each of `thresholdSeconds` from `posts`.
   * One search, limited to the largest threshold.
   */
  compute(
    posts: readonly EdgePosition[],
    demand: readonly WeightedPosition[],
    thresholdSeconds: readonly number[],
  ): CoverageResult {
    const thresholds = [...thresholdSeconds].sort((a, b) => a - b);
    const limit = thresholds.length > 0 ? thresholds[thresholds.length - 1] : 0;
    this.search(posts, limit);
    const roadLength = this.roadLengthWithin(thresholds);

    const addressTimes = new Float64Array(demand.length);
    const reachedWeight = new Float64Array(thresholds.length);
    let totalWeight = 0;
    const cells = new Map<string, CellCoverage>();
    for (let i = 0; i < demand.length; i++) {
      const point = demand[i];
      const weight = point.weight ?? 1;
      const time = this.timeToPosition(point);
      addressTimes[i] = time <= limit ? time : Number.POSITIVE_INFINITY;
      totalWeight += weight;
      let cell: CellCoverage | undefined;
      if (point.cell !== undefined) {
        cell = cells.get(point.cell);
        if (!cell) {
          cell = { cell: point.cell, weight: 0, reached: thresholds.map(() => 0) };
          cells.set(point.cell, cell);
        }
        cell.weight += weight;
      }
      for (let k = 0; k < thresholds.length; k++) {
        if (time > thresholds[k]) continue;
        reachedWeight[k] += weight;
        if (cell) cell.reached[k] += weight;
      }
    }

    return {
      thresholds: thresholds.map((seconds, k) => ({
        seconds,
        addressShare: totalWeight > 0 ? reachedWeight[k] / totalWeight : 0,
        addressesReached: reachedWeight[k],
        roadLengthM: roadLength[k],
        roadLengthShare: this.totalRoadLengthM > 0 ? roadLength[k] / this.totalRoadLengthM : 0,
      })),
      addressWeight: totalWeight,
      totalRoadLengthM: this.totalRoadLengthM,
      reachedNodes: this.reachedNodeCount,
      addressTimes,
      cells: [...cells.values()].sort((a, b) => (a.cell < b.cell ? -1 : a.cell > b.cell ? 1 : 0)),
    };
  }

  /** Metres of road reached within each threshold (ascending) after `search`. */
  roadLengthWithin(sortedThresholds: readonly number[]): Float64Array {
    const g = this.graph;
    const out = new Float64Array(sortedThresholds.length);
    for (let e = 0; e < this.segmentEdges; e++) {
      if (!this.isRepresentative(e)) continue;
      const tailTime = this.entryTime(e);
      const twin = this.pairedTwin[e];
      const headTime = twin >= 0 ? this.entryTime(twin) : Number.POSITIVE_INFINITY;
      const hasPosts = this.postsBySegment.has(e);
      // Most of the network is out of reach: skip it without touching the thresholds.
      if (tailTime === Number.POSITIVE_INFINITY && headTime === Number.POSITIVE_INFINITY && !hasPosts)
        continue;
      const length = g.edgeLength[e];
      for (let k = 0; k < sortedThresholds.length; k++) {
        const limit = sortedThresholds[k];
        let fraction: number;
        if (hasPosts) {
          fraction = coveredFraction(this.sourcesOf(e), limit);
        } else {
          // Reached from the tail along e and from the head along the twin: the two parts start
          // at opposite ends, so their union is simply the sum, capped at the whole segment.
          fraction =
            reachFraction(tailTime, g.edgeTime[e], limit) +
            (twin >= 0 ? reachFraction(headTime, g.edgeTime[twin], limit) : 0);
          if (fraction > 1) fraction = 1;
        }
        out[k] += fraction * length;
      }
    }
    return out;
  }

  /**
   * The reached road as pieces, each labelled with the smallest threshold reaching all of it (for
   * the map's colour bands), after `search` with a limit ≥ the largest threshold.
   */
  pieces(sortedThresholds: readonly number[]): CoveragePiece[] {
    const out: CoveragePiece[] = [];
    if (sortedThresholds.length === 0) return out;
    const limit = sortedThresholds[sortedThresholds.length - 1];
    for (let e = 0; e < this.segmentEdges; e++) {
      if (!this.isRepresentative(e)) continue;
      const sources = this.sourcesOf(e);
      if (sources.length === 0) continue;
      // Between consecutive breakpoints (segment ends, source starts, and where each source
      // crosses each threshold) every source sits in one band, so their minimum does too.
      const cuts = [0, 1];
      for (const s of sources) {
        cuts.push(s.start);
        for (const limitK of sortedThresholds) {
          const reach = s.secondsPerSegment > 0 ? (limitK - s.startTime) / s.secondsPerSegment : 2;
          if (reach >= 0) cuts.push(s.start + s.direction * reach);
        }
      }
      const sorted = cuts.filter((c) => c >= 0 && c <= 1).sort((a, b) => a - b);
      let open: CoveragePiece | null = null;
      for (let i = 0; i + 1 < sorted.length; i++) {
        const from = sorted[i];
        const to = sorted[i + 1];
        if (to - from < 1e-9) continue;
        const time = timeAt(sources, (from + to) / 2);
        const band = time <= limit ? sortedThresholds.find((s) => time <= s) : undefined;
        if (band === undefined) {
          open = null;
          continue;
        }
        if (open && open.bandSeconds === band && Math.abs(open.to - from) < 1e-9) {
          open.to = to;
        } else {
          open = { edge: e, from, to, bandSeconds: band };
          out.push(open);
        }
      }
    }
    return out;
  }

  /**
   * Earliest time the last search may start driving `edge` at its tail: the tail's time, or on a
   * turn-restricted graph the earliest of the junction states the edge (or a copy of it) leaves.
   */
  private entryTime(edge: number): number {
    const g = this.graph;
    if (!g.turns) return this.nodeTime[g.edgeTail[edge]];
    let best = Number.POSITIVE_INFINITY;
    forEachCopy(g, edge, (c) => {
      const time = this.nodeTime[g.edgeTail[c]] + turnPenaltyOf(g, c);
      if (time < best) best = time;
    });
    return best;
  }

  /** Every way the last search's posts reach into segment `edge` (a representative edge). */
  private sourcesOf(edge: number): SegmentSource[] {
    const g = this.graph;
    const sources: SegmentSource[] = [];
    const forwardTime = g.edgeTime[edge];
    const tailTime = this.entryTime(edge);
    if (tailTime < Number.POSITIVE_INFINITY)
      sources.push({ start: 0, startTime: tailTime, direction: 1, secondsPerSegment: forwardTime });
    const twin = this.pairedTwin[edge];
    const backwardTime = twin >= 0 ? g.edgeTime[twin] : 0;
    if (twin >= 0) {
      const headTime = this.entryTime(twin);
      if (headTime < Number.POSITIVE_INFINITY)
        sources.push({ start: 1, startTime: headTime, direction: -1, secondsPerSegment: backwardTime });
    }
    const posts = this.postsBySegment.get(edge);
    if (posts) {
      for (const t of posts) {
        sources.push({ start: t, startTime: 0, direction: 1, secondsPerSegment: forwardTime });
        if (twin >= 0)
          sources.push({ start: t, startTime: 0, direction: -1, secondsPerSegment: backwardTime });
      }
    }
    return sources;
  }
}

/** Share of an edge driven into from its start within `limit`, entering at `startTime`. */
function reachFraction(startTime: number, edgeTime: number, limit: number): number {
  if (startTime > limit) return 0;
  if (edgeTime <= 0) return 1;
  const f = (limit - startTime) / edgeTime;
  return Math.min(f, 1);
}

/** Length (as a fraction of the segment) of the union of the parts each source reaches. */
function coveredFraction(sources: readonly SegmentSource[], limit: number): number {
  const intervals: [number, number][] = [];
  for (const s of sources) {
    if (s.startTime > limit) continue;
    const reach = s.secondsPerSegment > 0 ? (limit - s.startTime) / s.secondsPerSegment : 1;
    const a = s.direction === 1 ? s.start : Math.max(0, s.start - reach);
    const b = s.direction === 1 ? Math.min(1, s.start + reach) : s.start;
    if (b > a) intervals.push([a, b]);
  }
  intervals.sort((x, y) => x[0] - y[0]);
  let covered = 0;
  let runStart = -1;
  let runEnd = -1;
  for (const [a, b] of intervals) {
    if (a > runEnd) {
      covered += runEnd - runStart;
      runStart = a;
      runEnd = b;
    } else if (b > runEnd) {
      runEnd = b;
    }
  }
  covered += runEnd - runStart;
  return covered;
}

function timeAt(sources: readonly SegmentSource[], f: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (const s of sources) {
    const along = (f - s.start) * s.direction;
    if (along < 0) continue;
    const time = s.startTime + along * s.secondsPerSegment;
    if (time < best) best = time;
  }
  return best;
}
