/**
 * Contraction hierarchies (CH): the routing engine behind "which unit reaches this incident first".
 *
 * Why written by hand rather than taken from a library: fast many-to-one travel times are the
 * product's core (every 110 call asks them for every free unit), the graph already lives in our own
 * CSR typed arrays, and the query must not allocate or leave the process. What we need beyond a
 * textbook CH is small and ours to keep exact: bucket tables whose single entries can be refreshed
 * when one unit moves, seeds with offsets (points part-way along an edge), and shortcut unpacking.
 *
 * Preprocessing contracts nodes one by one in order of importance (edge difference + deleted
 * neighbours, lazily re-evaluated). Contracting v adds a shortcut u→w for each in-neighbour u and
 * out-neighbour w unless a witness path u→…→w avoiding v costs no more than the path through v. The
 * witness search is a Dijkstra with a settle limit: when it gives up, the shortcut is added, so
 * limits only cost memory, never exactness. Each node ends with its "upward" arcs (towards nodes
 * contracted later); a shortest path is always up-then-down, so a query only searches upward from
 * both ends.
 *
 * Node ids inside the search graphs are ranks (contraction order), so the few hundred high-rank
 * nodes every search visits sit together in memory.
 *
 * Costs are Float64 sums of the graph's edge times, so results equal a plain Dijkstra's up to the
 * rounding of adding the same edge times in a different order (a few ulps; exactly equal when the
 * times are integers or other exactly-representable sums).
 */
import type { Seed } from './dijkstra';
import type { RoadGraph } from './graph';
import { stronglyConnectedComponents } from './osm-to-graph';

/*
 * Endpoints are `Seed`s (the same type the plain Dijkstra takes): a point part-way along an edge is
 * the edge's end nodes with the remaining travel time as cost. Two points on the same edge are not
 * seen by node seeds; whoever snaps them compares the direct along-edge time.
 */

export interface ContractionHierarchy {
  readonly nodeCount: number;
  /** rank[node] = position in the contraction order; also the node's id inside the search graphs. */
  readonly rank: Uint32Array;
  readonly nodeOfRank: Uint32Array;

  /** Upward out-arcs of rank r: upHead[upFirst[r] .. upFirst[r+1]-1] (ranks, all > r). */
  readonly upFirst: Uint32Array;
  readonly upHead: Uint32Array;
  readonly upWeight: Float64Array;
  readonly upArc: Uint32Array;
  /** Upward in-arcs of rank r, i.e. arcs u→r with rank u > r, stored at r: downTail is u. */
  readonly downFirst: Uint32Array;
  readonly downTail: Uint32Array;
  readonly downWeight: Float64Array;
  readonly downArc: Uint32Array;

  /**
   * Every arc (original edge or shortcut), for unpacking: an original arc has arcEdge ≥ 0; a
   * shortcut has arcEdge = -1, arcMiddle = the contracted node it bypasses, and the two arcs it
   * stands for in arcFirstHalf / arcSecondHalf.
   */
  readonly arcTail: Uint32Array;
  readonly arcHead: Uint32Array;
  readonly arcEdge: Int32Array;
  readonly arcMiddle: Int32Array;
  readonly arcFirstHalf: Int32Array;
  readonly arcSecondHalf: Int32Array;

  readonly shortcutCount: number;
}

export interface ChBuildOptions {
  /**
   * Settled-node limit of the witness search when estimating a node's priority. 20: on the
   * edge-based graphs of U-turn costs (turn-restrictions.ts) the estimates are most of the build
   * and a U-turn's target is rarely found cheaply; Baltimore's build took 9.6 s at 60 and 5.8 s at
   * 20, with 0.8 % more arcs and the same query times (base graphs: ±0.2 % arcs).
   */
  readonly simulationSettleLimit?: number;
  /** Settled-node limit of the witness search when really contracting (bigger: fewer spare shortcuts). */
  readonly contractionSettleLimit?: number;
}

