/**
 * A small hand-made city for the patrol tests: a 4 × 4 grid of two-way streets 0.002° apart near
 * 30° N (about 190 m east–west, 220 m north–south), each east–west block bent through a shape
 * node in its middle. Streets are named like US exports write them in full: `Row 1 Street`,
 * `Col 2 Avenue`.
 */
import { buildRoadGraph, type GraphEdgeInput, type RoadGraph, type WayInfo } from '../roads/graph';
import { haversineMetres } from '../roads/osm-to-graph';

export const SIZE = 4;
export const STEP = 0.002;
export const LON0 = 120;
export const LAT0 = 30;

/** Node index of intersection (x, y). */
export const at = (x: number, y: number) => y * SIZE + x;

export function testCity(): RoadGraph {
  const nodes: { osmId: number; lon: number; lat: number }[] = [];
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++)
      nodes.push({ osmId: nodes.length + 1, lon: LON0 + x * STEP, lat: LAT0 + y * STEP });
  const ways: WayInfo[] = [];
  for (let y = 0; y < SIZE; y++)
    ways.push({
      osmId: 100 + y,
      name: `Row ${y} Street`,
      highway: 'residential',
      speedKmh: 30,
      oneway: false,
    });
  for (let x = 0; x < SIZE; x++)
    ways.push({
      osmId: 200 + x,
      name: `Col ${x} Avenue`,
      highway: 'residential',
      speedKmh: 30,
      oneway: false,
    });
  const edges: GraphEdgeInput[] = [];
  const link = (a: number, b: number, way: number) => {
    const length = haversineMetres(nodes[a].lon, nodes[a].lat, nodes[b].lon, nodes[b].lat);
    edges.push({ tail: a, head: b, time: length / 8, length, way });
    edges.push({ tail: b, head: a, time: length / 8, length, way });
  };
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x + 1 < SIZE; x++) {
      // A shape node in the middle of each east–west block, a little north of the straight line.
      const mid = nodes.length;
      nodes.push({ osmId: nodes.length + 1, lon: LON0 + (x + 0.5) * STEP, lat: LAT0 + y * STEP + 0.0001 });
      link(at(x, y), mid, y);
      link(mid, at(x + 1, y), y);
    }
  }
  for (let x = 0; x < SIZE; x++) for (let y = 0; y + 1 < SIZE; y++) link(at(x, y), at(x, y + 1), SIZE + x);
  return buildRoadGraph(nodes, edges, ways);
}
