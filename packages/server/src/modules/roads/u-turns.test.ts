/**
 * U-turn costs on real cities: the edge-based graph that buildTurnRestrictedGraph makes with
 * `uTurnSeconds` must give, for every node, the time of an independent search over (node, edges
 * just driven) states that applies the same rules (the city's forbidden sequences; a U-turn costs
 * the penalty at a junction or where it is the only way on, and is not made mid-street), and its
 * contraction hierarchy must answer the same. The pgr_trsp peer check is in bench/routing.ts.
 */
import path from 'node:path';
import { buildContractionHierarchy, ManyToOneTable } from '@citywatch/core/roads/ch';
import { DijkstraEngine } from '@citywatch/core/roads/dijkstra';
import type { RoadGraph } from '@citywatch/core/roads/graph';
import { edgeBearing, headedSourceSeeds, motionOf, U_TURN_SECONDS } from '@citywatch/core/roads/heading';
import { roadRoute } from '@citywatch/core/roads/route';
import { EdgeSnapper, targetSeeds } from '@citywatch/core/roads/snap';
import {
  buildTurnRestrictedGraph,
  nodeCopies,
  resolveTurnRestrictions,
} from '@citywatch/core/roads/turn-restrictions';
import { describe, expect, it } from 'vitest';
import { loadGraphFromOsmFile } from './load';

const roads = path.resolve(import.meta.dirname, '../../../../../../shared/data/roads');
const CITIES = ['monaco/monaco.osm.pbf', 'baltimore/baltimore.osm.pbf'];

/** Binary min-heap of (cost, key) pairs: the reference search's queue. */
class Heap {
  private readonly items: Array<{ cost: number; key: string; node: number; tail: number[] }> = [];
  get size() {
    return this.items.length;
  }
  push(item: { cost: number; key: string; node: number; tail: number[] }) {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].cost <= a[i].cost) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop() {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].cost < a[m].cost) m = l;
        if (r < a.length && a[r].cost < a[m].cost) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Reference: Dijkstra on the base graph over (node, last edges driven) states, written from the
 * rules rather than from the node-splitting construction.
 */
function referenceTimes(
  graph: RoadGraph,
  sequences: number[][],
  uTurnSeconds: number,
  source: number,
  arrivedBy?: number,
) {
  const keep = Math.max(1, ...sequences.map((s) => s.length - 1));
  const forbidden = new Set(sequences.map((s) => s.join(',')));
  const neighbours = (v: number) => {
    const set = new Set<number>();
    for (let e = graph.firstOut[v]; e < graph.firstOut[v + 1]; e++) set.add(graph.edgeHead[e]);
    for (let k = graph.firstIn[v]; k < graph.firstIn[v + 1]; k++) set.add(graph.edgeTail[graph.inEdge[k]]);
    set.delete(v);
    return set.size;
  };
  const best = new Float64Array(graph.nodeCount).fill(Number.POSITIVE_INFINITY);
  const done = new Set<string>();
  const heap = new Heap();
  const start = arrivedBy === undefined ? [] : [arrivedBy];
  heap.push({ cost: 0, key: `${source}|${start.join(',')}`, node: source, tail: start });
  while (heap.size > 0) {
    const { cost, key, node, tail } = heap.pop();
    if (done.has(key)) continue;
    done.add(key);
    if (cost < best[node]) best[node] = cost;
    const last = tail.at(-1);
    const cameFrom = last === undefined ? -1 : graph.edgeTail[last];
    let otherWayOn = false;
    for (let e = graph.firstOut[node]; e < graph.firstOut[node + 1]; e++)
      if (graph.edgeHead[e] !== cameFrom) otherWayOn = true;
    for (let e = graph.firstOut[node]; e < graph.firstOut[node + 1]; e++) {
      const driven = [...tail, e];
      if (driven.some((_, k) => forbidden.has(driven.slice(k).join(',')))) continue;
      let step = graph.edgeTime[e];
      if (cameFrom >= 0 && cameFrom !== node && graph.edgeHead[e] === cameFrom) {
        if (neighbours(node) === 2 && otherWayOn) continue; // mid-street: drive on instead
        step += uTurnSeconds;
      }
      const next = driven.slice(-keep);
      heap.push({
        cost: cost + step,
        key: `${graph.edgeHead[e]}|${next.join(',')}`,
        node: graph.edgeHead[e],
        tail: next,
      });
    }
  }
  return best;
}