/** Bytes held by the hierarchy's typed arrays (the bench reports them per edge). */
export function chByteSize(ch: ContractionHierarchy): number {
  return (
    ch.rank.byteLength +
    ch.nodeOfRank.byteLength +
    ch.upFirst.byteLength +
    ch.upHead.byteLength +
    ch.upWeight.byteLength +
    ch.upArc.byteLength +
    ch.downFirst.byteLength +
    ch.downTail.byteLength +
    ch.downWeight.byteLength +
    ch.downArc.byteLength +
    ch.arcTail.byteLength +
    ch.arcHead.byteLength +
    ch.arcEdge.byteLength +
    ch.arcMiddle.byteLength +
    ch.arcFirstHalf.byteLength +
    ch.arcSecondHalf.byteLength
  );
}

/**
 * Indexed binary min-heap over node ids 0..capacity-1 with decrease-key. Preallocated once; `clear`
 * only touches the entries still queued, so reusing it costs nothing per query.
 */
class NodeHeap {
  private readonly items: Int32Array;
  private readonly keys: Float64Array;
  private readonly position: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.items = new Int32Array(capacity);
    this.keys = new Float64Array(capacity);
    this.position = new Int32Array(capacity).fill(-1);
  }

  clear(): void {
    for (let i = 0; i < this.size; i++) this.position[this.items[i]] = -1;
    this.size = 0;
  }

  minKey(): number {
    return this.size === 0 ? Number.POSITIVE_INFINITY : this.keys[0];
  }

  contains(node: number): boolean {
    return this.position[node] >= 0;
  }

  /** Inserts `node`, or lowers its key when the new key is smaller. */
  push(node: number, key: number): void {
    let at = this.position[node];
    if (at < 0) {
      at = this.size++;
    } else if (key >= this.keys[at]) {
      return;
    }
    this.siftUp(at, node, key);
  }

  /** Sets the key of `node` whatever it was (used by the contraction order, whose keys also rise). */
  update(node: number, key: number): void {
    const at = this.position[node];
    if (at < 0) {
      this.siftUp(this.size++, node, key);
    } else if (key < this.keys[at]) {
      this.siftUp(at, node, key);
    } else {
      this.siftDown(at, node, key);
    }
  }

  /** Removes the minimum and returns its node; read its key with minKey() before. */
  pop(): number {
    const top = this.items[0];
    this.position[top] = -1;
    const last = --this.size;
    if (last > 0) this.siftDown(0, this.items[last], this.keys[last]);
    return top;
  }

  private siftUp(at: number, node: number, key: number): void {
    const { items, keys, position } = this;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (keys[parent] <= key) break;
      items[at] = items[parent];
      keys[at] = keys[parent];
      position[items[at]] = at;
      at = parent;
    }
    items[at] = node;
    keys[at] = key;
    position[node] = at;
  }

  private siftDown(at: number, node: number, key: number): void {
    const { items, keys, position } = this;
    const size = this.size;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && keys[child + 1] < keys[child]) child++;
      if (keys[child] >= key) break;
      items[at] = items[child];
      keys[at] = keys[child];
      position[items[at]] = at;
      at = child;
    }
    items[at] = node;
    keys[at] = key;
    position[node] = at;
  }
}

/** Arcs of the shrinking graph during contraction; plain growable arrays (build time only). */
class ArcStore {
  readonly tail: number[] = [];
  readonly head: number[] = [];
  readonly weight: number[] = [];
  readonly edge: number[] = [];
  readonly middle: number[] = [];
  readonly firstHalf: number[] = [];
  readonly secondHalf: number[] = [];

  add(
    tail: number,
    head: number,
    weight: number,
    edge: number,
    middle: number,
    first: number,
    second: number,
  ) {
    this.tail.push(tail);
    this.head.push(head);
    this.weight.push(weight);
    this.edge.push(edge);
    this.middle.push(middle);
    this.firstHalf.push(first);
    this.secondHalf.push(second);
    return this.tail.length - 1;
  }
}

function removeValue(list: number[], value: number): void {
  const at = list.indexOf(value);
  if (at < 0) return;
  list[at] = list[list.length - 1];
  list.pop();
}

/**
 * Builds the hierarchy, once per graph: 0.1–0.9 s for the bundled cities' node-based graphs
 * (1.5k–16k nodes), 0.2–6 s for their edge-based graphs with U-turn costs (4k–46k nodes).
 */
