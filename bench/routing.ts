/**
 * Routing benchmark: "travel time from each of N units to this incident" on a city's real road
 * graph, our contraction-hierarchy bucket table against pgRouting's pgr_dijkstra (many-to-one) and
 * our plain Dijkstra, in one run on the same edges, with every compared pair checked for equal times.
 *
 *   npm run bench:routing -- --osm FILE [--targets 500] [--units 200] [--pg-samples 100]
 *                            [--seed 1] [--u-turn-seconds 20] [--smoke] [--no-pg]
 *
 * Prints exactly one JSON line on stdout; progress goes to stderr. Exits non-zero when PostgreSQL
 * or pgRouting is unavailable (unless --no-pg) or when any pair's times differ by more than 1e-6 s.
 *
 * `restricted` repeats the many-to-one run on the turn-restricted graph (OSM restriction
 * relations and U-turn costs, see core/roads/turn-restrictions.ts), checked against a plain
 * Dijkstra on that graph and against pgRouting's pgr_trsp given the same rules as restrictions on
 * the base edges: forbidden sequences and mid-street U-turns at a prohibitive cost, U-turns at
 * junctions and dead ends at the U-turn cost.
 */
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  buildContractionHierarchy,
  type ContractionHierarchy,
  chByteSize,
  largestStronglyConnectedComponent,
  ManyToOneTable,
} from '@citywatch/core/roads/ch';
import { DijkstraEngine } from '@citywatch/core/roads/dijkstra';
import { graphByteSize, type RoadGraph } from '@citywatch/core/roads/graph';
import { U_TURN_SECONDS } from '@citywatch/core/roads/heading';
import type { OsmExtract } from '@citywatch/core/roads/osm';
import {
  baseEdgeOf,
  buildTurnRestrictedGraph,
  nodeCopies,
  resolveTurnRestrictions,
  type TurnRestrictionReport,
  uTurnPairs,
} from '@citywatch/core/roads/turn-restrictions';
import pg from 'pg';
import { loadGraphFromOsmFile } from '../packages/server/src/modules/roads/load';

const TOLERANCE_SECONDS = 1e-6;
/** Cost pgr_trsp adds for driving a forbidden sequence (seconds; no city trip comes near it). */
const FORBIDDEN_COST = 1e7;

export interface RoutingBenchOptions {
  osmFile: string;
  targets: number;
  units: number;
  /** Targets also answered by pgRouting (it is slow); 0 skips pgRouting. */
  pgSamples: number;
  seed: number;
  /** U-turn cost of the restricted graph (and of pgr_trsp's U-turn restrictions); 0: free. */
  uTurnSeconds: number;
}

export interface LatencySummary {
  p50_ms: number;
  p99_ms: number;
}

export interface RoutingBenchResult {
  city: string;
  nodes: number;
  edges: number;
  ours: LatencySummary;
  pgrouting: LatencySummary | null;
  ratio_p50: number | null;
  mismatches: number;
  preprocess_ms: number;
  bytes_per_edge: number;
  dijkstra: LatencySummary;
  /** Extra figures beyond the contract. */
  shortcuts: number;
  ch_bytes_per_edge: number;
  unit_update: LatencySummary;
  load_ms: number;
  pairs_checked_pgrouting: number;
  pairs_checked_dijkstra: number;
  mismatches_vs_pgrouting: number;
  mismatches_vs_dijkstra: number;
  pgrouting_version: string | null;
  restricted: RestrictedBenchResult;
}

