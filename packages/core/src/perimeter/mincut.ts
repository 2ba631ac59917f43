/**
 * The minimum checkpoint set (最少查控点): the cheapest set of road segments whose holding leaves no
 * drivable way from outside a ring to inside it, as a minimum s–t edge cut by max-flow.
 *
 * The flow network is the directed road graph itself: a super-source feeds every "outside" node,
 * every "inside" node drains to a super-sink, and each directed edge carries the cost of holding
 * its segment. By max-flow/min-cut the saturated edges leaving the source side of the final
 * residual graph form a cut of minimum total cost. Only inbound traffic matters (a car must not
 * drive in), so the network is directed: a one-way road leaving the ring never needs holding, and
 * a two-way street is cut in its inbound direction only, which is the same physical segment, so a
 * held segment appears once in the result with its cost counted once.
 *
 * Without a corridor every outside node is a source and every inside node a sink, so the cut is
 * exactly the inbound crossings (each is a one-edge path): the corridor is what lets the cut move
 * to where the network is thin. With one, sources are the nodes outside the outer polygon, sinks
 * the nodes inside the inner polygon, and only segments with both ends in the band between them
 * may be cut (every other edge gets a capacity no finite cut can pay).
 *
 * The max-flow (Dinic, on typed arrays) is written here rather than taken from a library: it is
 * the core of the product's perimeter analysis, it must run in process on a CSR graph without
 * copying it into objects, and it is small enough to own and test.
 */
import type { RoadGraph } from '../roads/graph';
import { edgeTwins } from '../roads/snap';
import type { RingCrossings } from './closure';
import { bufferRing, nodesInside, type RingGeometry, RingValidationError } from './ring';

export type MinCutErrorCode = 'overlapping_terminals' | 'no_finite_cut' | 'invalid_cost';

/** A minimum cut that cannot be computed, with the reason as a code. */
export class MinCutError extends Error {
  readonly code: MinCutErrorCode;
  /** For `no_finite_cut`: a drivable path of uncuttable edges from a source to a sink. */
  readonly path: readonly number[];
  constructor(code: MinCutErrorCode, message: string, path: readonly number[] = []) {
    super(message);
    this.name = 'MinCutError';
    this.code = code;
    this.path = path;
  }
}

/**
 * A path from a source to a sink over uncuttable (infinite-cost) edges only, or null. When one
 * exists no cut can close the ring, and the path tells the user which road to blame (typically a
 * long segment jumping over a narrow corridor).
 */
export function uncuttablePath(
  graph: RoadGraph,
  sources: Uint8Array,
  sinks: Uint8Array,
  capacity: Float64Array,
): number[] | null {
  const parentEdge = new Int32Array(graph.nodeCount).fill(-1);
  const seen = new Uint8Array(graph.nodeCount);
  const queue = new Int32Array(graph.nodeCount);
  let tail = 0;
  for (let v = 0; v < graph.nodeCount; v++) {
    if (sources[v]) {
      seen[v] = 1;
      queue[tail++] = v;
    }
  }
  for (let head = 0; head < tail; head++) {
    const v = queue[head];
    for (let e = graph.firstOut[v]; e < graph.firstOut[v + 1]; e++) {
      const w = graph.edgeHead[e];
      if (seen[w] || Number.isFinite(capacity[e])) continue;
      seen[w] = 1;
      parentEdge[w] = e;
      if (sinks[w]) {
        const path: number[] = [];
        for (let x = w; parentEdge[x] >= 0; x = graph.edgeTail[parentEdge[x]]) path.push(parentEdge[x]);
        return path.reverse();
      }
      queue[tail++] = w;
    }
  }
  return null;
}

function describeEdge(graph: RoadGraph, e: number): string {
  const way = graph.ways[graph.edgeWay[e]];
  const label = way.name ? `${way.name} (${way.highway})` : way.highway;
  return `${label} segment ${graph.nodeOsmId[graph.edgeTail[e]]}→${graph.nodeOsmId[graph.edgeHead[e]]}`;
}

