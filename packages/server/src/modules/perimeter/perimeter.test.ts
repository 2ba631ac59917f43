import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { corridorAroundRing } from '@citywatch/core/perimeter/mincut';
import { parseRing } from '@citywatch/core/perimeter/ring';
import type { RoadGraph } from '@citywatch/core/roads/graph';
import { booleanPointInPolygon } from '@turf/turf';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config.js';
import { type LoadedRoadGraph, loadGraphFromOsmFile } from '../roads/load.js';
import { analyzePerimeter, PerimeterInputError, registerPerimeterCommands } from './cli.js';

const DATA = '/work/shared/data/roads';
const FIXTURES = path.join(REPO_ROOT, 'packages/server/src/modules/perimeter/fixtures');
const fixture = (name: string) => path.join(FIXTURES, `${name}.geojson`);
const FILES = {
  monaco: `${DATA}/monaco/monaco.osm.pbf`,
  andorra: `${DATA}/andorra/andorra.osm.pbf`,
  shenzhen: `${DATA}/shenzhen-longgang/shenzhen_longgang.osm`,
  beijing: `${DATA}/beijing-haidian-zhongguancun/beijing_haidian_zhongguancun.osm`,
  baltimore: `${DATA}/baltimore/baltimore.osm.pbf`,
};
type City = keyof typeof FILES;
const RINGS: Record<City, string> = {
  monaco: 'monaco-border',
  andorra: 'andorra-la-vella',
  shenzhen: 'shenzhen-longgang-centre',
  beijing: 'beijing-zhongguancun-centre',
  baltimore: 'baltimore-centre',
};

const loaded = {} as Record<City, LoadedRoadGraph>;
beforeAll(async () => {
  for (const [city, file] of Object.entries(FILES)) loaded[city as City] = await loadGraphFromOsmFile(file);
});

/**
 * Which nodes lie inside a polygon file, by turf rather than the ring module's own ray casting,
 * so the check below does not share code with what it checks.
 */
function insideByTurf(graph: RoadGraph, file: string): Uint8Array {
  const feature = JSON.parse(readFileSync(file, 'utf8'));
  const mask = new Uint8Array(graph.nodeCount);
  for (let v = 0; v < graph.nodeCount; v++) {
    mask[v] = booleanPointInPolygon([graph.nodeLon[v], graph.nodeLat[v]], feature) ? 1 : 0;
  }
  return mask;
}

/** Directed edges tail→head named by the cut's [tailOsm, headOsm] pairs (every parallel edge). */
function cutEdges(graph: RoadGraph, cut: ReadonlyArray<readonly [number, number]>): Uint8Array {
  const byOsm = new Map<number, number>();
  for (let v = 0; v < graph.nodeCount; v++) byOsm.set(graph.nodeOsmId[v], v);
  const blocked = new Uint8Array(graph.edgeCount);
  for (const [a, b] of cut) {
    const tail = byOsm.get(a);
    const head = byOsm.get(b);
    expect(tail, `OSM node ${a}`).toBeDefined();
    expect(head, `OSM node ${b}`).toBeDefined();
    let found = false;
    for (let e = graph.firstOut[tail ?? 0]; e < graph.firstOut[(tail ?? 0) + 1]; e++) {
      if (graph.edgeHead[e] === head) {
        blocked[e] = 1;
        found = true;
      }
    }
    expect(found, `segment ${a}→${b} is a drivable edge`).toBe(true);
  }
  return blocked;
}

/** Plain BFS: can a car starting at any `from` node reach any `to` node without a blocked edge? */
function anyPath(graph: RoadGraph, from: Uint8Array, to: Uint8Array, blocked: Uint8Array): boolean {
  const seen = Uint8Array.from(from);
  const queue: number[] = [];
  for (let v = 0; v < graph.nodeCount; v++) if (from[v]) queue.push(v);
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i];
    if (to[v]) return true;
    for (let e = graph.firstOut[v]; e < graph.firstOut[v + 1]; e++) {
      const w = graph.edgeHead[e];
      if (!blocked[e] && !seen[w]) {
        seen[w] = 1;
        queue.push(w);
      }
    }
  }
  return false;
}

const not = (mask: Uint8Array) => mask.map((x) => 1 - x);

