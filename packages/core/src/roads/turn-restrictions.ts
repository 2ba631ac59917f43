/**
 * Turn restrictions: OSM `type=restriction` relations resolved to forbidden edge sequences, and a
 * road graph in which those sequences cannot be driven.
 *
 * Why node splitting instead of an edge-based CH or turn-cost tables: the split graph is a plain
 * node-based `RoadGraph`, so the Dijkstra engine, the contraction hierarchy, its bucket tables and
 * isochrones run on it unchanged and exact by construction. Without U-turn costs only the few
 * restricted junctions are copied (Monaco: a few dozen of ~15,000 nodes). With them
 * (`TurnRestrictedGraphOptions.uTurnSeconds`) every two-way street's ends are copied by the way
 * the vehicle came in, which makes it an edge-based graph where it has to be one: 2.2–2.8× the
 * nodes and 2–2.6× the edges on the bundled cities, and a many-to-one query about twice as slow
 * (still tens of microseconds). A turn-cost table beside a node-based CH would not be exact
 * without an edge-based search anyway.
 *
 * The split is an automaton over edge sequences (Aho–Corasick style): a node copy (v, P) means
 * "at v, having just driven P", where P is the longest suffix of the route so far that is a proper
 * prefix of some forbidden sequence. Driving edge e from (v, P) is dropped when some suffix of P+e
 * is forbidden, and otherwise leads to (head(e), P') with P' the longest such suffix of P+e. Only
 * copies reachable this way exist. Plain nodes keep their ids and come first, and so do the edges
 * leaving them: base edge e is edge e of the restricted graph too (its head may be a copy), so a
 * snap on the base graph names the right edge in both.
 */
import { buildRoadGraph, type GraphEdgeInput, type GraphNodeInput, type RoadGraph } from './graph';
import type { OsmTurnRestriction, OsmWay } from './osm';

/** Whose restrictions apply: an emergency vehicle is exempt where `except` says `emergency`. */
export type RestrictionVehicle = 'motorcar' | 'emergency';

export type RestrictionSkipReason =
  /** No `restriction` (or `restriction:motorcar` / `:motor_vehicle`) value: not for cars. */
  | 'not_for_cars'
  /** A value that is neither `no_*` nor `only_*`. */
  | 'unknown_kind'
  /** `except=` names the vehicle (motorcar, motor_vehicle, vehicle; emergency for that profile). */
  | 'exempt'
  /** A from, via or to way is not in the file (clipped extract). */
  | 'way_not_in_file'
  /** A from, via or to way is in the file but cars may not use it (footway, private…). */
  | 'way_not_drivable'
  /** The via node is not on any drivable road. */
  | 'via_node_not_on_road'
  /** From or to way does not touch the via node, or the via ways do not connect them. */
  | 'via_not_connecting'
  /** The ways connect, but one-way streets make the restricted movement impossible anyway. */
  | 'against_oneway';

export const RESTRICTION_SKIP_REASONS: readonly RestrictionSkipReason[] = [
  'not_for_cars',
  'unknown_kind',
  'exempt',
  'way_not_in_file',
  'way_not_drivable',
  'via_node_not_on_road',
  'via_not_connecting',
  'against_oneway',
];

export interface TurnRestrictionReport {
  /** Restriction relations handed over by the reader. */
  relations: number;
  /** Relations turned into forbidden sequences (via a node / via ways). */
  applied: number;
  appliedViaNode: number;
  appliedViaWay: number;
  /** Distinct forbidden edge sequences. */
  forbiddenSequences: number;
  skipped: Record<RestrictionSkipReason, number>;
  /**
   * `only_*` relations from the same approach at the same node naming different exits (OSM
   * contradicts itself): applied with their exits merged, so each named exit stays allowed.
   */
  conflictingOnlyMerged: number;
  /** A few relation ids per problem, so a mapper can look them up. */
  samples: Array<{ osmId: number; reason: RestrictionSkipReason | 'conflicting_only' }>;
}