export interface FlowNetworkInput {
  /** 1 for each node traffic starts from (fed by the super-source). */
  sources: Uint8Array;
  /** 1 for each node traffic must not reach (drained by the super-sink). */
  sinks: Uint8Array;
  /** Cost of holding each directed edge; `Infinity` for an edge that may not be cut. */
  capacity: Float64Array;
}

export interface MaxFlowResult {
  /** Value of the maximum flow = cost of the minimum cut. */
  flow: number;
  /** Directed edges from the source side to the sink side of the residual graph (the cut). */
  cutEdges: number[];
  /** 1 for each node reachable from the super-source in the final residual graph. */
  sourceSide: Uint8Array;
}

/** Residual capacities at or below this count as saturated (costs are sums of small numbers). */
const EPSILON = 1e-9;

/**
 * Dinic's algorithm: BFS levels from the super-source, then blocking flows by an iterative DFS
 * with current-arc pointers (no recursion: paths through a city are thousands of edges long).
 * Edges that can never carry useful flow (into a source or out of a sink) are left out.
 */
export function maxFlowMinCut(graph: RoadGraph, input: FlowNetworkInput): MaxFlowResult {
  const { sources, sinks, capacity } = input;
  const n = graph.nodeCount;
  for (let v = 0; v < n; v++) {
    if (sources[v] && sinks[v]) {
      throw new MinCutError(
        'overlapping_terminals',
        `node ${graph.nodeOsmId[v]} is both a source and a sink`,
      );
    }
  }
  let finiteTotal = 0;
  for (let e = 0; e < graph.edgeCount; e++) {
    const c = capacity[e];
    if (!(c > 0)) throw new MinCutError('invalid_cost', `edge ${e} has cost ${c}; costs must be positive`);
    if (Number.isFinite(c)) finiteTotal += c;
  }
  const blocking = uncuttablePath(graph, sources, sinks, capacity);
  if (blocking) {
    // Name the edges where the path leaves the sources and enters the sinks: usually one segment
    // long enough to jump the whole corridor.
    const ends = [...new Set([blocking[0], blocking[blocking.length - 1]])];
    throw new MinCutError(
      'no_finite_cut',
      `no cut is possible: ${ends.map((e) => describeEdge(graph, e)).join(' … ')} leads from outside to inside without a segment that may be cut (widen the corridor)`,
      blocking,
    );
  }
  // Stands for "infinite": more than every finite edge together, so reaching it means no finite cut.
  const unbounded = finiteTotal + 1;

  const superSource = n;
  const superSink = n + 1;
  const nodeTotal = n + 2;
  const usefulEdge = (e: number) => !sinks[graph.edgeTail[e]] && !sources[graph.edgeHead[e]];

  // Arc CSR: every arc has a paired reverse arc (residual), both stored at their tails.
  const arcStart = new Uint32Array(nodeTotal + 1);
  for (let e = 0; e < graph.edgeCount; e++) {
    if (!usefulEdge(e)) continue;
    arcStart[graph.edgeTail[e] + 1]++;
    arcStart[graph.edgeHead[e] + 1]++;
  }
  for (let v = 0; v < n; v++) {
    if (sources[v]) {
      arcStart[superSource + 1]++;
      arcStart[v + 1]++;
    }
    if (sinks[v]) {
      arcStart[v + 1]++;
      arcStart[superSink + 1]++;
    }
  }
  for (let v = 0; v < nodeTotal; v++) arcStart[v + 1] += arcStart[v];
  const arcCount = arcStart[nodeTotal];
  const arcHead = new Int32Array(arcCount);
  const arcResidual = new Float64Array(arcCount);
  const arcReverse = new Int32Array(arcCount);
  const arcEdge = new Int32Array(arcCount).fill(-1);
  const fill = arcStart.slice(0, nodeTotal);
  const addArc = (from: number, to: number, cap: number, edge: number) => {
    const forward = fill[from]++;
    const backward = fill[to]++;
    arcHead[forward] = to;
    arcResidual[forward] = cap;
    arcReverse[forward] = backward;
    arcEdge[forward] = edge;
    arcHead[backward] = from;
    arcResidual[backward] = 0;
    arcReverse[backward] = forward;
  };
  for (let e = 0; e < graph.edgeCount; e++) {
    if (!usefulEdge(e)) continue;
    addArc(graph.edgeTail[e], graph.edgeHead[e], Math.min(capacity[e], unbounded), e);
  }
  for (let v = 0; v < n; v++) {
    if (sources[v]) addArc(superSource, v, unbounded, -1);
    if (sinks[v]) addArc(v, superSink, unbounded, -1);
  }

  const level = new Int32Array(nodeTotal);
  const queue = new Int32Array(nodeTotal);
  const currentArc = new Uint32Array(nodeTotal);
  const pathArcs = new Int32Array(nodeTotal);

  const buildLevels = (): boolean => {
    level.fill(-1);
    level[superSource] = 0;
    queue[0] = superSource;
    let head = 0;
    let tail = 1;
    while (head < tail) {
      const v = queue[head++];
      for (let a = arcStart[v]; a < arcStart[v + 1]; a++) {
        const w = arcHead[a];
        if (level[w] < 0 && arcResidual[a] > EPSILON) {
          level[w] = level[v] + 1;
          queue[tail++] = w;
        }
      }
    }
    return level[superSink] >= 0;
  };

  let flow = 0;
  while (buildLevels()) {
    for (let v = 0; v < nodeTotal; v++) currentArc[v] = arcStart[v];
    let depth = 0;
    let v = superSource;
    for (;;) {
      if (v === superSink) {
        let bottleneck = Number.POSITIVE_INFINITY;
        for (let i = 0; i < depth; i++) bottleneck = Math.min(bottleneck, arcResidual[pathArcs[i]]);
        for (let i = 0; i < depth; i++) {
          arcResidual[pathArcs[i]] -= bottleneck;
          arcResidual[arcReverse[pathArcs[i]]] += bottleneck;
        }
        flow += bottleneck;
        if (flow >= unbounded) {
          throw new MinCutError(
            'no_finite_cut',
            'an uncuttable road leads from a source to a sink: no set of cuttable segments separates them',
          );
        }
        // Resume from the tail of the first arc the augmentation saturated.
        let saturated = 0;
        while (saturated < depth && arcResidual[pathArcs[saturated]] > EPSILON) saturated++;
        depth = saturated;
        v = depth === 0 ? superSource : arcHead[pathArcs[depth - 1]];
        continue;
      }
      let advanced = false;
      for (; currentArc[v] < arcStart[v + 1]; currentArc[v]++) {
        const a = currentArc[v];
        const w = arcHead[a];
        if (arcResidual[a] > EPSILON && level[w] === level[v] + 1) {
          pathArcs[depth++] = a;
          v = w;
          advanced = true;
          break;
        }
      }
      if (advanced) continue;
      if (v === superSource) break;
      // Dead end: drop v from this phase and step back past the arc that led here.
      level[v] = -1;
      depth--;
      v = arcHead[arcReverse[pathArcs[depth]]];
      currentArc[v]++;
    }
  }

  // Source side of the minimum cut: reachable from the super-source in the residual graph.
  const reached = new Uint8Array(nodeTotal);
  reached[superSource] = 1;
  queue[0] = superSource;
  let head = 0;
  let tail = 1;
  while (head < tail) {
    const v = queue[head++];
    for (let a = arcStart[v]; a < arcStart[v + 1]; a++) {
      const w = arcHead[a];
      if (!reached[w] && arcResidual[a] > EPSILON) {
        reached[w] = 1;
        queue[tail++] = w;
      }
    }
  }
  const cutEdges: number[] = [];
  for (let a = 0; a < arcCount; a++) {
    const e = arcEdge[a];
    if (e >= 0 && reached[graph.edgeTail[e]] && !reached[graph.edgeHead[e]]) cutEdges.push(e);
  }
  cutEdges.sort((a, b) => a - b);
  return { flow, cutEdges, sourceSide: reached.subarray(0, n) };
}

