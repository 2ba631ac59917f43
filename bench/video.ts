/**
 * Video benchmark: 50,000 cameras in one city, placed on the real roads of the bundled city
 * (Shenzhen Longgang, © OpenStreetMap contributors, ODbL; ../shared/data/roads/shenzhen-longgang).
 *
 *   npx tsx bench/video.ts [--smoke] [--cameras 50000] [--queries 2000] [--seed 1]
 *
 * Cameras stand at random points of random street segments (uniform by length), 3–5 m off the
 * road, looking along or across it (heading random, field of view 30–120°, range 30–150 m; one in
 * ten a 360° dome). The registry is imported first and everything after reads it as the server does
 * (the video service over embedded PGlite in a temp dir, the city's graph in memory). Timed:
 *   - import_per_s: the registry CSV (`citywatch cameras import`'s path: parse, rules incl. the
 *     GB/T 2260 check, codes already registered, one transaction).
 *   - index_ms: the service's in-memory camera index built from the registry (every camera read,
 *     placed on its road segment, packed into the sector grid), as after a registry change.
 *   - nearest_p50/p99_ms: "cameras covering or nearest to a point" as the server answers it from
 *     memory (CameraIndexCache.near with the service's parameters: the sectors containing the point
 *     from the grid, the nearest by straight line as candidates, ranked by road distance along the
 *     routing core's Dijkstra within 500 m), at random road points; target ≤ 5 ms. No SQL, no HTTP.
 *   - service_p50/p99_ms: the same plus the service's one scoped SQL read of those candidates' rows
 *     (VideoService.near: org scope in the query, by primary key), in process on PGlite.
 *   - coverage_s: the share of the whole road network within some camera's sector as the coverage
 *     route computes it (every visible camera read, index built, 10 m road samples, gaps); target
 *     ≤ 10 s.
 * The machine's load average is printed beside the figures: on a shared machine the wall-clock tail
 * is the scheduler's; nearest_quiet_* takes per point the fastest of three more runs (the query's
 * own cost, its caches warm from the first run).
 * `--smoke` uses 2,000 cameras and 200 queries to check the script. One JSON line on stdout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { EdgeSnapper } from '@citywatch/core/roads/snap';
import type { Sector } from '@citywatch/core/video/sector';
import { REPO_ROOT } from '../packages/server/src/config';
import { openDatabase } from '../packages/server/src/db/database';
import { migrate } from '../packages/server/src/db/migrate';
import { IdentityService } from '../packages/server/src/identity/service';
import { loadGraphFromOsmFile } from '../packages/server/src/modules/roads/load';
import type { CityRuntime } from '../packages/server/src/modules/roads/registry';
import { nearCandidates, VideoService, videoSettings } from '../packages/server/src/modules/video/service';
import { seedIfEmpty } from '../packages/server/src/seed';

const LONGGANG = path.resolve(REPO_ROOT, '../shared/data/roads/shenzhen-longgang/shenzhen_longgang.osm');
const NEAREST_TARGET_MS = 5;
const COVERAGE_TARGET_S = 10;
/** What VideoService.near asks the index for when a page asks for 5 (room for scoping). */
const NEAR_CANDIDATES = nearCandidates(5);

function log(message: string): void {
  process.stderr.write(`[bench:video] ${message}\n`);
}
function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const p = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

interface BenchCamera extends Sector {
  id: number;
}

