/**
 * From an OSM extract to the drivable road graph: which ways a car may use, in which direction,
 * at what speed. Pure: no I/O.
 */
import {
  buildRoadGraph,
  type GraphEdgeInput,
  type GraphNodeInput,
  type RoadGraph,
  type WayInfo,
} from './graph';
import { findNodeIndex, type OsmExtract, type OsmTags } from './osm';
import { parseMaxspeed, waySpeedKmh } from './speeds';

/** Highway classes a car may use (service roads are further filtered below). */
export const DRIVABLE_HIGHWAYS: ReadonlySet<string> = new Set([
  'motorway',
  'motorway_link',
  'trunk',
  'trunk_link',
  'primary',
  'primary_link',
  'secondary',
  'secondary_link',
  'tertiary',
  'tertiary_link',
  'unclassified',
  'residential',
  'living_street',
  'service',
]);

export type WaySkipReason =
  | 'not_drivable_class'
  | 'construction'
  | 'area'
  | 'parking_aisle'
  | 'no_access'
  | 'reversible'
  | 'too_few_nodes';

export type WayDirection = 'both' | 'forward' | 'backward';

export type WayClassification = { drivable: true } | { drivable: false; reason: WaySkipReason };

const CLOSED_ACCESS = new Set(['no', 'private']);
const OPEN_ACCESS = new Set(['yes', 'designated', 'permissive', 'destination', 'delivery', 'customers']);

/** Whether cars may use the way; the reason when not (for the import statistics). */
export function classifyWay(tags: OsmTags): WayClassification {
  const highway = tags.highway;
  if (highway === 'construction' || highway === 'proposed')
    return { drivable: false, reason: 'construction' };
  if (highway === undefined || !DRIVABLE_HIGHWAYS.has(highway)) {
    return { drivable: false, reason: 'not_drivable_class' };
  }
  if (tags.area === 'yes') return { drivable: false, reason: 'area' };
  if (highway === 'service' && tags.service === 'parking_aisle') {
    return { drivable: false, reason: 'parking_aisle' };
  }
  // The most specific access tag decides: motorcar over motor_vehicle over vehicle over access.
  const specific = tags.motorcar ?? tags.motor_vehicle ?? tags.vehicle;
  if (specific !== undefined) {
    if (CLOSED_ACCESS.has(specific)) return { drivable: false, reason: 'no_access' };
    if (OPEN_ACCESS.has(specific)) return { drivable: true };
  }
  if (tags.access !== undefined && CLOSED_ACCESS.has(tags.access)) {
    return { drivable: false, reason: 'no_access' };
  }
  if (tags.oneway === 'reversible' || tags.oneway === 'alternating') {
    return { drivable: false, reason: 'reversible' };
  }
  return { drivable: true };
}

/**
 * Travel direction relative to the way's node order. An explicit `oneway` wins; roundabouts and
 * motorways are one-way by implication (OSM convention).
 */
export function wayDirection(tags: OsmTags): WayDirection {
  const oneway = tags.oneway;
  if (oneway === 'yes' || oneway === 'true' || oneway === '1') return 'forward';
  if (oneway === '-1' || oneway === 'reverse') return 'backward';
  if (oneway === 'no' || oneway === 'false' || oneway === '0') return 'both';
  if (tags.junction === 'roundabout' || tags.junction === 'circular') return 'forward';
  if (tags.highway === 'motorway') return 'forward';
  return 'both';
}

const EARTH_RADIUS_M = 6_371_008.8;
const DEG = Math.PI / 180;

/** Great-circle distance in metres. */
export function haversineMetres(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const dLat = (lat2 - lat1) * DEG;
  const dLon = (lon2 - lon1) * DEG;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * DEG) * Math.cos(lat2 * DEG) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

export interface OsmGraphStats {
  nodes: number;
  edges: number;
  waysKept: number;
  waysSkipped: Record<WaySkipReason, number>;
  /** Segments dropped because an end node is not in the extract (clipped files). */
  segmentsMissingNode: number;
  /** Consecutive repeated node refs (a mapping error) that were ignored. */
  repeatedNodeRefs: number;
}

export interface OsmGraphResult {
  graph: RoadGraph;
  stats: OsmGraphStats;
}

