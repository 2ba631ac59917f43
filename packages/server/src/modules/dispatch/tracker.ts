import {
  buildContractionHierarchy,
  type ContractionHierarchy,
  ManyToOneTable,
} from '@citywatch/core/roads/ch';
import type { Seed } from '@citywatch/core/roads/dijkstra';
import type { RoadGraph } from '@citywatch/core/roads/graph';
import { headedSameSegmentTime, headedSourceSeeds, type Motion } from '@citywatch/core/roads/heading';
import type { TimeProfileLabel } from '@citywatch/core/roads/learned/hour';
import { withEdgeTimes } from '@citywatch/core/roads/learned/profile';
import { type SnapResult, targetSeeds } from '@citywatch/core/roads/snap';
import type { CityRuntime } from '../roads/registry.js';

// A unit further than this from any road is treated as having no usable position.
const UNIT_SNAP_LIMIT_M = 300;

/**
 * Where every unit of one city is on the road graph, kept as the sources of a contraction-hierarchy
 * bucket table: a position report refreshes only that unit's buckets, and "who reaches this point
 * first" is one backward search (OSRM's table technique), microseconds on a city graph. The graph
 * is the turn-restricted one (core/roads/turn-restrictions.ts), so times obey turn bans.
 *
 * Edge times are a profile: the static ones (road class and maxspeed) or the learned times of one
 * hour of week (eta module). `useTimes` swaps in another profile: a new hierarchy on the same
 * graph with those times (a full rebuild, 0.7–2.7 s on the bundled cities, done once per hour
 * by the units service on a worker thread, never per request), the units re-seeded from their
 * kept snaps. Until the new one is swapped in, queries use the previous profile.
 *
 * A second table may hold the emergency-driving profile of the hour (`useEmergencyHierarchy`),
 * kept current from the same positions: urgent incidents are timed with it (`timesTo(…, true)`),
 * the others with the normal one; with none learned, urgent ones use the normal table too.
 */
export class UnitTracker {
  private table: ManyToOneTable;
  private readonly indexOf = new Map<string, number>();
  private readonly unitIds: string[] = [];
  private readonly snaps: (SnapResult | null)[] = [];
  /** Each unit's motion at its fix (heading when moving): going back the way it drives costs a U-turn. */
  private readonly motions: (Motion | null)[] = [];
  private out = new Float64Array(0);
  /** The city's turn-restricted graph (base ids kept, so the city's snapper serves it too). */
  private graph: RoadGraph;
  /** The edge-time profile the table holds. */
  profile: TimeProfileLabel = 'static';
  /** What the profile was made from (the eta statistics version and hour), to skip a no-op swap. */
  profileKey = 'static';
  /** The emergency-driving table, when an emergency profile is learned for the hour. */
  private emergency: { table: ManyToOneTable; graph: RoadGraph; profile: TimeProfileLabel } | null = null;
  /** What the emergency table was made from ('none' while there is none). */
  emergencyKey = 'none';

  /**
   * `hierarchy`: the static one, built elsewhere (the units service builds it on a worker thread:
   * on an edge-based graph with U-turn costs it takes seconds); else built here, on this thread.
   */
  constructor(
    readonly city: CityRuntime,
    hierarchy?: ContractionHierarchy,
  ) {
    this.graph = city.turnRouting().graph;
    const ch = hierarchy ?? buildContractionHierarchy(this.graph);
    if (ch.nodeCount !== this.graph.nodeCount) throw new Error('hierarchy of another graph');
    this.table = new ManyToOneTable(ch);
  }

  /**
   * Routes with other base-edge times from now on (null: the static ones), building the hierarchy
   * here, on the calling thread. The units service builds it on a worker thread instead
   * (workers/jobs.ts `eta.hierarchy`) and hands it to `useHierarchy`.
   */
  useTimes(baseTimes: Float64Array | null, profile: TimeProfileLabel, key: string): void {
    this.useHierarchy(buildContractionHierarchy(this.timedGraph(baseTimes)), baseTimes, profile, key);
  }

  /**
   * Swaps in a hierarchy built (elsewhere) on the turn-restricted graph with these base-edge times.
   * The units are re-seeded from their kept snaps, as they are at the moment of the swap, before
   * anything is replaced, so a query never sees half of each; synchronous, so none runs in between.
   */
  useHierarchy(
    ch: ContractionHierarchy,
    baseTimes: Float64Array | null,
    profile: TimeProfileLabel,
    key: string,
  ): void {
    const graph = this.timedGraph(baseTimes);
    if (ch.nodeCount !== graph.nodeCount) throw new Error('hierarchy of another graph');
    const table = new ManyToOneTable(ch);
    table.setSources(this.seedsOn(graph));
    this.graph = graph;
    this.table = table;
    this.profile = profile;
    this.profileKey = key;
  }