async function main() {
  const smoke = process.argv.includes('--smoke');
  const count = Number(option('--cameras') ?? (smoke ? 2000 : 50_000));
  const queries = Number(option('--queries') ?? (smoke ? 200 : 2000));
  const rnd = random(Number(option('--seed') ?? 1));

  log(`loading ${path.basename(LONGGANG)}`);
  const { graph } = await loadGraphFromOsmFile(LONGGANG);
  const snapper = new EdgeSnapper(graph);

  // Random points on the roads, uniform by length.
  const cumulative = new Float64Array(graph.edgeCount);
  let total = 0;
  for (let e = 0; e < graph.edgeCount; e++) {
    total += graph.edgeLength[e];
    cumulative[e] = total;
  }
  const roadPoint = () => {
    const x = rnd() * total;
    let lo = 0;
    let hi = graph.edgeCount - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    const t = rnd();
    const a = graph.edgeTail[lo];
    const b = graph.edgeHead[lo];
    return {
      lon: graph.nodeLon[a] + t * (graph.nodeLon[b] - graph.nodeLon[a]),
      lat: graph.nodeLat[a] + t * (graph.nodeLat[b] - graph.nodeLat[a]),
    };
  };
  const cameras: BenchCamera[] = [];
  for (let i = 0; i < count; i++) {
    const at = roadPoint();
    const off = (3 + 2 * rnd()) / 111_000;
    const dome = rnd() < 0.1;
    cameras.push({
      id: i,
      lon: at.lon + off * (rnd() - 0.5),
      lat: at.lat + off * (rnd() - 0.5),
      headingDeg: rnd() * 360,
      fovDeg: dome ? 360 : 30 + 90 * rnd(),
      rangeM: 30 + 120 * rnd(),
    });
  }

  log('registry import into PGlite');
  const rows = ['code,name,lon,lat,height_m,heading_deg,fov_deg,range_m,owner,hls_url'];
  for (let i = 0; i < count; i++) {
    const c = cameras[i];
    rows.push(
      `440307${String(Math.floor(i / 100_000)).padStart(4, '0')}132${String(i % 1_000_000).padStart(7, '0')},摄像机${i},${c.lon.toFixed(7)},${c.lat.toFixed(7)},6,${c.headingDeg.toFixed(1)},${c.fovDeg.toFixed(1)},${c.rangeM.toFixed(1)},police,http://127.0.0.1:9/${i}.m3u8`,
    );
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'citywatch-bench-video-'));
  try {
    const db = await openDatabase({ dataDir: dir });
    try {
      await migrate(db);
      await seedIfEmpty(
        new IdentityService(db.kysely, () => new Date(), { grants: () => false }),
        'bench-password-1',
        () => {},
      );
      // The city as the roads registry hands it to the video service (what it reads of it).
      let minLon = Number.POSITIVE_INFINITY;
      let maxLon = Number.NEGATIVE_INFINITY;
      let minLat = Number.POSITIVE_INFINITY;
      let maxLat = Number.NEGATIVE_INFINITY;
      for (let v = 0; v < graph.nodeCount; v++) {
        minLon = Math.min(minLon, graph.nodeLon[v]);
        maxLon = Math.max(maxLon, graph.nodeLon[v]);
        minLat = Math.min(minLat, graph.nodeLat[v]);
        maxLat = Math.max(maxLat, graph.nodeLat[v]);
      }
      const city = {
        name: 'shenzhen-longgang',
        graph,
        snapper,
        bounds: { minLon, minLat, maxLon, maxLat },
      } as unknown as CityRuntime;
      const video = new VideoService({
        db: db.kysely,
        now: () => new Date(),
        settings: { ...videoSettings(), probeEveryMs: 0 },
        city: async () => city,
      });
      let t = performance.now();
      const result = await video.importCsv(rows.join('\n'), null, null);
      const importS = (performance.now() - t) / 1000;

      log(`indexing ${count} cameras`);
      t = performance.now();
      await video.index.get();
      const indexMs = performance.now() - t;
      const root = await db.kysely
        .selectFrom('orgs')
        .select(['id as orgId', 'path as orgPath'])
        .where('parent_id', 'is', null)
        .executeTakeFirstOrThrow();
      const admin = await db.kysely
        .selectFrom('users')
        .select('id')
        .where('username', '=', 'admin')
        .executeTakeFirstOrThrow();

      // Warm-up (the JIT, PGlite's plan cache), untimed.
      for (let q = 0; q < 100; q++) {
        const at = roadPoint();
        await video.index.near(at.lon, at.lat, NEAR_CANDIDATES, 500);
        await video.near(root, at.lon, at.lat, 5, 500);
      }
      log(`${queries} nearest queries (in memory, then with the scoped SQL read)`);
      const times: number[] = [];
      // Each point is asked three times more: the fastest of those is the query's own cost without
      // the scheduler's preemptions (on this shared 2-core machine the wall-clock tail of a
      // sub-millisecond query is mostly time spent descheduled; process CPU time is tick-sampled,
      // too coarse to tell).
      const quietTimes: number[] = [];
      let found = 0;
      let covering = 0;
      for (let q = 0; q < queries; q++) {
        const at = roadPoint();
        const t0 = performance.now();
        const r = await video.index.near(at.lon, at.lat, NEAR_CANDIDATES, 500);
        times.push(performance.now() - t0);
        found += r.nearest.length;
        covering += r.covering.length;
        let quiet = Number.POSITIVE_INFINITY;
        for (let again = 0; again < 3; again++) {
          const t1 = performance.now();
          await video.index.near(at.lon, at.lat, NEAR_CANDIDATES, 500);
          quiet = Math.min(quiet, performance.now() - t1);
        }
        quietTimes.push(quiet);
      }
      const serviceTimes: number[] = [];
      let answered = 0;
      for (let q = 0; q < queries; q++) {
        const at = roadPoint();
        const t0 = performance.now();
        const r = await video.near(root, at.lon, at.lat, 5, 500);
        serviceTimes.push(performance.now() - t0);
        answered += r.length;
      }
      for (const list of [times, quietTimes, serviceTimes]) list.sort((x, y) => x - y);

      log('coverage of the whole road network');
      t = performance.now();
      const coverage = await video.coverage.coverage({ ...root, userId: admin.id });
      const coverageS = (performance.now() - t) / 1000;

      const nearestP99 = p(times, 0.99);
      console.log(
        JSON.stringify({
          cameras: count,
          city: 'shenzhen-longgang',
          road_km: Math.round(coverage.roads.totalM / 100) / 10,
          index_ms: Math.round(indexMs),
          queries,
          nearest_p50_ms: Math.round(p(times, 0.5) * 1000) / 1000,
          nearest_p99_ms: Math.round(nearestP99 * 1000) / 1000,
          nearest_quiet_p50_ms: Math.round(p(quietTimes, 0.5) * 1000) / 1000,
          nearest_quiet_p99_ms: Math.round(p(quietTimes, 0.99) * 1000) / 1000,
          service_p50_ms: Math.round(p(serviceTimes, 0.5) * 1000) / 1000,
          service_p99_ms: Math.round(p(serviceTimes, 0.99) * 1000) / 1000,
          load_average_1m: Math.round(loadavg()[0] * 10) / 10,
          avg_nearest_found: Math.round((found / queries) * 100) / 100,
          avg_covering: Math.round((covering / queries) * 100) / 100,
          avg_service_answer: Math.round((answered / queries) * 100) / 100,
          coverage_s: Math.round(coverageS * 1000) / 1000,
          road_share_covered: Math.round(coverage.roads.share * 10000) / 10000,
          import_rows: count,
          imported: result.imported,
          refused: result.refused.length,
          import_per_s: Math.round(result.imported / importS),
          within_target: nearestP99 <= NEAREST_TARGET_MS && coverageS <= COVERAGE_TARGET_S,
        }),
      );
    } finally {
      await db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
