import { DijkstraEngine } from '@citywatch/core/roads/dijkstra';
import { edgeBearing, headedSourceSeeds, motionOf, U_TURN_SECONDS } from '@citywatch/core/roads/heading';
import { targetSeeds } from '@citywatch/core/roads/snap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { asDevice, issueDevice } from '../../test/devices.js';
import type { CityRuntime } from '../roads/registry.js';
import { UnitTracker } from './tracker.js';

/**
 * A moving unit's heading on the bundled city (Longgang, OpenStreetMap contributors, ODbL):
 * starting back the way it drives costs a U-turn (core/roads/heading.ts).
 */
describe(`unit heading in dispatch times (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let city: CityRuntime;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    city = await t.ctx.places.city(undefined);
  }, 600_000);
  afterAll(() => t.close());

  /** Two-way street segments of the real network, spread over it, each with a point at 40 % of it. */
  function twoWaySpots(count: number) {
    // The base graph: its edges are the streets (the routing graph's copies repeat them).
    const graph = city.graph;
    const spots: { lon: number; lat: number; bearing: number }[] = [];
    const step = Math.max(1, Math.floor(graph.edgeCount / (count * 40)));
    for (let e = 0; e < graph.edgeCount && spots.length < count; e += step) {
      const tail = graph.edgeTail[e];
      const head = graph.edgeHead[e];
      if (graph.edgeLength[e] < 60 || graph.ways[graph.edgeWay[e]].oneway) continue;
      const lon = graph.nodeLon[tail] + 0.4 * (graph.nodeLon[head] - graph.nodeLon[tail]);
      const lat = graph.nodeLat[tail] + 0.4 * (graph.nodeLat[head] - graph.nodeLat[tail]);
      const snap = city.snapper.snap(lon, lat, 5);
      if (!snap || city.snapper.twinOf(snap.edge) < 0) continue;
      spots.push({ lon, lat, bearing: edgeBearing(graph, e) });
    }
    return spots;
  }

  it('a unit driving away from the scene is timed with a U-turn; one driving toward it, or standing, is not', () => {
    const tracker = new UnitTracker(city);
    const graph = city.turnRouting().graph;
    const engine = new DijkstraEngine(graph);
    const spots = twoWaySpots(40);
    expect(spots.length).toBe(40);
    // Each spot holds three units: driving along the street, driving the other way, parked.
    for (const [k, s] of spots.entries()) {
      expect(tracker.setPosition(`along-${k}`, s.lon, s.lat, motionOf(s.bearing, 12))).toBe(true);
      tracker.setPosition(`against-${k}`, s.lon, s.lat, motionOf((s.bearing + 180) % 360, 12));
      // A heading at walking pace says nothing (motionOf: null), so this one is the parked case.
      tracker.setPosition(`parked-${k}`, s.lon, s.lat, motionOf(s.bearing, 1));
    }
    // Scenes: other spots of the network.
    let penalised = 0;
    for (const scene of spots.slice(0, 10)) {
      const times = tracker.timesTo(scene.lon, scene.lat)!;
      const target = city.snapper.snap(scene.lon, scene.lat, 1000)!;
      for (const [k, s] of spots.entries()) {
        const along = times.get(`along-${k}`)!;
        const against = times.get(`against-${k}`)!;
        const parked = times.get(`parked-${k}`)!;
        // Parked: either way is free, so it is the better of the two moving ones.
        expect(parked).toBeCloseTo(Math.min(along, against), 6);
        // The moving ones differ by the U-turn at most, and only where the routes go opposite ways.
        expect(Math.max(along, against) - parked).toBeLessThanOrEqual(U_TURN_SECONDS + 1e-6);
        if (Math.abs(along - against) > 1e-6) penalised++;
        // The hierarchy's table agrees with a plain Dijkstra from the headed seeds (the same street
        // is the one case the table cannot see; those are skipped here).
        if (s === scene) continue;
        const from = city.snapper.snap(s.lon, s.lat, 300)!;
        const truth = engine.route(
          headedSourceSeeds(graph, city.snapper, from, motionOf(s.bearing, 12)),
          targetSeeds(graph, city.snapper, target),
        );
        expect(along).toBeCloseTo(truth?.time ?? Number.POSITIVE_INFINITY, 3);
      }
    }
    // On a real network most routes leave a two-way street by one end: the heading decides which.
    expect(penalised).toBeGreaterThan(200);
  });

  it('a unit driving along the street to a scene ahead of it is timed straight; driving away, with a U-turn or round the block', () => {
    const tracker = new UnitTracker(city);
    const graph = city.turnRouting().graph;
    const engine = new DijkstraEngine(graph);
    let checked = 0;
    let uTurned = 0;
    for (const [k, s] of twoWaySpots(40).entries()) {
      const at = city.snapper.snap(s.lon, s.lat, 5)!;
      const e = at.edge;
      // The scene a third of the rest of the way along the same segment, in the edge's direction.
      const f = at.t + (1 - at.t) / 3;
      const [a, b] = [graph.edgeTail[e], graph.edgeHead[e]];
      const scene = city.snapper.snap(
        graph.nodeLon[a] + f * (graph.nodeLon[b] - graph.nodeLon[a]),
        graph.nodeLat[a] + f * (graph.nodeLat[b] - graph.nodeLat[a]),
        5,
      )!;
      if (scene.edge !== e) continue;
      const bearing = edgeBearing(graph, e);
      tracker.setPosition(`toward-${k}`, s.lon, s.lat, motionOf(bearing, 10));
      tracker.setPosition(`away-${k}`, s.lon, s.lat, motionOf((bearing + 180) % 360, 10));
      const times = tracker.timesTo(scene.lon, scene.lat)!;
      const straight = (scene.t - at.t) * graph.edgeTime[e];
      expect(times.get(`toward-${k}`)).toBeCloseTo(straight, 3);
      // Driving away: turn round on the spot (a U-turn), or drive on backwards and come round by
      // the streets, whichever is sooner.
      const [, backwards] = headedSourceSeeds(graph, city.snapper, at, null);
      const round = engine.route([backwards], targetSeeds(graph, city.snapper, scene))?.time ?? Infinity;
      const away = times.get(`away-${k}`)!;
      expect(away).toBeCloseTo(Math.min(straight + U_TURN_SECONDS, round), 3);
      if (Math.abs(away - (straight + U_TURN_SECONDS)) < 1e-6) uTurned++;
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
    // Both happen on a real network: where the block is small, round it is sooner than the U-turn
    // (turning round at the next junction instead costs the same U-turn, plus the way there).
    expect(uTurned).toBeGreaterThan(0);
    expect(checked - uTurned).toBeGreaterThan(0);
  });

  it('through the API: the heading and speed a terminal reports rank a unit driving toward the scene first', async () => {
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const graph = city.turnRouting().graph;
    // A spot where driving away costs the whole U-turn (going round is longer), found as above.
    const probe = new UnitTracker(city);
    const spot = twoWaySpots(40).find((s, k) => {
      probe.setPosition(`a-${k}`, s.lon, s.lat, motionOf(s.bearing, 10));
      probe.setPosition(`b-${k}`, s.lon, s.lat, motionOf((s.bearing + 180) % 360, 10));
      const at = city.snapper.snap(s.lon, s.lat, 5)!;
      const [a, b] = [graph.edgeTail[at.edge], graph.edgeHead[at.edge]];
      const f = at.t + (1 - at.t) / 3;
      const times = probe.timesTo(
        graph.nodeLon[a] + f * (graph.nodeLon[b] - graph.nodeLon[a]),
        graph.nodeLat[a] + f * (graph.nodeLat[b] - graph.nodeLat[a]),
      )!;
      return times.get(`b-${k}`)! - times.get(`a-${k}`)! > 10;
    })!;
    expect(spot).toBeDefined();
    const at = city.snapper.snap(spot.lon, spot.lat, 5)!;
    const [a, b] = [graph.edgeTail[at.edge], graph.edgeHead[at.edge]];
    const f = at.t + (1 - at.t) / 3;
    const scene = {
      lon: graph.nodeLon[a] + f * (graph.nodeLon[b] - graph.nodeLon[a]),
      lat: graph.nodeLat[a] + f * (graph.nodeLat[b] - graph.nodeLat[a]),
    };
    const bearing = edgeBearing(graph, at.edge);
    const units: Record<string, { id: string; token: string; heading: number; speed: number }> = {};
    for (const [name, heading, speed] of [
      ['toward', bearing, 12],
      ['away', (bearing + 180) % 360, 12],
      ['away-slow', (bearing + 180) % 360, 1],
    ] as const) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/dispatch/units',
        payload: { callSign: `朝向-${name}`, kind: 'patrol_car' },
      });
      expect(r.statusCode, r.body).toBe(201);
      const id = r.json().id as string;
      units[name] = { id, token: (await issueDevice(t, { unitId: id })).token, heading, speed };
    }
    for (const u of Object.values(units)) {
      const r = await asDevice(t, u.token, {
        method: 'POST',
        url: '/api/dispatch/avl',
        payload: {
          positions: [
            {
              unitId: u.id,
              at: t.ctx.now().toISOString(),
              lon: spot.lon,
              lat: spot.lat,
              heading: u.heading,
              speed: u.speed,
            },
          ],
        },
      });
      expect(r.statusCode, r.body).toBe(200);
    }
    const made = await t.as(admin, {
      method: 'POST',
      url: '/api/dispatch/incidents',
      payload: {
        category: 'criminal',
        subcategory: 'theft',
        priority: 'P3',
        ...scene,
        narrative: '电动车被偷',
      },
    });
    expect(made.statusCode, made.body).toBe(201);
    const recs = (
      await t.as(admin, {
        method: 'GET',
        url: `/api/dispatch/incidents/${made.json().incident.id}/recommendations`,
      })
    ).json().items as { unitId: string; etaSeconds: number }[];
    const eta = (name: string) => recs.find((r) => r.unitId === units[name].id)!.etaSeconds;
    const rank = (name: string) => recs.findIndex((r) => r.unitId === units[name].id);
    expect(rank('toward')).toBeLessThan(rank('away'));
    // The same place: driving away costs the U-turn; a heading at walking pace costs nothing.
    expect(eta('away') - eta('toward')).toBeGreaterThan(10);
    expect(eta('away') - eta('toward')).toBeLessThanOrEqual(U_TURN_SECONDS + 1);
    expect(eta('away-slow')).toBeCloseTo(eta('toward'), 0);
  });
});