  /** Swaps in (or, with null, drops) the emergency-driving hierarchy, as `useHierarchy` does. */
  useEmergencyHierarchy(
    ch: ContractionHierarchy | null,
    baseTimes: Float64Array | null,
    profile: TimeProfileLabel,
    key: string,
  ): void {
    if (!ch || !baseTimes) {
      this.emergency = null;
      this.emergencyKey = key;
      return;
    }
    const graph = this.timedGraph(baseTimes);
    if (ch.nodeCount !== graph.nodeCount) throw new Error('hierarchy of another graph');
    const table = new ManyToOneTable(ch);
    table.setSources(this.seedsOn(graph));
    this.emergency = { table, graph, profile };
    this.emergencyKey = key;
  }

  /** The profile times come from: the emergency one for urgent incidents when there is one. */
  profileFor(urgent: boolean): TimeProfileLabel {
    return urgent && this.emergency ? this.emergency.profile : this.profile;
  }

  /** Every unit's start on `graph`, from its kept snap and motion. */
  private seedsOn(graph: RoadGraph): Seed[][] {
    return this.snaps.map((snap, i) =>
      snap ? headedSourceSeeds(graph, this.city.snapper, snap, this.motions[i]) : [],
    );
  }

  private timedGraph(baseTimes: Float64Array | null): RoadGraph {
    const base = this.city.turnRouting().graph;
    return baseTimes ? withEdgeTimes(base, baseTimes) : base;
  }

  /** The road class (OSM highway) of the edge a point snaps to: the final approach to it. */
  approachClass(lon: number, lat: number): string | null {
    const target = this.city.snapper.snap(lon, lat, 1000);
    if (!target) return null;
    return this.graph.ways[this.graph.edgeWay[target.edge]]?.highway ?? null;
  }

  /**
   * Records a unit's position (null: none usable) and, when it is moving, its heading (see
   * core/roads/heading.ts: starting back the way it drives costs a U-turn). Returns whether it lies
   * on the road network.
   */
  setPosition(unitId: string, lon: number | null, lat: number | null, motion: Motion | null = null): boolean {
    const snap = lon === null || lat === null ? null : this.city.snapper.snap(lon, lat, UNIT_SNAP_LIMIT_M);
    const seeds: Seed[] = snap ? headedSourceSeeds(this.graph, this.city.snapper, snap, motion) : [];
    let index = this.indexOf.get(unitId);
    if (index === undefined) {
      index = this.unitIds.length;
      this.indexOf.set(unitId, index);
      this.unitIds.push(unitId);
      this.snaps.push(snap);
      this.motions.push(motion);
    } else {
      this.snaps[index] = snap;
      this.motions[index] = motion;
    }
    this.table.updateSource(index, seeds);
    if (this.emergency)
      this.emergency.table.updateSource(
        index,
        snap ? headedSourceSeeds(this.emergency.graph, this.city.snapper, snap, motion) : [],
      );
    return snap !== null;
  }

  /**
   * Road travel time in seconds from each tracked unit to the point (Infinity: cannot reach); with
   * `urgent`, by the emergency-driving profile when there is one (`profileFor(true)` names it).
   */
  timesTo(lon: number, lat: number, urgent = false): Map<string, number> | null {
    const target = this.city.snapper.snap(lon, lat, 1000);
    if (!target) return null;
    if (this.out.length < this.unitIds.length)
      this.out = new Float64Array(Math.max(16, this.unitIds.length * 2));
    const use = urgent && this.emergency ? this.emergency : { table: this.table, graph: this.graph };
    const times = use.table.timesTo(targetSeeds(use.graph, this.city.snapper, target), this.out);
    const result = new Map<string, number>();
    for (let i = 0; i < this.unitIds.length; i++) {
      const snap = this.snaps[i];
      // Node-based buckets cannot see a trip that stays on one segment; check that directly.
      const direct = snap
        ? headedSameSegmentTime(use.graph, this.city.snapper, snap, target, this.motions[i])
        : Number.POSITIVE_INFINITY;
      result.set(this.unitIds[i], Math.min(times[i], direct));
    }
    return result;
  }
}
