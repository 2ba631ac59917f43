/**
 * Map matching and learned travel times on real bundled OSM cities (../shared/data/roads, © OpenStreetMap
 * contributors, ODbL) with the fleet simulator: hidden per-edge times that vary by hour, phone-like GPS
 * (5–15 m noise, 2 % jumps of 80–300 m, 1–30 s sampling).
 */
import { largestStronglyConnectedComponent } from '@citywatch/core/roads/ch';
import type { RoadGraph } from '@citywatch/core/roads/graph';
import {
  evaluateEta,
  learnFromTrips,
  parseTime,
  parseTraceCsv,
  splitTrips,
} from '@citywatch/core/roads/learned/evaluate';
import { estimateProfile, hourOfWeek, TraversalStats } from '@citywatch/core/roads/learned/profile';
import { type GpsFix, HmmMatcher } from '@citywatch/core/roads/matching/hmm';
import {
  componentNodes,
  HiddenTimes,
  prng,
  type SimTrip,
  simulateFleet,
  simulateTrip,
} from '@citywatch/core/roads/matching/simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGraphFromOsmFile } from '../roads/load.js';

const DATA = '/work/shared/data/roads';
const CITIES = {
  monaco: `${DATA}/monaco/monaco.osm.pbf`,
  beijing: `${DATA}/beijing-haidian-zhongguancun/beijing_haidian_zhongguancun.osm`,
  shenzhen: `${DATA}/shenzhen-longgang/shenzhen_longgang.osm`,
};
type City = keyof typeof CITIES;
const graphs = {} as Record<City, RoadGraph>;

beforeAll(async () => {
  for (const [city, path] of Object.entries(CITIES))
    graphs[city as City] = (await loadGraphFromOsmFile(path)).graph;
});

/** Monday 2026-11-23 00:00 UTC. */
const MONDAY = Date.UTC(2026, 10, 23) / 1000;

function fleet(
  graph: RoadGraph,
  trips: number,
  seed: number,
  options = {},
): { hidden: HiddenTimes; trips: SimTrip[] } {
  const hidden = new HiddenTimes(graph, seed);
  const nodes = componentNodes(largestStronglyConnectedComponent(graph));
  const rng = prng(seed + 1);
  const out: SimTrip[] = [];
  for (let i = 0; i < trips; i++) {
    const start = MONDAY + Math.floor(rng() * 7 * 86400);
    const trip = simulateTrip(graph, hidden, null, nodes, rng, `v${i % 20}`, start, options);
    if (trip) out.push(trip);
  }
  return { hidden, trips: out };
}

describe('HMM map matching on real cities', () => {
  for (const city of Object.keys(CITIES) as City[]) {
    it(`${city}: ≥ 90 % of fixes matched, ≥ 85 % on the true route, traversals recover it with times`, () => {
      const g = graphs[city];
      const { trips } = fleet(g, 40, 7);
      expect(trips.length).toBeGreaterThan(30);
      const matcher = new HmmMatcher(g);
      let fixes = 0;
      let matched = 0;
      let onTrue = 0;
      let realFixes = 0;
      let truthEdges = 0;
      let foundEdges = 0;
      let timeError = 0;
      let timed = 0;
      let reported = 0;
      for (const trip of trips) {
        const r = matcher.match(trip.fixes);
        expect(r.unmatchable).toBe(false);
        fixes += trip.fixes.length;
        const truth = new Map(trip.truth.map((t) => [t.edge, t]));
        for (let i = 0; i < trip.fixes.length; i++) {
          if (r.pointEdge[i] >= 0) matched++;
          if (trip.trueEdge[i] < 0) continue;
          realFixes++;
          if (truth.has(r.pointEdge[i])) onTrue++;
        }
        const found = new Set<number>();
        for (const t of r.traversals) {
          reported++;
          const real = truth.get(t.edge);
          if (!real) continue;
          found.add(t.edge);
          timeError += Math.abs(t.exit - real.exit);
          timed++;
        }
        truthEdges += trip.truth.length - 2;
        foundEdges += found.size;
      }
      const share = matched / fixes;
      const accuracy = onTrue / realFixes;
      const recall = foundEdges / truthEdges;
      const precision = timed / reported;
      console.log(city, { fixes, share, accuracy, recall, precision, exitErrS: timeError / timed });
      expect(share).toBeGreaterThanOrEqual(0.9);
      expect(accuracy).toBeGreaterThanOrEqual(0.85);
      expect(recall).toBeGreaterThanOrEqual(0.85);
      // Lower than recall: between sparse fixes the matcher re-traces the shortest route by length, the
      // simulated driver took the fastest by time (Beijing's parallel service roads: about 0.80).
      expect(precision).toBeGreaterThanOrEqual(0.75);
      // Interpolated exit times within a few seconds of the truth on average.
      expect(timeError / timed).toBeLessThan(10);
    });
  }
});

