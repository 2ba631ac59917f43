/**
 * The road graph handed to pool threads without a copy per thread: its typed arrays live in one
 * SharedArrayBuffer, which every thread views (the graph is never written after it is built).
 * A graph whose arrays are not shared yet is copied into one once, on first use. Each graph gets
 * a key of its city id and a version: a re-imported or reloaded city is a new graph object, so
 * threads load the new one and drop the old.
 */
import type { RoadGraph, WayInfo } from '@citywatch/core/roads/graph';
import type { TurnExpansion } from '@citywatch/core/roads/turn-restrictions';

export const GRAPH_ARRAYS = [
  'nodeLon',
  'nodeLat',
  'nodeOsmId',
  'firstOut',
  'edgeTail',
  'edgeHead',
  'edgeTime',
  'edgeLength',
  'edgeWay',
  'firstIn',
  'inEdge',
] as const;
type ArrayKey = (typeof GRAPH_ARRAYS)[number];

/** What a thread receives to load a graph: views over shared memory, and the ways (cloned once). */
export interface GraphMessage {
  type: 'graph';
  key: string;
  cityId: string;
  nodeCount: number;
  edgeCount: number;
  arrays: Record<ArrayKey, Float64Array | Uint32Array>;
  ways: readonly WayInfo[];
  /**
   * A turn-restricted graph's map back to its base graph (cloned once per thread, like the ways:
   * its arrays are as long as the graph's nodes and edges, a small share of the graph's bytes).
   */
  turns?: TurnExpansion;
}

export interface SharedGraph {
  key: string;
  cityId: string;
  message: GraphMessage;
}

const shared = new WeakMap<RoadGraph, SharedGraph>();
let version = 0;

function isShared(graph: RoadGraph): boolean {
  return GRAPH_ARRAYS.every((k) => graph[k].buffer instanceof SharedArrayBuffer);
}

/** The graph's arrays in shared memory (copied once when they are not), under a versioned key. */
export function sharedGraph(cityId: string, graph: RoadGraph): SharedGraph {
  const known = shared.get(graph);
  if (known && known.cityId === cityId) return known;
  let arrays: Record<ArrayKey, Float64Array | Uint32Array>;
  if (isShared(graph)) {
    arrays = Object.fromEntries(GRAPH_ARRAYS.map((k) => [k, graph[k]])) as typeof arrays;
  } else {
    let bytes = 0;
    for (const k of GRAPH_ARRAYS) bytes += align8(graph[k].byteLength);
    const buffer = new SharedArrayBuffer(bytes);
    let offset = 0;
    arrays = {} as typeof arrays;
    for (const k of GRAPH_ARRAYS) {
      const source = graph[k];
      const view =
        source instanceof Float64Array
          ? new Float64Array(buffer, offset, source.length)
          : new Uint32Array(buffer, offset, source.length);
      view.set(source);
      arrays[k] = view;
      offset += align8(source.byteLength);
    }
  }
  const key = `${cityId}#${++version}`;
  const entry: SharedGraph = {
    key,
    cityId,
    message: {
      type: 'graph',
      key,
      cityId,
      nodeCount: graph.nodeCount,
      edgeCount: graph.edgeCount,
      arrays,
      ways: graph.ways,
      ...(graph.turns ? { turns: graph.turns } : {}),
    },
  };
  shared.set(graph, entry);
  return entry;
}

/** The graph a thread builds from a `GraphMessage` (same arrays, no copy). */
export function graphFromMessage(message: GraphMessage): RoadGraph {
  return {
    nodeCount: message.nodeCount,
    edgeCount: message.edgeCount,
    ...(message.arrays as unknown as Omit<RoadGraph, 'nodeCount' | 'edgeCount' | 'ways'>),
    ways: message.ways,
    ...(message.turns ? { turns: message.turns } : {}),
  };
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
