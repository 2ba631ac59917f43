import { describe, expect, it } from 'vitest';
import { DijkstraEngine } from './dijkstra';
import type { OsmExtract, OsmTags } from './osm';
import { haversineMetres, osmToGraph } from './osm-to-graph';
import { EdgeSnapper, sameSegmentTime, sourceSeeds, targetSeeds } from './snap';

/** An n × n street grid 0.001° apart near 30° N; the first row street is one-way eastbound. */
function gridExtract(n: number): OsmExtract {
  const id = new Float64Array(n * n);
  const lon = new Float64Array(n * n);
  const lat = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const i = r * n + c;
      id[i] = i + 1;
      lon[i] = 120 + c * 0.001;
      lat[i] = 30 + r * 0.001;
    }
  }
  const ways: Array<{ id: number; refs: Float64Array; tags: OsmTags }> = [];
  for (let r = 0; r < n; r++) {
    const refs = Float64Array.from({ length: n }, (_, c) => r * n + c + 1);
    ways.push({
      id: 1000 + r,
      refs,
      tags: r === 0 ? { highway: 'residential', oneway: 'yes' } : { highway: 'residential' },
    });
  }
  for (let c = 0; c < n; c++) {
    const refs = Float64Array.from({ length: n }, (_, r) => r * n + c + 1);
    ways.push({ id: 2000 + c, refs, tags: { highway: 'residential' } });
  }
  return {
    bounds: null,
    nodes: { id, lon, lat },
    ways,
    addresses: [],
    places: [],
    buildings: [],
    restrictions: [],
    boundaries: [],
    counts: { nodes: n * n, ways: ways.length, relations: 0, missingNodeRefs: 0, restrictionsSkipped: 0 },
  };
}

describe('EdgeSnapper', () => {
  const { graph } = osmToGraph(gridExtract(12));
  const snapper = new EdgeSnapper(graph);

  it('snaps a point on a segment to that segment and fraction', () => {
    for (let e = 0; e < graph.edgeCount; e += 7) {
      const a = graph.edgeTail[e];
      const b = graph.edgeHead[e];
      const t = 0.3;
      const lon = graph.nodeLon[a] + t * (graph.nodeLon[b] - graph.nodeLon[a]);
      const lat = graph.nodeLat[a] + t * (graph.nodeLat[b] - graph.nodeLat[a]);
      const hit = snapper.snap(lon, lat)!;
      const twin = snapper.twinOf(e);
      expect([e, twin]).toContain(hit.edge);
      expect(hit.t).toBeCloseTo(hit.edge === e ? t : 1 - t, 6);
      expect(hit.distanceM).toBeLessThan(0.01);
    }
  });

  it('finds the nearest segment off the road and reports the distance', () => {
    // 30 m north of the middle of the street between columns 4 and 5 on row 6.
    const lat = 30 + 6 * 0.001 + 30 / 111_195;
    const hit = snapper.snap(120.0045, lat)!;
    expect(graph.nodeLat[graph.edgeTail[hit.edge]]).toBeCloseTo(30.006, 9);
    expect(graph.nodeLat[graph.edgeHead[hit.edge]]).toBeCloseTo(30.006, 9);
    expect(hit.t).toBeCloseTo(0.5, 3);
    expect(hit.distanceM).toBeCloseTo(30, 0);
    expect(hit.lat).toBeCloseTo(30.006, 9);
  });

  it('agrees with a brute-force scan for random points, inside and outside the network', () => {
    let seed = 1;
    const random = (): number => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const brute = new EdgeSnapper(graph, { cellSizeM: 1e6 });
    for (let q = 0; q < 300; q++) {
      const lon = 119.995 + random() * 0.02;
      const lat = 29.995 + random() * 0.02;
      const a = snapper.snap(lon, lat)!;
      const b = brute.snap(lon, lat)!;
      expect(a.distanceM).toBeCloseTo(b.distanceM, 6);
    }
  });

  it('honours the distance limit and the edge filter', () => {
    expect(snapper.snap(121, 31, 500)).toBeNull();
    const hit = snapper.snap(
      120.0045,
      30.006,
      Number.POSITIVE_INFINITY,
      (e) => graph.ways[graph.edgeWay[e]].osmId !== 1006,
    )!;
    expect(graph.ways[graph.edgeWay[hit.edge]].osmId).not.toBe(1006);
  });

  it('pairs two-way edges and leaves one-way edges alone', () => {
    for (let e = 0; e < graph.edgeCount; e++) {
      const twin = snapper.twinOf(e);
      const oneway = graph.ways[graph.edgeWay[e]].oneway;
      expect(twin < 0).toBe(oneway);
      if (twin >= 0) {
        expect(graph.edgeTail[twin]).toBe(graph.edgeHead[e]);
        expect(snapper.twinOf(twin)).toBe(e);
      }
    }
  });

  it('turns a snapped point into partial-edge seeds', () => {
    const hit = snapper.snap(120.0045, 30.006)!;
    const time = graph.edgeTime[hit.edge];
    const sources = sourceSeeds(graph, snapper, hit);
    expect(sources).toHaveLength(2);
    expect(sources[0]).toEqual({ node: graph.edgeHead[hit.edge], cost: (1 - hit.t) * time });
    expect(sources[1].node).toBe(graph.edgeTail[hit.edge]);
    expect(sources[1].cost).toBeCloseTo(hit.t * time, 9);
    const targets = targetSeeds(graph, snapper, hit);
    expect(targets[0]).toEqual({ node: graph.edgeTail[hit.edge], cost: hit.t * time });

    // On the one-way first row there is only one direction.
    const oneway = snapper.snap(120.0045, 30)!;
    expect(sourceSeeds(graph, snapper, oneway)).toHaveLength(1);
    expect(targetSeeds(graph, snapper, oneway)).toHaveLength(1);
  });

  it('routes between snapped points through the seeds', () => {
    const engine = new DijkstraEngine(graph);
    const from = snapper.snap(120.0045, 30.006)!;
    const to = snapper.snap(120.0075, 30.009)!;
    const route = engine.route(sourceSeeds(graph, snapper, from), targetSeeds(graph, snapper, to))!;
    // Manhattan distance: 3.0 blocks east + 3 blocks north at the residential speed.
    const block = graph.edgeTime[from.edge];
    const northBlock = haversineMetres(120, 30, 120, 30.001) / (30 / 3.6);
    expect(route.time).toBeGreaterThan(2.9 * block + 2.9 * northBlock);
    expect(route.time).toBeLessThan(3.1 * block + 3.1 * northBlock);

    // Two points on one two-way segment, in either order.
    const p = { ...from, t: 0.2 };
    const q = { ...from, t: 0.7 };
    expect(sameSegmentTime(graph, snapper, p, q)).toBeCloseTo(0.5 * graph.edgeTime[from.edge], 9);
    expect(sameSegmentTime(graph, snapper, q, p)).toBeCloseTo(
      0.5 * graph.edgeTime[snapper.twinOf(from.edge)],
      9,
    );
  });
});
