import { buildContractionHierarchy, ManyToOneTable } from '@citywatch/core/roads/ch';
import type { Seed } from '@citywatch/core/roads/dijkstra';
import type { RoadGraph } from '@citywatch/core/roads/graph';
import { type SnapResult, sameSegmentTime, sourceSeeds, targetSeeds } from '@citywatch/core/roads/snap';
import type { CityRuntime } from '../roads/registry.js';

// A unit further than this from any road is treated as having no usable position.
const UNIT_SNAP_LIMIT_M = 300;

/**
 * Where every unit of one city is on the road graph, kept as the sources of a contraction-hierarchy
 * bucket table: a position report refreshes only that unit's buckets, and "who reaches this point
 * first" is one backward search (OSRM's table technique), microseconds on a city graph. The graph
 * is the turn-restricted one (core/roads/turn-restrictions.ts), so times obey turn bans.
 */
export class UnitTracker {
  private readonly table: ManyToOneTable;
  private readonly indexOf = new Map<string, number>();
  private readonly unitIds: string[] = [];
  private readonly snaps: (SnapResult | null)[] = [];
  private out = new Float64Array(0);
  /** The city's turn-restricted graph (base ids kept, so the city's snapper serves it too). */
  private readonly graph: RoadGraph;

  constructor(readonly city: CityRuntime) {
    this.graph = city.turnRouting().graph;
    this.table = new ManyToOneTable(buildContractionHierarchy(this.graph));
  }

  /** Records a unit's position (null: none usable). Returns whether it lies on the road network. */
  setPosition(unitId: string, lon: number | null, lat: number | null): boolean {
    const snap = lon === null || lat === null ? null : this.city.snapper.snap(lon, lat, UNIT_SNAP_LIMIT_M);
    const seeds: Seed[] = snap ? sourceSeeds(this.graph, this.city.snapper, snap) : [];
    let index = this.indexOf.get(unitId);
    if (index === undefined) {
      index = this.unitIds.length;
      this.indexOf.set(unitId, index);
      this.unitIds.push(unitId);
      this.snaps.push(snap);
    } else {
      this.snaps[index] = snap;
    }
    this.table.updateSource(index, seeds);
    return snap !== null;
  }

  /** Road travel time in seconds from each tracked unit to the point (Infinity: cannot reach). */
  timesTo(lon: number, lat: number): Map<string, number> | null {
    const target = this.city.snapper.snap(lon, lat, 1000);
    if (!target) return null;
    if (this.out.length < this.unitIds.length)
      this.out = new Float64Array(Math.max(16, this.unitIds.length * 2));
    const times = this.table.timesTo(targetSeeds(this.graph, this.city.snapper, target), this.out);
    const result = new Map<string, number>();
    for (let i = 0; i < this.unitIds.length; i++) {
      const snap = this.snaps[i];
      // Node-based buckets cannot see a trip that stays on one segment; check that directly.
      const direct = snap
        ? sameSegmentTime(this.graph, this.city.snapper, snap, target)
        : Number.POSITIVE_INFINITY;
      result.set(this.unitIds[i], Math.min(times[i], direct));
    }
    return result;
  }
}
