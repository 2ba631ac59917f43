import { DijkstraEngine } from '@citywatch/core/roads/dijkstra';
import type { RoadGraph } from '@citywatch/core/roads/graph';
import { isochrone } from '@citywatch/core/roads/isochrone';
import {
  haversineMetres,
  stronglyConnectedComponents,
  wayDirection,
} from '@citywatch/core/roads/osm-to-graph';
import { EdgeSnapper, sourceSeeds, targetSeeds } from '@citywatch/core/roads/snap';
import { beforeAll, describe, expect, it } from 'vitest';
import { type LoadedRoadGraph, loadGraphFromOsmFile } from './load.js';

const DATA = '/work/shared/data/roads';
const FILES = {
  shenzhen: `${DATA}/shenzhen-longgang/shenzhen_longgang.osm`,
  beijing: `${DATA}/beijing-haidian-zhongguancun/beijing_haidian_zhongguancun.osm`,
  monaco: `${DATA}/monaco/monaco.osm.pbf`,
  baltimore: `${DATA}/baltimore/baltimore.osm.pbf`,
  andorra: `${DATA}/andorra/andorra.osm.pbf`,
};
type City = keyof typeof FILES;
const loaded = {} as Record<City, LoadedRoadGraph>;

beforeAll(async () => {
  for (const [city, path] of Object.entries(FILES)) loaded[city as City] = await loadGraphFromOsmFile(path);
});

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Edges of one OSM way as [tail OSM id, head OSM id]. */
function wayEdges(graph: RoadGraph, osmWayId: number): Array<[number, number]> {
  const wayIndex = graph.ways.findIndex((w) => w.osmId === osmWayId);
  expect(wayIndex, `way ${osmWayId} kept`).toBeGreaterThanOrEqual(0);
  const edges: Array<[number, number]> = [];
  for (let e = 0; e < graph.edgeCount; e++) {
    if (graph.edgeWay[e] === wayIndex) {
      edges.push([graph.nodeOsmId[graph.edgeTail[e]], graph.nodeOsmId[graph.edgeHead[e]]]);
    }
  }
  return edges;
}

/** The obvious O(n²) Dijkstra: scan for the closest unsettled node each round. */
function arrayScanDijkstra(graph: RoadGraph, source: number): Float64Array {
  const dist = new Float64Array(graph.nodeCount).fill(Number.POSITIVE_INFINITY);
  const done = new Uint8Array(graph.nodeCount);
  dist[source] = 0;
  for (;;) {
    let v = -1;
    for (let i = 0; i < graph.nodeCount; i++) if (!done[i] && (v < 0 || dist[i] < dist[v])) v = i;
    if (v < 0 || dist[v] === Number.POSITIVE_INFINITY) return dist;
    done[v] = 1;
    for (let e = graph.firstOut[v]; e < graph.firstOut[v + 1]; e++) {
      const w = graph.edgeHead[e];
      if (dist[v] + graph.edgeTime[e] < dist[w]) dist[w] = dist[v] + graph.edgeTime[e];
    }
  }
}

