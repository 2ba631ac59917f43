import { describe, expect, it } from 'vitest';
import type { OsmExtract, OsmTags } from './osm';
import {
  classifyWay,
  haversineMetres,
  osmToGraph,
  stronglyConnectedComponents,
  wayDirection,
} from './osm-to-graph';

/** A tiny extract: nodes on a line 0.001° of longitude apart (about 111 m at the equator). */
function extract(nodeCount: number, ways: Array<{ id: number; refs: number[]; tags: OsmTags }>): OsmExtract {
  const id = new Float64Array(nodeCount);
  const lon = new Float64Array(nodeCount);
  const lat = new Float64Array(nodeCount);
  for (let i = 0; i < nodeCount; i++) {
    id[i] = 100 + i;
    lon[i] = i * 0.001;
    lat[i] = 0;
  }
  return {
    bounds: null,
    nodes: { id, lon, lat },
    ways: ways.map((w) => ({ id: w.id, refs: Float64Array.from(w.refs), tags: w.tags })),
    addresses: [],
    places: [],
    buildings: [],
    restrictions: [],
    boundaries: [],
    counts: { nodes: nodeCount, ways: ways.length, relations: 0, missingNodeRefs: 0, restrictionsSkipped: 0 },
  };
}

describe('classifyWay', () => {
  it.each([
    [{ highway: 'residential' }, null],
    [{ highway: 'motorway_link' }, null],
    [{ highway: 'service' }, null],
    [{ highway: 'service', service: 'driveway' }, null],
    [{ highway: 'service', service: 'parking_aisle' }, 'parking_aisle'],
    [{ highway: 'footway' }, 'not_drivable_class'],
    [{ highway: 'track' }, 'not_drivable_class'],
    [{ highway: 'construction' }, 'construction'],
    [{ highway: 'proposed' }, 'construction'],
    [{ highway: 'pedestrian', area: 'yes' }, 'not_drivable_class'],
    [{ highway: 'residential', area: 'yes' }, 'area'],
    [{ highway: 'residential', access: 'private' }, 'no_access'],
    [{ highway: 'residential', access: 'no' }, 'no_access'],
    [{ highway: 'residential', access: 'no', motor_vehicle: 'yes' }, null],
    [{ highway: 'residential', access: 'destination' }, null],
    [{ highway: 'residential', motorcar: 'no' }, 'no_access'],
    [{ highway: 'residential', motor_vehicle: 'private' }, 'no_access'],
    [{ highway: 'residential', oneway: 'reversible' }, 'reversible'],
  ] as Array<[OsmTags, string | null]>)('%o', (tags, reason) => {
    const c = classifyWay(tags);
    expect(c.drivable ? null : c.reason).toBe(reason);
  });
});

describe('wayDirection', () => {
  it.each([
    [{ highway: 'residential' }, 'both'],
    [{ highway: 'residential', oneway: 'yes' }, 'forward'],
    [{ highway: 'residential', oneway: 'true' }, 'forward'],
    [{ highway: 'residential', oneway: '1' }, 'forward'],
    [{ highway: 'residential', oneway: '-1' }, 'backward'],
    [{ highway: 'residential', oneway: 'reverse' }, 'backward'],
    [{ highway: 'primary', junction: 'roundabout' }, 'forward'],
    [{ highway: 'primary', junction: 'circular' }, 'forward'],
    [{ highway: 'primary', junction: 'roundabout', oneway: 'no' }, 'both'],
    [{ highway: 'motorway' }, 'forward'],
    [{ highway: 'motorway', oneway: 'no' }, 'both'],
    [{ highway: 'motorway_link' }, 'both'],
  ] as Array<[OsmTags, string]>)('%o → %s', (tags, direction) => {
    expect(wayDirection(tags)).toBe(direction);
  });
});