export interface RestrictedBenchResult {
  /** Restriction relations applied (resolved to forbidden edge sequences). */
  restrictions_applied: number;
  p50_ms: number;
  p99_ms: number;
  /** p99 over targets of the fastest of four passes each (the query without the machine's noise). */
  p99_quiet_ms: number;
  /** Pairs differing from the restricted Dijkstra or from pgr_trsp. */
  mismatches: number;
  /** Resolve restrictions + split junctions + build the CH on the restricted graph. */
  preprocess_ms: number;
  /** Restricted graph + its CH, bytes per edge of the restricted graph. */
  bytes_per_edge: number;
  restrictions_read: number;
  restrictions_skipped: TurnRestrictionReport['skipped'];
  conflicting_only_merged: number;
  forbidden_sequences: number;
  /** Seconds a U-turn costs in the restricted graph (0: free, as before U-turn costs). */
  u_turn_seconds: number;
  /** U-turn edge pairs priced (junctions, dead ends) and not made (mid-street), also given to pgr_trsp. */
  u_turn_pairs_priced: number;
  u_turn_pairs_forbidden: number;
  junction_copies: number;
  edge_copies: number;
  /** Pairs whose time the restrictions changed (longer, or unreachable). */
  pairs_changed: number;
  pairs_checked_dijkstra: number;
  pairs_checked_pgrouting: number;
  mismatches_vs_dijkstra: number;
  mismatches_vs_pgrouting: number;
  /** Pairs where pgr_trsp's many-to-one answer differed from its own one-to-one answer. */
  pgrouting_many_to_one_inconsistent: number;
  /**
   * Pairs where pgr_trsp's time is longer than ours and our route was checked: it drives no
   * forbidden sequence and its edge times add up to our time (so pgr_trsp's is not the shortest).
   */
  pgrouting_longer_verified: number;
}

function log(message: string): void {
  process.stderr.write(`[bench:routing] ${message}\n`);
}

/** mulberry32: small, seeded, reproducible. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(sortedMs: readonly number[], q: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const at = Math.min(sortedMs.length - 1, Math.ceil(q * sortedMs.length) - 1);
  return sortedMs[Math.max(0, at)];
}

function summarise(samplesMs: number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { p50_ms: round(percentile(sorted, 0.5)), p99_ms: round(percentile(sorted, 0.99)) };
}

function round(value: number, digits = 4): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function sameTime(a: number, b: number): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= TOLERANCE_SECONDS;
}

/** Admin connection string: the server the tests use, or the local default (trust auth). */
export function postgresAdminUrl(): string {
  return (
    process.env.PGROUTING_ADMIN_URL ??
    process.env.DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/postgres'
  );
}

/**
 * A throw-away database with pgRouting and the graph's directed edges (reverse_cost = -1: each
 * direction is its own row, exactly like our CSR). Vertex id = node index + 1, edge id = edge + 1.
 */
export class PgRoutingPeer {
  private constructor(
    private readonly admin: pg.Client,
    readonly client: pg.Client,
    readonly databaseName: string,
    readonly version: string,
  ) {}