describe('perimeter analyze on the real cities', () => {
  for (const city of Object.keys(FILES) as City[]) {
    for (const cost of ['unit', 'class'] as const) {
      it(`${city} (${cost} cost): the cut closes the ring and is no larger than the crossings`, async () => {
        const { graph } = loaded[city];
        const ringFile = fixture(RINGS[city]);
        const out = await analyzePerimeter({ osm: FILES[city], ring: ringFile, cost });
        const inside = insideByTurf(graph, ringFile);
        const outside = not(inside);

        // Crossings: every directed edge from outside to inside is the inbound direction of one
        // physical segment (a segment has at most one inbound direction).
        let inbound = 0;
        for (let e = 0; e < graph.edgeCount; e++) {
          if (outside[graph.edgeTail[e]] && inside[graph.edgeHead[e]]) inbound++;
        }
        expect(out.crossings).toBe(inbound);
        expect(out.crossings).toBeGreaterThan(0);
        expect(out.inside_nodes).toBe(inside.reduce((a, b) => a + b, 0));
        expect(out.min_cut).toBe(out.cut.length);
        expect(out.min_cut).toBeLessThanOrEqual(out.crossings);
        expect(out.max_flow).toBe(out.cost);
        expect(out.closure_rate).toBe(0);

        expect(anyPath(graph, outside, inside, new Uint8Array(graph.edgeCount))).toBe(true);
        expect(anyPath(graph, outside, inside, cutEdges(graph, out.cut))).toBe(false);
      });
    }
  }

  it('Monaco: holding the cut segments as checkpoints gives a closure rate of 100 %', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'citywatch-perimeter-'));
    try {
      const first = await analyzePerimeter({ osm: FILES.monaco, ring: fixture(RINGS.monaco) });
      const checkpoints = path.join(dir, 'checkpoints.json');
      writeFileSync(checkpoints, JSON.stringify(first.cut));
      const held = await analyzePerimeter({ osm: FILES.monaco, ring: fixture(RINGS.monaco), checkpoints });
      expect(held.closure_rate).toBe(1);
      expect(held.weighted_closure_rate).toBe(1);
      // Half of them, inbound only: the rate is what is held, by count.
      const half = first.cut.slice(0, Math.floor(first.cut.length / 2));
      writeFileSync(checkpoints, JSON.stringify(half.map((segment) => ({ segment, directions: 'inbound' }))));
      const partial = await analyzePerimeter({ osm: FILES.monaco, ring: fixture(RINGS.monaco), checkpoints });
      expect(partial.closure_rate).toBeCloseTo(half.length / first.crossings, 10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const corridors: Array<[City, string, string]> = [
    ['andorra', 'andorra-la-vella', 'andorra-valley-corridor-outer'],
    ['shenzhen', 'shenzhen-longgang-centre', 'shenzhen-longgang-corridor-outer'],
  ];
  for (const [city, inner, outer] of corridors) {
    it(`${city}: a corridor lets the cut fall on the few roads of the band, far fewer than the crossings`, async () => {
      const { graph } = loaded[city];
      const out = await analyzePerimeter({
        osm: FILES[city],
        ring: fixture(inner),
        inner: fixture(inner),
        outer: fixture(outer),
      });
      expect(out.corridor).toBe(true);
      expect(out.max_flow).toBe(out.cost);
      expect(out.min_cut).toBeGreaterThan(0);
      expect(out.min_cut * 3).toBeLessThan(out.crossings);
      const innerMask = insideByTurf(graph, fixture(inner));
      const outerMask = insideByTurf(graph, fixture(outer));
      const blocked = cutEdges(graph, out.cut);
      expect(anyPath(graph, not(outerMask), innerMask, blocked)).toBe(false);
      // Every held segment lies in the band between the polygons.
      for (let e = 0; e < graph.edgeCount; e++) {
        if (!blocked[e]) continue;
        for (const v of [graph.edgeTail[e], graph.edgeHead[e]]) {
          expect(outerMask[v] && !innerMask[v]).toBeTruthy();
        }
      }
    });
  }
});

describe('perimeter analyze --band', () => {
  // 300 m on every city: the perimeter page's default corridor.
  for (const [city, band] of [
    ['monaco', 200],
    ['andorra', 400],
    ['baltimore', 400],
    ['monaco', 300],
    ['andorra', 300],
    ['shenzhen', 300],
    ['beijing', 300],
    ['baltimore', 300],
  ] as const) {
    it(`${city}: a ${band} m band on each side of the ring needs fewer segments than the crossings`, async () => {
      const { graph } = loaded[city];
      const out = await analyzePerimeter({ osm: FILES[city], ring: fixture(RINGS[city]), band });
      expect(out.corridor).toBe(true);
      expect(out.min_cut).toBeLessThan(out.crossings);
      expect(out.max_flow).toBe(out.cost);
      const ring = parseRing(JSON.parse(readFileSync(fixture(RINGS[city]), 'utf8')));
      const { inner, outer } = corridorAroundRing(ring.geometry, band);
      const mask = (geometry: typeof inner) =>
        Uint8Array.from({ length: graph.nodeCount }, (_, v) =>
          booleanPointInPolygon([graph.nodeLon[v], graph.nodeLat[v]], geometry) ? 1 : 0,
        );
      const innerMask = mask(inner);
      const outside = not(mask(outer));
      const blocked = cutEdges(graph, out.cut);
      expect(anyPath(graph, outside, innerMask, new Uint8Array(graph.edgeCount))).toBe(true);
      expect(anyPath(graph, outside, innerMask, blocked)).toBe(false);
      // And none is spare: releasing any one held segment opens a way in again.
      for (const [a, b] of out.cut) {
        const released = cutEdges(
          graph,
          out.cut.filter(([x, y]) => x !== a || y !== b),
        );
        expect(anyPath(graph, outside, innerMask, released), `${a}→${b} is needed`).toBe(true);
      }
    });
  }

  it('names the road that jumps a band too narrow to cut', async () => {
    await expect(
      analyzePerimeter({ osm: FILES.andorra, ring: fixture(RINGS.andorra), band: 100 }),
    ).rejects.toThrow(
      /--band 100: no cut is possible: .* segment \d+→\d+ leads from outside to inside .*widen the corridor/,
    );
    await expect(
      analyzePerimeter({ osm: FILES.andorra, ring: fixture(RINGS.andorra), band: 50_000 }),
    ).rejects.toThrow(/leaves nothing of the ring/);
    await expect(
      analyzePerimeter({
        osm: FILES.andorra,
        ring: fixture(RINGS.andorra),
        band: 200,
        inner: fixture(RINGS.andorra),
        outer: fixture('andorra-valley-corridor-outer'),
      }),
    ).rejects.toThrow(/give one or the other/);
  });
});

describe('perimeter analyze: bad input', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'citywatch-perimeter-bad-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const analyze = (ring: string, extra: Partial<Parameters<typeof analyzePerimeter>[0]> = {}) =>
    analyzePerimeter({ osm: FILES.monaco, ring, ...extra });

  it('names a self-intersecting ring', async () => {
    await expect(analyze(fixture('bad-bow-tie'))).rejects.toThrow(/crosses itself.*self_intersecting/);
  });
  it('names a ring with no road inside', async () => {
    await expect(analyze(fixture('bad-no-road'))).rejects.toThrow(
      /no drivable road node lies inside.*no_road_inside/,
    );
  });
  it('names missing files, broken JSON, wrong geometry and half a corridor', async () => {
    await expect(analyze(path.join(dir, 'nope.geojson'))).rejects.toThrow(
      /cannot read ring file .*nope.geojson: no such file/,
    );
    await expect(analyze(write('broken.geojson', '{"type": "Polygon", '))).rejects.toThrow(
      /is not valid JSON/,
    );
    await expect(
      analyze(write('point.geojson', '{"type":"Point","coordinates":[7.42,43.74]}')),
    ).rejects.toThrow(/must be a Polygon or MultiPolygon, not Point/);
    await expect(analyze(fixture(RINGS.monaco), { inner: fixture(RINGS.monaco) })).rejects.toThrow(
      /go together/,
    );
    await expect(analyze(fixture(RINGS.monaco), { osm: path.join(dir, 'missing.osm.pbf') })).rejects.toThrow(
      PerimeterInputError,
    );
    await expect(
      analyze(fixture(RINGS.monaco), { checkpoints: write('cp.json', '[[1, 2]]') }),
    ).rejects.toThrow(/no drivable road segment joins OSM nodes 1 and 2/);
  });
});