export function osmToGraph(extract: OsmExtract): OsmGraphResult {
  const stats: OsmGraphStats = {
    nodes: 0,
    edges: 0,
    waysKept: 0,
    waysSkipped: {
      not_drivable_class: 0,
      construction: 0,
      area: 0,
      parking_aisle: 0,
      no_access: 0,
      reversible: 0,
      too_few_nodes: 0,
    },
    segmentsMissingNode: 0,
    repeatedNodeRefs: 0,
  };
  const table = extract.nodes;
  // Extract node-table index -> graph node index, assigned in first-use order (compact).
  const graphIndexOf = new Int32Array(table.id.length).fill(-1);
  const nodes: GraphNodeInput[] = [];
  const edges: GraphEdgeInput[] = [];
  const ways: WayInfo[] = [];

  const nodeFor = (osmId: number): number => {
    const t = findNodeIndex(table, osmId);
    if (t < 0) return -1;
    let g = graphIndexOf[t];
    if (g < 0) {
      g = nodes.length;
      graphIndexOf[t] = g;
      nodes.push({ osmId, lon: table.lon[t], lat: table.lat[t] });
    }
    return g;
  };

  for (const way of extract.ways) {
    const classification = classifyWay(way.tags);
    if (!classification.drivable) {
      stats.waysSkipped[classification.reason]++;
      continue;
    }
    if (way.refs.length < 2) {
      stats.waysSkipped.too_few_nodes++;
      continue;
    }
    const highway = way.tags.highway;
    const direction = wayDirection(way.tags);
    const speedKmh = waySpeedKmh(highway, way.tags.maxspeed);
    // Direction-specific limits (maxspeed:forward/backward, relative to node order) override.
    const forwardMps = (parseMaxspeed(way.tags['maxspeed:forward']) ?? speedKmh) / 3.6;
    const backwardMps = (parseMaxspeed(way.tags['maxspeed:backward']) ?? speedKmh) / 3.6;
    const wayIndex = ways.length;
    ways.push({
      osmId: way.id,
      name: way.tags.name ?? way.tags['name:zh'] ?? way.tags.ref ?? null,
      highway,
      speedKmh,
      oneway: direction !== 'both',
    });
    stats.waysKept++;

    let prev = nodeFor(way.refs[0]);
    for (let i = 1; i < way.refs.length; i++) {
      if (way.refs[i] === way.refs[i - 1]) {
        stats.repeatedNodeRefs++;
        continue;
      }
      const next = nodeFor(way.refs[i]);
      if (prev < 0 || next < 0) {
        stats.segmentsMissingNode++;
        prev = next;
        continue;
      }
      const a = nodes[prev];
      const b = nodes[next];
      const length = haversineMetres(a.lon, a.lat, b.lon, b.lat);
      if (direction !== 'backward') {
        edges.push({ tail: prev, head: next, time: length / forwardMps, length, way: wayIndex });
      }
      if (direction !== 'forward') {
        edges.push({ tail: next, head: prev, time: length / backwardMps, length, way: wayIndex });
      }
      prev = next;
    }
  }

  const graph = buildRoadGraph(nodes, edges, ways);
  stats.nodes = graph.nodeCount;
  stats.edges = graph.edgeCount;
  return { graph, stats };
}

export interface StronglyConnectedComponents {
  /** Component id per node. */
  componentOf: Int32Array;
  componentCount: number;
  /** Id of the component with the most nodes. */
  largest: number;
  largestSize: number;
}

/**
 * Strongly connected components by Tarjan's algorithm with an explicit stack (city graphs are
 * deep enough to overflow the call stack). Callers use the largest component to pick routing
 * pairs that are mutually reachable; nothing is removed from the graph.
 */
export function stronglyConnectedComponents(graph: RoadGraph): StronglyConnectedComponents {
  const n = graph.nodeCount;
  const { firstOut, edgeHead } = graph;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const componentOf = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n);
  let stackTop = 0;
  // DFS frames: node and the next out-edge to look at.
  const frameNode = new Int32Array(n);
  const frameEdge = new Uint32Array(n);
  let nextIndex = 0;
  let componentCount = 0;
  let largest = -1;
  let largestSize = 0;

  for (let root = 0; root < n; root++) {
    if (index[root] >= 0) continue;
    let depth = 0;
    frameNode[0] = root;
    frameEdge[0] = firstOut[root];
    index[root] = low[root] = nextIndex++;
    stack[stackTop++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = frameNode[depth];
      const e = frameEdge[depth];
      if (e < firstOut[v + 1]) {
        frameEdge[depth] = e + 1;
        const w = edgeHead[e];
        if (index[w] < 0) {
          index[w] = low[w] = nextIndex++;
          stack[stackTop++] = w;
          onStack[w] = 1;
          depth++;
          frameNode[depth] = w;
          frameEdge[depth] = firstOut[w];
        } else if (onStack[w] && index[w] < low[v]) {
          low[v] = index[w];
        }
        continue;
      }
      // v is finished.
      if (low[v] === index[v]) {
        let size = 0;
        let w: number;
        do {
          w = stack[--stackTop];
          onStack[w] = 0;
          componentOf[w] = componentCount;
          size++;
        } while (w !== v);
        if (size > largestSize) {
          largestSize = size;
          largest = componentCount;
        }
        componentCount++;
      }
      depth--;
      if (depth >= 0) {
        const parent = frameNode[depth];
        if (low[v] < low[parent]) low[parent] = low[v];
      }
    }
  }
  return { componentOf, componentCount, largest, largestSize };
}