export interface CutSegment {
  /** The held directed edge (the inbound direction of its segment). */
  edge: number;
  /** The same segment driven the other way, or -1 (one-way road). */
  twinEdge: number;
  tailOsmNode: number;
  headOsmNode: number;
  wayOsmId: number;
  name: string | null;
  highway: string;
  cost: number;
  /** [lon, lat] of the segment's midpoint. */
  midpoint: [number, number];
}

export interface Corridor {
  /** The cut falls outside this polygon; nodes inside it must be unreachable from outside `outer`. */
  inner: RingGeometry;
  /** The cut falls inside this polygon; nodes outside it are where traffic comes from. */
  outer: RingGeometry;
}

/**
 * A corridor of `bandMetres` on each side of a ring's line: the cut may fall anywhere within that
 * distance of the ring, and the guarantee becomes "nothing from beyond the outer edge of the band
 * reaches the inner edge". The quick way to see how many checkpoints a ring really needs without
 * drawing two polygons.
 */
export function corridorAroundRing(ring: RingGeometry, bandMetres: number): Corridor {
  if (!(bandMetres > 0) || !Number.isFinite(bandMetres)) {
    throw new RingValidationError([
      {
        field: 'band',
        rule: 'malformed',
        message: `the band must be a positive number of metres, not ${bandMetres}`,
      },
    ]);
  }
  const inner = bufferRing(ring, -bandMetres);
  const outer = bufferRing(ring, bandMetres);
  if (!inner || !outer) {
    throw new RingValidationError([
      {
        field: 'band',
        rule: 'band_too_wide',
        message: `a ${bandMetres} m band leaves nothing of the ring inside it`,
      },
    ]);
  }
  return { inner, outer };
}

