/**
 * The hourly learned-times rebuild of a dispatch tracker's hierarchy runs on a worker thread
 * (workers/jobs.ts `eta.hierarchy`), on the bundled Shenzhen Longgang extract (OpenStreetMap
 * contributors, ODbL): while it runs, recommendations keep being answered with the previous
 * profile; when it ends, the new hierarchy is swapped in whole and answers exactly as one built
 * on the main thread with the same times does.
 */

import { buildContractionHierarchy } from '@citywatch/core/roads/ch';
import { withEdgeTimes } from '@citywatch/core/roads/learned/profile';
import { haversineMetres } from '@citywatch/core/roads/osm-to-graph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { UnitTracker } from '../dispatch/tracker.js';
import { storeLearnedObservations } from './test-observations.js';

const SCENE = { lon: 114.2075, lat: 22.6915 };
const SPOTS = [
  { lon: 114.2005, lat: 22.6805 },
  { lon: 114.2225, lat: 22.6955 },
  { lon: 114.2105, lat: 22.6875 },
];
// The app's clock starts at 2026-11-23T08:00Z, a Monday (16:00 in Shenzhen).

describe(`tracker hierarchy rebuilt on a worker thread (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let incidentId = '';

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    const city = await t.ctx.places.city(undefined);
    for (const [i, spot] of SPOTS.entries()) {
      const u = await t.ctx.dispatch.createUnit({ callSign: `重建${i + 1}`, kind: 'patrol_car' });
      await t.ctx.dispatch.ingestPositions([{ unitId: u.id, at: t.ctx.now().toISOString(), ...spot }], city);
    }
    const r = await t.as(admin, {
      method: 'POST',
      url: '/api/dispatch/incidents',
      payload: {
        category: 'criminal',
        subcategory: 'theft',
        priority: 'P2',
        ...SCENE,
        narrative: '手机被偷',
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    incidentId = r.json().incident.id;
  }, 300_000);
  afterAll(() => t.close());

  const recommend = async () => {
    const r = await t.as(admin, {
      method: 'GET',
      url: `/api/dispatch/incidents/${incidentId}/recommendations`,
    });
    expect(r.statusCode, r.body).toBe(200);
    return r.json().items as { unitId: string; etaSeconds: number; profile: string }[];
  };

  it('builds the same hierarchy on a worker thread as on the main thread', async () => {
    const city = await t.ctx.places.city(undefined);
    const graph = city.turnRouting().graph;
    const times = Float64Array.from(
      { length: city.graph.edgeCount },
      (_, e) => city.graph.edgeTime[e] * (1 + (e % 7) / 3),
    );
    const fromWorker = await t.ctx.workers.run(
      'eta.hierarchy',
      { baseTimes: times },
      { city: city.turnRouting().poolCity },
    );
    const here = buildContractionHierarchy(withEdgeTimes(graph, times));
    expect(fromWorker.nodeCount).toBe(here.nodeCount);
    expect(fromWorker.shortcutCount).toBe(here.shortcutCount);
    for (const k of [
      'rank',
      'upFirst',
      'upHead',
      'upWeight',
      'downFirst',
      'downTail',
      'downWeight',
      'arcEdge',
    ] as const)
      expect(fromWorker[k], k).toEqual(here[k]);
  }, 300_000);

  it('answers requests while the rebuild runs, then swaps in a hierarchy that answers as the main thread’s', async () => {
    const before = await recommend();
    expect(before.map((r) => r.profile)).toEqual(['static', 'static', 'static']);

    // Learned statistics for the hour: streets within 600 m of the first unit 8× slower.
    const city = await t.ctx.places.city(undefined);
    const g = city.graph;
    const rows = [];
    for (let e = 0; e < g.edgeCount; e++) {
      const s = g.edgeTime[e];
      if (!(s > 0)) continue;
      const tail = g.edgeTail[e];
      const d = haversineMetres(g.nodeLon[tail], g.nodeLat[tail], SPOTS[0].lon, SPOTS[0].lat);
      const factor = d < 600 ? 8 : d > 1500 ? 1 : 0;
      if (factor === 0) continue;
      for (const how of [8, 16]) // the hour of now in UTC and in Shenzhen local time
        rows.push({
          city_id: city.id,
          profile: 'normal' as const,
          edge: e,
          hour_of_week: how,
          n: 40,
          sum_s: 40 * s * factor,
        });
    }
    await storeLearnedObservations(t, { id: city.id, edgeCount: g.edgeCount }, rows);

    // A latch holds the worker's answer until the request below has been answered, so "while the
    // rebuild runs" does not depend on how fast the worker is (on a fast machine it could finish
    // during the request and the test would race).
    const pool = t.ctx.workers;
    const run = pool.run.bind(pool);
    let onThread = false;
    let release: () => void = () => {};
    const latch = new Promise<void>((resolve) => {
      release = resolve;
    });
    pool.run = (async (...a: Parameters<typeof run>) => {
      onThread = true;
      const answer = await run(...a);
      await latch;
      return answer;
    }) as typeof pool.run;
    let rebuilt = false;
    let label: string | null = null;
    try {
      const refresh = t.ctx.dispatch.unitsService.refreshTravelTimes().then((label) => {
        rebuilt = true;
        return label;
      });
      // Wait until the rebuild is on a thread (the learned profile is read from the database first).
      while (!onThread) await new Promise((r) => setTimeout(r, 5));
      // Answered while the rebuild is still running: with the previous (static) profile, whole.
      const during = await recommend();
      expect(rebuilt).toBe(false);
      expect(during).toEqual(before);
      release();
      label = await refresh;
    } finally {
      release();
      pool.run = run;
    }

    expect(label).toMatch(/^learned:Mon-/);
    const after = await recommend();
    expect(after.every((r) => r.profile === label)).toBe(true);
    expect(after).not.toEqual(before);

    // The swapped-in hierarchy answers exactly as one built here with the same times.
    const tracker = await t.ctx.dispatch.trackers.get(city.id)!;
    const hour = await t.ctx.eta.hourTimes(t.ctx.now());
    const local = new UnitTracker(city);
    const units = await t.ctx.db.kysely.selectFrom('units').select(['id', 'last_lon', 'last_lat']).execute();
    for (const u of units) local.setPosition(u.id, u.last_lon, u.last_lat);
    local.useTimes(hour!.baseTimes, hour!.label, 'here');
    let compared = 0;
    for (let i = 0; i < 40; i++) {
      const node = (i * 7919) % g.nodeCount;
      const fromWorker = tracker.timesTo(g.nodeLon[node], g.nodeLat[node]);
      const here = local.timesTo(g.nodeLon[node], g.nodeLat[node]);
      expect(fromWorker).toEqual(here);
      if (fromWorker) compared += [...fromWorker.values()].filter(Number.isFinite).length;
    }
    expect(compared).toBeGreaterThan(60);
  }, 300_000);
});
