/**
 * Cameras near a point (an incident, a checkpoint): those whose view sector contains it, and the
 * nearest by road. "By road" is the walking distance along the road network, in metres: the point
 * and each camera are placed on their nearest road segment (plus the straight offset from it), and
 * the distance is the shorter of a search along and against the direction of travel (a camera sees
 * both ways of a one-way street). A camera further than `maxM` by straight line cannot be nearer by
 * road, so the straight-line grid gives the candidates and the road search is bounded by `maxM`.
 */
import { DijkstraEngine } from '../roads/dijkstra';
import type { RoadGraph } from '../roads/graph';
import type { EdgeSnapper } from '../roads/snap';
import type { Sector, SectorIndex } from './sector';

/** Where a point meets the road: its segment's ends and the metres along to each, and the offset. */
export interface RoadPlace {
  edge: number;
  a: number;
  b: number;
  toA: number;
  toB: number;
  offM: number;
}

/** Points further than this from every road are not placed on it (no road distance). */
export const ROAD_PLACE_LIMIT_M = 300;

export function placeOnRoad(
  snapper: EdgeSnapper,
  graph: RoadGraph,
  lon: number,
  lat: number,
): RoadPlace | null {
  const s = snapper.snap(lon, lat, ROAD_PLACE_LIMIT_M);
  if (!s) return null;
  const len = graph.edgeLength[s.edge];
  return {
    edge: s.edge,
    a: graph.edgeTail[s.edge],
    b: graph.edgeHead[s.edge],
    toA: s.t * len,
    toB: (1 - s.t) * len,
    offM: s.distanceM,
  };
}

/** Distances along the road network in metres from one place, bounded (both directions of travel). */
export class RoadDistance {
  private readonly engine: DijkstraEngine;
  // The settled field of the current start, per node: valid where fieldEpoch[v] === epoch (typed
  // arrays reused across queries: no map to grow and collect per request).
  private readonly field: Float64Array;
  private readonly fieldEpoch: Uint32Array;
  private epoch = 0;
  private from: RoadPlace | null = null;

  constructor(graph: RoadGraph) {
    // The same graph with length as the cost: the engine's arrays are per engine, not per graph.
    this.engine = new DijkstraEngine({ ...graph, edgeTime: graph.edgeLength });
    this.field = new Float64Array(graph.nodeCount);
    this.fieldEpoch = new Uint32Array(graph.nodeCount);
  }

  /** Settles the network around `from` up to `limitM` metres. */
  start(from: RoadPlace, limitM: number): void {
    this.from = from;
    this.epoch++;
    if (this.epoch === 0xffffffff) {
      this.fieldEpoch.fill(0);
      this.epoch = 1;
    }
    const seeds = [
      { node: from.a, cost: from.toA },
      { node: from.b, cost: from.toB },
    ];
    for (const direction of ['forward', 'reverse'] as const) {
      const settled = this.engine.travelTimeField(seeds, limitM, direction);
      for (const v of settled) {
        const d = this.engine.costOf(v);
        if (this.fieldEpoch[v] !== this.epoch || d < this.field[v]) {
          this.field[v] = d;
          this.fieldEpoch[v] = this.epoch;
        }
      }
    }
  }

  private at(v: number): number | undefined {
    return this.fieldEpoch[v] === this.epoch ? this.field[v] : undefined;
  }

  /** Metres by road from the started place to `to` (Infinity beyond the limit or unreachable). */
  to(to: RoadPlace): number {
    const from = this.from;
    if (!from) return Number.POSITIVE_INFINITY;
    let best = Number.POSITIVE_INFINITY;
    if (to.edge === from.edge) best = Math.abs(to.toA - from.toA);
    const da = this.at(to.a);
    const db = this.at(to.b);
    if (da !== undefined) best = Math.min(best, da + to.toA);
    if (db !== undefined) best = Math.min(best, db + to.toB);
    return best + from.offM + to.offM;
  }
}

export interface NearCamera<T> {
  item: T;
  straightM: number;
  /** Metres by road, null when the point or the camera is off the network or beyond the limit. */
  roadM: number | null;
}

/**
 * The cameras whose view contains the point, and the `k` nearest by road within `maxM` (by straight
 * line where the point is off the network). `roadPlaces` holds each item's place on the road (null
 * when off it), computed once when the index is built.
 */
export function camerasNear<T extends Sector>(
  index: SectorIndex<T>,
  lon: number,
  lat: number,
  options: {
    k: number;
    maxM: number;
    road?: {
      distance: RoadDistance;
      snapper: EdgeSnapper;
      graph: RoadGraph;
      placeOf: (item: T) => RoadPlace | null;
    };
  },
): { covering: T[]; nearest: NearCamera<T>[] } {
  const covering = index.covers(lon, lat);
  const candidates = index.nearest(lon, lat, Math.max(options.k * 4, 32), options.maxM);
  const road = options.road;
  const here = road ? placeOnRoad(road.snapper, road.graph, lon, lat) : null;
  if (!road || !here) {
    return {
      covering,
      nearest: candidates
        .slice(0, options.k)
        .map((c) => ({ item: c.item, straightM: c.metres, roadM: null })),
    };
  }
  road.distance.start(here, options.maxM);
  const ranked = candidates.map((c) => {
    const place = road.placeOf(c.item);
    const d = place ? road.distance.to(place) : Number.POSITIVE_INFINITY;
    return { item: c.item, straightM: c.metres, roadM: Number.isFinite(d) && d <= options.maxM ? d : null };
  });
  ranked.sort(
    (x, y) =>
      (x.roadM ?? Number.POSITIVE_INFINITY) - (y.roadM ?? Number.POSITIVE_INFINITY) ||
      x.straightM - y.straightM,
  );
  return { covering, nearest: ranked.slice(0, options.k) };
}