export interface MinCutOptions {
  /**
   * Cost of holding one segment per `highway` class; classes not listed cost `defaultCost`. Left
   * out, every segment costs `defaultCost` and the cut has the fewest segments.
   */
  costByClass?: Readonly<Record<string, number>>;
  /** Default 1. */
  defaultCost?: number;
  corridor?: Corridor;
}

export interface RingMinimumCut {
  /** The held segments, each physical segment once. */
  cut: CutSegment[];
  /** Total cost of the cut (= value of the maximum flow). */
  cost: number;
  flow: number;
  /** Inbound crossings of the ring: the checkpoints the cut replaces. */
  replacesCrossings: number;
  /** 1 per node traffic starts from (outside the ring, or outside the corridor's outer polygon). */
  sources: Uint8Array;
  /** 1 per node traffic must not reach (inside the ring, or inside the corridor's inner polygon). */
  sinks: Uint8Array;
}

/** Per-edge holding cost from the way's class. */
export function edgeCosts(
  graph: RoadGraph,
  costByClass: Readonly<Record<string, number>> = {},
  defaultCost = 1,
) {
  const byWay = graph.ways.map((way) => costByClass[way.highway] ?? defaultCost);
  byWay.forEach((cost, i) => {
    if (!(cost > 0) || !Number.isFinite(cost)) {
      throw new MinCutError(
        'invalid_cost',
        `cost of ${graph.ways[i].highway} must be a positive number, not ${cost}`,
      );
    }
  });
  const capacity = new Float64Array(graph.edgeCount);
  for (let e = 0; e < graph.edgeCount; e++) capacity[e] = byWay[graph.edgeWay[e]];
  return capacity;
}

/**
 * The minimum cut for a ring: which segments to hold so no car gets from outside to inside (or,
 * with a corridor, from outside the outer polygon to inside the inner one, cutting only in the
 * band between). Throws `RingValidationError` when a corridor polygon holds no road where it
 * must, `MinCutError` when no cut is possible (an uncuttable segment spans the corridor).
 */
