/**
 * `citywatch perimeter analyze`: closure analysis and the minimum checkpoint set of a ring, on an
 * OSM file, from the command line. Prints one JSON line so scripts and the acceptance check can
 * read it:
 *
 *   {"crossings":N,"min_cut":K,"cut":[[osmNodeA,osmNodeB],…],"closure_rate":…,"cost":…,…}
 *
 * `crossings` counts inbound crossings (physical segments a car can drive into the ring); each
 * `cut` pair is one held segment as [tail, head] in the direction of the inbound traffic it stops.
 * Bad input (missing file, not JSON, not a polygon, self-intersecting, no road inside) exits 1
 * with one line on stderr naming the file and the problem; nothing is written anywhere.
 */
import { readFile } from 'node:fs/promises';
import { readAreaOrThrow } from '@citywatch/core/geo/geojson';
import {
  analyzeClosure,
  type CheckpointDirections,
  type CheckpointPlacement,
  findCrossings,
  ROAD_CLASS_WEIGHTS,
} from '@citywatch/core/perimeter/closure';
import {
  type Corridor,
  corridorAroundRing,
  MinCutError,
  ringMinimumCut,
} from '@citywatch/core/perimeter/mincut';
import { nodesInside, type RingGeometry, RingValidationError } from '@citywatch/core/perimeter/ring';
import type { RoadGraph } from '@citywatch/core/roads/graph';
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { loadGraphFromOsmFile } from '../roads/load.js';
import { OsmReadError } from '../roads/osm-reader.js';

export type CostModel = 'unit' | 'class';

export interface PerimeterAnalyzeOptions {
  osm: string;
  ring: string;
  /** `unit`: every segment costs 1 (fewest checkpoints); `class`: ROAD_CLASS_WEIGHTS. */
  cost?: CostModel;
  inner?: string;
  outer?: string;
  /** Corridor of this many metres on each side of the ring's line (instead of --inner/--outer). */
  band?: string | number;
  /** JSON list of held segments, `[osmA, osmB]` or `{segment, directions, id}`. */
  checkpoints?: string;
}

export interface PerimeterAnalyzeOutput {
  crossings: number;
  min_cut: number;
  cut: Array<[number, number]>;
  closure_rate: number | null;
  weighted_closure_rate: number | null;
  cost: number;
  /** Value of the maximum flow: equals `cost` (max-flow/min-cut), reported as the proof of optimality. */
  max_flow: number;
  cost_model: CostModel;
  corridor: boolean;
  /** Crossings a car can only drive out by (one-way roads leaving the ring). */
  outbound_only: number;
  inside_nodes: number;
  warnings: string[];
}

/** Input the command cannot work with; the message names the file and the problem. */
export class PerimeterInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PerimeterInputError';
  }
}

