/**
 * Small hand-made road graphs for the perimeter tests: coordinates in thousandths of a degree so
 * rings can be drawn around node positions with round numbers.
 */
import { buildRoadGraph, type GraphEdgeInput, type RoadGraph, type WayInfo } from '../roads/graph';
import type { PolygonGeometry } from './ring';

export const STEP = 0.001;

export function way(highway: string, oneway = false, name: string | null = null): WayInfo {
  return { osmId: 0, name, highway, speedKmh: 36, oneway };
}

/** A size×size grid of two-way residential streets; node (x, y) has index y*size + x and OSM id index+1. */
export function gridGraph(size: number): RoadGraph {
  const nodes = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) nodes.push({ osmId: y * size + x + 1, lon: x * STEP, lat: y * STEP });
  }
  const edges: GraphEdgeInput[] = [];
  const link = (a: number, b: number) => {
    edges.push({ tail: a, head: b, time: 10, length: 100, way: 0 });
    edges.push({ tail: b, head: a, time: 10, length: 100, way: 0 });
  };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (x + 1 < size) link(y * size + x, y * size + x + 1);
      if (y + 1 < size) link(y * size + x, (y + 1) * size + x);
    }
  }
  return buildRoadGraph(nodes, edges, [{ ...way('residential'), osmId: 1000 }]);
}

/** An axis-aligned box polygon in grid units (multiplied by STEP). */
export function box(minX: number, minY: number, maxX: number, maxY: number): PolygonGeometry {
  const [a, b, c, d] = [minX * STEP, minY * STEP, maxX * STEP, maxY * STEP];
  return {
    type: 'Polygon',
    coordinates: [
      [
        [a, b],
        [c, b],
        [c, d],
        [a, d],
        [a, b],
      ],
    ],
  };
}
