/**
 * The heavy jobs the pool runs, by name. Each is the same core computation the services ran in
 * process, on the same graph, so the figures are identical; what crosses the thread boundary is
 * plain data (typed arrays for long lists). Engines built on a city's graph (Dijkstra, snapper,
 * coverage engine, segment twins, candidate sites) are built once per thread and graph version.
 */
import { CoverageEngine, type EdgePosition, type WeightedPosition } from '@citywatch/core/coverage/coverage';
import { intersectionCandidates, placePosts } from '@citywatch/core/coverage/placement';
import {
  analyzeClosure,
  type CheckpointPlacement,
  type ClosureReport,
  type Crossing,
  findCrossings,
  ROAD_CLASS_WEIGHTS,
} from '@citywatch/core/perimeter/closure';
import {
  type CutSegment,
  corridorAroundRing,
  MinCutError,
  ringMinimumCut,
} from '@citywatch/core/perimeter/mincut';
import {
  countSet,
  nodesInside,
  type RingGeometry,
  type RingIssue,
  RingValidationError,
  validateRingGeometry,
} from '@citywatch/core/perimeter/ring';
import { buildContractionHierarchy, type ContractionHierarchy } from '@citywatch/core/roads/ch';
import { isochrone } from '@citywatch/core/roads/isochrone';
import { withEdgeTimes } from '@citywatch/core/roads/learned/profile';
import { edgeTwins, type SnapResult } from '@citywatch/core/roads/snap';
import gcoord from 'gcoord';
import { PATROL_JOBS } from '../modules/patrol/jobs.js';
import type { CityGraph, JobContext } from './context.js';

export type Crs = 'wgs84' | 'gcj02' | 'bd09';
const DATUM = { wgs84: gcoord.WGS84, gcj02: gcoord.GCJ02, bd09: gcoord.BD09 } as const;

const twinsOf = (city: CityGraph) => city.memo('twins', () => edgeTwins(city.graph));
const coverageOf = (city: CityGraph) => city.memo('coverage', () => new CoverageEngine(city.dijkstra));

export type RingAnalysisOutcome =
  | {
      ok: true;
      crossings: {
        inboundCount: number;
        outboundOnlyCount: number;
        insideNodes: number;
        crossings: Crossing[];
      };
      closure: ClosureReport;
      cut: { cut: CutSegment[]; cost: number; replacesCrossings: number };
    }
  /** No road inside the ring (or the road data changed under it). */
  | { ok: false; stage: 'crossings'; issues: readonly RingIssue[] }
  /** The corridor or the cut cannot be made. */
  | { ok: false; stage: 'cut'; rule: string; message: string };