async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(error);
    throw new PerimeterInputError(`cannot read ${what} ${path}: ${reason}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PerimeterInputError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

async function readRingFile(path: string, what: string): Promise<RingGeometry> {
  const json = await readJsonFile(path, what);
  try {
    // The same reader as the API and the web's paste box (core/geo/geojson).
    return readAreaOrThrow(json).geometry;
  } catch (error) {
    if (error instanceof RingValidationError)
      throw new PerimeterInputError(`${what} ${path}: ${ringProblems(error)}`);
    throw error;
  }
}

function ringProblems(error: RingValidationError): string {
  return error.issues.map((i) => `${i.message} (${i.field}: ${i.rule})`).join('; ');
}

const osmNodeId = z.number().int().positive();
const checkpointsFileSchema = z.array(
  z.union([
    z.tuple([osmNodeId, osmNodeId]),
    z.object({
      id: z.string().optional(),
      segment: z.tuple([osmNodeId, osmNodeId]),
      directions: z.enum(['inbound', 'outbound', 'both']).default('both'),
    }),
  ]),
);

/** Checkpoints named by the OSM node ids at the ends of their segment (either order). */
async function readCheckpoints(path: string, graph: RoadGraph): Promise<CheckpointPlacement[]> {
  const parsed = checkpointsFileSchema.safeParse(await readJsonFile(path, 'checkpoints file'));
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new PerimeterInputError(
      `checkpoints file ${path}: expected a list of [osmNodeA, osmNodeB] or {segment, directions} (at ${first.path.join('.') || 'top level'}: ${first.message})`,
    );
  }
  const nodeByOsmId = new Map<number, number>();
  for (let v = 0; v < graph.nodeCount; v++) nodeByOsmId.set(graph.nodeOsmId[v], v);
  const edgeBetween = (a: number, b: number): number => {
    const tail = nodeByOsmId.get(a);
    const head = nodeByOsmId.get(b);
    if (tail === undefined || head === undefined) return -1;
    for (let e = graph.firstOut[tail]; e < graph.firstOut[tail + 1]; e++)
      if (graph.edgeHead[e] === head) return e;
    return -1;
  };
  return parsed.data.map((item, i) => {
    const [a, b] = Array.isArray(item) ? item : item.segment;
    const directions: CheckpointDirections = Array.isArray(item) ? 'both' : item.directions;
    const edge = edgeBetween(a, b) >= 0 ? edgeBetween(a, b) : edgeBetween(b, a);
    if (edge < 0) {
      throw new PerimeterInputError(
        `checkpoints file ${path}: item ${i}: no drivable road segment joins OSM nodes ${a} and ${b}`,
      );
    }
    return { id: Array.isArray(item) ? `${a}-${b}` : (item.id ?? `${a}-${b}`), edge, directions };
  });
}

/** The command's work, without printing: crossings, closure rate and the minimum cut. */
export async function analyzePerimeter(options: PerimeterAnalyzeOptions): Promise<PerimeterAnalyzeOutput> {
  const costModel = options.cost ?? 'unit';
  if (costModel !== 'unit' && costModel !== 'class') {
    throw new PerimeterInputError(`--cost must be "unit" or "class", not "${costModel}"`);
  }
  if ((options.inner === undefined) !== (options.outer === undefined)) {
    throw new PerimeterInputError(
      '--inner and --outer go together: give both polygons of the corridor, or neither',
    );
  }
  if (options.band !== undefined && options.inner !== undefined) {
    throw new PerimeterInputError(
      '--band and --inner/--outer both define the corridor: give one or the other',
    );
  }
  const ring = await readRingFile(options.ring, 'ring file');
  let corridor: Corridor | undefined;
  if (options.inner !== undefined && options.outer !== undefined) {
    corridor = {
      inner: await readRingFile(options.inner, 'inner polygon'),
      outer: await readRingFile(options.outer, 'outer polygon'),
    };
  } else if (options.band !== undefined) {
    try {
      corridor = corridorAroundRing(ring, Number(options.band));
    } catch (error) {
      if (error instanceof RingValidationError) {
        throw new PerimeterInputError(`--band ${options.band}: ${ringProblems(error)}`);
      }
      throw error;
    }
  }

  let graph: RoadGraph;
  try {
    graph = (await loadGraphFromOsmFile(options.osm)).graph;
  } catch (error) {
    if (error instanceof OsmReadError) throw new PerimeterInputError(error.message);
    throw error;
  }

  let crossings: ReturnType<typeof findCrossings>;
  try {
    crossings = findCrossings(graph, nodesInside(graph, ring));
  } catch (error) {
    if (error instanceof RingValidationError) {
      throw new PerimeterInputError(`ring file ${options.ring}: ${ringProblems(error)}`);
    }
    throw error;
  }
  const checkpoints = options.checkpoints ? await readCheckpoints(options.checkpoints, graph) : [];
  const closure = analyzeClosure(graph, crossings, checkpoints);

  let cut: ReturnType<typeof ringMinimumCut>;
  try {
    cut = ringMinimumCut(graph, crossings, {
      costByClass: costModel === 'class' ? ROAD_CLASS_WEIGHTS : undefined,
      corridor,
    });
  } catch (error) {
    if (error instanceof RingValidationError) {
      const source = options.band !== undefined ? `--band ${options.band}` : `corridor ${options.inner}`;
      throw new PerimeterInputError(`${source}: ${ringProblems(error)}`);
    }
    if (error instanceof MinCutError) {
      const source = options.band !== undefined ? `--band ${options.band}` : `corridor ${options.outer}`;
      throw new PerimeterInputError(`${source}: ${error.message}`);
    }
    throw error;
  }

  return {
    crossings: crossings.inboundCount,
    min_cut: cut.cut.length,
    cut: cut.cut.map((segment): [number, number] => [segment.tailOsmNode, segment.headOsmNode]),
    closure_rate: closure.closureRate,
    weighted_closure_rate: closure.weightedClosureRate,
    cost: cut.cost,
    max_flow: cut.flow,
    cost_model: costModel,
    corridor: corridor !== undefined,
    outbound_only: crossings.outboundOnlyCount,
    inside_nodes: crossings.insideNodes,
    warnings: closure.warnings.map((w) => `${w.code}: ${w.message}`),
  };
}

/** Adds `perimeter analyze` to the `citywatch` program. */
export function registerPerimeterCommands(program: Command): void {
  const perimeter = program
    .command('perimeter')
    .description('圈层查控: checkpoint rings, closure rate, minimum cuts');
  perimeter
    .command('analyze')
    .description(
      'crossings of a ring, its closure rate and the minimum set of road segments to hold (one JSON line)',
    )
    .requiredOption('--osm <file>', 'OSM file (.osm, .osm.gz, .osm.pbf)')
    .requiredOption(
      '--ring <file>',
      'ring polygon (GeoJSON Polygon/MultiPolygon, Feature or one-feature collection)',
    )
    .addOption(
      new Option('--cost <model>', 'segment cost: unit (fewest segments) or class (by road class)')
        .choices(['unit', 'class'])
        .default('unit'),
    )
    .option('--inner <file>', 'corridor inner polygon: the cut must keep traffic out of it')
    .option('--outer <file>', 'corridor outer polygon: traffic comes from outside it; the cut falls between')
    .option(
      '--band <metres>',
      'corridor of this width on each side of the ring line (instead of --inner/--outer)',
    )
    .option('--checkpoints <file>', 'JSON list of held segments [osmNodeA, osmNodeB] for the closure rate')
    .action(async (options: PerimeterAnalyzeOptions) => {
      try {
        console.log(JSON.stringify(await analyzePerimeter(options)));
      } catch (error) {
        if (error instanceof PerimeterInputError) {
          console.error(`citywatch perimeter analyze: ${error.message}`);
          process.exitCode = 1;
          return;
        }
        throw error;
      }
    });
}
