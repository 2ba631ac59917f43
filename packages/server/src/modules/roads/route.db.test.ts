import path from 'node:path';
import { DijkstraEngine } from '@citywatch/core/roads/dijkstra';
import { edgeBearing, U_TURN_SECONDS } from '@citywatch/core/roads/heading';
import { isochrone } from '@citywatch/core/roads/isochrone';
import { EdgeSnapper, sourceSeeds, targetSeeds } from '@citywatch/core/roads/snap';
import { buildTurnRestrictedGraph, resolveTurnRestrictions } from '@citywatch/core/roads/turn-restrictions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { asDevice, issueDevice } from '../../test/devices.js';
import { UnitTracker } from '../dispatch/tracker.js';
import { importCity } from './city-import.js';
import { type LoadedRoadGraph, loadGraphFromOsmFile } from './load.js';

const BALTIMORE = path.resolve(
  import.meta.dirname,
  '../../../../../../shared/data/roads/baltimore/baltimore.osm.pbf',
);
// OSM relation 3863088: no left turn from way 98040438 into way 6003340 at node 2123388822.
const RESTRICTION = { osmId: 3863088, fromWay: 98040438, viaNode: 2123388822, toWay: 6003340 };

/** GET /api/roads/route on Baltimore (OpenStreetMap), whose extract holds three turn restrictions. */
describe(`road routes obeying turn restrictions (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let cookie: string;
  let loaded: LoadedRoadGraph;
  const get = (url: string, lang = 'zh-CN') =>
    t.as(cookie, { method: 'GET', url, headers: { 'accept-language': lang } });

  beforeAll(async () => {
    t = await createTestApp();
    const report = await importCity(t.ctx.db.kysely, { file: BALTIMORE, name: 'baltimore' }, t.ctx.now());
    // Reported at import: all three applied, none left over.
    expect(report.turnRestrictions).toMatchObject({ relations: 3, applied: 3 });
    cookie = await t.login('admin', ADMIN_PASSWORD);
    loaded = await loadGraphFromOsmFile(BALTIMORE);
  }, 120_000);
  afterAll(() => t.close());

  /** Midpoint of the edge of `way` that ends (or starts) at the restriction's via node. */
  function midpointAtVia(wayOsmId: number, entering: boolean): [number, number] {
    const g = loaded.graph;
    for (let e = 0; e < g.edgeCount; e++) {
      const node = entering ? g.edgeHead[e] : g.edgeTail[e];
      if (g.ways[g.edgeWay[e]].osmId !== wayOsmId || g.nodeOsmId[node] !== RESTRICTION.viaNode) continue;
      const a = g.edgeTail[e];
      const b = g.edgeHead[e];
      return [(g.nodeLon[a] + g.nodeLon[b]) / 2, (g.nodeLat[a] + g.nodeLat[b]) / 2];
    }
    throw new Error(`no edge of way ${wayOsmId} at the via node`);
  }

  it('routes round the banned left turn: the time of a restricted search, longer than the turn', async () => {
    const from = midpointAtVia(RESTRICTION.fromWay, true);
    const to = midpointAtVia(RESTRICTION.toWay, false);
    const r = await get(`/api/roads/route?city=baltimore&from=${from.join(',')}&to=${to.join(',')}`);
    expect(r.statusCode).toBe(200);
    const route = r.json();
    expect(route.type).toBe('Feature');
    expect(route.geometry.type).toBe('LineString');
    const p = route.properties;
    expect(p).toMatchObject({ city: 'baltimore', profile: 'static', at: null });
    expect(p.restrictions).toMatchObject({ applied: 3, stored: true });

    // The same trip computed here, on a restricted graph of our own, and without restrictions.
    const g = loaded.graph;
    const resolved = resolveTurnRestrictions(g, loaded.extract.restrictions, loaded.extract.ways);
    const restricted = buildTurnRestrictedGraph(g, resolved.sequences);
    const snapper = new EdgeSnapper(g);
    const a = snapper.snap(from[0], from[1])!;
    const b = snapper.snap(to[0], to[1])!;
    const timeOn = (graph: typeof g) =>
      new DijkstraEngine(graph).route(sourceSeeds(graph, snapper, a), targetSeeds(graph, snapper, b))!.time;
    expect(p.timeS).toBeCloseTo(timeOn(restricted), 1);
    expect(p.timeS).toBeGreaterThan(timeOn(g) + 1);

    // Per-street times add up to the total; the line runs from the start to the end point.
    const sum = p.segments.reduce((s: number, x: { timeS: number }) => s + x.timeS, 0);
    expect(Math.abs(sum - p.timeS)).toBeLessThan(0.1 * p.segments.length);
    const line = route.geometry.coordinates;
    expect(line[0][0]).toBeCloseTo(from[0], 5);
    expect(line.at(-1)[1]).toBeCloseTo(to[1], 5);
    expect(p.segments.at(-1).to).toBe(line.length - 1);
  });

  it("dispatch's unit ranking gives the same restricted time as the drawn route", async () => {
    const from = midpointAtVia(RESTRICTION.fromWay, true);
    const to = midpointAtVia(RESTRICTION.toWay, false);
    const route = (
      await get(`/api/roads/route?city=baltimore&from=${from.join(',')}&to=${to.join(',')}`)
    ).json();
    const tracker = new UnitTracker(await t.ctx.places.city('baltimore'));
    expect(tracker.setPosition('unit-at-the-ban', from[0], from[1])).toBe(true);
    const eta = tracker.timesTo(to[0], to[1])?.get('unit-at-the-ban');
    expect(eta).toBeCloseTo(route.properties.timeS, 0);
  });

  /** The trip through the banned turn, timed on the restricted graph and on the plain one. */
  function bannedTrip() {
    const from = midpointAtVia(RESTRICTION.fromWay, true);
    const to = midpointAtVia(RESTRICTION.toWay, false);
    const g = loaded.graph;
    const resolved = resolveTurnRestrictions(g, loaded.extract.restrictions, loaded.extract.ways);
    const restricted = buildTurnRestrictedGraph(g, resolved.sequences);
    const snapper = new EdgeSnapper(g);
    const a = snapper.snap(from[0], from[1])!;
    const b = snapper.snap(to[0], to[1])!;
    const timeOn = (graph: typeof g) =>
      new DijkstraEngine(graph).route(sourceSeeds(graph, snapper, a), targetSeeds(graph, snapper, b))!.time;
    return { from, to, a, b, g, restricted, snapper, restrictedS: timeOn(restricted), plainS: timeOn(g) };
  }

  it('isochrones (places) run on the restricted graph: the street behind the banned turn is reached later', async () => {
    const { from, a, g, restricted, snapper, restrictedS, plainS } = bannedTrip();
    // Between the two times the plain isochrone holds the end point's street, the restricted one not.
    const limit = (restrictedS + plainS) / 2;
    const onRestricted = isochrone(new DijkstraEngine(restricted), new EdgeSnapper(restricted), a, limit);
    const onPlain = isochrone(new DijkstraEngine(g), snapper, a, limit);
    // The edge of the banned exit leaving the via node: driven into further on the plain graph.
    let exit = -1;
    for (let e = 0; e < g.edgeCount; e++) {
      if (
        g.ways[g.edgeWay[e]].osmId === RESTRICTION.toWay &&
        g.nodeOsmId[g.edgeTail[e]] === RESTRICTION.viaNode
      )
        exit = e;
    }
    const reach = (pieces: { edge: number; from: number; to: number }[]) =>
      pieces.filter((p) => p.edge === exit).reduce((m, p) => Math.max(m, p.to - p.from), 0);
    expect(reach(onPlain.pieces)).toBeGreaterThan(reach(onRestricted.pieces));

    const minutes = limit / 60;
    const r = await get(
      `/api/places/isochrone?city=baltimore&lon=${from[0]}&lat=${from[1]}&minutes=${minutes}`,
    );
    expect(r.statusCode, r.body).toBe(200);
    const [feature] = r.json().features;
    expect(feature.properties.reachedNodes).toBe(onRestricted.reachedNodes);
    expect(feature.geometry).toEqual(onRestricted.area);
    // Reported as road nodes, not junction states: never more than the graph's nodes in reach.
    expect(onRestricted.reachedNodes).toBeLessThanOrEqual(onPlain.reachedNodes);
  });

  it('the interception advisor times the vehicle and the nearest unit on the restricted graph, and draws its road', async () => {
    const { from, to, restrictedS, plainS } = bannedTrip();
    // A checkpoint at the end point, a unit at the start point, the scene at the start point too.
    const cp = await t.as(cookie, {
      method: 'PUT',
      url: '/api/perimeter/checkpoints/BAL-TURN-1',
      payload: { city: 'baltimore', name: 'Banned-turn checkpoint', kind: 'post', lon: to[0], lat: to[1] },
    });
    expect(cp.statusCode, cp.body).toBe(201);
    const unit = await t.as(cookie, {
      method: 'POST',
      url: '/api/dispatch/units',
      payload: { callSign: 'BAL-1', kind: 'patrol_car' },
    });
    expect(unit.statusCode, unit.body).toBe(201);
    const unitId = unit.json().id as string;
    const { token } = await issueDevice(t, { unitId });
    const fix = await asDevice(t, token, {
      method: 'POST',
      url: '/api/dispatch/avl',
      payload: { positions: [{ unitId, at: t.ctx.now().toISOString(), lon: from[0], lat: from[1] }] },
    });
    expect(fix.statusCode, fix.body).toBe(200);

    const r = await get(`/api/perimeter/intercept?city=baltimore&lon=${from[0]}&lat=${from[1]}&minutes=0.05`);
    expect(r.statusCode, r.body).toBe(200);
    const row = r.json().activateNow.find((c: { checkpointId: string }) => c.checkpointId === 'BAL-TURN-1');
    expect(row).toBeDefined();
    expect(row.vehicleArrivalSeconds).toBeCloseTo(restrictedS, 1);
    expect(row.vehicleArrivalSeconds).toBeGreaterThan(plainS + 1);
    expect(row.nearestUnit).toMatchObject({ unitId, callSign: 'BAL-1' });
    expect(row.nearestUnit.etaSeconds).toBeCloseTo(restrictedS, 1);
    // Its road: the search the ETA comes from, from the unit to the checkpoint along the streets.
    const route = row.nearestUnit.route;
    expect(route.timeS).toBeCloseTo(restrictedS, 0);
    const line: [number, number][] = route.geometry.coordinates;
    expect(line.length).toBeGreaterThan(4);
    expect(line[0][0]).toBeCloseTo(from[0], 5);
    expect(line.at(-1)![1]).toBeCloseTo(to[1], 5);
    // The same line GET /api/roads/route draws.
    const drawn = (
      await get(`/api/roads/route?city=baltimore&from=${from.join(',')}&to=${to.join(',')}`)
    ).json();
    expect(drawn.geometry.coordinates.length).toBe(line.length);
  });

  it('takes the start time and echoes it (static times until learned ones exist)', async () => {
    const from = midpointAtVia(RESTRICTION.fromWay, true);
    const to = midpointAtVia(RESTRICTION.toWay, false);
    const at = '2026-11-30T08:00:00+08:00';
    const r = await get(
      `/api/roads/route?city=baltimore&from=${from.join(',')}&to=${to.join(',')}&at=${encodeURIComponent(at)}`,
    );
    expect(r.statusCode).toBe(200);
    expect(r.json().properties).toMatchObject({ at, profile: 'static' });
  });

  it("a moving vehicle's heading: driving away from the destination the route starts with a priced U-turn", async () => {
    const g = loaded.graph;
    // A two-way street of 80 m or more; start 30 % along it, the destination 70 % along.
    let e = 0;
    let twin = -1;
    for (; e < g.edgeCount; e++) {
      if (g.edgeLength[e] < 80 || g.ways[g.edgeWay[e]].oneway) continue;
      twin = -1;
      for (let f = g.firstOut[g.edgeHead[e]]; f < g.firstOut[g.edgeHead[e] + 1]; f++)
        if (g.edgeHead[f] === g.edgeTail[e]) twin = f;
      if (twin >= 0) break;
    }
    expect(twin).toBeGreaterThanOrEqual(0);
    const at = (f: number) => {
      const a = g.edgeTail[e];
      const b = g.edgeHead[e];
      return [
        g.nodeLon[a] + f * (g.nodeLon[b] - g.nodeLon[a]),
        g.nodeLat[a] + f * (g.nodeLat[b] - g.nodeLat[a]),
      ];
    };
    const bearing = edgeBearing(g, e);
    const url = (heading: number, speed: number) =>
      `/api/roads/route?city=baltimore&from=${at(0.3).join(',')}&to=${at(0.7).join(',')}&heading=${heading}&speed=${speed}`;
    const toward = (await get(url(bearing, 12))).json().properties;
    const away = (await get(url((bearing + 180) % 360, 12))).json().properties;
    const crawling = (await get(url((bearing + 180) % 360, 1))).json().properties;
    expect(toward.uTurns).toEqual({ count: 0, secondsEach: U_TURN_SECONDS });
    expect(crawling.timeS).toBeCloseTo(toward.timeS, 1);
    // Turning round costs the U-turn (where it is, or at a junction), unless round the block is sooner.
    expect(away.timeS).toBeGreaterThan(toward.timeS + 1);
    expect(away.timeS).toBeLessThanOrEqual(toward.timeS + U_TURN_SECONDS + 0.1);
    if (away.uTurns.count > 0)
      expect(away.segments.reduce((sum: number, x: { timeS: number }) => sum + x.timeS, 0)).toBeCloseTo(
        away.timeS,
        0,
      );

    const bad = await get(`${url(400, 12)}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((x: { field: string }) => x.field)).toContain('query.heading');
    const badSpeed = await get(`${url(90, -1)}`);
    expect(badSpeed.statusCode).toBe(400);
    expect(badSpeed.json().errors.map((x: { field: string }) => x.field)).toContain('query.speed');
  });

  it('refuses bad input with problem+json naming the field and the rule, Chinese first', async () => {
    const bad = await get('/api/roads/route?city=baltimore&from=abc&to=-76.57,39.29');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toContain('query.from');

    const far = await get('/api/roads/route?city=baltimore&from=0,0&to=-76.57,39.29');
    expect(far.statusCode).toBe(400);
    expect(far.json().errors).toMatchObject([{ field: 'from', rule: 'no_road_nearby' }]);
    expect(far.json().detail).toContain('起点');

    const badTime = await get(
      '/api/roads/route?city=baltimore&from=-76.57,39.29&to=-76.57,39.29&at=tomorrow',
    );
    expect(badTime.statusCode).toBe(400);
    expect(badTime.json().errors.map((e: { field: string }) => e.field)).toContain('query.at');
  });

  it('needs a signed-in staff member', async () => {
    const r = await t.app.inject({
      method: 'GET',
      url: '/api/roads/route?from=-76.57,39.29&to=-76.56,39.29',
    });
    expect(r.statusCode).toBe(401);
  });
});