export function buildContractionHierarchy(
  graph: RoadGraph,
  options: ChBuildOptions = {},
): ContractionHierarchy {
  const simulationLimit = options.simulationSettleLimit ?? 20;
  const contractionLimit = options.contractionSettleLimit ?? 600;
  const n = graph.nodeCount;
  const arcs = new ArcStore();
  const outArcs: number[][] = Array.from({ length: n }, () => []);
  const inArcs: number[][] = Array.from({ length: n }, () => []);

  // Original edges; of parallel edges only the fastest can ever be on a shortest path.
  for (let e = 0; e < graph.edgeCount; e++) {
    const tail = graph.edgeTail[e];
    const head = graph.edgeHead[e];
    const time = graph.edgeTime[e];
    if (!(time >= 0) || time === Number.POSITIVE_INFINITY) {
      throw new RangeError(`edge ${e} has travel time ${time}; CH needs finite non-negative times`);
    }
    if (tail === head) continue;
    const existing = findArc(outArcs[tail], arcs.head, head);
    if (existing >= 0) {
      if (time < arcs.weight[existing]) {
        arcs.weight[existing] = time;
        arcs.edge[existing] = e;
      }
      continue;
    }
    const arc = arcs.add(tail, head, time, e, -1, -1, -1);
    outArcs[tail].push(arc);
    inArcs[head].push(arc);
  }

  const contracted = new Uint8Array(n);
  const deletedNeighbours = new Uint32Array(n);
  const witnessDist = new Float64Array(n);
  const witnessStamp = new Uint32Array(n);
  const witnessHeap = new NodeHeap(n);
  let witnessEpoch = 0;
  /** witnessTarget[x] === witnessEpoch: x is one of the current search's out-neighbours of v. */
  const witnessTarget = new Uint32Array(n);
  let witnessTargetsLeft = 0;

  /**
   * Dijkstra from `source` over uncontracted nodes except `avoid`, stopping at `maxCost`, after
   * `settleLimit` settled nodes, or once every marked target (witnessTarget) is settled. Afterwards
   * witnessDist[x] (when stamped) is the cost of some real path source→x avoiding `avoid` — an
   * upper bound, which is all a witness needs. Stopping at the last target matters on
   * edge-based graphs: a U-turn arc (turn-restrictions.ts) raises maxCost by its penalty, and a
   * search run to maxCost would settle hundreds of nodes for nothing.
   */
  function witnessSearch(source: number, avoid: number, maxCost: number, settleLimit: number): void {
    witnessEpoch++;
    witnessHeap.clear();
    witnessStamp[source] = witnessEpoch;
    witnessDist[source] = 0;
    witnessHeap.push(source, 0);
    let settled = 0;
    while (witnessHeap.size > 0) {
      const d = witnessHeap.minKey();
      if (d > maxCost || settled >= settleLimit) break;
      const x = witnessHeap.pop();
      settled++;
      if (witnessTarget[x] === witnessEpoch && --witnessTargetsLeft === 0) break;
      const list = outArcs[x];
      for (let i = 0; i < list.length; i++) {
        const arc = list[i];
        const y = arcs.head[arc];
        if (y === avoid || contracted[y]) continue;
        const candidate = d + arcs.weight[arc];
        if (candidate > maxCost) continue;
        if (witnessStamp[y] !== witnessEpoch || candidate < witnessDist[y]) {
          witnessStamp[y] = witnessEpoch;
          witnessDist[y] = candidate;
          witnessHeap.push(y, candidate);
        }
      }
    }
    witnessHeap.clear();
  }

  /**
   * Contracts v (when `apply`) or only counts the shortcuts it would need. Returns the number of
   * arcs that contraction would add (shortcuts that do not merely lower an existing arc).
   */
  function contract(v: number, apply: boolean): number {
    const ins = inArcs[v];
    const outs = outArcs[v];
    let added = 0;
    const limit = apply ? contractionLimit : simulationLimit;
    for (let i = 0; i < ins.length; i++) {
      const inArc = ins[i];
      const u = arcs.tail[inArc];
      const toV = arcs.weight[inArc];
      let maxCost = -1;
      for (let j = 0; j < outs.length; j++) {
        const w = arcs.head[outs[j]];
        if (w !== u) maxCost = Math.max(maxCost, toV + arcs.weight[outs[j]]);
      }
      if (maxCost < 0) continue; // v's only out-neighbour is u itself
      // Mark the targets under the epoch the search is about to take.
      witnessTargetsLeft = 0;
      for (let j = 0; j < outs.length; j++) {
        const w = arcs.head[outs[j]];
        if (w !== u && witnessTarget[w] !== witnessEpoch + 1) {
          witnessTarget[w] = witnessEpoch + 1;
          witnessTargetsLeft++;
        }
      }
      witnessSearch(u, v, maxCost, limit);
      for (let j = 0; j < outs.length; j++) {
        const outArc = outs[j];
        const w = arcs.head[outArc];
        if (w === u) continue;
        const viaV = toV + arcs.weight[outArc];
        if (witnessStamp[w] === witnessEpoch && witnessDist[w] <= viaV) continue;
        const existing = findArc(outArcs[u], arcs.head, w);
        if (existing >= 0) {
          // Only reachable when the witness search stopped early; the existing arc is pricier.
          if (apply && viaV < arcs.weight[existing]) {
            arcs.weight[existing] = viaV;
            arcs.edge[existing] = -1;
            arcs.middle[existing] = v;
            arcs.firstHalf[existing] = inArc;
            arcs.secondHalf[existing] = outArc;
          }
          continue;
        }
        added++;
        if (apply) {
          const shortcut = arcs.add(u, w, viaV, -1, v, inArc, outArc);
          outArcs[u].push(shortcut);
          inArcs[w].push(shortcut);
          // Later witness searches from u in this same contraction may use the new shortcut: they
          // then find its cost, the same as going through v, which is a correct witness.
        }
      }
    }
    return added;
  }

  function priority(v: number): number {
    const added = contract(v, false);
    const removed = inArcs[v].length + outArcs[v].length;
    return added - removed + deletedNeighbours[v];
  }

  const order = new NodeHeap(n);
  for (let v = 0; v < n; v++) order.update(v, priority(v));

  const rank = new Uint32Array(n);
  const nodeOfRank = new Uint32Array(n);
  let nextRank = 0;
  const neighbours: number[] = [];
  while (order.size > 0) {
    const v = order.pop();
    // Lazy update: the stored priority may be stale; re-evaluate and requeue if no longer minimal.
    const current = priority(v);
    if (order.size > 0 && current > order.minKey()) {
      order.update(v, current);
      continue;
    }
    contract(v, true);
    contracted[v] = 1;
    rank[v] = nextRank;
    nodeOfRank[nextRank++] = v;

    // Detach v: its own lists stay frozen as its upward out-arcs and upward in-arcs.
    neighbours.length = 0;
    for (const arc of outArcs[v]) {
      const w = arcs.head[arc];
      removeValue(inArcs[w], arc);
      neighbours.push(w);
    }
    for (const arc of inArcs[v]) {
      const u = arcs.tail[arc];
      removeValue(outArcs[u], arc);
      neighbours.push(u);
    }
    for (const x of neighbours) {
      if (contracted[x]) continue;
      deletedNeighbours[x]++;
    }
    for (const x of neighbours) {
      if (contracted[x] || !order.contains(x)) continue;
      order.update(x, priority(x));
    }
  }

  return freezeHierarchy(n, rank, nodeOfRank, arcs, outArcs, inArcs);
}

