/**
 * Learned travel times in dispatch (issue 16 items 4 and 5) on the bundled Shenzhen Longgang
 * extract (OpenStreetMap contributors, ODbL): with no learned statistics the recommendations are
 * timed with the static profile; once the hour's statistics say the streets around the nearest
 * unit are slow, the tracker routes with the learned times of that hour (label `learned:Mon-16`),
 * the nearest unit's ETA equals a plain Dijkstra on those times and the ranking changes. Sending a
 * unit stores its ETA and profile; its own on-scene report closes it, and the accuracy route shows
 * the error by hour and approach road class, scoped to the viewer's subtree. The on-demand
 * learning route: admin at city level only, a finished day once.
 */

import { DijkstraEngine } from '@citywatch/core/roads/dijkstra';
import { HOURS_PER_WEEK, withEdgeTimes } from '@citywatch/core/roads/learned/profile';
import { haversineMetres } from '@citywatch/core/roads/osm-to-graph';
import { sameSegmentTime, sourceSeeds, targetSeeds } from '@citywatch/core/roads/snap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { type ObservationRow, storeLearnedObservations } from './test-observations.js';

const SCENE = { lon: 114.2075, lat: 22.6915 }; // by 龙翔大道 2001号
const SPOTS = [
  { lon: 114.2005, lat: 22.6805 },
  { lon: 114.2225, lat: 22.6955 },
];
// The app's clock starts at 2026-11-23T08:00Z, a Monday, 16:00 in Shenzhen: local hour of week 16.
const HOW = 16;

interface Rec {
  unitId: string;
  etaSeconds: number;
  profile: string;
}

