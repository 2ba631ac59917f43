/**
 * One call from an OSM file on disk to the routable graph.
 *
 * Used by the routing benchmark and the pgRouting comparison as well as the server: the contract
 * is `loadGraphFromOsmFile(path)` → `{ extract, graph, stats }`, where `graph` is the drivable
 * graph of `@citywatch/core/roads/graph` (every OSM node on a drivable way is a node, each edge
 * one straight segment, `edgeTime` in seconds from road class / maxspeed, `edgeLength` in
 * metres), `extract` the reader's output (addresses, places, buildings, restrictions…) and
 * `stats` the import counts. Formats: `.osm`, `.osm.gz`, `.osm.pbf`; anything unreadable throws
 * `OsmReadError`.
 */
import type { RoadGraph } from '@citywatch/core/roads/graph';
import type { OsmExtract } from '@citywatch/core/roads/osm';
import { type OsmGraphStats, osmToGraph } from '@citywatch/core/roads/osm-to-graph';
import { readOsmFile } from './osm-reader.js';

export interface LoadedRoadGraph {
  extract: OsmExtract;
  graph: RoadGraph;
  stats: OsmGraphStats;
}

export async function loadGraphFromOsmFile(path: string): Promise<LoadedRoadGraph> {
  const extract = await readOsmFile(path);
  const { graph, stats } = osmToGraph(extract);
  return { extract, graph, stats };
}