export interface ResolvedRestrictions {
  /** Forbidden sequences of base-graph edge ids (length ≥ 2), in driving order. */
  sequences: number[][];
  /** The relation each sequence came from (the first, when several forbid the same one). */
  osmIds: number[];
  report: TurnRestrictionReport;
}

const SAMPLES_PER_REASON = 5;
const CAR_EXEMPTIONS = new Set(['motorcar', 'motor_vehicle', 'vehicle']);

/**
 * Resolves the reader's restriction relations on the drivable graph. `osmWays` are the extract's
 * highway ways (their node order locates via ways); every relation is either applied or counted
 * under a reason, never dropped silently.
 */
export function resolveTurnRestrictions(
  graph: RoadGraph,
  restrictions: readonly OsmTurnRestriction[],
  osmWays: readonly OsmWay[],
  options: { vehicle?: RestrictionVehicle } = {},
): ResolvedRestrictions {
  const vehicle = options.vehicle ?? 'motorcar';
  const report: TurnRestrictionReport = {
    relations: restrictions.length,
    applied: 0,
    appliedViaNode: 0,
    appliedViaWay: 0,
    forbiddenSequences: 0,
    skipped: Object.fromEntries(RESTRICTION_SKIP_REASONS.map((r) => [r, 0])) as Record<
      RestrictionSkipReason,
      number
    >,
    conflictingOnlyMerged: 0,
    samples: [],
  };
  const sampleCount = new Map<string, number>();
  const note = (osmId: number, reason: RestrictionSkipReason | 'conflicting_only'): void => {
    const seen = sampleCount.get(reason) ?? 0;
    if (seen < SAMPLES_PER_REASON) report.samples.push({ osmId, reason });
    sampleCount.set(reason, seen + 1);
  };
  const skip = (osmId: number, reason: RestrictionSkipReason): void => {
    report.skipped[reason]++;
    note(osmId, reason);
  };

  const { firstOut, firstIn, inEdge, edgeHead, edgeTail, edgeWay } = graph;
  const wayIndexOf = new Map<number, number>();
  for (let i = 0; i < graph.ways.length; i++) wayIndexOf.set(graph.ways[i].osmId, i);
  const osmWayOf = new Map<number, OsmWay>();
  for (const w of osmWays) osmWayOf.set(w.id, w);
  const nodeOf = new Map<number, number>();
  for (let v = 0; v < graph.nodeCount; v++) nodeOf.set(graph.nodeOsmId[v], v);

  const wayProblem = (osmId: number): RestrictionSkipReason | null =>
    wayIndexOf.has(osmId) ? null : osmWayOf.has(osmId) ? 'way_not_drivable' : 'way_not_in_file';
  const inEdgesOf = (v: number, way: number): number[] => {
    const found: number[] = [];
    for (let k = firstIn[v]; k < firstIn[v + 1]; k++) if (edgeWay[inEdge[k]] === way) found.push(inEdge[k]);
    return found;
  };
  const outEdgesOf = (v: number, way: number): number[] => {
    const found: number[] = [];
    for (let e = firstOut[v]; e < firstOut[v + 1]; e++) if (edgeWay[e] === way) found.push(e);
    return found;
  };
  const touches = (wayOsmId: number, nodeOsmId: number): boolean => {
    return osmWayOf.get(wayOsmId)?.refs.includes(nodeOsmId) === true;
  };

  const forbidden = new Map<string, { sequence: number[]; osmId: number }>();
  let currentOsmId = 0;
  const forbid = (sequence: number[]): void => {
    const key = sequence.join(',');
    if (!forbidden.has(key)) forbidden.set(key, { sequence, osmId: currentOsmId });
  };
  // only_* via a node, gathered per approach edge first so contradicting relations can merge.
  const onlyExits = new Map<number, { exits: Set<number>; osmId: number }>();

  for (const r of restrictions) {
    currentOsmId = r.osmId;
    if (r.kind === null) {
      skip(r.osmId, 'not_for_cars');
      continue;
    }
    const prohibitive = r.kind.startsWith('no_');
    const mandatory = r.kind.startsWith('only_');
    if (!prohibitive && !mandatory) {
      skip(r.osmId, 'unknown_kind');
      continue;
    }
    if (r.except.some((v) => CAR_EXEMPTIONS.has(v) || (vehicle === 'emergency' && v === 'emergency'))) {
      skip(r.osmId, 'exempt');
      continue;
    }
    const missing = [...r.fromWays, ...r.viaWays, ...r.toWays].map(wayProblem).find((p) => p !== null);
    if (missing) {
      skip(r.osmId, missing);
      continue;
    }

    if (r.viaNode !== null) {
      const v = nodeOf.get(r.viaNode);
      if (v === undefined) {
        skip(r.osmId, 'via_node_not_on_road');
        continue;
      }
      if (![...r.fromWays, ...r.toWays].every((w) => touches(w, r.viaNode as number))) {
        skip(r.osmId, 'via_not_connecting');
        continue;
      }
      const ins = r.fromWays.flatMap((w) => inEdgesOf(v, wayIndexOf.get(w) as number));
      const outs = r.toWays.flatMap((w) => outEdgesOf(v, wayIndexOf.get(w) as number));
      if (ins.length === 0 || outs.length === 0) {
        skip(r.osmId, 'against_oneway');
        continue;
      }
      const reversal = (i: number, o: number) => edgeHead[o] === edgeTail[i];
      if (prohibitive) {
        let count = 0;
        for (const i of ins) {
          for (const o of outs) {
            const sameWay = edgeWay[i] === edgeWay[o];
            // From = to on one way through the node: the ban is on turning back along it, never on
            // driving straight on along the same way.
            if (sameWay && !reversal(i, o)) continue;
            forbid([i, o]);
            count++;
          }
        }
        if (count === 0) {
          skip(r.osmId, 'via_not_connecting');
          continue;
        }
      } else {
        for (const i of ins) {
          const allowed = outs.filter(
            (o) => r.kind === 'only_u_turn' || !(edgeWay[o] === edgeWay[i] && reversal(i, o)),
          );
          const previous = onlyExits.get(i);
          if (previous) {
            const differs =
              allowed.some((o) => !previous.exits.has(o)) || allowed.length !== previous.exits.size;
            if (differs) {
              report.conflictingOnlyMerged++;
              note(r.osmId, 'conflicting_only');
            }
            for (const o of allowed) previous.exits.add(o);
          } else {
            onlyExits.set(i, { exits: new Set(allowed), osmId: r.osmId });
          }
        }
      }
      report.applied++;
      report.appliedViaNode++;
      continue;
    }

    // Via ways: from → via₁ → … → viaₖ → to, located by shared nodes.
    const path = viaWayPath(r);
    if (typeof path === 'string') {
      skip(r.osmId, path);
      continue;
    }
    let applied = false;
    for (const fromWay of r.fromWays) {
      for (const toWay of r.toWays) {
        const ins = inEdgesOf(path.entry, wayIndexOf.get(fromWay) as number);
        const outs = outEdgesOf(path.exit, wayIndexOf.get(toWay) as number);
        if (ins.length === 0 || outs.length === 0) continue;
        for (const i of ins) {
          if (prohibitive) {
            for (const o of outs) forbid([i, ...path.edges, o]);
          } else {
            // Mandatory: at every node of the via path, leaving it any other way is forbidden.
            const prefix = [i];
            let node = path.entry;
            for (let step = 0; step <= path.edges.length; step++) {
              const keep = step < path.edges.length ? new Set([path.edges[step]]) : new Set(outs);
              for (let e = firstOut[node]; e < firstOut[node + 1]; e++)
                if (!keep.has(e)) forbid([...prefix, e]);
              if (step < path.edges.length) {
                prefix.push(path.edges[step]);
                node = edgeHead[path.edges[step]];
              }
            }
          }
          applied = true;
        }
      }
    }
    if (!applied) {
      skip(r.osmId, 'against_oneway');
      continue;
    }
    report.applied++;
    report.appliedViaWay++;
  }

  for (const [i, { exits, osmId }] of onlyExits) {
    currentOsmId = osmId;
    const v = edgeHead[i];
    for (let e = firstOut[v]; e < firstOut[v + 1]; e++) if (!exits.has(e)) forbid([i, e]);
  }
  const entries = [...forbidden.values()];
  report.forbiddenSequences = entries.length;
  return { sequences: entries.map((x) => x.sequence), osmIds: entries.map((x) => x.osmId), report };

  /** The nodes where the chain enters and leaves the via ways, and the edges along them. */
  function viaWayPath(
    r: OsmTurnRestriction,
  ): { entry: number; exit: number; edges: number[] } | RestrictionSkipReason {
    const refsOf = (id: number) => osmWayOf.get(id)?.refs as Float64Array;
    let reason: RestrictionSkipReason = 'via_not_connecting';
    // Relation order first; mappers sometimes list via ways backwards.
    for (const via of [r.viaWays, [...r.viaWays].reverse()]) {
      const chain = [r.fromWays[0], ...via, r.toWays[0]].map(refsOf);
      const junctions: number[] = [];
      for (let k = 0; k + 1 < chain.length; k++) {
        const j = sharedNode(chain[k], chain[k + 1]);
        if (j === null) break;
        junctions.push(j);
      }
      if (junctions.length !== chain.length - 1) continue;
      const edges: number[] = [];
      let ok = true;
      for (let k = 0; k < via.length && ok; k++) {
        const refs = chain[k + 1];
        const from = refs.indexOf(junctions[k]);
        const to = refs.indexOf(junctions[k + 1]);
        const way = wayIndexOf.get(via[k]) as number;
        const step = to >= from ? 1 : -1;
        for (let at = from; at !== to && ok; at += step) {
          const a = nodeOf.get(refs[at]);
          const b = nodeOf.get(refs[at + step]);
          if (a === undefined || b === undefined) {
            ok = false;
            break;
          }
          const edge = outEdgesOf(a, way).find((e) => edgeHead[e] === b);
          if (edge === undefined) {
            ok = false;
            reason = 'against_oneway';
          } else {
            edges.push(edge);
          }
        }
      }
      const entry = nodeOf.get(junctions[0]);
      const exit = nodeOf.get(junctions[junctions.length - 1]);
      if (!ok || entry === undefined || exit === undefined) continue;
      return { entry, exit, edges };
    }
    return reason;
  }
}

