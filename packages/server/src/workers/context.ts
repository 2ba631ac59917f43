/** What a job gets in its thread: its city's graph and the engines built on it once. */
import { DijkstraEngine } from '@citywatch/core/roads/dijkstra';
import type { RoadGraph } from '@citywatch/core/roads/graph';
import { EdgeSnapper } from '@citywatch/core/roads/snap';

/** A city's graph in a thread, with what jobs build on it once (engines, indexes) and reuse. */
export class CityGraph {
  private readonly built = new Map<string, unknown>();
  constructor(
    readonly cityId: string,
    readonly graph: RoadGraph,
  ) {}

  /** Built on first use, then kept as long as this graph version is loaded. */
  memo<T>(name: string, build: () => T): T {
    if (!this.built.has(name)) this.built.set(name, build());
    return this.built.get(name) as T;
  }

  get dijkstra(): DijkstraEngine {
    return this.memo('dijkstra', () => new DijkstraEngine(this.graph));
  }

  get snapper(): EdgeSnapper {
    return this.memo('snapper', () => new EdgeSnapper(this.graph));
  }
}

export interface JobContext {
  /** The job's city (throws when the job was not given one). */
  city(): CityGraph;
}