describe('bad input', () => {
  it('counts out-of-order, duplicate, teleport and far-from-road fixes by reason and matches the rest', () => {
    const g = graphs.shenzhen;
    const { trips } = fleet(g, 3, 11, { intervalS: [2, 4], jumpShare: 0 });
    const trip = trips[0];
    const fixes: GpsFix[] = trip.fixes.map((f) => ({ ...f }));
    const clean = new HmmMatcher(g).match(fixes);
    expect(clean.unmatchable).toBe(false);
    const dirty = [...fixes];
    const mid = Math.floor(dirty.length / 2);
    // A duplicate timestamp, an out-of-order fix, a teleport 20 km away, one 2 km off any road
    // (the far point is placed in the middle of nowhere: 0.02° north of the city's northernmost node).
    let north = -90;
    for (let v = 0; v < g.nodeCount; v++) north = Math.max(north, g.nodeLat[v]);
    dirty.splice(mid, 0, { ...fixes[mid - 1] });
    dirty.splice(mid + 2, 0, { ...fixes[mid - 5] });
    dirty.splice(mid + 4, 0, {
      time: fixes[mid + 2].time + 0.5,
      lon: fixes[mid + 2].lon + 0.2,
      lat: fixes[mid + 2].lat,
    });
    dirty.push({ time: fixes[fixes.length - 1].time + 600, lon: fixes[0].lon, lat: north + 0.02 });
    dirty.push({ time: Number.NaN, lon: 0, lat: 0 });
    const r = new HmmMatcher(g).match(dirty);
    expect(r.skipped.duplicate).toBe(1);
    expect(r.skipped.out_of_order).toBe(1);
    expect(r.skipped.teleport).toBe(1);
    expect(r.skipped.far_from_road).toBe(1);
    expect(r.skipped.invalid).toBe(1);
    expect(r.unmatchable).toBe(false);
    expect(r.matched).toBeGreaterThanOrEqual(clean.matched - 2);
  });

  it('reports a trace with no fix near a road as unmatchable, with no traversals', () => {
    const g = graphs.monaco;
    let south = 90;
    for (let v = 0; v < g.nodeCount; v++) south = Math.min(south, g.nodeLat[v]);
    // At sea: 0.05° south of Monaco's southernmost road node.
    const fixes: GpsFix[] = Array.from({ length: 20 }, (_, i) => ({
      time: 1000 + 5 * i,
      lon: 7.42 + i * 1e-4,
      lat: south - 0.05,
    }));
    const r = new HmmMatcher(g).match(fixes);
    expect(r.unmatchable).toBe(true);
    expect(r.traversals).toEqual([]);
    expect(r.skipped.far_from_road).toBe(20);
    const stats = new TraversalStats(g);
    expect(learnFromTrips(new HmmMatcher(g), [{ vehicle: 'x', start: 1000, fixes }], stats)).toBe(0);
    expect(stats.counts.accepted).toBe(0);
  });
});