describe('osmToGraph', () => {
  it('makes one edge per segment and direction, timed by class speed', () => {
    const { graph, stats } = osmToGraph(
      extract(5, [
        { id: 1, refs: [100, 101, 102], tags: { highway: 'residential', name: 'A' } },
        { id: 2, refs: [102, 103], tags: { highway: 'primary', oneway: 'yes' } },
        { id: 3, refs: [103, 104], tags: { highway: 'primary', oneway: '-1' } },
        { id: 4, refs: [100, 104], tags: { highway: 'footway' } },
      ]),
    );
    expect(stats.nodes).toBe(5);
    expect(stats.edges).toBe(2 * 2 + 1 + 1);
    expect(stats.waysKept).toBe(3);
    expect(stats.waysSkipped.not_drivable_class).toBe(1);
    const edges = [];
    for (let e = 0; e < graph.edgeCount; e++) {
      edges.push([graph.nodeOsmId[graph.edgeTail[e]], graph.nodeOsmId[graph.edgeHead[e]]]);
    }
    expect(edges).toContainEqual([102, 103]);
    expect(edges).not.toContainEqual([103, 102]);
    expect(edges).toContainEqual([104, 103]);
    expect(edges).not.toContainEqual([103, 104]);
    const e = edges.findIndex(([a, b]) => a === 100 && b === 101);
    const metres = haversineMetres(0, 0, 0.001, 0);
    expect(graph.edgeLength[e]).toBeCloseTo(metres, 6);
    expect(graph.edgeTime[e]).toBeCloseTo(metres / (30 / 3.6), 6);
    expect(graph.ways[graph.edgeWay[e]]).toMatchObject({
      osmId: 1,
      name: 'A',
      highway: 'residential',
      oneway: false,
    });
  });

  it('times each direction by maxspeed:forward / maxspeed:backward when tagged', () => {
    const { graph } = osmToGraph(
      extract(2, [
        {
          id: 1,
          refs: [100, 101],
          tags: { highway: 'primary', 'maxspeed:forward': '40', 'maxspeed:backward': '20' },
        },
      ]),
    );
    const forward = graph.nodeOsmId[graph.edgeTail[0]] === 100 ? 0 : 1;
    expect(graph.edgeTime[forward]).toBeCloseTo(graph.edgeLength[forward] / (40 / 3.6), 9);
    expect(graph.edgeTime[1 - forward]).toBeCloseTo(graph.edgeLength[forward] / (20 / 3.6), 9);
  });

  it('keeps only nodes of kept ways and drops segments whose node is missing', () => {
    const { graph, stats } = osmToGraph(
      extract(4, [
        { id: 1, refs: [100, 101, 999, 102, 102], tags: { highway: 'residential' } },
        { id: 2, refs: [103, 100], tags: { highway: 'footway' } },
      ]),
    );
    expect(graph.nodeCount).toBe(3);
    expect(Array.from(graph.nodeOsmId).sort()).toEqual([100, 101, 102]);
    expect(stats.segmentsMissingNode).toBe(2);
    expect(stats.repeatedNodeRefs).toBe(1);
    expect(graph.edgeCount).toBe(2);
  });

  it('finds strongly connected components without recursion', () => {
    // A one-way chain of 50 000 nodes would overflow a recursive Tarjan.
    const n = 50_000;
    const refs = Array.from({ length: n }, (_, i) => 100 + i);
    const { graph } = osmToGraph(
      extract(n, [
        { id: 1, refs, tags: { highway: 'residential', oneway: 'yes' } },
        { id: 2, refs: [100, 101, 102], tags: { highway: 'residential', oneway: '-1' } },
      ]),
    );
    const scc = stronglyConnectedComponents(graph);
    expect(scc.componentCount).toBe(n - 2);
    expect(scc.largestSize).toBe(3);
    const c = scc.componentOf;
    expect(c[0]).toBe(c[1]);
    expect(c[1]).toBe(c[2]);
    expect(c[3]).not.toBe(c[2]);
  });
});