function findArc(list: readonly number[], arcHead: readonly number[], head: number): number {
  for (let i = 0; i < list.length; i++) if (arcHead[list[i]] === head) return list[i];
  return -1;
}

function freezeHierarchy(
  n: number,
  rank: Uint32Array,
  nodeOfRank: Uint32Array,
  arcs: ArcStore,
  outArcs: number[][],
  inArcs: number[][],
): ContractionHierarchy {
  const upFirst = new Uint32Array(n + 1);
  const downFirst = new Uint32Array(n + 1);
  for (let r = 0; r < n; r++) {
    const v = nodeOfRank[r];
    upFirst[r + 1] = upFirst[r] + outArcs[v].length;
    downFirst[r + 1] = downFirst[r] + inArcs[v].length;
  }
  const upHead = new Uint32Array(upFirst[n]);
  const upWeight = new Float64Array(upFirst[n]);
  const upArc = new Uint32Array(upFirst[n]);
  const downTail = new Uint32Array(downFirst[n]);
  const downWeight = new Float64Array(downFirst[n]);
  const downArc = new Uint32Array(downFirst[n]);
  for (let r = 0; r < n; r++) {
    const v = nodeOfRank[r];
    let at = upFirst[r];
    for (const arc of outArcs[v]) {
      upHead[at] = rank[arcs.head[arc]];
      upWeight[at] = arcs.weight[arc];
      upArc[at++] = arc;
    }
    at = downFirst[r];
    for (const arc of inArcs[v]) {
      downTail[at] = rank[arcs.tail[arc]];
      downWeight[at] = arcs.weight[arc];
      downArc[at++] = arc;
    }
  }
  let shortcutCount = 0;
  for (let a = 0; a < arcs.edge.length; a++) if (arcs.edge[a] < 0) shortcutCount++;
  return {
    nodeCount: n,
    rank,
    nodeOfRank,
    upFirst,
    upHead,
    upWeight,
    upArc,
    downFirst,
    downTail,
    downWeight,
    downArc,
    arcTail: Uint32Array.from(arcs.tail),
    arcHead: Uint32Array.from(arcs.head),
    arcEdge: Int32Array.from(arcs.edge),
    arcMiddle: Int32Array.from(arcs.middle),
    arcFirstHalf: Int32Array.from(arcs.firstHalf),
    arcSecondHalf: Int32Array.from(arcs.secondHalf),
    shortcutCount,
  };
}