describe('learned travel times', () => {
  it('without observations the profile is the static time; with many it is their mean', () => {
    const g = graphs.monaco;
    const stats = new TraversalStats(g);
    const e = 10;
    const how = hourOfWeek(MONDAY + 8 * 3600);
    expect(how).toBe(8);
    for (let i = 0; i < 500; i++) stats.add(e, MONDAY + 8 * 3600, MONDAY + 8 * 3600 + g.edgeTime[e] * 2);
    const p = estimateProfile(stats, 5);
    expect(p.times[(e + 1) * 168 + 3]).toBeGreaterThan(0);
    // The edge's own busy hour: the mean, up to the prior's weight 5 against 500.
    expect(p.times[e * 168 + 8]).toBeCloseTo(g.edgeTime[e] * 2, 0);
    // An edge of another class, never observed: exactly static.
    const other = Array.from({ length: g.edgeCount }, (_, i) => i).find(
      (i) => g.ways[g.edgeWay[i]].highway !== g.ways[g.edgeWay[e]].highway,
    ) as number;
    expect(p.times[other * 168 + 8]).toBeCloseTo(g.edgeTime[other], 4);
    // Saturday 08:00 on the same edge (no observation in that hour): pulled toward the slowdown
    // seen on weekdays, not all the way.
    const sat = p.times[e * 168 + 5 * 24 + 8];
    expect(sat).toBeGreaterThan(g.edgeTime[e] * 1.2);
    expect(sat).toBeLessThan(g.edgeTime[e] * 2);
    // Parked (far too slow) and impossible (far too fast) traversals are rejected.
    expect(stats.add(e, 0, 10 * g.edgeTime[e] + 500)).toBe(false);
    expect(stats.add(e, 0, g.edgeLength[e] / 100)).toBe(false);
    expect(stats.counts).toMatchObject({ accepted: 500, tooSlow: 1, tooFast: 1 });
  });

  it('trips split at stops of 5 minutes; ISO and Unix times parse alike', () => {
    expect(parseTime('2026-11-23T08:00:00Z')).toBe(MONDAY + 8 * 3600);
    expect(parseTime(String(MONDAY))).toBe(MONDAY);
    expect(parseTime('yesterday')).toBeNull();
    const csv = ['vehicle_id,time,lon,lat'];
    // Moves 10 min, stands still 6 min, moves 10 min; then a 10-minute silence and 10 min more.
    let t = MONDAY;
    let lon = 114.2;
    const push = (moves: boolean, iso = false) => {
      t += 10;
      if (moves) lon += 0.0005;
      csv.push(`a,${iso ? new Date(t * 1000).toISOString() : t},${lon.toFixed(6)},22.7`);
    };
    for (let i = 0; i < 60; i++) push(true);
    for (let i = 0; i < 36; i++) push(false);
    for (let i = 0; i < 60; i++) push(true);
    t += 600;
    for (let i = 0; i < 60; i++) push(true, true);
    csv.push('a,not a time,1,2');
    const { rows, badRows } = parseTraceCsv(csv.join('\n'));
    expect(badRows).toBe(1);
    const trips = splitTrips(rows);
    expect(trips.map((x) => x.fixes.length)).toEqual([60, 60, 60]);
  });

  it('monaco, 14 simulated days: learned times beat static on held-out trips (MAPE ≥ 20 % lower), ≥ 90 % matched', () => {
    const g = graphs.monaco;
    const { rows } = simulateFleet(g, { vehicles: 2, days: 14, seed: 5 });
    const r = evaluateEta(g, rows, { testShare: 0.2 });
    console.log('monaco eta', JSON.stringify(r));
    expect(r.trips_test).toBeGreaterThan(50);
    expect(r.test_evaluated).toBeGreaterThan(0.9 * r.trips_test);
    expect(r.matched_share).toBeGreaterThanOrEqual(0.9);
    expect(r.learned.mape).toBeLessThanOrEqual(0.8 * r.static.mape);
    expect(r.learned.mae_s).toBeLessThan(r.static.mae_s);
  });
});
