/**
 * Dijkstra on the CSR road graph, tuned for many queries on one graph: every array is allocated
 * once per engine and reused; an epoch counter marks which entries belong to the current query,
 * so starting a query is O(1) instead of clearing O(n) arrays.
 *
 * The priority queue is an indexed binary heap of node ids keyed by `dist`, with decrease-key
 * (each node is in the heap at most once, so the heap never exceeds n entries).
 *
 * Forward searches follow out-edges (firstOut/edgeHead); reverse searches follow in-edges
 * (firstIn/inEdge/edgeTail) and compute times *to* the seeds. In both, `parentEdge[v]` is the
 * forward edge id that was relaxed to reach v.
 */
import type { RoadGraph } from './graph';

export type SearchDirection = 'forward' | 'reverse';

/** A search start (or end) with the cost already spent reaching (or still needed from) it. */
export interface Seed {
  node: number;
  cost: number;
}

export interface RouteResult {
  /** Seconds, including the seed offsets. */
  time: number;
  /** Index into the targets array of the target reached. */
  targetIndex: number;
  /** Forward edge ids from the source seed's node to the target seed's node, in travel order. */
  edges: number[];
}

export class DijkstraEngine {
  readonly graph: RoadGraph;
  private readonly dist: Float64Array;
  private readonly parentEdge: Int32Array;
  /** `reachedEpoch[v] === epoch` means dist/parentEdge/heapPos of v belong to this query. */
  private readonly reachedEpoch: Uint32Array;
  /** Position in the heap, or -1 once settled. */
  private readonly heapPos: Int32Array;
  private readonly heap: Int32Array;
  private heapSize = 0;
  private readonly targetEpoch: Uint32Array;
  private readonly targetOffset: Float64Array;
  /** Nodes in settling order for the current query. */
  private readonly settled: Uint32Array;
  private settledCount = 0;
  private epoch = 0;
  private direction: SearchDirection = 'forward';

  constructor(graph: RoadGraph) {
    const n = graph.nodeCount;
    this.graph = graph;
    this.dist = new Float64Array(n);
    this.parentEdge = new Int32Array(n);
    this.reachedEpoch = new Uint32Array(n);
    this.heapPos = new Int32Array(n);
    this.heap = new Int32Array(n);
    this.targetEpoch = new Uint32Array(n);
    this.targetOffset = new Float64Array(n);
    this.settled = new Uint32Array(n);
  }

  // -------------------------------------------------------------------------------------------
  // Low-level search control (used by the queries below and by isochrones)

  /** Starts a new query: forgets the previous one in O(1). */
  begin(direction: SearchDirection): void {
    this.direction = direction;
    this.heapSize = 0;
    this.settledCount = 0;
    this.epoch++;
    if (this.epoch === 0xffffffff) {
      // Wrapped after 4 billion queries: clear once so stale marks cannot match.
      this.reachedEpoch.fill(0);
      this.targetEpoch.fill(0);
      this.epoch = 1;
    }
  }

  /** Adds a start node with an initial cost (ignored if the node already has a lower cost). */
  addSeed(node: number, cost: number): void {
    if (node < 0 || node >= this.graph.nodeCount) throw new RangeError(`node ${node} out of range`);
    this.relax(node, cost, -1);
  }

  /** Settles the next node and relaxes its edges; returns it, or -1 when the queue is empty. */
  settleNext(): number {
    if (this.heapSize === 0) return -1;
    const v = this.popMin();
    this.settled[this.settledCount++] = v;
    const g = this.graph;
    const base = this.dist[v];
    if (this.direction === 'forward') {
      const end = g.firstOut[v + 1];
      for (let e = g.firstOut[v]; e < end; e++) this.relax(g.edgeHead[e], base + g.edgeTime[e], e);
    } else {
      const end = g.firstIn[v + 1];
      for (let i = g.firstIn[v]; i < end; i++) {
        const e = g.inEdge[i];
        this.relax(g.edgeTail[e], base + g.edgeTime[e], e);
      }
    }
    return v;
  }

  /** The smallest tentative cost in the queue (Infinity if empty). */
  peekCost(): number {
    return this.heapSize === 0 ? Number.POSITIVE_INFINITY : this.dist[this.heap[0]];
  }

  /** Cost of v in the current query: final once settled, tentative before; Infinity if unreached. */
  costOf(v: number): number {
    return this.reachedEpoch[v] === this.epoch ? this.dist[v] : Number.POSITIVE_INFINITY;
  }

  isSettled(v: number): boolean {
    return this.reachedEpoch[v] === this.epoch && this.heapPos[v] === -1;
  }

  /** The forward edge that reached v in the current query, or -1 for a seed / unreached node. */
  parentEdgeOf(v: number): number {
    return this.reachedEpoch[v] === this.epoch ? this.parentEdge[v] : -1;
  }

  /** Nodes settled so far in this query, in order (a view, valid until the next query). */
  settledNodes(): Uint32Array {
    return this.settled.subarray(0, this.settledCount);
  }

