import { latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { streetSegments } from './segments';
import { at, LAT0, LON0, SIZE, STEP, testCity } from './test-city';
import { H3Locator, h3UnitsOfGraph, h3UnitsOfStudyArea, parseUnitSpec, segmentUnits } from './units';

describe('spatial units', () => {
  const graph = testCity();

  it('cuts streets into segments between intersections, through shape nodes', () => {
    const s = streetSegments(graph);
    // 4 rows × 3 blocks + 4 columns × 3 blocks.
    expect(s.count).toBe(24);
    // An east–west block: two pieces through its shape node, three nodes in order.
    const e = graph.firstOut[at(0, 1)];
    let eastward = -1;
    for (let k = graph.firstOut[at(0, 1)]; k < graph.firstOut[at(0, 1) + 1]; k++)
      if (graph.nodeLat[graph.edgeHead[k]] > LAT0 + STEP - 0.0005 && graph.nodeLon[graph.edgeHead[k]] > LON0)
        eastward = k;
    expect(e).toBeGreaterThanOrEqual(0);
    const seg = s.segmentOfEdge[eastward];
    const nodes = [...s.nodes.slice(s.nodeStart[seg], s.nodeStart[seg + 1])];
    expect(nodes).toHaveLength(3);
    expect([nodes[0], nodes[2]].sort((a, b) => a - b)).toEqual([at(0, 1), at(1, 1)]);
    // Both directions of every piece share one segment; lengths add up to the pieces'.
    let total = 0;
    for (let k = 0; k < graph.edgeCount; k++) total += graph.edgeLength[k];
    expect(s.length.reduce((a, b) => a + b, 0)).toBeCloseTo(total / 2, 6);
    for (let k = 0; k < graph.edgeCount; k++) expect(s.segmentOfEdge[k]).toBeGreaterThanOrEqual(0);
  });

  it('locates points on segments, and none far from every street', () => {
    const units = segmentUnits(graph, { snapLimitM: 50 });
    const u = units.locate(LON0 + 0.5 * STEP, LAT0 + 2 * STEP + 0.00005);
    expect(units.label(u)).toBe('Row 2 Street');
    expect(units.geometry(u).type).toBe('LineString');
    expect(units.locate(LON0 + 0.5 * STEP, LAT0 + 0.5 * STEP)).toBe(-1);
    expect(units.totalMeasure).toBeGreaterThan(4000);
  });

  it('finds H3 cells as latLngToCell does, with far fewer calls', () => {
    const cells = [
      ...new Set(
        Array.from({ length: 400 }, (_, i) =>
          latLngToCell(LAT0 + (i % 20) * 0.0005, LON0 + Math.floor(i / 20) * 0.0005, 10),
        ),
      ),
    ];
    const locator = new H3Locator(10, cells, LON0, LAT0);
    let seed = 1;
    const rnd = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 5000; i++) {
      const lon = LON0 + rnd() * 0.0095;
      const lat = LAT0 + rnd() * 0.0095;
      expect(locator.locate(lon, lat)).toBe(cells.indexOf(latLngToCell(lat, lon, 10)));
    }
  });

  it("takes the cells of the road nodes, or of the incidents' hull without roads", () => {
    const roads = h3UnitsOfGraph(graph, 9);
    expect(roads.count).toBeGreaterThan(1);
    expect(roads.universe).toContain('road node');
    // A cell is labelled by its main named street.
    expect(roads.label(0)).toMatch(/^(Row \d Street|Col \d Avenue)$/);
    const lon = [LON0, LON0 + (SIZE - 1) * STEP, LON0];
    const lat = [LAT0, LAT0, LAT0 + (SIZE - 1) * STEP];
    const hull = h3UnitsOfStudyArea(lon, lat, 10);
    expect(hull.count).toBeGreaterThan(5);
    expect(hull.universe).toContain('convex hull');
    for (let i = 0; i < 3; i++) expect(hull.locate(lon[i], lat[i])).toBeGreaterThanOrEqual(0);
    expect(parseUnitSpec('h3:8')).toEqual({ kind: 'h3', resolution: 8 });
    expect(parseUnitSpec('segment')).toEqual({ kind: 'segment' });
    expect(() => parseUnitSpec('h3:15')).toThrow(RangeError);
  });
});
