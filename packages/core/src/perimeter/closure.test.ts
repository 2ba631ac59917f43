import { describe, expect, it } from 'vitest';
import { buildRoadGraph, type GraphEdgeInput } from '../roads/graph';
import { analyzeClosure, findCrossings, roadClassWeight } from './closure';
import { nodesInside, RingValidationError } from './ring';
import { box, gridGraph, STEP, way } from './test-graphs';

/** Centre node 0 inside; a two-way motorway from 1, a two-way residential from 2, a one-way road out to 3. */
function starGraph() {
  const nodes = [
    { osmId: 100, lon: 0, lat: 0 },
    { osmId: 101, lon: -2 * STEP, lat: 0 },
    { osmId: 102, lon: 2 * STEP, lat: 0 },
    { osmId: 103, lon: 0, lat: 2 * STEP },
  ];
  const edges: GraphEdgeInput[] = [
    { tail: 1, head: 0, time: 1, length: 1, way: 0 },
    { tail: 0, head: 1, time: 1, length: 1, way: 0 },
    { tail: 2, head: 0, time: 1, length: 1, way: 1 },
    { tail: 0, head: 2, time: 1, length: 1, way: 1 },
    { tail: 0, head: 3, time: 1, length: 1, way: 2 },
  ];
  const ways = [
    { ...way('motorway', false, 'G15'), osmId: 1 },
    { ...way('residential', false, '幸福路'), osmId: 2 },
    { ...way('secondary', true, 'Exit'), osmId: 3 },
  ];
  return buildRoadGraph(nodes, edges, ways);
}

describe('crossings', () => {
  it('finds the 12 two-way crossings around the centre of a 5×5 grid', () => {
    const graph = gridGraph(5);
    const ring = findCrossings(graph, nodesInside(graph, box(0.5, 0.5, 3.5, 3.5)));
    expect(ring.insideNodes).toBe(9);
    expect(ring.inboundCount).toBe(12);
    expect(ring.outboundOnlyCount).toBe(0);
    for (const c of ring.crossings) {
      expect(c.inboundEdge).toBeGreaterThanOrEqual(0);
      expect(c.outboundEdge).toBeGreaterThanOrEqual(0);
      expect(ring.inside[graph.edgeTail[c.inboundEdge]]).toBe(0);
      expect(ring.inside[graph.edgeHead[c.inboundEdge]]).toBe(1);
      expect(graph.edgeTail[c.outboundEdge]).toBe(graph.edgeHead[c.inboundEdge]);
    }
  });

  it('separates one-way outbound roads from inbound crossings', () => {
    const graph = starGraph();
    const ring = findCrossings(graph, nodesInside(graph, box(-1, -1, 1, 1)));
    expect(ring.inboundCount).toBe(2);
    expect(ring.outboundOnlyCount).toBe(1);
    const exit = ring.crossings[2];
    expect(exit).toMatchObject({
      inboundEdge: -1,
      highway: 'secondary',
      outsideOsmNode: 103,
      insideOsmNode: 100,
    });
  });

  it('reports a ring with no road inside as a typed error', () => {
    const graph = gridGraph(3);
    try {
      findCrossings(graph, nodesInside(graph, box(10, 10, 11, 11)));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RingValidationError);
      expect((error as RingValidationError).issues[0]).toMatchObject({
        field: 'geometry',
        rule: 'no_road_inside',
      });
    }
  });
});

