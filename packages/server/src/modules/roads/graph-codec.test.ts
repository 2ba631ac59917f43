import { buildRoadGraph } from '@citywatch/core/roads/graph';
import { describe, expect, it } from 'vitest';
import { decodeGraph, decodeTurnRestrictions, encodeGraph } from './graph-codec.js';

const graph = buildRoadGraph(
  [
    { osmId: 1, lon: 0, lat: 0 },
    { osmId: 2, lon: 0.001, lat: 0 },
    { osmId: 3, lon: 0.001, lat: 0.001 },
  ],
  [
    { tail: 0, head: 1, time: 10, length: 100, way: 0 },
    { tail: 1, head: 2, time: 12.5, length: 110, way: 0 },
    { tail: 1, head: 0, time: 10, length: 100, way: 0 },
  ],
  [{ osmId: 77, name: 'x', highway: 'residential', speedKmh: 30, oneway: false }],
);

describe('graph codec with turn restrictions', () => {
  it('stores forbidden sequences after the graph; the graph decodes as before', () => {
    const turns = {
      sequences: [
        [0, 1],
        [2, 0, 1],
      ],
      osmIds: [9_000_000_001, 42],
    };
    const buf = encodeGraph(graph, turns);
    const decoded = decodeGraph(buf, graph.ways);
    expect(Array.from(decoded.edgeTime)).toEqual(Array.from(graph.edgeTime));
    expect(Array.from(decoded.edgeHead)).toEqual(Array.from(graph.edgeHead));
    expect(decodeTurnRestrictions(buf)).toEqual(turns);
  });

  it('says null for a graph stored without them (imported before restrictions were stored)', () => {
    expect(decodeTurnRestrictions(encodeGraph(graph))).toBeNull();
    expect(decodeTurnRestrictions(encodeGraph(graph, { sequences: [], osmIds: [] }))).toEqual({
      sequences: [],
      osmIds: [],
    });
  });
});
