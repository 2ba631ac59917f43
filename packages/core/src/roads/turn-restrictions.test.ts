import { describe, expect, it } from 'vitest';
import { buildContractionHierarchy, ChRouter, ManyToOneTable } from './ch';
import { DijkstraEngine } from './dijkstra';
import type { RoadGraph } from './graph';
import { isochrone } from './isochrone';
import { withEdgeTimes } from './learned/profile';
import type { OsmExtract, OsmTags, OsmTurnRestriction } from './osm';
import { osmToGraph } from './osm-to-graph';
import { roadRoute } from './route';
import { EdgeSnapper, sourceSeeds, targetSeeds } from './snap';
import {
  baseEdgeOf,
  buildTurnRestrictedGraph,
  nodeCopies,
  resolveTurnRestrictions,
} from './turn-restrictions';

/**
 * A 4 × 4 grid of junctions (OSM ids 100 + 4·row + col; 0.001° apart east, 0.0015° north), every
 * block side its own two-way way (id 1000 + n), so restrictions name whole ways ending at their via.
 */
const SIZE = 4;
const nodeId = (row: number, col: number) => 100 + row * SIZE + col;
interface GridWay {
  id: number;
  refs: number[];
  tags: OsmTags;
}
function gridWays(): GridWay[] {
  const ways: GridWay[] = [];
  for (let r = 0; r < SIZE; r++)
    for (let c = 0; c < SIZE; c++) {
      if (c + 1 < SIZE)
        ways.push({
          id: 1000 + ways.length,
          refs: [nodeId(r, c), nodeId(r, c + 1)],
          tags: { highway: 'residential' },
        });
      if (r + 1 < SIZE)
        ways.push({
          id: 1000 + ways.length,
          refs: [nodeId(r, c), nodeId(r + 1, c)],
          tags: { highway: 'primary' },
        });
    }
  return ways;
}
const wayBetween = (ways: GridWay[], a: number, b: number): number => {
  const w = ways.find((x) => (x.refs[0] === a && x.refs[1] === b) || (x.refs[0] === b && x.refs[1] === a));
  if (!w) throw new Error(`no way ${a}-${b}`);
  return w.id;
};

function gridExtract(ways: GridWay[], restrictions: OsmTurnRestriction[], extraNodes = 0): OsmExtract {
  const count = SIZE * SIZE + extraNodes;
  const id = new Float64Array(count);
  const lon = new Float64Array(count);
  const lat = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    id[i] = 100 + i;
    lon[i] = (i % SIZE) * 0.001;
    lat[i] = Math.floor(i / SIZE) * 0.0015;
  }
  return {
    bounds: null,
    nodes: { id, lon, lat },
    ways: ways.map((w) => ({ id: w.id, refs: Float64Array.from(w.refs), tags: w.tags })),
    addresses: [],
    places: [],
    buildings: [],
    restrictions,
    boundaries: [],
    counts: {
      nodes: count,
      ways: ways.length,
      relations: restrictions.length,
      missingNodeRefs: 0,
      restrictionsSkipped: 0,
    },
  };
}

const restriction = (
  osmId: number,
  kind: string | null,
  fromWays: number[],
  via: number | number[],
  toWays: number[],
  except: string[] = [],
): OsmTurnRestriction => ({
  osmId,
  kind,
  fromWays,
  viaNode: typeof via === 'number' ? via : null,
  viaWays: typeof via === 'number' ? [] : via,
  toWays,
  except,
});

/**
 * Reference: Dijkstra over (node, last edges driven) states on the base graph, refusing any step
 * that completes a forbidden sequence. Independent of the node-splitting construction.
 */
function referenceTimes(graph: RoadGraph, sequences: number[][], source: number): Float64Array {
  const longest = Math.max(1, ...sequences.map((s) => s.length));
  const forbidden = new Set(sequences.map((s) => s.join(',')));
  const best = new Float64Array(graph.nodeCount).fill(Number.POSITIVE_INFINITY);
  const seen = new Map<string, number>();
  const queue: Array<{ cost: number; node: number; tail: number[] }> = [{ cost: 0, node: source, tail: [] }];
  while (queue.length > 0) {
    queue.sort((a, b) => b.cost - a.cost);
    const { cost, node, tail } = queue.pop()!;
    const key = `${node}|${tail.join(',')}`;
    if (seen.has(key)) continue;
    seen.set(key, cost);
    best[node] = Math.min(best[node], cost);
    for (let e = graph.firstOut[node]; e < graph.firstOut[node + 1]; e++) {
      const driven = [...tail, e];
      if (driven.some((_, k) => forbidden.has(driven.slice(k).join(',')))) continue;
      queue.push({
        cost: cost + graph.edgeTime[e],
        node: graph.edgeHead[e],
        tail: driven.slice(-(longest - 1)),
      });
    }
  }
  return best;
}