/** A node two ways share, preferring one that ends either way (where a restriction's ways meet). */
function sharedNode(a: Float64Array, b: Float64Array): number | null {
  const inA = new Set(a);
  let any: number | null = null;
  const ends = new Set([a[0], a[a.length - 1], b[0], b[b.length - 1]]);
  for (const id of b) {
    if (!inA.has(id)) continue;
    if (ends.has(id)) return id;
    any ??= id;
  }
  return any;
}

/** How the restricted graph maps back to the base graph it was built from. */
export interface TurnExpansion {
  readonly baseNodeCount: number;
  readonly baseEdgeCount: number;
  /** The base node of every node (identity below baseNodeCount). */
  readonly nodeBase: Uint32Array;
  /** The base edge of every edge (identity below baseEdgeCount). */
  readonly edgeBase: Uint32Array;
  /** The other copies of base edge e: copyEdge[copyFirst[e] .. copyFirst[e+1]-1]. */
  readonly copyFirst: Uint32Array;
  readonly copyEdge: Uint32Array;
  /** The copies of base node v: nodeCopy[nodeCopyFirst[v] .. nodeCopyFirst[v+1]-1]. */
  readonly nodeCopy: Uint32Array;
  readonly nodeCopyFirst: Uint32Array;
  readonly forbiddenSequences: number;
  /** Seconds a U-turn costs in this graph (0: U-turns are free where no restriction bans them). */
  readonly uTurnSeconds: number;
  /**
   * Seconds every edge costs on top of its base edge's time: the U-turn penalty on the copies
   * that turn back to the node the vehicle came from, else 0. Null when uTurnSeconds is 0.
   * Whoever gives the graph other edge times (learned/profile.ts `withEdgeTimes`) adds it back.
   */
  readonly edgePenalty: Float64Array | null;
}