/** Appends the original edge ids that `arc` stands for, in driving order. */
export function unpackArc(ch: ContractionHierarchy, arc: number, into: number[]): void {
  const stack = [arc];
  while (stack.length > 0) {
    const a = stack.pop()!;
    const edge = ch.arcEdge[a];
    if (edge >= 0) {
      into.push(edge);
    } else {
      stack.push(ch.arcSecondHalf[a], ch.arcFirstHalf[a]);
    }
  }
}

/**
 * One upward Dijkstra (forward from sources over up-arcs, or backward from targets over down-arcs),
 * with stall-on-demand: a node is stalled (not expanded, not reported) when a higher node already
 * reached reaches it more cheaply, because then its distance is not a shortest one. All state is
 * preallocated; an epoch counter makes "reset" O(1).
 */
class UpwardSearch {
  readonly dist: Float64Array;
  readonly parentArc: Int32Array;
  private readonly stamp: Uint32Array;
  private epoch = 0;
  private readonly heap: NodeHeap;
  private readonly relaxFirst: Uint32Array;
  private readonly relaxOther: Uint32Array;
  private readonly relaxWeight: Float64Array;
  private readonly relaxArc: Uint32Array;
  private readonly stallFirst: Uint32Array;
  private readonly stallOther: Uint32Array;
  private readonly stallWeight: Float64Array;

  constructor(
    private readonly ch: ContractionHierarchy,
    readonly forward: boolean,
  ) {
    const n = ch.nodeCount;
    this.dist = new Float64Array(n);
    this.parentArc = new Int32Array(n);
    this.stamp = new Uint32Array(n);
    this.heap = new NodeHeap(n);
    if (forward) {
      this.relaxFirst = ch.upFirst;
      this.relaxOther = ch.upHead;
      this.relaxWeight = ch.upWeight;
      this.relaxArc = ch.upArc;
      this.stallFirst = ch.downFirst;
      this.stallOther = ch.downTail;
      this.stallWeight = ch.downWeight;
    } else {
      this.relaxFirst = ch.downFirst;
      this.relaxOther = ch.downTail;
      this.relaxWeight = ch.downWeight;
      this.relaxArc = ch.downArc;
      this.stallFirst = ch.upFirst;
      this.stallOther = ch.upHead;
      this.stallWeight = ch.upWeight;
    }
  }