describe('resolveTurnRestrictions', () => {
  it('applies no_* and only_* via a node and via ways, and counts every other relation by reason', () => {
    const ways = gridWays();
    const w = (a: number, b: number) => wayBetween(ways, a, b);
    const { graph } = osmToGraph(gridExtract(ways, []));
    const relations = [
      restriction(1, 'no_left_turn', [w(nodeId(1, 0), nodeId(1, 1))], nodeId(1, 1), [
        w(nodeId(1, 1), nodeId(2, 1)),
      ]),
      restriction(2, 'only_straight_on', [w(nodeId(2, 0), nodeId(2, 1))], nodeId(2, 1), [
        w(nodeId(2, 1), nodeId(2, 2)),
      ]),
      restriction(
        3,
        'no_u_turn',
        [w(nodeId(0, 1), nodeId(1, 1))],
        [w(nodeId(1, 1), nodeId(1, 2))],
        [w(nodeId(1, 2), nodeId(0, 2))],
      ),
      restriction(4, null, [w(nodeId(0, 0), nodeId(0, 1))], nodeId(0, 1), [w(nodeId(0, 1), nodeId(1, 1))]),
      restriction(5, 'give_way', [w(nodeId(0, 0), nodeId(0, 1))], nodeId(0, 1), [
        w(nodeId(0, 1), nodeId(1, 1)),
      ]),
      restriction(
        6,
        'no_right_turn',
        [w(nodeId(0, 0), nodeId(0, 1))],
        nodeId(0, 1),
        [w(nodeId(0, 1), nodeId(1, 1))],
        ['psv', 'motorcar'],
      ),
      restriction(7, 'no_left_turn', [999_999], nodeId(0, 1), [w(nodeId(0, 1), nodeId(1, 1))]),
      restriction(8, 'no_left_turn', [w(nodeId(0, 0), nodeId(0, 1))], 555_555, [
        w(nodeId(0, 1), nodeId(1, 1)),
      ]),
      // From and to do not touch the via node.
      restriction(9, 'no_left_turn', [w(nodeId(0, 0), nodeId(0, 1))], nodeId(3, 3), [
        w(nodeId(0, 1), nodeId(1, 1)),
      ]),
      // Via ways that do not link from and to.
      restriction(
        10,
        'no_u_turn',
        [w(nodeId(0, 0), nodeId(0, 1))],
        [w(nodeId(3, 2), nodeId(3, 3))],
        [w(nodeId(0, 1), nodeId(1, 1))],
      ),
    ];
    const { sequences, report } = resolveTurnRestrictions(graph, relations, gridExtract(ways, []).ways);
    expect(report).toMatchObject({
      relations: 10,
      applied: 3,
      appliedViaNode: 2,
      appliedViaWay: 1,
      skipped: {
        not_for_cars: 1,
        unknown_kind: 1,
        exempt: 1,
        way_not_in_file: 1,
        via_node_not_on_road: 1,
        via_not_connecting: 2,
        way_not_drivable: 0,
        against_oneway: 0,
      },
    });
    const applied = report.applied + Object.values(report.skipped).reduce((a, b) => a + b, 0);
    expect(applied).toBe(relations.length); // nothing dropped silently
    // only_straight_on at (2,1) from the west forbids north, south and back: 3 sequences; the
    // no_left_turn one, the via-way U-turn one (3 edges long).
    expect(sequences.filter((s) => s.length === 2)).toHaveLength(4);
    expect(sequences.filter((s) => s.length === 3)).toHaveLength(1);
    expect(report.samples.map((s) => s.osmId).sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 9, 10]);
  });

  it('exempts emergency vehicles only where except= says so, and merges contradicting only_* exits', () => {
    const ways = gridWays();
    const w = (a: number, b: number) => wayBetween(ways, a, b);
    const { graph } = osmToGraph(gridExtract(ways, []));
    const from = w(nodeId(1, 0), nodeId(1, 1));
    const relations = [
      restriction(1, 'no_left_turn', [from], nodeId(1, 1), [w(nodeId(1, 1), nodeId(2, 1))], ['emergency']),
      restriction(2, 'only_straight_on', [from], nodeId(1, 1), [w(nodeId(1, 1), nodeId(1, 2))]),
      restriction(3, 'only_right_turn', [from], nodeId(1, 1), [w(nodeId(1, 1), nodeId(0, 1))]),
    ];
    const x = gridExtract(ways, relations);
    const car = resolveTurnRestrictions(graph, relations, x.ways);
    const emergency = resolveTurnRestrictions(graph, relations, x.ways, { vehicle: 'emergency' });
    expect(car.report.applied).toBe(3);
    expect(emergency.report.applied).toBe(2);
    expect(emergency.report.skipped.exempt).toBe(1);
    expect(car.report.conflictingOnlyMerged).toBe(1);
    // Merged exits: straight on and right stay allowed; left (north) and back are forbidden.
    const heads = car.sequences
      .filter((s) => s.length === 2)
      .map((s) => graph.nodeOsmId[graph.edgeHead[s[1]]]);
    expect(heads.sort()).toEqual([nodeId(1, 0), nodeId(2, 1)].sort());
  });
});

