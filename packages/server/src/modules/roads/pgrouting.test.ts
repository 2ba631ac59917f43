/**
 * Peer test: our routing (contraction hierarchies and plain Dijkstra) must give the same travel
 * times as pgRouting's pgr_dijkstra on every bundled city, within 1e-6 s.
 *
 * Needs a PostgreSQL server with pgRouting (Debian: postgresql-15-pgrouting, which pulls PostGIS).
 * Without either the test FAILS with a message saying so: a peer check that silently passes
 * would prove nothing. Each run uses its own throw-away database and drops it afterwards.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import {
  buildContractionHierarchy,
  ChRouter,
  largestStronglyConnectedComponent,
  ManyToOneTable,
} from '@citywatch/core/roads/ch';
import { DijkstraEngine } from '@citywatch/core/roads/dijkstra';
import type { RoadGraph } from '@citywatch/core/roads/graph';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { loadGraphFromOsmFile } from './load';

const TOLERANCE_SECONDS = 1e-6;
const repositoryRoot = path.resolve(import.meta.dirname, '../../../../..');
const roadsDirectory =
  process.env.CITYWATCH_ROADS_DIR ?? path.resolve(repositoryRoot, '../shared/data/roads');
const adminUrl =
  process.env.PGROUTING_ADMIN_URL ??
  process.env.DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

function cityFiles(): string[] {
  const files: string[] = [];
  for (const city of readdirSync(roadsDirectory, { withFileTypes: true })) {
    if (!city.isDirectory()) continue;
    for (const file of readdirSync(path.join(roadsDirectory, city.name))) {
      if (/\.osm(\.pbf|\.gz)?$/.test(file)) files.push(path.join(roadsDirectory, city.name, file));
    }
  }
  return files.sort();
}

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

/** A throw-away database holding the graph's directed edges (vertex = node + 1, edge = edge + 1). */
async function openPgRouting(graph: RoadGraph): Promise<{ client: pg.Client; drop: () => Promise<void> }> {
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `pgRouting peer test needs PostgreSQL at ${adminUrl} (set PGROUTING_ADMIN_URL): ${(error as Error).message}`,
    );
  }
  const databaseName = `citywatch_pgr_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  await admin.query(`CREATE DATABASE ${databaseName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${databaseName}`;
  const client = new pg.Client({ connectionString: url.toString() });
  const drop = async () => {
    await client.end().catch(() => {});
    await admin.query(`DROP DATABASE IF EXISTS ${databaseName}`);
    await admin.end();
  };
  try {
    await client.connect();
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS pgrouting CASCADE'); // CASCADE: pgRouting 3 needs PostGIS
    } catch (error) {
      throw new Error(
        `pgRouting is not installed on the PostgreSQL server (Debian package postgresql-15-pgrouting): ${(error as Error).message}`,
      );
    }
    await client.query(
      'CREATE TABLE edges (id bigint PRIMARY KEY, source bigint, target bigint, cost float8, reverse_cost float8)',
    );
    const ids: number[] = [];
    const tails: number[] = [];
    const heads: number[] = [];
    const costs: number[] = [];
    for (let e = 0; e < graph.edgeCount; e++) {
      ids.push(e + 1);
      tails.push(graph.edgeTail[e] + 1);
      heads.push(graph.edgeHead[e] + 1);
      costs.push(graph.edgeTime[e]);
    }
    // reverse_cost -1: every directed edge is its own row, exactly like our CSR graph.
    await client.query(
      'INSERT INTO edges SELECT id, source, target, cost, -1 FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::float8[]) AS t(id, source, target, cost)',
      [ids, tails, heads, costs],
    );
    return { client, drop };
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
}

/** pgr_dijkstra, directed, many-to-one; no row means no path (and start = end means 0). */
async function pgrManyToOne(client: pg.Client, starts: readonly number[], end: number): Promise<number[]> {
  const { rows } = await client.query<{ start_vid: string; agg_cost: number }>(
    `SELECT start_vid, agg_cost FROM pgr_dijkstra(
       'SELECT id, source, target, cost, reverse_cost FROM edges', $1::bigint[], $2::bigint, directed => true)
     WHERE edge = -1`,
    [starts.map((v) => v + 1), end + 1],
  );
  const byStart = new Map<number, number>();
  for (const row of rows) byStart.set(Number(row.start_vid) - 1, Number(row.agg_cost));
  return starts.map((s) => (s === end ? 0 : (byStart.get(s) ?? Number.POSITIVE_INFINITY)));
}

function expectSameTime(actual: number, expected: number, what: string): void {
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) {
    expect(actual, what).toBe(expected);
  } else {
    expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(
      TOLERANCE_SECONDS,
    );
  }
}

describe('routing agrees with pgRouting pgr_dijkstra on every bundled city', () => {
  const files = cityFiles();

  it('finds the bundled cities', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  for (const file of files) {
    it(`${path.basename(file)}: CH and Dijkstra times equal pgr_dijkstra`, async () => {
      const { graph } = await loadGraphFromOsmFile(file);
      const ch = buildContractionHierarchy(graph);
      const router = new ChRouter(ch);
      const dijkstra = new DijkstraEngine(graph);
      const scc = largestStronglyConnectedComponent(graph);
      const inScc: number[] = [];
      const outsideScc: number[] = [];
      for (let v = 0; v < graph.nodeCount; v++) (scc[v] ? inScc : outsideScc).push(v);
      const random = randomSource(graph.nodeCount);
      const pick = (from: readonly number[]) => from[Math.floor(random() * from.length)];

      // 25 units × 16 targets = 400 pairs inside the largest SCC, plus 4 targets anywhere (often
      // outside it, so unreachable pairs must agree too).
      const units = Array.from({ length: 25 }, () => pick(inScc));
      const targets = Array.from({ length: 20 }, (_, i) =>
        i < 16 || outsideScc.length === 0 ? pick(inScc) : pick(outsideScc),
      );
      const table = new ManyToOneTable(ch);
      table.setSources(units.map((node) => [{ node, cost: 0 }]));

      const { client, drop } = await openPgRouting(graph);
      try {
        let finitePairs = 0;
        for (const target of targets) {
          const expected = await pgrManyToOne(client, units, target);
          const fromTable = table.timesTo([{ node: target, cost: 0 }]);
          for (let i = 0; i < units.length; i++) {
            const pair = `${path.basename(file)} ${units[i]}→${target}`;
            expectSameTime(fromTable[i], expected[i], `CH table ${pair}`);
            expectSameTime(
              router.time([{ node: units[i], cost: 0 }], [{ node: target, cost: 0 }]),
              expected[i],
              `CH ${pair}`,
            );
            expectSameTime(dijkstra.oneToOne(units[i], target), expected[i], `Dijkstra ${pair}`);
            if (Number.isFinite(expected[i])) finitePairs++;
          }
        }
        expect(finitePairs).toBeGreaterThanOrEqual(400);

        // Unpacked CH routes are real drivable paths whose edge times add up to the reported time.
        for (let q = 0; q < 50; q++) {
          const source = pick(inScc);
          const target = pick(inScc);
          const route = router.route([{ node: source, cost: 0 }], [{ node: target, cost: 0 }]);
          expect(route).not.toBeNull();
          if (!route) continue;
          let at = source;
          let sum = 0;
          for (const edge of route.edges) {
            expect(graph.edgeTail[edge]).toBe(at);
            at = graph.edgeHead[edge];
            sum += graph.edgeTime[edge];
          }
          expect(at).toBe(target);
          expectSameTime(sum, route.time, `route sum ${source}→${target}`);
        }
      } finally {
        await drop();
      }
    });
  }
});