describe('road graphs of the real extracts', () => {
  it.each(Object.keys(FILES) as City[])('%s: consistent CSR, plausible lengths and times', (city) => {
    const { graph, stats } = loaded[city];
    expect(graph.nodeCount).toBeGreaterThan(1000);
    expect(graph.edgeCount).toBeGreaterThan(graph.nodeCount);
    expect(stats.nodes).toBe(graph.nodeCount);
    expect(stats.edges).toBe(graph.edgeCount);
    expect(stats.segmentsMissingNode).toBe(0);
    let bad = 0;
    for (let e = 0; e < graph.edgeCount; e++) {
      const a = graph.edgeTail[e];
      const b = graph.edgeHead[e];
      const metres = haversineMetres(graph.nodeLon[a], graph.nodeLat[a], graph.nodeLon[b], graph.nodeLat[b]);
      const speed = graph.ways[graph.edgeWay[e]].speedKmh / 3.6;
      if (
        Math.abs(graph.edgeLength[e] - metres) > 1e-6 ||
        Math.abs(graph.edgeTime[e] - metres / speed) > 1e-6
      )
        bad++;
      if (graph.edgeLength[e] > 5000) bad++;
    }
    expect(bad).toBe(0);
    // Every node touches an edge; the main component holds most of the network.
    for (let v = 0; v < graph.nodeCount; v++) {
      if (graph.firstOut[v + 1] === graph.firstOut[v] && graph.firstIn[v + 1] === graph.firstIn[v]) bad++;
    }
    expect(bad).toBe(0);
    const scc = stronglyConnectedComponents(graph);
    expect(scc.largestSize / graph.nodeCount).toBeGreaterThan(0.7);
  });

  it.each(Object.keys(FILES) as City[])('%s: every kept way has the edges its direction implies', (city) => {
    const { graph, extract } = loaded[city];
    const perWay = new Map<number, Array<[number, number]>>();
    for (const w of graph.ways) perWay.set(w.osmId, []);
    for (let e = 0; e < graph.edgeCount; e++) {
      perWay
        .get(graph.ways[graph.edgeWay[e]].osmId)!
        .push([graph.nodeOsmId[graph.edgeTail[e]], graph.nodeOsmId[graph.edgeHead[e]]]);
    }
    let mismatches = 0;
    for (const way of extract.ways) {
      const edges = perWay.get(way.id);
      if (edges === undefined) continue;
      const direction = wayDirection(way.tags);
      const expected = new Set<string>();
      for (let i = 1; i < way.refs.length; i++) {
        if (direction !== 'backward') expected.add(`${way.refs[i - 1]}>${way.refs[i]}`);
        if (direction !== 'forward') expected.add(`${way.refs[i]}>${way.refs[i - 1]}`);
      }
      const actual = new Set(edges.map(([a, b]) => `${a}>${b}`));
      if (actual.size !== expected.size || [...expected].some((k) => !actual.has(k))) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('Monaco: a oneway=yes avenue runs forward only, oneway=-1 backward only, a roundabout one way', () => {
    const { graph } = loaded.monaco;
    // Avenue Princesse Alice (4097656), oneway=yes, 9 nodes.
    expect(wayEdges(graph, 4097656)).toEqual([
      [21912089, 1079750744],
      [1079750744, 2104793864],
      [2104793864, 1110560507],
      [1110560507, 21912093],
      [21912093, 21912095],
      [21912095, 1079751630],
      [1079751630, 21912097],
      [21912097, 21912099],
    ]);
    expect(graph.ways.find((w) => w.osmId === 4097656)).toMatchObject({ oneway: true, speedKmh: 60 });
    // Voie Romaine (24672730), oneway=-1: 76 edges, each against the node order.
    const romaine = wayEdges(graph, 24672730);
    expect(romaine).toHaveLength(76);
    expect(romaine).toContainEqual([1868736573, 1868736685]);
    expect(romaine).not.toContainEqual([1868736685, 1868736573]);
    // Avenue Albert II (4229900): junction=roundabout without oneway tag, closed ring of 11 segments.
    const roundabout = wayEdges(graph, 4229900);
    expect(roundabout).toHaveLength(11);
    expect(roundabout).toContainEqual([25177422, 25204458]);
    expect(roundabout).not.toContainEqual([25204458, 25177422]);
    // Boulevard Charles III (4229220): two-way secondary, 7 segments both ways.
    expect(wayEdges(graph, 4229220)).toHaveLength(14);
  });

  it('Shenzhen: motorways are one-way without a oneway tag; Beijing: a oneway primary', () => {
    const shenzhen = loaded.shenzhen;
    const motorway = shenzhen.extract.ways.find(
      (w) => w.tags.highway === 'motorway' && w.tags.oneway === undefined,
    );
    if (motorway !== undefined)
      expect(wayEdges(shenzhen.graph, motorway.id)).toHaveLength(motorway.refs.length - 1);
    expect(wayEdges(shenzhen.graph, 166211922)).toEqual([[1776881381, 1776881383]]);
    const beijing = loaded.beijing;
    expect(wayEdges(beijing.graph, 26152147)).toHaveLength(11);
    // No maxspeed in Shenzhen: speeds are the class defaults.
    expect(
      new Set(shenzhen.graph.ways.filter((w) => w.highway === 'motorway').map((w) => w.speedKmh)),
    ).toEqual(new Set([100]));
  });

  it.each(['beijing', 'shenzhen'] as const)(
    '%s: Dijkstra matches an array-scan reference on random pairs',
    (city) => {
      const { graph } = loaded[city];
      const engine = new DijkstraEngine(graph);
      const random = prng(2026);
      for (let q = 0; q < 12; q++) {
        const s = Math.floor(random() * graph.nodeCount);
        const reference = arrayScanDijkstra(graph, s);
        for (let k = 0; k < 10; k++) {
          const t = Math.floor(random() * graph.nodeCount);
          const time = engine.oneToOne(s, t);
          if (reference[t] === Number.POSITIVE_INFINITY) {
            expect(time).toBe(Number.POSITIVE_INFINITY);
            continue;
          }
          expect(time).toBeCloseTo(reference[t], 6);
          let sum = 0;
          let at = s;
          for (const e of engine.pathEdges(t)) {
            expect(graph.edgeTail[e]).toBe(at);
            sum += graph.edgeTime[e];
            at = graph.edgeHead[e];
          }
          expect(at).toBe(t);
          expect(sum).toBeCloseTo(reference[t], 6);
        }
      }
    },
  );

  it('Monaco: one-to-many agrees with one-to-one inside the main component', () => {
    const { graph } = loaded.monaco;
    const engine = new DijkstraEngine(graph);
    const scc = stronglyConnectedComponents(graph);
    const main: number[] = [];
    for (let v = 0; v < graph.nodeCount; v++) if (scc.componentOf[v] === scc.largest) main.push(v);
    const random = prng(5);
    const pick = (): number => main[Math.floor(random() * main.length)];
    const targets = Array.from({ length: 20 }, pick);
    for (let q = 0; q < 5; q++) {
      const s = pick();
      const times = Array.from(engine.oneToMany(s, targets));
      const back = Array.from(engine.manyToOne(targets, s));
      targets.forEach((t, i) => {
        expect(Number.isFinite(times[i])).toBe(true);
        expect(times[i]).toBeCloseTo(engine.oneToOne(s, t), 6);
        expect(back[i]).toBeCloseTo(engine.oneToOne(t, s), 6);
      });
    }
  });

  it('Monaco: a point on a real segment snaps back to it', () => {
    const { graph } = loaded.monaco;
    const snapper = new EdgeSnapper(graph);
    const wayIndex = graph.ways.findIndex((w) => w.osmId === 4229220); // Boulevard Charles III
    let checked = 0;
    for (let e = 0; e < graph.edgeCount; e++) {
      if (graph.edgeWay[e] !== wayIndex || graph.edgeLength[e] < 5) continue;
      const a = graph.edgeTail[e];
      const b = graph.edgeHead[e];
      const lon = graph.nodeLon[a] + 0.25 * (graph.nodeLon[b] - graph.nodeLon[a]);
      const lat = graph.nodeLat[a] + 0.25 * (graph.nodeLat[b] - graph.nodeLat[a]);
      const hit = snapper.snap(lon, lat)!;
      expect([e, snapper.twinOf(e)]).toContain(hit.edge);
      expect(hit.t).toBeCloseTo(hit.edge === e ? 0.25 : 0.75, 6);
      expect(hit.distanceM).toBeLessThan(0.01);
      checked++;
    }
    expect(checked).toBeGreaterThan(3);
  });

  it('Monaco: routes between snapped points, no faster than the crow flies at 130 km/h', () => {
    const { graph } = loaded.monaco;
    const engine = new DijkstraEngine(graph);
    const snapper = new EdgeSnapper(graph);
    const scc = stronglyConnectedComponents(graph);
    const inMain = (e: number): boolean => scc.componentOf[graph.edgeTail[e]] === scc.largest;
    const casino = snapper.snap(7.4286, 43.7393, 200, inMain)!;
    const palace = snapper.snap(7.4201, 43.7314, 200, inMain)!;
    const route = engine.route(sourceSeeds(graph, snapper, casino), targetSeeds(graph, snapper, palace))!;
    const crow = haversineMetres(casino.lon, casino.lat, palace.lon, palace.lat);
    expect(route.time).toBeGreaterThan(crow / (130 / 3.6));
    expect(route.time).toBeLessThan(900);
    expect(route.edges.length).toBeGreaterThan(5);
  });

  it('Monaco: isochrones grow with the time limit', () => {
    const { graph } = loaded.monaco;
    const engine = new DijkstraEngine(graph);
    const snapper = new EdgeSnapper(graph);
    const origin = snapper.snap(7.4286, 43.7393)!;
    let previous = new Set<number>();
    let previousCount = 0;
    for (const limit of [30, 60, 120, 240, 480]) {
      const iso = isochrone(engine, snapper, origin, limit);
      const reached = new Set(engine.settledNodes());
      for (const v of previous) expect(reached.has(v)).toBe(true);
      expect(iso.reachedNodes).toBeGreaterThan(previousCount);
      expect(iso.area).not.toBeNull();
      previous = reached;
      previousCount = iso.reachedNodes;
    }
  });
});