describe('the perimeter analyze command', () => {
  it('prints one JSON line, and exits 1 with a message on a bad ring', async () => {
    const printed: string[] = [];
    const errors: string[] = [];
    const log = console.log;
    const error = console.error;
    console.log = (line: string) => printed.push(line);
    console.error = (line: string) => errors.push(line);
    const previousExitCode = process.exitCode;
    try {
      const program = new Command('citywatch').exitOverride();
      registerPerimeterCommands(program);
      await program.parseAsync(
        ['perimeter', 'analyze', '--osm', FILES.beijing, '--ring', fixture(RINGS.beijing)],
        {
          from: 'user',
        },
      );
      expect(printed).toHaveLength(1);
      const out = JSON.parse(printed[0]);
      expect(Object.keys(out)).toEqual(
        expect.arrayContaining(['crossings', 'min_cut', 'cut', 'closure_rate', 'cost']),
      );
      expect(process.exitCode ?? 0).toBe(0);

      await program.parseAsync(
        ['perimeter', 'analyze', '--osm', FILES.beijing, '--ring', fixture('bad-bow-tie')],
        {
          from: 'user',
        },
      );
      expect(process.exitCode).toBe(1);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        /^citywatch perimeter analyze: ring file .*bad-bow-tie.geojson: the ring crosses itself/,
      );
    } finally {
      console.log = log;
      console.error = error;
      process.exitCode = previousExitCode;
    }
  });

  const run = promisify(execFile);
  const CLI = path.join(REPO_ROOT, 'packages/server/bin/citywatch.mjs');
  it('runs as `citywatch perimeter analyze` from the command line', async () => {
    const { stdout } = await run('node', [
      CLI,
      'perimeter',
      'analyze',
      '--osm',
      FILES.andorra,
      '--ring',
      fixture(RINGS.andorra),
    ]);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]);
    expect(out.min_cut).toBeLessThanOrEqual(out.crossings);
    const failed = await run('node', [
      CLI,
      'perimeter',
      'analyze',
      '--osm',
      FILES.andorra,
      '--ring',
      fixture('bad-no-road'),
    ]).catch((error: { code: number; stderr: string }) => error);
    expect('code' in failed ? failed.code : 0).toBe(1);
    expect('stderr' in failed ? failed.stderr : '').toMatch(/no drivable road node lies inside/);
  });
});