describe('buildTurnRestrictedGraph', () => {
  const ways = gridWays();
  const w = (a: number, b: number) => wayBetween(ways, a, b);
  const relations = [
    restriction(1, 'no_left_turn', [w(nodeId(1, 0), nodeId(1, 1))], nodeId(1, 1), [
      w(nodeId(1, 1), nodeId(2, 1)),
    ]),
    restriction(2, 'only_straight_on', [w(nodeId(2, 0), nodeId(2, 1))], nodeId(2, 1), [
      w(nodeId(2, 1), nodeId(2, 2)),
    ]),
    restriction(3, 'no_straight_on', [w(nodeId(1, 1), nodeId(1, 2))], nodeId(1, 2), [
      w(nodeId(1, 2), nodeId(1, 3)),
    ]),
    restriction(
      4,
      'no_u_turn',
      [w(nodeId(0, 1), nodeId(1, 1))],
      [w(nodeId(1, 1), nodeId(1, 2))],
      [w(nodeId(1, 2), nodeId(0, 2))],
    ),
    restriction(
      5,
      'only_left_turn',
      [w(nodeId(3, 0), nodeId(2, 0))],
      [w(nodeId(2, 0), nodeId(1, 0))],
      [w(nodeId(1, 0), nodeId(1, 1))],
    ),
  ];
  const extract = gridExtract(ways, relations);
  const { graph: base } = osmToGraph(extract);
  const { sequences, report } = resolveTurnRestrictions(base, relations, extract.ways);
  const graph = buildTurnRestrictedGraph(base, sequences);

  it('keeps base ids: node v and edge e of the base graph are node v and edge e of the result', () => {
    expect(report.applied).toBe(5);
    expect(graph.nodeCount).toBeGreaterThan(base.nodeCount);
    for (let e = 0; e < base.edgeCount; e++) {
      expect(graph.edgeTail[e]).toBe(base.edgeTail[e]);
      expect(graph.turns.nodeBase[graph.edgeHead[e]]).toBe(base.edgeHead[e]);
      expect(graph.edgeTime[e]).toBe(base.edgeTime[e]);
    }
  });

  it('gives the times of an edge-based search that refuses the forbidden sequences, for every pair', () => {
    const engine = new DijkstraEngine(graph);
    const unrestricted = new DijkstraEngine(base);
    let longer = 0;
    for (let s = 0; s < base.nodeCount; s++) {
      const reference = referenceTimes(base, sequences, s);
      for (let t = 0; t < base.nodeCount; t++) {
        const ours = engine.route(
          [{ node: s, cost: 0 }],
          nodeCopies(graph, t).map((node) => ({ node, cost: 0 })),
        );
        expect(ours?.time ?? Number.POSITIVE_INFINITY).toBeCloseTo(reference[t], 9);
        if ((ours?.time ?? 0) > unrestricted.oneToOne(s, t) + 1e-9) longer++;
        // The route never drives a forbidden sequence.
        const driven = (ours?.edges ?? []).map((e) => baseEdgeOf(graph, e)).join(',');
        for (const seq of sequences) expect(`,${driven},`).not.toContain(`,${seq.join(',')},`);
      }
    }
    expect(longer).toBeGreaterThan(0);
  });

  it('the contraction hierarchy and its many-to-one table answer as the restricted Dijkstra', () => {
    const ch = buildContractionHierarchy(graph);
    const router = new ChRouter(ch);
    const table = new ManyToOneTable(ch);
    const engine = new DijkstraEngine(graph);
    const sources = Array.from({ length: base.nodeCount }, (_, v) => v);
    table.setSources(sources.map((node) => [{ node, cost: 0 }]));
    for (let t = 0; t < base.nodeCount; t++) {
      const targets = nodeCopies(graph, t).map((node) => ({ node, cost: 0 }));
      const times = table.timesTo(targets);
      for (const s of sources) {
        const expected = engine.route([{ node: s, cost: 0 }], targets)?.time ?? Number.POSITIVE_INFINITY;
        expect(times[s]).toBeCloseTo(expected, 9);
        expect(router.time([{ node: s, cost: 0 }], targets)).toBeCloseTo(expected, 9);
      }
    }
  });

  it('snapped points: a start on the from-street obeys its restriction; isochrones report base edges', () => {
    const snapper = new EdgeSnapper(graph);
    const engine = new DijkstraEngine(graph);
    const lonOf = (id: number) => ((id - 100) % SIZE) * 0.001;
    const latOf = (id: number) => Math.floor((id - 100) / SIZE) * 0.0015;
    // Half-way along (1,0)-(1,1): to (2,1), "left" at (1,1) is banned when driving east.
    const from = snapper.snap((lonOf(nodeId(1, 0)) + lonOf(nodeId(1, 1))) / 2, latOf(nodeId(1, 0)))!;
    const to = snapper.snap(lonOf(nodeId(2, 1)), (latOf(nodeId(2, 1)) + latOf(nodeId(1, 1))) / 2 + 0.0003)!;
    const restricted = engine.route(sourceSeeds(graph, snapper, from), targetSeeds(graph, snapper, to));
    const plain = new DijkstraEngine(base).route(
      sourceSeeds(base, new EdgeSnapper(base), from),
      targetSeeds(base, new EdgeSnapper(base), to),
    );
    expect(restricted && plain).toBeTruthy();
    expect(restricted!.time).toBeGreaterThan(plain!.time);
    // An isochrone on the restricted graph reports base edges only.
    const iso = isochrone(engine, snapper, from, 60);
    expect(iso.pieces.every((p) => p.edge < base.edgeCount)).toBe(true);
  });
});