/** A graph in which the forbidden sequences cannot be driven; `turns` maps it to the base. */
export type TurnRestrictedGraph = RoadGraph & { readonly turns: TurnExpansion };

export interface TurnRestrictedGraphOptions {
  /**
   * Seconds added whenever a route turns back to the node it just came from (u → v → u), at a
   * junction, a dead end or a shape point alike. 0 (the default) keeps U-turns free wherever no
   * restriction bans them, and then only junctions named by a restriction are copied.
   */
  uTurnSeconds?: number;
}

/**
 * Builds the restricted graph (see the file comment). Base edge e keeps id e; copies of junctions
 * and of the edges leaving them are appended. Costs and geometry are the base graph's, plus the
 * U-turn penalty on the copies that turn back.
 *
 * With a U-turn penalty the automaton also remembers the last edge where it matters: a node
 * reached by edge e (u → v) whose street can be driven back (some edge v → u) is the copy
 * "at v, came from e", and its edge back to u costs the penalty. That copy exists only in the
 * automaton's empty state; in a restriction state the last edge is the state's own last edge.
 * This is an edge-based graph for every two-way street (about one copy per directed two-way
 * edge), built the same way as the restriction copies so every engine runs on it unchanged.
 */
export function buildTurnRestrictedGraph(
  base: RoadGraph,
  sequences: readonly (readonly number[])[],
  options: TurnRestrictedGraphOptions = {},
): TurnRestrictedGraph {
  if (base.turns) throw new Error('graph is already turn-restricted');
  const uTurnSeconds = options.uTurnSeconds ?? 0;
  if (!(uTurnSeconds >= 0) || !Number.isFinite(uTurnSeconds))
    throw new RangeError(`uTurnSeconds must be a finite number ≥ 0, got ${uTurnSeconds}`);
  const n = base.nodeCount;
  const forbiddenKeys = new Set<string>();
  const stateOfPrefix = new Map<string, number>([['', 0]]);
  const stateSequence: number[][] = [[]];
  for (const s of sequences) {
    if (s.length < 2) continue;
    for (const e of s) if (!(e >= 0 && e < base.edgeCount)) throw new RangeError(`edge ${e} out of range`);
    forbiddenKeys.add(s.join(','));
    for (let len = 1; len < s.length; len++) {
      const key = s.slice(0, len).join(',');
      if (!stateOfPrefix.has(key)) {
        stateOfPrefix.set(key, stateSequence.length);
        stateSequence.push(s.slice(0, len));
      }
    }
  }

  const memo = new Map<string, number>();
  /** The state after driving e from `state`, or -1 when that completes a forbidden sequence. */
  const transition = (state: number, e: number): number => {
    if (state === 0) return stateOfPrefix.get(String(e)) ?? 0;
    const memoKey = `${state}:${e}`;
    const known = memo.get(memoKey);
    if (known !== undefined) return known;
    const q = [...stateSequence[state], e];
    let next = 0;
    for (let start = 0; start < q.length; start++) {
      if (forbiddenKeys.has(q.slice(start).join(','))) {
        next = -1;
        break;
      }
    }
    if (next === 0) {
      for (let start = 0; start < q.length; start++) {
        const s = stateOfPrefix.get(q.slice(start).join(','));
        if (s !== undefined) {
          next = s;
          break;
        }
      }
    }
    memo.set(memoKey, next);
    return next;
  };

  // canTurnBack[e]: some edge leads from e's head straight back to its tail (a U-turn is possible).
  const canTurnBack = new Uint8Array(uTurnSeconds > 0 ? base.edgeCount : 0);
  for (let e = 0; e < canTurnBack.length; e++) {
    const u = base.edgeTail[e];
    const v = base.edgeHead[e];
    if (u === v) continue;
    for (let f = base.firstOut[v]; f < base.firstOut[v + 1]; f++)
      if (base.edgeHead[f] === u) {
        canTurnBack[e] = 1;
        break;
      }
  }

  const turnsAt = uTurnSeconds > 0 ? junctionNodes(base) : new Uint8Array(0);

  const nodeBase: number[] = [];
  const nodeState: number[] = [];
  /** The edge that led into the node when it matters for U-turns, else -1. */
  const nodeLast: number[] = [];
  for (let v = 0; v < n; v++) {
    nodeBase.push(v);
    nodeState.push(0);
    nodeLast.push(-1);
  }
  const copyOf = new Map<number, number>();
  const cameFromCopy = new Int32Array(canTurnBack.length).fill(-1);
  const nodeFor = (e: number, state: number): number => {
    const v = base.edgeHead[e];
    if (state === 0) {
      if (!canTurnBack[e]) return v;
      let id = cameFromCopy[e];
      if (id < 0) {
        id = nodeBase.length;
        cameFromCopy[e] = id;
        nodeBase.push(v);
        nodeState.push(0);
        nodeLast.push(e);
      }
      return id;
    }
    const key = state * n + v;
    let id = copyOf.get(key);
    if (id === undefined) {
      id = nodeBase.length;
      copyOf.set(key, id);
      nodeBase.push(v);
      nodeState.push(state);
      nodeLast.push(uTurnSeconds > 0 ? e : -1);
    }
    return id;
  };

  const edges: GraphEdgeInput[] = [];
  const edgeBaseList: number[] = [];
  const penalised: number[] = [];
  for (let x = 0; x < nodeBase.length; x++) {
    const v = nodeBase[x];
    const state = nodeState[x];
    const last = nodeLast[x];
    const cameFrom = last >= 0 ? base.edgeTail[last] : -1;
    const mayTurn = last >= 0 && (turnsAt[v] === 1 || onlyWayBack(base, last));
    for (let e = base.firstOut[v]; e < base.firstOut[v + 1]; e++) {
      const next = transition(state, e);
      if (next < 0) continue;
      const uTurn = base.edgeHead[e] === cameFrom;
      if (uTurn && !mayTurn) continue;
      if (uTurn) penalised.push(edges.length);
      edges.push({
        tail: x,
        head: nodeFor(e, next),
        time: uTurn ? base.edgeTime[e] + uTurnSeconds : base.edgeTime[e],
        length: base.edgeLength[e],
        way: base.edgeWay[e],
      });
      edgeBaseList.push(e);
    }
  }

  const nodes: GraphNodeInput[] = nodeBase.map((v) => ({
    osmId: base.nodeOsmId[v],
    lon: base.nodeLon[v],
    lat: base.nodeLat[v],
  }));
  const graph = buildRoadGraph(nodes, edges, base.ways);
  const edgeBase = Uint32Array.from(edgeBaseList);
  // buildRoadGraph keeps the order of edges that share a tail, and tails ascend here: ids are kept.
  let edgePenalty: Float64Array | null = null;
  if (uTurnSeconds > 0) {
    edgePenalty = new Float64Array(edgeBase.length);
    for (const id of penalised) edgePenalty[id] = uTurnSeconds;
  }
  const copyFirst = new Uint32Array(base.edgeCount + 1);
  for (let i = base.edgeCount; i < edgeBase.length; i++) copyFirst[edgeBase[i] + 1]++;
  for (let e = 0; e < base.edgeCount; e++) copyFirst[e + 1] += copyFirst[e];
  const copyEdge = new Uint32Array(edgeBase.length - base.edgeCount);
  const cursor = copyFirst.slice(0, base.edgeCount);
  for (let i = base.edgeCount; i < edgeBase.length; i++) copyEdge[cursor[edgeBase[i]]++] = i;
  const nodeCopyFirst = new Uint32Array(n + 1);
  for (let x = n; x < nodeBase.length; x++) nodeCopyFirst[nodeBase[x] + 1]++;
  for (let v = 0; v < n; v++) nodeCopyFirst[v + 1] += nodeCopyFirst[v];
  const nodeCopy = new Uint32Array(nodeBase.length - n);
  const nodeCursor = nodeCopyFirst.slice(0, n);
  for (let x = n; x < nodeBase.length; x++) nodeCopy[nodeCursor[nodeBase[x]]++] = x;
  return {
    ...graph,
    turns: {
      baseNodeCount: n,
      baseEdgeCount: base.edgeCount,
      nodeBase: Uint32Array.from(nodeBase),
      edgeBase,
      copyFirst,
      copyEdge,
      nodeCopyFirst,
      nodeCopy,
      forbiddenSequences: forbiddenKeys.size,
      uTurnSeconds,
      edgePenalty,
    },
  };
}