export const JOBS = {
  /** A ring's geometry checks (limits, structure, self-intersection, area) and the roads inside. */
  'ring.check': (ctx: JobContext, input: { geometry: unknown }) => {
    const issues = validateRingGeometry(input.geometry);
    if (issues.length > 0) return { issues, insideNodes: 0 };
    const inside = nodesInside(ctx.city().graph, input.geometry as RingGeometry);
    return { issues, insideNodes: countSet(inside) };
  },

  /** Crossings, closure by the given checkpoints, and the minimum cut of a ring. */
  'ring.analysis': (
    ctx: JobContext,
    input: {
      geometry: RingGeometry;
      placements: CheckpointPlacement[];
      corridorBandM?: number;
      cost?: 'unit' | 'class';
    },
  ): RingAnalysisOutcome => {
    const city = ctx.city();
    const graph = city.graph;
    let crossings: ReturnType<typeof findCrossings>;
    try {
      crossings = findCrossings(graph, nodesInside(graph, input.geometry), twinsOf(city));
    } catch (error) {
      if (error instanceof RingValidationError)
        return { ok: false, stage: 'crossings', issues: error.issues };
      throw error;
    }
    const closure = analyzeClosure(graph, crossings, input.placements);
    try {
      const corridor =
        input.corridorBandM === undefined
          ? undefined
          : corridorAroundRing(input.geometry, input.corridorBandM);
      const cut = ringMinimumCut(graph, crossings, {
        costByClass: input.cost === 'class' ? ROAD_CLASS_WEIGHTS : undefined,
        corridor,
      });
      return {
        ok: true,
        crossings: {
          inboundCount: crossings.inboundCount,
          outboundOnlyCount: crossings.outboundOnlyCount,
          insideNodes: crossings.insideNodes,
          crossings: crossings.crossings,
        },
        closure,
        cut: { cut: cut.cut, cost: cut.cost, replacesCrossings: cut.replacesCrossings },
      };
    } catch (error) {
      if (error instanceof RingValidationError || error instanceof MinCutError) {
        const rule = error instanceof MinCutError ? error.code : (error.issues[0]?.rule ?? 'malformed');
        return { ok: false, stage: 'cut', rule, message: error.message };
      }
      throw error;
    }
  },

  /** Isochrone areas from a snapped origin, one per limit (in the order given), in the client's datum. */
  isochrones: (ctx: JobContext, input: { origin: SnapResult; minutes: number[]; crs: Crs }) => {
    const city = ctx.city();
    return input.minutes.map((minutes) => {
      const iso = isochrone(city.dijkstra, city.snapper, input.origin, minutes * 60);
      const geometry =
        iso.area && input.crs !== 'wgs84'
          ? gcoord.transform(iso.area, gcoord.WGS84, DATUM[input.crs])
          : iso.area;
      return {
        type: 'Feature' as const,
        properties: { minutes, reachedNodes: iso.reachedNodes },
        geometry,
      };
    });
  },

  /** The area a vehicle can reach from `origin` within `limitSeconds`. */
  'isochrone.area': (ctx: JobContext, input: { origin: SnapResult; limitSeconds: number }) => {
    const city = ctx.city();
    return isochrone(city.dijkstra, city.snapper, input.origin, input.limitSeconds).area;
  },

  /** Points snapped to the nearest road within `limitM` (edge −1: none that near). */
  snap: (ctx: JobContext, input: { lon: Float64Array; lat: Float64Array; limitM: number }) => {
    const snapper = ctx.city().snapper;
    const edge = new Int32Array(input.lon.length);
    const t = new Float64Array(input.lon.length);
    for (let i = 0; i < edge.length; i++) {
      const hit = snapper.snap(input.lon[i], input.lat[i], input.limitM);
      edge[i] = hit ? hit.edge : -1;
      t[i] = hit ? hit.t : 0;
    }
    return { edge, t };
  },

  /** Shares of demand and road length within each threshold from the posts. */
  'coverage.figures': (
    ctx: JobContext,
    input: {
      posts: EdgePosition[];
      demand: { edge: Int32Array; t: Float64Array; cell?: string[] };
      thresholds: number[];
    },
  ) => {
    const started = performance.now();
    const { edge, t, cell } = input.demand;
    const demand: WeightedPosition[] = new Array(edge.length);
    for (let i = 0; i < edge.length; i++) {
      demand[i] = cell ? { edge: edge[i], t: t[i], cell: cell[i] } : { edge: edge[i], t: t[i] };
    }
    const result = coverageOf(ctx.city()).compute(input.posts, demand, input.thresholds);
    return {
      thresholds: result.thresholds,
      totalRoadLengthM: result.totalRoadLengthM,
      cells: result.cells,
      computeMs: performance.now() - started,
    };
  },

  /** The reached road as pieces labelled with their band. */
  'coverage.pieces': (ctx: JobContext, input: { posts: EdgePosition[]; sortedThresholds: number[] }) => {
    const coverage = coverageOf(ctx.city());
    coverage.search(input.posts, input.sortedThresholds[input.sortedThresholds.length - 1]);
    const pieces = coverage.pieces(input.sortedThresholds);
    const edge = new Uint32Array(pieces.length);
    const from = new Float64Array(pieces.length);
    const to = new Float64Array(pieces.length);
    const band = new Float64Array(pieces.length);
    pieces.forEach((p, i) => {
      edge[i] = p.edge;
      from[i] = p.from;
      to[i] = p.to;
      band[i] = p.bandSeconds;
    });
    return { edge, from, to, band };
  },

  /** Greedy maximal covering: where k new posts would cover the most demand within the radius. */
  'coverage.advise': (
    ctx: JobContext,
    input: {
      demand: { lon: Float64Array; lat: Float64Array; weight: Float64Array };
      snapLimitM: number;
      existingPosts: EdgePosition[];
      k: number;
      radiusSeconds: number;
      maxDemandPoints: number;
    },
  ) => {
    const started = performance.now();
    const city = ctx.city();
    const demand: WeightedPosition[] = [];
    let offNetwork = 0;
    const { lon, lat, weight } = input.demand;
    for (let i = 0; i < lon.length; i++) {
      const hit = city.snapper.snap(lon[i], lat[i], input.snapLimitM);
      if (hit) demand.push({ edge: hit.edge, t: hit.t, weight: weight[i] });
      else offNetwork++;
    }
    const candidates = city.memo('candidates', () => intersectionCandidates(city.graph));
    const result = placePosts(
      city.dijkstra,
      demand,
      {
        k: input.k,
        radiusSeconds: input.radiusSeconds,
        candidates,
        existingPosts: input.existingPosts,
        maxDemandPoints: input.maxDemandPoints,
      },
      coverageOf(city),
    );
    return { points: demand.length, offNetwork, result, computeMs: performance.now() - started };
  },

  /**
   * A contraction hierarchy of the job's graph with other base-edge times (null: the graph's own):
   * the hourly learned-times rebuild of a dispatch tracker (0.7–2.7 s on the bundled cities), off
   * the event loop. The answer is plain typed arrays, swapped in whole by the tracker.
   */
  'eta.hierarchy': (ctx: JobContext, input: { baseTimes: Float64Array | null }): ContractionHierarchy => {
    const graph = ctx.city().graph;
    return buildContractionHierarchy(input.baseTimes ? withEdgeTimes(graph, input.baseTimes) : graph);
  },

  /** Hot-spot ranking and model evaluation (modules/patrol/jobs.ts). */
  ...PATROL_JOBS,
};

export type Jobs = typeof JOBS;