describe('roadRoute on the restricted graph', () => {
  const ways = gridWays();
  const w = (a: number, b: number) => wayBetween(ways, a, b);
  // The banned approach is one-way east, so a trip starting on it must pass the junction.
  const approach = ways.find((x) => x.id === w(nodeId(1, 0), nodeId(1, 1)))!;
  approach.tags = { highway: 'residential', oneway: 'yes' };
  const ban = restriction(41, 'no_left_turn', [w(nodeId(1, 0), nodeId(1, 1))], nodeId(1, 1), [
    w(nodeId(1, 1), nodeId(2, 1)),
  ]);
  const extract = gridExtract(ways, [ban]);
  const { graph: base } = osmToGraph(extract);
  const resolved = resolveTurnRestrictions(base, [ban], extract.ways);
  const graph = buildTurnRestrictedGraph(base, resolved.sequences);
  const snapper = new EdgeSnapper(graph);
  const lonOf = (id: number) => ((id - 100) % SIZE) * 0.001;
  const latOf = (id: number) => Math.floor((id - 100) / SIZE) * 0.0015;

  it('draws the restricted route from point to point; street times add up to the total', () => {
    const from = snapper.snap(0.0004, latOf(nodeId(1, 0)) + 0.00001)!;
    const to = snapper.snap(lonOf(nodeId(2, 1)) + 0.00001, latOf(nodeId(1, 1)) + 0.001)!;
    const engine = new DijkstraEngine(graph);
    const route = roadRoute(engine, snapper, from, to, resolved)!;
    const expected = engine.route(sourceSeeds(graph, snapper, from), targetSeeds(graph, snapper, to))!.time;
    expect(route.timeS).toBeCloseTo(expected, 9);
    expect(route.coordinates[0]).toEqual([from.lon, from.lat].map((x) => expect.closeTo(x, 9)));
    expect(route.coordinates.at(-1)).toEqual([to.lon, to.lat].map((x) => expect.closeTo(x, 9)));
    expect(route.segments.reduce((sum, s) => sum + s.timeS, 0)).toBeCloseTo(route.timeS, 9);
    expect(route.segments[0].startS).toBe(0);
    expect(route.restrictionsObeyed).toEqual([41]);
    // Without the restriction the same trip is shorter: it turns left at (1,1).
    const plain = roadRoute(new DijkstraEngine(base), new EdgeSnapper(base), from, to)!;
    expect(plain.timeS).toBeLessThan(route.timeS);
    expect(plain.restrictionsObeyed).toEqual([]);
    // Geometry is continuous: each segment starts where the previous ended.
    for (let k = 1; k < route.segments.length; k++)
      expect(route.segments[k].from).toBe(route.segments[k - 1].to);
  });

  it('stays on one street when both points are on it, in the allowed direction', () => {
    const a = snapper.snap(0.0002, latOf(nodeId(0, 0)))!;
    const b = snapper.snap(0.0008, latOf(nodeId(0, 0)))!;
    const there = roadRoute(new DijkstraEngine(graph), snapper, a, b)!;
    const back = roadRoute(new DijkstraEngine(graph), snapper, b, a)!;
    expect(there.coordinates).toHaveLength(2);
    expect(back.coordinates).toHaveLength(2);
    expect(there.timeS).toBeCloseTo(back.timeS, 9);
    expect(there.lengthM).toBeGreaterThan(60);
  });
});