export function ringMinimumCut(
  graph: RoadGraph,
  ring: RingCrossings,
  options: MinCutOptions = {},
): RingMinimumCut {
  const capacity = edgeCosts(graph, options.costByClass, options.defaultCost ?? 1);
  let sources: Uint8Array;
  let sinks: Uint8Array;
  if (options.corridor) {
    const innerMask = nodesInside(graph, options.corridor.inner);
    const outerMask = nodesInside(graph, options.corridor.outer);
    sinks = innerMask;
    sources = new Uint8Array(graph.nodeCount);
    let sinkCount = 0;
    for (let v = 0; v < graph.nodeCount; v++) {
      sources[v] = outerMask[v] ? 0 : 1;
      sinkCount += sinks[v];
      if (sinks[v] && !outerMask[v]) {
        throw new RingValidationError([
          {
            field: 'inner',
            rule: 'malformed',
            message: `the inner polygon reaches outside the outer polygon (road node ${graph.nodeOsmId[v]})`,
          },
        ]);
      }
    }
    if (sinkCount === 0) {
      throw new RingValidationError([
        {
          field: 'inner',
          rule: 'no_road_inside',
          message: 'no drivable road node lies inside the inner polygon',
        },
      ]);
    }
    // Only segments with both ends in the band (inside outer, outside inner) may be held.
    for (let e = 0; e < graph.edgeCount; e++) {
      const tail = graph.edgeTail[e];
      const head = graph.edgeHead[e];
      const inBand = outerMask[tail] && !innerMask[tail] && outerMask[head] && !innerMask[head];
      if (!inBand) capacity[e] = Number.POSITIVE_INFINITY;
    }
  } else {
    sinks = ring.inside;
    sources = new Uint8Array(graph.nodeCount);
    for (let v = 0; v < graph.nodeCount; v++) sources[v] = ring.inside[v] ? 0 : 1;
  }

  const { flow, cutEdges } = maxFlowMinCut(graph, { sources, sinks, capacity });
  const twins = edgeTwins(graph);
  const cut = cutEdges.map((e): CutSegment => {
    const tail = graph.edgeTail[e];
    const head = graph.edgeHead[e];
    const way = graph.ways[graph.edgeWay[e]];
    return {
      edge: e,
      twinEdge: twins[e],
      tailOsmNode: graph.nodeOsmId[tail],
      headOsmNode: graph.nodeOsmId[head],
      wayOsmId: way.osmId,
      name: way.name,
      highway: way.highway,
      cost: capacity[e],
      midpoint: [
        (graph.nodeLon[tail] + graph.nodeLon[head]) / 2,
        (graph.nodeLat[tail] + graph.nodeLat[head]) / 2,
      ],
    };
  });
  const cost = cut.reduce((sum, segment) => sum + segment.cost, 0);
  return { cut, cost, flow, replacesCrossings: ring.inboundCount, sources, sinks };
}

/**
 * Whether any `to` node can be reached by driving from any `from` node without using a blocked
 * edge: the independent check that a cut really closes the ring (plain BFS, no flow involved).
 */
export function reachesAny(graph: RoadGraph, from: Uint8Array, to: Uint8Array, blocked: Uint8Array): boolean {
  const seen = new Uint8Array(graph.nodeCount);
  const queue = new Int32Array(graph.nodeCount);
  let tail = 0;
  for (let v = 0; v < graph.nodeCount; v++) {
    if (!from[v]) continue;
    if (to[v]) return true;
    seen[v] = 1;
    queue[tail++] = v;
  }
  for (let head = 0; head < tail; head++) {
    const v = queue[head];
    for (let e = graph.firstOut[v]; e < graph.firstOut[v + 1]; e++) {
      if (blocked[e]) continue;
      const w = graph.edgeHead[e];
      if (seen[w]) continue;
      if (to[w]) return true;
      seen[w] = 1;
      queue[tail++] = w;
    }
  }
  return false;
}
