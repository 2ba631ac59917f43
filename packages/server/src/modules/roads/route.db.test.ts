import path from 'node:path';
import { DijkstraEngine } from '@citywatch/core/roads/dijkstra';
import { EdgeSnapper, sourceSeeds, targetSeeds } from '@citywatch/core/roads/snap';
import { buildTurnRestrictedGraph, resolveTurnRestrictions } from '@citywatch/core/roads/turn-restrictions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
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