describe('U-turn costs on the bundled cities', () => {
  for (const city of CITIES) {
    it(`${path.basename(city)}: Dijkstra and CH on the edge-based graph equal the reference search; U-turns change times`, async () => {
      const { graph: base, extract } = await loadGraphFromOsmFile(path.join(roads, city));
      const { sequences } = resolveTurnRestrictions(base, extract.restrictions, extract.ways);
      const graph = buildTurnRestrictedGraph(base, sequences, { uTurnSeconds: U_TURN_SECONDS });
      const free = buildTurnRestrictedGraph(base, sequences);
      expect(graph.turns.uTurnSeconds).toBe(U_TURN_SECONDS);
      expect(graph.nodeCount).toBeGreaterThan(1.5 * base.nodeCount);
      const engine = new DijkstraEngine(graph);
      const freeEngine = new DijkstraEngine(free);
      const table = new ManyToOneTable(buildContractionHierarchy(graph));
      // Six trips from a standstill at a node, six from a vehicle that has just driven an edge (a
      // moving unit): only the second kind can be sent back the way it came.
      const starts: { node: number; edge?: number }[] = [
        ...Array.from({ length: 6 }, (_, i) => ({ node: Math.floor(((i + 0.5) / 6) * base.nodeCount) })),
        ...Array.from({ length: 6 }, (_, i) => {
          const edge = Math.floor(((i + 0.21) / 6) * base.edgeCount);
          return { node: base.edgeHead[edge], edge };
        }),
      ];
      // Base edge e is edge e of the restricted graph, so its head is the state "just drove e".
      const sources = starts.map((s) => (s.edge === undefined ? s.node : graph.edgeHead[s.edge]));
      table.setSources(sources.map((node) => [{ node, cost: 0 }]));
      const targets = Array.from({ length: 40 }, (_, i) => Math.floor(((i + 0.37) / 40) * base.nodeCount));
      let longer = 0;
      let reachable = 0;
      for (let i = 0; i < sources.length; i++) {
        const reference = referenceTimes(base, sequences, U_TURN_SECONDS, starts[i].node, starts[i].edge);
        engine.begin('forward');
        engine.addSeed(sources[i], 0);
        while (engine.settleNext() >= 0) {}
        freeEngine.begin('forward');
        const arrivedBy = starts[i].edge;
        freeEngine.addSeed(arrivedBy === undefined ? starts[i].node : free.edgeHead[arrivedBy], 0);
        while (freeEngine.settleNext() >= 0) {}
        for (let v = 0; v < base.nodeCount; v++) {
          let ours = Number.POSITIVE_INFINITY;
          let without = Number.POSITIVE_INFINITY;
          for (const x of nodeCopies(graph, v))
            if (engine.isSettled(x)) ours = Math.min(ours, engine.costOf(x));
          for (const x of nodeCopies(free, v))
            if (freeEngine.isSettled(x)) without = Math.min(without, freeEngine.costOf(x));
          if (Number.isFinite(reference[v])) {
            reachable++;
            expect(Math.abs(ours - reference[v]), `${sources[i]}→${v}`).toBeLessThanOrEqual(1e-6);
          } else expect(ours, `${sources[i]}→${v}`).toBe(Number.POSITIVE_INFINITY);
          // Pricing U-turns never makes a trip shorter.
          expect(ours).toBeGreaterThanOrEqual(without - 1e-6);
          if (ours > without + 1e-6) longer++;
        }
        for (const t of targets) {
          const times = table.timesTo(nodeCopies(graph, t).map((node) => ({ node, cost: 0 })));
          if (Number.isFinite(reference[t]))
            expect(Math.abs(times[i] - reference[t])).toBeLessThanOrEqual(1e-6);
          else expect(times[i]).toBe(Number.POSITIVE_INFINITY);
        }
      }
      expect(reachable).toBeGreaterThan(sources.length * base.nodeCount * 0.5);
      // Trips that have to turn round now cost the U-turn (or a detour round the block).
      expect(longer).toBeGreaterThan(base.nodeCount / 10);
    });
  }

  it('drawn routes of moving units: street times add up to the search time, U-turns counted where a route turns round', async () => {
    const { graph: base, extract } = await loadGraphFromOsmFile(path.join(roads, CITIES[0]));
    const { sequences, osmIds } = resolveTurnRestrictions(base, extract.restrictions, extract.ways);
    const graph = buildTurnRestrictedGraph(base, sequences, { uTurnSeconds: U_TURN_SECONDS });
    const snapper = new EdgeSnapper(graph);
    const engine = new DijkstraEngine(graph);
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    let routes = 0;
    let withUTurns = 0;
    for (let k = 0; k < 400; k++) {
      const at = () => {
        const e = Math.floor(random() * base.edgeCount);
        const f = random();
        const a = base.edgeTail[e];
        const b = base.edgeHead[e];
        return snapper.snap(
          base.nodeLon[a] + f * (base.nodeLon[b] - base.nodeLon[a]),
          base.nodeLat[a] + f * (base.nodeLat[b] - base.nodeLat[a]),
          50,
        );
      };
      const from = at();
      const to = at();
      if (!from || !to || from.edge === to.edge) continue;
      // A unit driving along the snapped edge, fast enough for its heading to count.
      const motion = motionOf(edgeBearing(graph, from.edge), 12);
      const route = roadRoute(engine, snapper, from, to, { sequences, osmIds }, motion);
      const search = engine.route(
        headedSourceSeeds(graph, snapper, from, motion),
        targetSeeds(graph, snapper, to),
      );
      expect(route === null).toBe(search === null);
      if (!route || !search) continue;
      routes++;
      expect(route.timeS).toBeCloseTo(search.time, 6);
      expect(route.segments.reduce((sum, s) => sum + s.timeS, 0)).toBeCloseTo(route.timeS, 6);
      const penalised = search.edges.filter((e) => (graph.turns.edgePenalty?.[e] ?? 0) > 0).length;
      expect(route.uTurns).toBeGreaterThanOrEqual(penalised);
      expect(route.timeS).toBeGreaterThanOrEqual(route.uTurns * U_TURN_SECONDS);
      if (route.uTurns > 0) withUTurns++;
    }
    expect(routes).toBeGreaterThan(300);
    // Units driving away from a point behind them turn round, where they are (at once is never
    // slower than at the next junction, which costs the same U-turn plus the way there and back).
    expect(withUTurns).toBeGreaterThan(routes / 10);
  });
});