/**
 * Where a U-turn may be made: at a junction (a node with other than two neighbouring nodes: three
 * or more, or a dead end's one). Mid-street, at a shape point of the way, a route drives on to the
 * next junction instead, unless turning back is its only way on (`onlyWayBack`).
 */
export function junctionNodes(base: RoadGraph): Uint8Array {
  const at = new Uint8Array(base.nodeCount);
  const seen = new Set<number>();
  for (let v = 0; v < base.nodeCount; v++) {
    seen.clear();
    for (let e = base.firstOut[v]; e < base.firstOut[v + 1]; e++) seen.add(base.edgeHead[e]);
    for (let k = base.firstIn[v]; k < base.firstIn[v + 1]; k++) seen.add(base.edgeTail[base.inEdge[k]]);
    seen.delete(v);
    if (seen.size !== 2) at[v] = 1;
  }
  return at;
}

/** True when every edge leaving edge e's head leads back to e's tail (e.g. a one-way pointing in). */
function onlyWayBack(base: RoadGraph, e: number): boolean {
  const u = base.edgeTail[e];
  const v = base.edgeHead[e];
  for (let f = base.firstOut[v]; f < base.firstOut[v + 1]; f++) if (base.edgeHead[f] !== u) return false;
  return true;
}

/**
 * Every U-turn u → v → u of the base graph as an edge pair, split by the rules the restricted
 * graph applies: `priced` ones cost `uTurnSeconds`, `forbidden` ones (mid-street) are not made.
 * What a peer router that takes turn costs (pgRouting's pgr_trsp) is given to check against.
 */