  /** Starts a new search from `seeds` (graph node ids with offset costs). */
  start(seeds: readonly Seed[]): void {
    this.epoch++;
    if (this.epoch === 0xffffffff) {
      this.stamp.fill(0);
      this.epoch = 1;
    }
    this.heap.clear();
    for (let i = 0; i < seeds.length; i++) {
      const r = this.ch.rank[seeds[i].node];
      const cost = seeds[i].cost;
      if (!(cost < Number.POSITIVE_INFINITY)) continue;
      if (this.stamp[r] !== this.epoch || cost < this.dist[r]) {
        this.stamp[r] = this.epoch;
        this.dist[r] = cost;
        this.parentArc[r] = -1;
        this.heap.push(r, cost);
      }
    }
  }

  reached(r: number): boolean {
    return this.stamp[r] === this.epoch;
  }

  get done(): boolean {
    return this.heap.size === 0;
  }

  minKey(): number {
    return this.heap.minKey();
  }

  stop(): void {
    this.heap.clear();
  }

  /**
   * Settles the next node and returns its rank, or -1 - rank when it was stalled (its distance is
   * not a shortest one, so it is neither expanded nor a valid meeting point).
   */
  settleNext(): number {
    const d = this.heap.minKey();
    const r = this.heap.pop();
    const { dist, stamp, epoch } = this;
    for (let i = this.stallFirst[r], end = this.stallFirst[r + 1]; i < end; i++) {
      const higher = this.stallOther[i];
      if (stamp[higher] === epoch && dist[higher] + this.stallWeight[i] < d) return -1 - r;
    }
    const heap = this.heap;
    for (let i = this.relaxFirst[r], end = this.relaxFirst[r + 1]; i < end; i++) {
      const next = this.relaxOther[i];
      const candidate = d + this.relaxWeight[i];
      if (stamp[next] !== epoch || candidate < dist[next]) {
        stamp[next] = epoch;
        dist[next] = candidate;
        this.parentArc[next] = this.relaxArc[i];
        heap.push(next, candidate);
      }
    }
    return r;
  }
}

export interface ChRoute {
  /** Seconds. */
  readonly time: number;
  /** Original edge ids in driving order (empty when source and target meet at one node). */
  readonly edges: number[];
  /** The seed node the route leaves from and the seed node it arrives at. */
  readonly fromNode: number;
  readonly toNode: number;
}

/** Point-to-point queries: bidirectional upward search. One instance per thread; reuse it. */
export class ChRouter {
  private readonly forwardSearch: UpwardSearch;
  private readonly backwardSearch: UpwardSearch;
  private meetRank = -1;

  constructor(private readonly ch: ContractionHierarchy) {
    this.forwardSearch = new UpwardSearch(ch, true);
    this.backwardSearch = new UpwardSearch(ch, false);
  }

  /** Shortest travel time from any source seed to any target seed; Infinity when unreachable. */
  time(source: readonly Seed[], target: readonly Seed[]): number {
    const fwd = this.forwardSearch;
    const bwd = this.backwardSearch;
    fwd.start(source);
    bwd.start(target);
    let best = Number.POSITIVE_INFINITY;
    this.meetRank = -1;
    let forwardTurn = true;
    for (;;) {
      if (fwd.minKey() >= best) fwd.stop();
      if (bwd.minKey() >= best) bwd.stop();
      if (fwd.done && bwd.done) break;
      const search = (forwardTurn && !fwd.done) || bwd.done ? fwd : bwd;
      const other = search === fwd ? bwd : fwd;
      forwardTurn = !forwardTurn;
      const settled = search.settleNext();
      if (settled < 0) continue;
      if (other.reached(settled)) {
        const total = search.dist[settled] + other.dist[settled];
        if (total < best) {
          best = total;
          this.meetRank = settled;
        }
      }
    }
    return best;
  }

  /** Like `time`, plus the route as original edge ids; null when unreachable. */
  route(source: readonly Seed[], target: readonly Seed[]): ChRoute | null {
    const time = this.time(source, target);
    if (this.meetRank < 0) return null;
    const ch = this.ch;
    const upArcs: number[] = [];
    let r = this.meetRank;
    while (this.forwardSearch.parentArc[r] >= 0) {
      const arc = this.forwardSearch.parentArc[r];
      upArcs.push(arc);
      r = ch.rank[ch.arcTail[arc]];
    }
    const fromNode = ch.nodeOfRank[r];
    const edges: number[] = [];
    for (let i = upArcs.length - 1; i >= 0; i--) unpackArc(ch, upArcs[i], edges);
    r = this.meetRank;
    while (this.backwardSearch.parentArc[r] >= 0) {
      const arc = this.backwardSearch.parentArc[r];
      unpackArc(ch, arc, edges);
      r = ch.rank[ch.arcHead[arc]];
    }
    return { time, edges, fromNode, toNode: ch.nodeOfRank[r] };
  }
}