describe(`learned travel times in dispatch (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  const unitIds: string[] = [];
  let incidentId = '';

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    const city = await t.ctx.places.city(undefined);
    for (const [i, spot] of SPOTS.entries()) {
      const u = await t.ctx.dispatch.createUnit({ callSign: `学习${i + 1}`, kind: 'patrol_car' });
      unitIds.push(u.id);
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
        narrative: '电动车被偷',
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    incidentId = r.json().incident.id;
  }, 300_000);
  afterAll(() => t.close());

  const recommend = async (): Promise<Rec[]> => {
    const r = await t.as(admin, {
      method: 'GET',
      url: `/api/dispatch/incidents/${incidentId}/recommendations`,
    });
    expect(r.statusCode, r.body).toBe(200);
    return r.json().items;
  };

  it('ranks with the learned times of the hour once learned, static before', async () => {
    const before = await recommend();
    expect(before.map((r) => r.profile)).toEqual(['static', 'static']);
    const nearest = before[0].unitId;
    const other = before[1].unitId;
    const nearSpot = SPOTS[unitIds.indexOf(nearest)];

    // The hour's statistics: every street within 600 m of the nearest unit driven 10 times slower
    // than the speed table says, every street beyond 1.5 km of it at the speed table's time (so
    // the class-level ratios stay near 1 and the slowness is the streets' own), 40 traversals each.
    const city = await t.ctx.places.city(undefined);
    const g = city.graph;
    const rows: ObservationRow[] = [];
    let slow = 0;
    for (let e = 0; e < g.edgeCount; e++) {
      const s = g.edgeTime[e];
      if (!(s > 0)) continue;
      const tail = g.edgeTail[e];
      const d = haversineMetres(g.nodeLon[tail], g.nodeLat[tail], nearSpot.lon, nearSpot.lat);
      const factor = d < 600 ? 10 : d > 1500 ? 1 : 0;
      if (factor === 0) continue;
      if (factor === 10) slow++;
      rows.push({
        city_id: city.id,
        profile: 'normal',
        edge: e,
        hour_of_week: HOW,
        n: 40,
        sum_s: 40 * s * factor,
      });
    }
    expect(slow).toBeGreaterThan(20);
    await storeLearnedObservations(t, { id: city.id, edgeCount: g.edgeCount }, rows);

    // The module refreshes every few minutes (and a recommendation when the hour turns); here now.
    expect(await t.ctx.dispatch.unitsService.refreshTravelTimes()).toBe('learned:Mon-16');
    const after = await recommend();
    expect(after.map((r) => r.profile)).toEqual(['learned:Mon-16', 'learned:Mon-16']);
    // The slow streets pushed the formerly nearest unit behind the other.
    expect(after.map((r) => r.unitId)).toEqual([other, nearest]);
    const etaOf = (list: Rec[], id: string) => list.find((r) => r.unitId === id)!.etaSeconds;
    expect(etaOf(after, nearest)).toBeGreaterThan(2 * etaOf(before, nearest));

    // Exact: a plain Dijkstra on the turn-restricted graph with the hour's learned times.
    const hour = await t.ctx.eta.hourTimes(t.ctx.now());
    expect(hour?.label).toBe('learned:Mon-16');
    const profile = await t.ctx.eta.profile();
    for (let e = 0; e < 50; e++) expect(hour!.baseTimes[e]).toBe(profile.times[e * HOURS_PER_WEEK + HOW]);
    const graph = withEdgeTimes(city.turnRouting().graph, hour!.baseTimes);
    const engine = new DijkstraEngine(graph);
    const target = city.snapper.snap(SCENE.lon, SCENE.lat, 1000)!;
    for (const r of after) {
      const spot = SPOTS[unitIds.indexOf(r.unitId)];
      const from = city.snapper.snap(spot.lon, spot.lat, 300)!;
      const route = engine.route(
        sourceSeeds(graph, city.snapper, from),
        targetSeeds(graph, city.snapper, target),
      );
      const truth = Math.min(
        route?.time ?? Number.POSITIVE_INFINITY,
        sameSegmentTime(graph, city.snapper, from, target),
      );
      expect(r.etaSeconds).toBeCloseTo(truth, 6);
    }

    // Another hour of the week has no observations of its own: its times come from the pooled
    // edge ratio (the slow streets stay slow), and the label names it.
    // (An hour idle ends the session: sign in again on each side of the jump.)
    t.advance(3600_000);
    admin = await t.login('admin', ADMIN_PASSWORD);
    expect(await t.ctx.dispatch.unitsService.refreshTravelTimes()).toBe('learned:Mon-17');
    expect((await recommend())[0].profile).toBe('learned:Mon-17');
    t.advance(-3600_000);
    admin = await t.login('admin', ADMIN_PASSWORD);
    expect(await t.ctx.dispatch.unitsService.refreshTravelTimes()).toBe('learned:Mon-16');
  });

  it('stores the ETA with the sending and measures it against the unit’s own arrival', async () => {
    const [first] = await recommend();
    const sent = await t.as(admin, {
      method: 'POST',
      url: `/api/dispatch/incidents/${incidentId}/dispatch`,
      payload: { unitId: first.unitId },
    });
    expect(sent.statusCode, sent.body).toBe(200);
    const stored = await t.ctx.db.kysely.selectFrom('dispatch_etas').selectAll().execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      unit_id: first.unitId,
      incident_id: incidentId,
      profile: 'learned:Mon-16',
    });
    expect(stored[0].predicted_s).toBeCloseTo(first.etaSeconds, 6);
    expect(stored[0].arrived_at).toBeNull();
    const city = await t.ctx.places.city(undefined);
    const target = city.snapper.snap(SCENE.lon, SCENE.lat, 1000)!;
    expect(stored[0].approach_class).toBe(city.graph.ways[city.graph.edgeWay[target.edge]].highway);

    // Waiting for the arrival.
    const waiting = await t.as(admin, {
      method: 'GET',
      url: '/api/dispatch/eta-accuracy?from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z',
    });
    expect(waiting.statusCode, waiting.body).toBe(200);
    expect(waiting.json()).toMatchObject({ awaitingArrival: 1, all: { count: 0 } });

    // The unit reports on scene 100 s later than predicted.
    const actual = Math.round(first.etaSeconds) + 100;
    t.advance(actual * 1000);
    for (const status of ['en_route', 'on_scene']) {
      const r = await t.as(admin, {
        method: 'POST',
        url: `/api/dispatch/units/${first.unitId}/status`,
        payload: { status },
      });
      expect(r.statusCode, r.body).toBe(200);
    }
    const closed = await t.ctx.db.kysely.selectFrom('dispatch_etas').selectAll().executeTakeFirstOrThrow();
    expect(closed.actual_s).toBeCloseTo(actual, 3);

    const acc = (
      await t.as(admin, {
        method: 'GET',
        url: `/api/dispatch/eta-accuracy?from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z`,
      })
    ).json();
    const error = actual - first.etaSeconds;
    expect(acc.awaitingArrival).toBe(0);
    expect(acc.all.count).toBe(1);
    expect(acc.all.medianErrorS).toBeCloseTo(error, 3);
    expect(acc.all.mape).toBeCloseTo(error / actual, 6);
    // Dispatched at 08:00 UTC = 16:00 in Shenzhen.
    expect(acc.byHour).toHaveLength(24);
    expect(acc.byHour[16]).toMatchObject({ hour: 16, count: 1 });
    expect(acc.byHour.filter((h: { count: number }) => h.count > 0)).toHaveLength(1);
    expect(acc.byRoadClass).toEqual([
      expect.objectContaining({ roadClass: closed.approach_class, count: 1 }),
    ]);
    expect(acc.byProfile).toEqual([expect.objectContaining({ profile: 'learned', count: 1 })]);

    // Scoped: a station other than the incident's sees nothing of it.
    const incident = await t.ctx.db.kysely
      .selectFrom('incidents')
      .select('org_id as orgId')
      .where('id', '=', incidentId)
      .executeTakeFirstOrThrow();
    const orgs = await t.orgIds(admin);
    const sibling = Object.entries(orgs).find(([n, id]) => n.endsWith('派出所') && id !== incident.orgId)![0];
    const own = Object.entries(orgs).find(([, id]) => id === incident.orgId)![0];
    const users = await t.users(admin, [
      ['eta_sib', ['commander'], sibling],
      ['eta_own', ['commander'], own],
    ]);
    const seen = async (cookie: string) =>
      (
        await t.as(cookie, {
          method: 'GET',
          url: '/api/dispatch/eta-accuracy?from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z',
        })
      ).json().all.count;
    expect(await seen(users.eta_own.cookie)).toBe(1);
    expect(await seen(users.eta_sib.cookie)).toBe(0);

    // Bad input names the field.
    const bad = await t.as(admin, { method: 'GET', url: '/api/dispatch/eta-accuracy?from=yesterday' });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json())).toContain('from');
  });

  it('learns a finished day on demand: city-level admin only, once', async () => {
    const learn = (cookie: string, payload: unknown) =>
      t.as(cookie, { method: 'POST', url: '/api/eta/learn', payload: payload as Record<string, unknown> });
    const orgs = await t.orgIds(admin);
    const station = Object.keys(orgs).find((n) => n.endsWith('派出所'))!;
    const users = await t.users(admin, [
      ['eta_disp', ['dispatcher'], '深圳市公安局'],
      ['eta_station_admin', ['admin'], station],
    ]);
    expect((await learn(users.eta_disp.cookie, {})).statusCode).toBe(403);
    const local = await learn(users.eta_station_admin.cookie, {});
    expect(local.statusCode).toBe(403);
    expect(local.json().errors[0]).toMatchObject({ field: 'org', rule: 'city_level' });

    const today = t.ctx.now().toISOString().slice(0, 10);
    const notOver = await learn(admin, { day: today });
    expect(notOver.statusCode).toBe(400);
    expect(notOver.json().errors[0]).toMatchObject({ field: 'day', rule: 'eta_day_not_over' });
    expect((await learn(admin, { day: '2026-13-45' })).statusCode).toBe(400);

    // Yesterday (the default): the units' fixes of today are not in it; a run all the same.
    const run = await learn(admin, {});
    expect(run.statusCode, run.body).toBe(200);
    expect(run.json()).toMatchObject({ day: '2026-11-22', trigger: 'manual', ran: true, units: 0 });
    const again = await learn(admin, { day: '2026-11-22' });
    expect(again.statusCode).toBe(409);
    expect(again.json().errors[0]).toMatchObject({ field: 'day', rule: 'eta_day_learned' });
    // Audited with the city, the day and the run's figures, before the answer.
    const audit = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['username', 'detail'])
      .where('action', '=', 'write')
      .where('resource', 'like', 'eta_learn_run:%:2026-11-22')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0].username).toBe('admin');
    expect(audit[0].detail).toMatchObject({ route: 'POST /api/eta/learn', trigger: 'manual', units: 0 });
  });
});
