/**
 * The road graph in compressed-sparse-row form: typed arrays only, built once per city.
 *
 * Nodes are OSM nodes that lie on drivable ways (every shape point is a node, so an edge is one
 * straight segment: snapping and cut reporting work on real OSM node ids). Edges are directed;
 * a two-way street contributes one edge each way.
 *
 * Forward CSR: the out-edges of node v are edge ids firstOut[v] .. firstOut[v+1]-1, and edge e goes
 * from edgeTail[e] to edgeHead[e]. Reverse CSR: the in-edges of node v are inEdge[firstIn[v]] ..
 * inEdge[firstIn[v+1]-1] (ids of forward edges), so both directions share the per-edge columns.
 */
export interface RoadGraph {
  readonly nodeCount: number;
  readonly edgeCount: number;
  /** WGS-84 degrees. */
  readonly nodeLon: Float64Array;
  readonly nodeLat: Float64Array;
  /** OSM node id (fits a double exactly: OSM ids are < 2^53). */
  readonly nodeOsmId: Float64Array;

  readonly firstOut: Uint32Array; // length nodeCount + 1
  readonly edgeTail: Uint32Array; // length edgeCount
  readonly edgeHead: Uint32Array; // length edgeCount
  /** Travel time in seconds (road class / maxspeed); the routing cost. */
  readonly edgeTime: Float64Array;
  /** Length in metres. */
  readonly edgeLength: Float64Array;
  /** Index into `ways`. */
  readonly edgeWay: Uint32Array;

  readonly firstIn: Uint32Array; // length nodeCount + 1
  readonly inEdge: Uint32Array; // length edgeCount

  readonly ways: readonly WayInfo[];

  /**
   * Present on a turn-restricted graph (turn-restrictions.ts): junction copies appended after
   * the base nodes, and how every node and edge maps back to the base graph.
   */
  readonly turns?: import('./turn-restrictions').TurnExpansion;
}

export interface WayInfo {
  osmId: number;
  name: string | null;
  highway: string;
  /** Speed used for this way's edges, km/h. */
  speedKmh: number;
  oneway: boolean;
}

export interface GraphNodeInput {
  osmId: number;
  lon: number;
  lat: number;
}

export interface GraphEdgeInput {
  tail: number; // index into nodes
  head: number; // index into nodes
  time: number; // seconds
  length: number; // metres
  way: number; // index into ways
}

/** Builds the forward and reverse CSR arrays by counting sort: O(V + E), no per-edge objects kept. */
export function buildRoadGraph(
  nodes: readonly GraphNodeInput[],
  edges: readonly GraphEdgeInput[],
  ways: readonly WayInfo[],
): RoadGraph {
  const nodeCount = nodes.length;
  const edgeCount = edges.length;
  const nodeLon = new Float64Array(nodeCount);
  const nodeLat = new Float64Array(nodeCount);
  const nodeOsmId = new Float64Array(nodeCount);
  for (let i = 0; i < nodeCount; i++) {
    nodeLon[i] = nodes[i].lon;
    nodeLat[i] = nodes[i].lat;
    nodeOsmId[i] = nodes[i].osmId;
  }

  const firstOut = new Uint32Array(nodeCount + 1);
  for (const e of edges) {
    if (e.tail >= nodeCount || e.head >= nodeCount) throw new RangeError('edge refers to a missing node');
    firstOut[e.tail + 1]++;
  }
  for (let v = 0; v < nodeCount; v++) firstOut[v + 1] += firstOut[v];

  const edgeTail = new Uint32Array(edgeCount);
  const edgeHead = new Uint32Array(edgeCount);
  const edgeTime = new Float64Array(edgeCount);
  const edgeLength = new Float64Array(edgeCount);
  const edgeWay = new Uint32Array(edgeCount);
  const cursor = firstOut.slice(0, nodeCount);
  for (const e of edges) {
    const id = cursor[e.tail]++;
    edgeTail[id] = e.tail;
    edgeHead[id] = e.head;
    edgeTime[id] = e.time;
    edgeLength[id] = e.length;
    edgeWay[id] = e.way;
  }

  const firstIn = new Uint32Array(nodeCount + 1);
  for (let e = 0; e < edgeCount; e++) firstIn[edgeHead[e] + 1]++;
  for (let v = 0; v < nodeCount; v++) firstIn[v + 1] += firstIn[v];
  const inEdge = new Uint32Array(edgeCount);
  const inCursor = firstIn.slice(0, nodeCount);
  for (let e = 0; e < edgeCount; e++) inEdge[inCursor[edgeHead[e]]++] = e;

  return {
    nodeCount,
    edgeCount,
    nodeLon,
    nodeLat,
    nodeOsmId,
    firstOut,
    edgeTail,
    edgeHead,
    edgeTime,
    edgeLength,
    edgeWay,
    firstIn,
    inEdge,
    ways,
  };
}

/** Bytes held by the graph's typed arrays (the figure the routing benchmark reports per edge). */
export function graphByteSize(g: RoadGraph): number {
  return (
    g.nodeLon.byteLength +
    g.nodeLat.byteLength +
    g.nodeOsmId.byteLength +
    g.firstOut.byteLength +
    g.edgeTail.byteLength +
    g.edgeHead.byteLength +
    g.edgeTime.byteLength +
    g.edgeLength.byteLength +
    g.edgeWay.byteLength +
    g.firstIn.byteLength +
    g.inEdge.byteLength
  );
}