/** Entry layout in the bucket pool: [distance, endpoint index, next entry, previous entry or -1 - node]. */
const ENTRY_STRIDE = 4;
const NO_ENTRY = -1;

/**
 * Buckets for many-to-one (and, mirrored, one-to-many) tables — the technique OSRM's table service
 * uses. Each fixed endpoint (a unit's position) runs its upward search once and leaves
 * (endpoint, distance) in a bucket at every node it settles. A query then runs one upward search
 * from the other end and, at each settled node, combines its distance with the bucket there: the
 * apex of every shortest up-down path is in both search spaces, so the minimum is exact.
 *
 * Buckets are doubly linked lists in one Float64Array pool, so moving ONE unit only unlinks that
 * unit's entries and adds its new ones; nothing else is touched and queries allocate nothing.
 */
class BucketTable {
  private readonly fillSearch: UpwardSearch;
  private readonly scanSearch: UpwardSearch;
  private readonly bucketHead: Int32Array;
  private pool: Float64Array;
  private poolUsed = 0;
  private freeList = NO_ENTRY;
  /** Entry offsets held by each endpoint, so one endpoint's refresh finds its own entries. */
  private readonly entriesOf: number[][] = [];
  private count = 0;
  private result: Float64Array = new Float64Array(0);

  constructor(ch: ContractionHierarchy, fillForward: boolean) {
    this.fillSearch = new UpwardSearch(ch, fillForward);
    this.scanSearch = new UpwardSearch(ch, !fillForward);
    this.bucketHead = new Int32Array(ch.nodeCount).fill(NO_ENTRY);
    this.pool = new Float64Array(ENTRY_STRIDE * 1024);
  }

  get endpointCount(): number {
    return this.count;
  }

  /** Bucket entries currently held (all endpoints' upward search spaces, stalled nodes excluded). */
  get entryCount(): number {
    let total = 0;
    for (let i = 0; i < this.count; i++) total += this.entriesOf[i].length;
    return total;
  }

  setAll(endpoints: readonly (readonly Seed[])[]): void {
    this.bucketHead.fill(NO_ENTRY);
    this.poolUsed = 0;
    this.freeList = NO_ENTRY;
    for (let i = 0; i < this.count; i++) this.entriesOf[i].length = 0;
    this.resize(endpoints.length);
    for (let i = 0; i < endpoints.length; i++) this.fill(i, endpoints[i]);
  }

  /** Refreshes one endpoint's buckets (appending a new endpoint when index = endpointCount). */
  update(index: number, seeds: readonly Seed[]): void {
    if (index > this.count || index < 0) throw new RangeError(`endpoint ${index} of ${this.count}`);
    if (index === this.count) this.resize(this.count + 1);
    else this.unlinkAll(index);
    this.fill(index, seeds);
  }

  query(seeds: readonly Seed[], out: Float64Array | undefined): Float64Array {
    const result = out ?? this.result;
    const count = this.count;
    if (result.length < count) throw new RangeError(`output holds ${result.length}, need ${count}`);
    result.fill(Number.POSITIVE_INFINITY, 0, count);
    const search = this.scanSearch;
    const bucketHead = this.bucketHead;
    const pool = this.pool;
    search.start(seeds);
    while (!search.done) {
      const r = search.settleNext();
      if (r < 0) continue;
      const d = search.dist[r];
      for (let entry = bucketHead[r]; entry !== NO_ENTRY; entry = pool[entry + 2]) {
        const endpoint = pool[entry + 1];
        const total = pool[entry] + d;
        if (total < result[endpoint]) result[endpoint] = total;
      }
    }
    return result;
  }