export function uTurnPairs(base: RoadGraph): { priced: [number, number][]; forbidden: [number, number][] } {
  const turnsAt = junctionNodes(base);
  const priced: [number, number][] = [];
  const forbidden: [number, number][] = [];
  for (let e = 0; e < base.edgeCount; e++) {
    const u = base.edgeTail[e];
    const v = base.edgeHead[e];
    if (u === v) continue;
    const allowed = turnsAt[v] === 1 || onlyWayBack(base, e);
    for (let f = base.firstOut[v]; f < base.firstOut[v + 1]; f++)
      if (base.edgeHead[f] === u) (allowed ? priced : forbidden).push([e, f]);
  }
  return { priced, forbidden };
}

/** Seconds an edge of either graph costs beyond its base edge's time (a U-turn), else 0. */
export function turnPenaltyOf(graph: RoadGraph, edge: number): number {
  return graph.turns?.edgePenalty?.[edge] ?? 0;
}

/** The base edge an edge of either graph stands for. */
export function baseEdgeOf(graph: RoadGraph, edge: number): number {
  return graph.turns ? graph.turns.edgeBase[edge] : edge;
}

/** The base node a node of either graph stands for. */
export function baseNodeOf(graph: RoadGraph, node: number): number {
  return graph.turns ? graph.turns.nodeBase[node] : node;
}

/** Calls visit for base edge e and every copy of it (just e on an unrestricted graph). */
export function forEachCopy(graph: RoadGraph, edge: number, visit: (copy: number) => void): void {
  visit(edge);
  const t = graph.turns;
  if (!t) return;
  for (let k = t.copyFirst[edge]; k < t.copyFirst[edge + 1]; k++) visit(t.copyEdge[k]);
}

/** Every node that stands for base node v: v itself and its copies (just v when unrestricted). */
export function nodeCopies(graph: RoadGraph, v: number): number[] {
  const t = graph.turns;
  if (!t) return [v];
  const found = [v];
  for (let k = t.nodeCopyFirst[v]; k < t.nodeCopyFirst[v + 1]; k++) found.push(t.nodeCopy[k]);
  return found;
}