  /**
   * The edges of the tree path for v in travel order: from a seed to v in a forward search, from
   * v to a seed in a reverse search.
   */
  pathEdges(v: number): number[] {
    const edges: number[] = [];
    const g = this.graph;
    let node = v;
    let e = this.parentEdgeOf(node);
    while (e >= 0) {
      edges.push(e);
      node = this.direction === 'forward' ? g.edgeTail[e] : g.edgeHead[e];
      e = this.parentEdgeOf(node);
    }
    if (this.direction === 'forward') edges.reverse();
    return edges;
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  /** Travel time source → target in seconds (Infinity if unreachable); stops once target settles. */
  oneToOne(source: number, target: number): number {
    this.begin('forward');
    this.addSeed(source, 0);
    let v = this.settleNext();
    while (v >= 0 && v !== target) v = this.settleNext();
    return v === target ? this.dist[target] : Number.POSITIVE_INFINITY;
  }

  /**
   * Best route from any source seed to any target seed, where a target's cost is added on arrival
   * (snapped points: the rest of the partial edge). Stops as soon as no queued node can improve
   * on the best arrival found. Null if no target is reachable.
   */
  route(sources: readonly Seed[], targets: readonly Seed[]): RouteResult | null {
    this.begin('forward');
    for (const s of sources) this.addSeed(s.node, s.cost);
    this.markTargets(targets);
    let best = Number.POSITIVE_INFINITY;
    let bestNode = -1;
    while (this.heapSize > 0 && this.peekCost() < best) {
      const v = this.settleNext();
      if (this.targetEpoch[v] === this.epoch) {
        const arrival = this.dist[v] + this.targetOffset[v];
        if (arrival < best) {
          best = arrival;
          bestNode = v;
        }
      }
    }
    if (bestNode < 0) return null;
    let targetIndex = 0;
    let bestOffset = Number.POSITIVE_INFINITY;
    for (let i = 0; i < targets.length; i++) {
      if (targets[i].node === bestNode && targets[i].cost < bestOffset) {
        bestOffset = targets[i].cost;
        targetIndex = i;
      }
    }
    return { time: best, targetIndex, edges: this.pathEdges(bestNode) };
  }

  /**
   * Times from `source` to each of `targets` (Infinity where unreachable), written into `out`
   * (allocated if not given). Stops once every target is settled, or once `k` of them are (the
   * others are then Infinity unless already settled). With direction 'reverse' this is
   * many-to-one: times from each of `targets` to `source`.
   */
  oneToMany(
    source: number,
    targets: ArrayLike<number>,
    options: { k?: number; direction?: SearchDirection; out?: Float64Array; maxCost?: number } = {},
  ): Float64Array {
    const out = options.out ?? new Float64Array(targets.length);
    this.begin(options.direction ?? 'forward');
    this.addSeed(source, 0);
    let remaining = 0;
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i];
      if (this.targetEpoch[t] !== this.epoch) {
        this.targetEpoch[t] = this.epoch;
        remaining++;
      }
    }
    let wanted = Math.min(remaining, options.k ?? remaining);
    const maxCost = options.maxCost ?? Number.POSITIVE_INFINITY;
    while (wanted > 0 && this.heapSize > 0 && this.peekCost() <= maxCost) {
      const v = this.settleNext();
      if (this.targetEpoch[v] === this.epoch) wanted--;
    }
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i];
      out[i] = this.isSettled(t) ? this.dist[t] : Number.POSITIVE_INFINITY;
    }
    return out;
  }

  /** Many-to-one: times from each of `sources` to `target`. */
  manyToOne(
    sources: ArrayLike<number>,
    target: number,
    options: { k?: number; out?: Float64Array; maxCost?: number } = {},
  ): Float64Array {
    return this.oneToMany(target, sources, { ...options, direction: 'reverse' });
  }

  /**
   * Settles every node within `limitSeconds` of the seeds (multi-source, with initial costs).
   * Returns the settled nodes in order (a view, valid until the next query); read their times with
   * `costOf`. With 'reverse', times are *to* the seeds (e.g. which places a unit can reach a
   * station from).
   */
  travelTimeField(
    seeds: readonly Seed[],
    limitSeconds: number,
    direction: SearchDirection = 'forward',
  ): Uint32Array {
    this.begin(direction);
    for (const s of seeds) if (s.cost <= limitSeconds) this.addSeed(s.node, s.cost);
    while (this.heapSize > 0 && this.peekCost() <= limitSeconds) this.settleNext();
    return this.settledNodes();
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private markTargets(targets: readonly Seed[]): void {
    for (const t of targets) {
      if (t.node < 0 || t.node >= this.graph.nodeCount) throw new RangeError(`node ${t.node} out of range`);
      if (this.targetEpoch[t.node] !== this.epoch || t.cost < this.targetOffset[t.node]) {
        this.targetEpoch[t.node] = this.epoch;
        this.targetOffset[t.node] = t.cost;
      }
    }
  }

  private relax(v: number, cost: number, viaEdge: number): void {
    if (this.reachedEpoch[v] !== this.epoch) {
      this.reachedEpoch[v] = this.epoch;
      this.dist[v] = cost;
      this.parentEdge[v] = viaEdge;
      const i = this.heapSize++;
      this.heap[i] = v;
      this.heapPos[v] = i;
      this.siftUp(i);
      return;
    }
    if (this.heapPos[v] < 0 || cost >= this.dist[v]) return;
    this.dist[v] = cost;
    this.parentEdge[v] = viaEdge;
    this.siftUp(this.heapPos[v]);
  }

  private popMin(): number {
    const heap = this.heap;
    const top = heap[0];
    this.heapPos[top] = -1;
    const last = heap[--this.heapSize];
    if (this.heapSize > 0) {
      heap[0] = last;
      this.heapPos[last] = 0;
      this.siftDown(0);
    }
    return top;
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const pos = this.heapPos;
    const dist = this.dist;
    const v = heap[i];
    const key = dist[v];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (dist[p] <= key) break;
      heap[i] = p;
      pos[p] = i;
      i = parent;
    }
    heap[i] = v;
    pos[v] = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const pos = this.heapPos;
    const dist = this.dist;
    const size = this.heapSize;
    const v = heap[i];
    const key = dist[v];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && dist[heap[right]] < dist[heap[child]]) child = right;
      const c = heap[child];
      if (dist[c] >= key) break;
      heap[i] = c;
      pos[c] = i;
      i = child;
    }
    heap[i] = v;
    pos[v] = i;
  }
}