  private resize(count: number): void {
    while (this.entriesOf.length < count) this.entriesOf.push([]);
    for (let i = count; i < this.count; i++) this.unlinkAll(i);
    this.count = count;
    if (this.result.length !== count) this.result = new Float64Array(count);
  }

  private fill(index: number, seeds: readonly Seed[]): void {
    const search = this.fillSearch;
    const mine = this.entriesOf[index];
    search.start(seeds);
    while (!search.done) {
      const r = search.settleNext();
      if (r < 0) continue;
      mine.push(this.link(r, index, search.dist[r]));
    }
  }

  private link(node: number, endpoint: number, distance: number): number {
    let entry = this.freeList;
    if (entry !== NO_ENTRY) {
      this.freeList = this.pool[entry + 2];
    } else {
      if (this.poolUsed + ENTRY_STRIDE > this.pool.length) {
        const grown = new Float64Array(this.pool.length * 2);
        grown.set(this.pool);
        this.pool = grown;
      }
      entry = this.poolUsed;
      this.poolUsed += ENTRY_STRIDE;
    }
    const pool = this.pool;
    const oldHead = this.bucketHead[node];
    pool[entry] = distance;
    pool[entry + 1] = endpoint;
    pool[entry + 2] = oldHead;
    pool[entry + 3] = -1 - node;
    if (oldHead !== NO_ENTRY) pool[oldHead + 3] = entry;
    this.bucketHead[node] = entry;
    return entry;
  }

  private unlinkAll(index: number): void {
    const pool = this.pool;
    const mine = this.entriesOf[index];
    for (let i = 0; i < mine.length; i++) {
      const entry = mine[i];
      const next = pool[entry + 2];
      const previous = pool[entry + 3];
      if (previous >= 0) pool[previous + 2] = next;
      else this.bucketHead[-1 - previous] = next;
      if (next !== NO_ENTRY) pool[next + 3] = previous;
      pool[entry + 2] = this.freeList;
      this.freeList = entry;
    }
    mine.length = 0;
  }
}

/**
 * "Travel time from each unit to this incident": sources are fixed (unit positions), each query is
 * one target. `timesTo` fills out[i] with the time from source i (Infinity when unreachable).
 */
export class ManyToOneTable {
  private readonly table: BucketTable;

  constructor(ch: ContractionHierarchy) {
    this.table = new BucketTable(ch, true);
  }

  get sourceCount(): number {
    return this.table.endpointCount;
  }

  get bucketEntryCount(): number {
    return this.table.entryCount;
  }

  setSources(sources: readonly (readonly Seed[])[]): void {
    this.table.setAll(sources);
  }

  /** Moves source `index` (or appends it when index = sourceCount); only its buckets change. */
  updateSource(index: number, seeds: readonly Seed[]): void {
    this.table.update(index, seeds);
  }

  /**
   * Times from every source to `target`. Without `out` the table's own buffer is returned: valid
   * until the next call, which keeps the hot path free of allocation.
   */
  timesTo(target: readonly Seed[], out?: Float64Array): Float64Array {
    return this.table.query(target, out);
  }
}

/** The mirror image: fixed targets (e.g. exit checkpoints), each query is one source. */
export class OneToManyTable {
  private readonly table: BucketTable;

  constructor(ch: ContractionHierarchy) {
    this.table = new BucketTable(ch, false);
  }

  get targetCount(): number {
    return this.table.endpointCount;
  }

  setTargets(targets: readonly (readonly Seed[])[]): void {
    this.table.setAll(targets);
  }

  updateTarget(index: number, seeds: readonly Seed[]): void {
    this.table.update(index, seeds);
  }

  timesFrom(source: readonly Seed[], out?: Float64Array): Float64Array {
    return this.table.query(source, out);
  }
}

/**
 * Nodes of the largest strongly connected component (every node reaches every other), as a 0/1
 * mask. Benchmarks and tests draw their random points from it so that every pair has a route.
 */
export function largestStronglyConnectedComponent(graph: RoadGraph): Uint8Array {
  const { componentOf, largest } = stronglyConnectedComponents(graph);
  const mask = new Uint8Array(graph.nodeCount);
  for (let v = 0; v < graph.nodeCount; v++) if (componentOf[v] === largest) mask[v] = 1;
  return mask;
}