describe('U-turn costs (uTurnSeconds)', () => {
  const ways = gridWays();
  const extract = gridExtract(ways, []);
  const { graph: base } = osmToGraph(extract);
  const graph = buildTurnRestrictedGraph(base, [], { uTurnSeconds: 20 });

  it('prices exactly the edges that turn back to the node the vehicle came from, at junctions and dead ends', () => {
    const penalty = graph.turns.edgePenalty!;
    let priced = 0;
    for (let x = 0; x < graph.edgeCount; x++) {
      const e = graph.turns.edgeBase[x];
      // Which base edge led into this copy's tail: the copies "came from e" sit after the plain nodes.
      const tail = graph.edgeTail[x];
      const arrivals: number[] = [];
      for (let k = graph.firstIn[tail]; k < graph.firstIn[tail + 1]; k++)
        arrivals.push(graph.turns.edgeBase[graph.inEdge[k]]);
      const back = arrivals.length > 0 && arrivals.every((a) => base.edgeTail[a] === base.edgeHead[e]);
      expect(penalty[x], `edge ${x}`).toBe(back ? 20 : 0);
      expect(graph.edgeTime[x]).toBeCloseTo(base.edgeTime[e] + penalty[x], 12);
      if (back) priced++;
    }
    // Every grid node is a junction or a corner (two neighbours: there a U-turn is mid-street and
    // not made); every interior and edge node prices its U-turns.
    expect(priced).toBeGreaterThan(0);
    // A corner (two neighbours) never turns back.
    const corner = 0;
    for (const x of nodeCopies(graph, corner))
      for (let f = graph.firstOut[x]; f < graph.firstOut[x + 1]; f++) expect(penalty[f]).toBe(0);
  });

  it('learned times keep the penalty, and targets reached by a U-turn copy pay it', () => {
    const same = withEdgeTimes(graph, base.edgeTime);
    expect(Array.from(same.edgeTime)).toEqual(Array.from(graph.edgeTime));
    const snapper = new EdgeSnapper(graph);
    const at = snapper.snap(0.0005, 0.0015)!;
    for (const seed of targetSeeds(graph, snapper, at)) expect(seed.cost).toBeGreaterThanOrEqual(0);
    const seeds = targetSeeds(graph, snapper, at);
    const plain = targetSeeds(buildTurnRestrictedGraph(base, []), new EdgeSnapper(base), at);
    // The U-turn copies add seeds, each costing its penalty more than the plain seed for its edge.
    expect(seeds.length).toBeGreaterThan(plain.length);
    expect(seeds.some((s) => s.cost >= 20)).toBe(true);
  });
});