describe('closure rate', () => {
  it('counts covered inbound crossings, plain and weighted by class, and lists gaps heaviest first', () => {
    const graph = starGraph();
    const ring = findCrossings(graph, nodesInside(graph, box(-1, -1, 1, 1)));
    const residential = ring.crossings.find((c) => c.highway === 'residential');
    if (!residential) throw new Error('no residential crossing');
    const report = analyzeClosure(graph, ring, [
      { id: 'cp-1', edge: residential.outboundEdge, directions: 'both' },
    ]);
    expect(report.crossings).toBe(2);
    expect(report.coveredInbound).toBe(1);
    expect(report.closureRate).toBe(0.5);
    expect(report.weightedClosureRate).toBeCloseTo(1 / (1 + roadClassWeight('motorway')));
    expect(report.gaps).toHaveLength(1);
    expect(report.gaps[0]).toMatchObject({
      name: 'G15',
      highway: 'motorway',
      outsideOsmNode: 101,
      insideOsmNode: 100,
    });
    expect(report.outboundCrossings).toBe(3);
    expect(report.coveredOutbound).toBe(1);
    expect(report.warnings).toEqual([]);
  });

  it('does not count an outbound-only checkpoint, nor one on a road nobody can drive in by', () => {
    const graph = starGraph();
    const ring = findCrossings(graph, nodesInside(graph, box(-1, -1, 1, 1)));
    const motorway = ring.crossings[0];
    const report = analyzeClosure(graph, ring, [
      { edge: motorway.inboundEdge, directions: 'outbound' },
      { id: 'exit', edge: ring.crossings[2].outboundEdge, directions: 'inbound' },
    ]);
    expect(report.coveredInbound).toBe(0);
    expect(report.coveredOutbound).toBe(1);
    expect(report.closureRate).toBe(0);
  });

  it('lets a checkpoint hold the junction-free stretch it sits on, not past a junction', () => {
    // 0 - 1 - 2 - 3 - 4 along a road; the ring holds 3 and 4; node 5 hangs off node 1 or 2.
    const build = (sideStreetAt: number) => {
      const nodes = Array.from({ length: 6 }, (_, i) => ({ osmId: i + 1, lon: i * STEP, lat: 0 }));
      nodes[5] = { osmId: 6, lon: sideStreetAt * STEP, lat: STEP };
      const edges: GraphEdgeInput[] = [];
      const link = (a: number, b: number) => {
        edges.push({ tail: a, head: b, time: 1, length: 1, way: 0 });
        edges.push({ tail: b, head: a, time: 1, length: 1, way: 0 });
      };
      for (let i = 0; i < 4; i++) link(i, i + 1);
      link(sideStreetAt, 5);
      return buildRoadGraph(nodes, edges, [way('primary')]);
    };
    const edgeFrom = (g: ReturnType<typeof build>, tail: number, head: number) => {
      for (let e = g.firstOut[tail]; e < g.firstOut[tail + 1]; e++) if (g.edgeHead[e] === head) return e;
      throw new Error('no edge');
    };
    const ringBox = box(2.5, -1, 5, 1);
    const far = build(1);
    const farRing = findCrossings(far, nodesInside(far, ringBox));
    expect(farRing.inboundCount).toBe(1);
    expect(
      analyzeClosure(far, farRing, [{ edge: edgeFrom(far, 2, 1), directions: 'inbound' }]).closureRate,
    ).toBe(1);
    const near = build(2);
    const nearRing = findCrossings(near, nodesInside(near, ringBox));
    const report = analyzeClosure(near, nearRing, [{ edge: edgeFrom(near, 1, 2), directions: 'inbound' }]);
    expect(report.closureRate).toBe(0);
    expect(report.warnings.map((w) => w.code)).toEqual(['checkpoint_off_ring']);
  });

  it('warns when the ring holds every road or no road crosses it', () => {
    const graph = gridGraph(3);
    const all = analyzeClosure(graph, findCrossings(graph, nodesInside(graph, box(-1, -1, 5, 5))), []);
    expect(all.closureRate).toBeNull();
    expect(all.warnings.map((w) => w.code)).toEqual(['no_road_outside']);
    // An island: two disconnected pieces, the ring around one of them.
    const island = buildRoadGraph(
      [
        { osmId: 1, lon: 0, lat: 0 },
        { osmId: 2, lon: STEP, lat: 0 },
        { osmId: 3, lon: 10 * STEP, lat: 0 },
        { osmId: 4, lon: 11 * STEP, lat: 0 },
      ],
      [
        { tail: 0, head: 1, time: 1, length: 1, way: 0 },
        { tail: 2, head: 3, time: 1, length: 1, way: 0 },
      ],
      [way('residential', true)],
    );
    const report = analyzeClosure(island, findCrossings(island, nodesInside(island, box(-1, -1, 2, 1))), []);
    expect(report.crossings).toBe(0);
    expect(report.closureRate).toBeNull();
    expect(report.warnings.map((w) => w.code)).toEqual(['no_crossing']);
  });
});