  static async open(graph: RoadGraph): Promise<PgRoutingPeer> {
    const admin = new pg.Client({ connectionString: postgresAdminUrl() });
    try {
      await admin.connect();
    } catch (error) {
      throw new Error(
        `PostgreSQL is not reachable at ${postgresAdminUrl()} (set PGROUTING_ADMIN_URL): ${(error as Error).message}`,
      );
    }
    const databaseName = `citywatch_pgr_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
    await admin.query(`CREATE DATABASE ${databaseName}`);
    const url = new URL(postgresAdminUrl());
    url.pathname = `/${databaseName}`;
    const client = new pg.Client({ connectionString: url.toString() });
    try {
      await client.connect();
      try {
        // pgRouting 3.x requires PostGIS; CASCADE installs it from the same Debian packages.
        await client.query('CREATE EXTENSION IF NOT EXISTS pgrouting CASCADE');
      } catch (error) {
        throw new Error(
          `pgRouting is not installed on this PostgreSQL server (Debian: apt-get install postgresql-15-pgrouting): ${(error as Error).message}`,
        );
      }
      const version = (await client.query<{ v: string }>('SELECT pgr_version() AS v')).rows[0].v;
      await client.query(
        'CREATE TABLE edges (id bigint PRIMARY KEY, source bigint NOT NULL, target bigint NOT NULL, cost float8 NOT NULL, reverse_cost float8 NOT NULL)',
      );
      // Arrays in one statement per chunk: fast, and JS numbers print as shortest round-trip
      // decimals, so PostgreSQL's float8 gets exactly our edge times.
      const chunk = 50_000;
      for (let start = 0; start < graph.edgeCount; start += chunk) {
        const end = Math.min(graph.edgeCount, start + chunk);
        const ids: number[] = [];
        const sources: number[] = [];
        const targets: number[] = [];
        const costs: number[] = [];
        for (let e = start; e < end; e++) {
          ids.push(e + 1);
          sources.push(graph.edgeTail[e] + 1);
          targets.push(graph.edgeHead[e] + 1);
          costs.push(graph.edgeTime[e]);
        }
        await client.query(
          'INSERT INTO edges SELECT id, source, target, cost, -1 FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::float8[]) AS t(id, source, target, cost)',
          [ids, sources, targets, costs],
        );
      }
      await client.query('ANALYZE edges');
      return new PgRoutingPeer(admin, client, databaseName, version);
    } catch (error) {
      await client.end().catch(() => {});
      await admin.query(`DROP DATABASE IF EXISTS ${databaseName}`).catch(() => {});
      await admin.end().catch(() => {});
      throw error;
    }
  }

  /**
   * pgr_dijkstra many-to-one (directed): times from each start node to `end`, Infinity where no
   * path exists (pgRouting returns no row then; start = end is 0).
   */
  async manyToOne(starts: readonly number[], end: number): Promise<Float64Array> {
    const { rows } = await this.client.query<{ start_vid: string; agg_cost: number }>(
      `SELECT start_vid, agg_cost FROM pgr_dijkstra(
         'SELECT id, source, target, cost, reverse_cost FROM edges', $1::bigint[], $2::bigint, directed => true)
       WHERE edge = -1`,
      [starts.map((v) => v + 1), end + 1],
    );
    const byStart = new Map<number, number>();
    for (const row of rows) byStart.set(Number(row.start_vid) - 1, Number(row.agg_cost));
    const times = new Float64Array(starts.length);
    for (let i = 0; i < starts.length; i++) {
      times[i] = starts[i] === end ? 0 : (byStart.get(starts[i]) ?? Number.POSITIVE_INFINITY);
    }
    return times;
  }

  /**
   * Loads edge sequences (our edge ids) as pgr_trsp restrictions on the same edge rows: each with
   * the cost of driving it (FORBIDDEN_COST for a ban, the penalty for a priced U-turn).
   */
  async setRestrictions(restrictions: readonly { path: readonly number[]; cost: number }[]): Promise<void> {
    await this.client.query('DROP TABLE IF EXISTS restrictions');
    await this.client.query(
      'CREATE TABLE restrictions (id serial PRIMARY KEY, path bigint[] NOT NULL, cost float8 NOT NULL)',
    );
    // pgr_trsp adds `cost` when a route drives the sequence: far above any city trip, so a result
    // at or over it means "only reachable by breaking a restriction", i.e. unreachable.
    for (let start = 0; start < restrictions.length; start += 5_000) {
      const chunk = restrictions.slice(start, start + 5_000);
      await this.client.query(
        'INSERT INTO restrictions (path, cost) SELECT p::bigint[], c FROM unnest($1::text[], $2::float8[]) AS t(p, c)',
        [chunk.map((r) => `{${r.path.map((e) => e + 1).join(',')}}`), chunk.map((r) => r.cost)],
      );
    }
  }

  /** pgr_trsp many-to-one with the restrictions loaded by setRestrictions. */
  async restrictedManyToOne(starts: readonly number[], end: number): Promise<Float64Array> {
    const { rows } = await this.client.query<{ start_vid: string; agg_cost: number }>(
      `SELECT start_vid, agg_cost FROM pgr_trsp(
         'SELECT id, source, target, cost, reverse_cost FROM edges',
         'SELECT path, cost FROM restrictions', $1::bigint[], $2::bigint, directed => true)
       WHERE edge = -1`,
      [starts.map((v) => v + 1), end + 1],
    );
    const byStart = new Map<number, number>();
    for (const row of rows) byStart.set(Number(row.start_vid) - 1, Number(row.agg_cost));
    const times = new Float64Array(starts.length);
    for (let i = 0; i < starts.length; i++) {
      const found = byStart.get(starts[i]);
      times[i] =
        starts[i] === end
          ? 0
          : found === undefined || found >= FORBIDDEN_COST
            ? Number.POSITIVE_INFINITY
            : found;
    }
    return times;
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
    await this.admin.query(`DROP DATABASE IF EXISTS ${this.databaseName}`);
    await this.admin.end();
  }
}

/**
 * Plain Dijkstra many-to-one: one reverse search from the target, stopped once every unit's node
 * is settled (the fair way to answer the same question without preprocessing).
 */
class DijkstraManyToOne {
  private readonly isUnitNode: Uint8Array;
  private readonly distinctUnitNodes: number;

  constructor(
    private readonly engine: DijkstraEngine,
    private readonly units: readonly number[],
    nodeCount: number,
  ) {
    this.isUnitNode = new Uint8Array(nodeCount);
    for (const u of units) this.isUnitNode[u] = 1;
    this.distinctUnitNodes = this.isUnitNode.reduce((sum, flag) => sum + flag, 0);
  }

  timesTo(target: number, out: Float64Array): void {
    const engine = this.engine;
    engine.begin('reverse');
    engine.addSeed(target, 0);
    let remaining = this.distinctUnitNodes;
    for (let v = engine.settleNext(); v >= 0; v = engine.settleNext()) {
      if (this.isUnitNode[v] && --remaining === 0) break;
    }
    for (let i = 0; i < this.units.length; i++) out[i] = engine.costOf(this.units[i]);
  }
}

export async function runRoutingBench(options: RoutingBenchOptions): Promise<RoutingBenchResult> {
  const loadStart = process.hrtime.bigint();
  const { graph, extract } = await loadGraphFromOsmFile(options.osmFile);
  const loadMs = elapsedMs(loadStart);
  const city = basename(options.osmFile).replace(/\.osm(\.pbf|\.gz)?$/, '');
  log(`${city}: ${graph.nodeCount} nodes, ${graph.edgeCount} edges, loaded in ${loadMs.toFixed(0)} ms`);

  const preprocessStart = process.hrtime.bigint();
  const ch: ContractionHierarchy = buildContractionHierarchy(graph);
  const preprocessMs = elapsedMs(preprocessStart);
  log(`CH built in ${preprocessMs.toFixed(0)} ms, ${ch.shortcutCount} shortcuts`);

  // Random nodes of the largest strongly connected component: every pair has a route.
  const scc = largestStronglyConnectedComponent(graph);
  const candidates: number[] = [];
  for (let v = 0; v < graph.nodeCount; v++) if (scc[v]) candidates.push(v);
  const random = randomSource(options.seed);
  const pick = () => candidates[Math.floor(random() * candidates.length)];
  const units = Array.from({ length: options.units }, pick);
  const targets = Array.from({ length: options.targets }, pick);
  log(`largest SCC: ${candidates.length} nodes; ${units.length} units, ${targets.length} targets`);

  const table = new ManyToOneTable(ch);
  table.setSources(units.map((node) => [{ node, cost: 0 }]));
  const targetSeeds = targets.map((node) => [{ node, cost: 0 }]);

  // Warm the JIT on a separate pass, then measure every target.
  const ours = targets.map(() => new Float64Array(units.length));
  for (let round = 0; round < 3; round++)
    for (let t = 0; t < targets.length; t++) table.timesTo(targetSeeds[t], ours[t]);
  const oursMs: number[] = [];
  for (let t = 0; t < targets.length; t++) {
    const start = process.hrtime.bigint();
    table.timesTo(targetSeeds[t], ours[t]);
    oursMs.push(elapsedMs(start));
  }

  // Moving one unit refreshes its buckets only; measure that too (then move it back).
  const updateMs: number[] = [];
  for (let k = 0; k < Math.min(200, units.length * 4); k++) {
    const index = k % units.length;
    const moved = [{ node: pick(), cost: 0 }];
    const start = process.hrtime.bigint();
    table.updateSource(index, moved);
    updateMs.push(elapsedMs(start));
    table.updateSource(index, [{ node: units[index], cost: 0 }]);
  }
  let mismatchesAfterUpdates = 0;
  const check = new Float64Array(units.length);
  for (let t = 0; t < Math.min(20, targets.length); t++) {
    table.timesTo(targetSeeds[t], check);
    for (let i = 0; i < units.length; i++) if (check[i] !== ours[t][i]) mismatchesAfterUpdates++;
  }

  const dijkstra = new DijkstraManyToOne(new DijkstraEngine(graph), units, graph.nodeCount);
  const dijkstraMs: number[] = [];
  let mismatchesVsDijkstra = mismatchesAfterUpdates;
  const reference = new Float64Array(units.length);
  for (let t = 0; t < targets.length; t++) {
    const start = process.hrtime.bigint();
    dijkstra.timesTo(targets[t], reference);
    dijkstraMs.push(elapsedMs(start));
    for (let i = 0; i < units.length; i++) if (!sameTime(ours[t][i], reference[i])) mismatchesVsDijkstra++;
  }
  log(`ours p50 ${summarise(oursMs).p50_ms} ms; dijkstra p50 ${summarise(dijkstraMs).p50_ms} ms`);

  const restricted = runRestrictedTables(options.uTurnSeconds, graph, extract, units, targets, ours);
  log(
    `restricted: ${restricted.result.restrictions_applied} restrictions applied, p99 ${restricted.result.p99_ms} ms, ${restricted.result.pairs_changed} pairs changed`,
  );

  let pgrouting: LatencySummary | null = null;
  let pgVersion: string | null = null;
  let mismatchesVsPg = 0;
  let pairsPg = 0;
  if (options.pgSamples > 0) {
    const peer = await PgRoutingPeer.open(graph);
    pgVersion = peer.version;
    try {
      const pgMs: number[] = [];
      await peer.manyToOne(units, targets[0]); // warm PostgreSQL's caches
      const samples = Math.min(options.pgSamples, targets.length);
      for (let t = 0; t < samples; t++) {
        const start = process.hrtime.bigint();
        const times = await peer.manyToOne(units, targets[t]);
        pgMs.push(elapsedMs(start));
        for (let i = 0; i < units.length; i++) {
          pairsPg++;
          if (!sameTime(ours[t][i], times[i])) {
            mismatchesVsPg++;
            if (mismatchesVsPg <= 5)
              log(`mismatch unit ${units[i]} → ${targets[t]}: ours ${ours[t][i]} pg ${times[i]}`);
          }
        }
      }
      pgrouting = summarise(pgMs);
      log(`pgRouting ${pgVersion} p50 ${pgrouting.p50_ms} ms over ${samples} targets`);

      await peer.setRestrictions(restricted.peerRestrictions);
      const r = restricted.result;
      for (let t = 0; t < samples; t++) {
        const times = await peer.restrictedManyToOne(units, targets[t]);
        for (let i = 0; i < units.length; i++) {
          r.pairs_checked_pgrouting++;
          if (sameTime(restricted.times[t][i], times[i])) continue;
          // pgr_trsp 3.4.2's many-to-one form sometimes answers a pair differently from its own
          // one-to-one form (seen on Monaco: one short time repeated for many starts). The
          // one-to-one answer is pgRouting's considered answer for the pair: judge by it.
          const single = (await peer.restrictedManyToOne([units[i]], targets[t]))[0];
          if (!sameTime(single, times[i])) r.pgrouting_many_to_one_inconsistent++;
          if (!sameTime(restricted.times[t][i], single)) {
            if (
              single > restricted.times[t][i] &&
              restricted.verifyRoute(units[i], targets[t], restricted.times[t][i])
            ) {
              // pgr_trsp keeps one label per edge, so it cannot find a route that passes a node
              // twice (e.g. round the block to avoid a via-way ban): ours is shorter and checked.
              r.pgrouting_longer_verified++;
              continue;
            }
            r.mismatches_vs_pgrouting++;
            if (r.mismatches_vs_pgrouting <= 5)
              log(
                `restricted mismatch unit ${units[i]} → ${targets[t]}: ours ${restricted.times[t][i]} pgr_trsp ${single}`,
              );
          }
        }
      }
      r.mismatches = r.mismatches_vs_dijkstra + r.mismatches_vs_pgrouting;
      log(
        `pgr_trsp: ${r.pairs_checked_pgrouting} restricted pairs, ${r.mismatches_vs_pgrouting} mismatches, ${r.pgrouting_many_to_one_inconsistent} many-to-one answers unlike its one-to-one`,
      );
    } finally {
      await peer.close();
    }
  }

  const oursSummary = summarise(oursMs);
  const graphBytes = graphByteSize(graph);
  const chBytes = chByteSize(ch);
  return {
    city,
    nodes: graph.nodeCount,
    edges: graph.edgeCount,
    ours: oursSummary,
    pgrouting,
    ratio_p50: pgrouting ? round(pgrouting.p50_ms / oursSummary.p50_ms, 1) : null,
    mismatches: mismatchesVsDijkstra + mismatchesVsPg + restricted.result.mismatches,
    preprocess_ms: round(preprocessMs, 1),
    bytes_per_edge: round((graphBytes + chBytes) / graph.edgeCount, 1),
    dijkstra: summarise(dijkstraMs),
    shortcuts: ch.shortcutCount,
    ch_bytes_per_edge: round(chBytes / graph.edgeCount, 1),
    unit_update: summarise(updateMs),
    load_ms: round(loadMs, 1),
    pairs_checked_pgrouting: pairsPg,
    pairs_checked_dijkstra: targets.length * units.length,
    mismatches_vs_pgrouting: mismatchesVsPg,
    mismatches_vs_dijkstra: mismatchesVsDijkstra,
    pgrouting_version: pgVersion,
    restricted: restricted.result,
  };
}

/**
 * The same many-to-one run on the turn-restricted graph. Units start at plain nodes (no turn
 * history); a target is reached at its node whichever junction copy the route arrives in.
 */
function runRestrictedTables(
  uTurnSeconds: number,
  base: RoadGraph,
  extract: OsmExtract,
  units: readonly number[],
  targets: readonly number[],
  unrestrictedTimes: readonly Float64Array[],
): {
  result: RestrictedBenchResult;
  sequences: number[][];
  /** The same rules as pgr_trsp restrictions: bans, priced U-turns, mid-street U-turns. */
  peerRestrictions: { path: number[]; cost: number }[];
  times: Float64Array[];
  /** Re-finds the pair's route and checks it independently of the search that timed it. */
  verifyRoute: (unit: number, target: number, time: number) => boolean;
} {
  const start = process.hrtime.bigint();
  const { sequences, report } = resolveTurnRestrictions(base, extract.restrictions, extract.ways);
  const graph = buildTurnRestrictedGraph(base, sequences, { uTurnSeconds });
  const ch = buildContractionHierarchy(graph);
  const preprocessMs = elapsedMs(start);

  const table = new ManyToOneTable(ch);
  table.setSources(units.map((node) => [{ node, cost: 0 }]));
  const targetSeeds = targets.map((node) => nodeCopies(graph, node).map((copy) => ({ node: copy, cost: 0 })));
  const times = targets.map(() => new Float64Array(units.length));
  for (let round = 0; round < 3; round++)
    for (let t = 0; t < targets.length; t++) table.timesTo(targetSeeds[t], times[t]);
  const samplesMs: number[] = [];
  for (let t = 0; t < targets.length; t++) {
    const t0 = process.hrtime.bigint();
    table.timesTo(targetSeeds[t], times[t]);
    samplesMs.push(elapsedMs(t0));
  }
  // The machine is shared: a garbage collection or preemption inside one 20 µs query decides the
  // tail. Per target the fastest of three more passes shows the query's own cost beside it.
  const quietMs = samplesMs.map((first, t) => {
    let best = first;
    for (let pass = 0; pass < 3; pass++) {
      const t0 = process.hrtime.bigint();
      table.timesTo(targetSeeds[t], times[t]);
      best = Math.min(best, elapsedMs(t0));
    }
    return best;
  });

  const engine = new DijkstraEngine(graph);
  let mismatches = 0;
  let changed = 0;
  for (let t = 0; t < targets.length; t++) {
    engine.begin('reverse');
    for (const seed of targetSeeds[t]) engine.addSeed(seed.node, 0);
    while (engine.settleNext() >= 0) {}
    for (let i = 0; i < units.length; i++) {
      const reference = engine.costOf(units[i]);
      if (!sameTime(times[t][i], engine.isSettled(units[i]) ? reference : Number.POSITIVE_INFINITY)) {
        mismatches++;
        if (mismatches <= 5)
          log(`restricted mismatch vs Dijkstra ${units[i]} → ${targets[t]}: ${times[t][i]} vs ${reference}`);
      }
      if (!sameTime(times[t][i], unrestrictedTimes[t][i])) changed++;
    }
  }
  const latency = summarise(samplesMs);
  const turns = graph.turns;
  const uTurns = uTurnSeconds > 0 ? uTurnPairs(base) : { priced: [], forbidden: [] };
  const forbiddenUTurns = new Set(uTurns.forbidden.map((pair) => pair.join(',')));
  return {
    sequences,
    peerRestrictions: [
      ...sequences.map((path) => ({ path, cost: FORBIDDEN_COST })),
      ...uTurns.priced.map((path) => ({ path, cost: uTurnSeconds })),
      ...uTurns.forbidden.map((path) => ({ path, cost: FORBIDDEN_COST })),
    ],
    times,
    result: {
      restrictions_applied: report.applied,
      p50_ms: latency.p50_ms,
      p99_ms: latency.p99_ms,
      p99_quiet_ms: summarise(quietMs).p99_ms,
      mismatches,
      preprocess_ms: round(preprocessMs, 1),
      bytes_per_edge: round((graphByteSize(graph) + chByteSize(ch)) / graph.edgeCount, 1),
      restrictions_read: report.relations,
      restrictions_skipped: report.skipped,
      conflicting_only_merged: report.conflictingOnlyMerged,
      forbidden_sequences: report.forbiddenSequences,
      u_turn_seconds: uTurnSeconds,
      u_turn_pairs_priced: uTurns.priced.length,
      u_turn_pairs_forbidden: uTurns.forbidden.length,
      junction_copies: graph.nodeCount - turns.baseNodeCount,
      edge_copies: graph.edgeCount - turns.baseEdgeCount,
      pairs_changed: changed,
      pairs_checked_dijkstra: targets.length * units.length,
      pairs_checked_pgrouting: 0,
      mismatches_vs_dijkstra: mismatches,
      mismatches_vs_pgrouting: 0,
      pgrouting_many_to_one_inconsistent: 0,
      pgrouting_longer_verified: 0,
    },
    verifyRoute: (unit, target, time) => {
      const route = engine.route(
        [{ node: unit, cost: 0 }],
        nodeCopies(graph, target).map((node) => ({ node, cost: 0 })),
      );
      if (!route || !sameTime(route.time, time)) return false;
      const driven = route.edges.map((e) => baseEdgeOf(graph, e));
      let sum = 0;
      for (let k = 0; k < driven.length; k++) {
        sum += base.edgeTime[driven[k]];
        if (k > 0 && base.edgeHead[driven[k - 1]] !== base.edgeTail[driven[k]]) return false;
        if (k > 0 && base.edgeHead[driven[k]] === base.edgeTail[driven[k - 1]]) {
          // A U-turn: never mid-street, and priced.
          if (forbiddenUTurns.has(`${driven[k - 1]},${driven[k]}`)) return false;
          sum += uTurnSeconds;
        }
      }
      if (
        driven.length > 0 &&
        (base.edgeTail[driven[0]] !== unit || base.edgeHead[driven[driven.length - 1]] !== target)
      )
        return false;
      const text = `,${driven.join(',')},`;
      return sameTime(sum, time) && sequences.every((seq) => !text.includes(`,${seq.join(',')},`));
    },
  };
}

function parseArguments(argv: readonly string[]): RoutingBenchOptions {
  const smoke = argv.includes('--smoke');
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const count = (name: string, fallback: number): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (!Number.isInteger(parsed) || parsed < 0)
      throw new Error(`${name} needs a non-negative integer, got ${raw}`);
    return parsed;
  };
  const osmFile = value('--osm');
  if (!osmFile)
    throw new Error(
      'usage: bench/routing.ts --osm FILE [--targets N] [--units N] [--pg-samples N] [--smoke]',
    );
  const targets = count('--targets', smoke ? 100 : 500);
  return {
    osmFile,
    targets,
    units: count('--units', 200),
    pgSamples: argv.includes('--no-pg') ? 0 : count('--pg-samples', smoke ? 5 : 100),
    seed: count('--seed', 1),
    uTurnSeconds: count('--u-turn-seconds', U_TURN_SECONDS),
  };
}

async function main(): Promise<void> {
  const result = await runRoutingBench(parseArguments(process.argv.slice(2)));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (result.mismatches > 0) {
    log(`${result.mismatches} pairs differ by more than ${TOLERANCE_SECONDS} s`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  });
}
