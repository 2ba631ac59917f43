/**
 * Emergency driving as its own learned profile (issue 16), on the bundled Shenzhen Longgang extract
 * (OpenStreetMap contributors, ODbL), with the fleet simulator's traces (core matching/simulate):
 * hidden per-street times, and units driving with lights and siren 1.4× faster than the others.
 * One local hour (Monday 16:00–17:00 in Shenzhen) of a day: four units drive normally (one of them
 * sent to a P2 incident meanwhile, which is no emergency), three send `emergency: true` with every
 * fix, two send no flag but are on their way to a P1 incident (dispatch to on-scene report), which
 * the rule counts as emergency driving. The learning stores the two profiles apart: the normal
 * statistics are exactly those of the normal units' traces, and recover the hidden times; the
 * emergency profile recovers the 1.4× speed-up. Dispatch then times a P1 incident with the
 * emergency profile of the hour (`learned:Mon-16:emergency`), a P2 one with the normal one.
 */

import { avlBatchSchema } from '@citywatch/core/dispatch/schemas';
import { largestStronglyConnectedComponent } from '@citywatch/core/roads/ch';
import { DijkstraEngine } from '@citywatch/core/roads/dijkstra';
import { splitTrips } from '@citywatch/core/roads/learned/evaluate';
import { HOURS_PER_WEEK, TraversalStats, withEdgeTimes } from '@citywatch/core/roads/learned/profile';
import { HmmMatcher } from '@citywatch/core/roads/matching/hmm';
import { HiddenTimes, prng, type SimTrip, simulateTrip } from '@citywatch/core/roads/matching/simulate';
import { haversineMetres } from '@citywatch/core/roads/osm-to-graph';
import { sameSegmentTime, sourceSeeds, targetSeeds } from '@citywatch/core/roads/snap';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

const CENTRE = { lon: 114.2075, lat: 22.6915 }; // by 龙翔大道 2001号
const BOX_M = 1800;
const DAY = '2026-11-16'; // a Monday
// Monday 16:00 in Shenzhen (UTC+8) is 08:00 UTC: the hour of week the app's clock is in, too.
const HOUR_START = Date.parse(`${DAY}T08:00:00Z`) / 1000;
const HOW = 16;
const SPEED_UP = 1.4;
const OFFSET_S = 8 * 3600;

/** The hidden times of emergency driving: the same streets and hours, 1.4× faster. */
class EmergencyTimes extends HiddenTimes {
  override time(e: number, how: number): number {
    return super.time(e, how) / SPEED_UP;
  }
}

type Kind = 'normal' | 'normal-p2' | 'flagged' | 'p1';
const FLEET: Kind[] = [
  'normal',
  'normal',
  'normal',
  'normal-p2',
  'flagged',
  'flagged',
  'flagged',
  'p1',
  'p1',
];

describe(`emergency driving profile (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
  }, 300_000);
  afterAll(() => t.close());

  const incident = async (priority: string, spot = CENTRE): Promise<string> => {
    const r = await t.as(admin, {
      method: 'POST',
      url: '/api/dispatch/incidents',
      payload: { category: 'criminal', subcategory: 'theft', priority, ...spot, narrative: '测试警情' },
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().incident.id;
  };

  it('an AVL fix may say lights and siren on, validated like the rest of the fix', () => {
    const fix = { unitId: uuidv7(), at: '2026-11-23T08:00:00Z', lon: 114.2, lat: 22.69 };
    expect(avlBatchSchema.safeParse({ positions: [{ ...fix, emergency: true }] }).success).toBe(true);
    expect(avlBatchSchema.safeParse({ positions: [fix] }).success).toBe(true);
    const bad = avlBatchSchema.safeParse({ positions: [{ ...fix, emergency: 'yes' }] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].path).toEqual(['positions', 0, 'emergency']);
  });

  it('learns emergency driving apart, recovers both, and times P1 incidents with it', async () => {
    const city = await t.ctx.places.city(undefined);
    const graph = city.graph;
    const scc = largestStronglyConnectedComponent(graph);
    const near: number[] = [];
    for (let v = 0; v < graph.nodeCount; v++)
      if (scc[v] && haversineMetres(graph.nodeLon[v], graph.nodeLat[v], CENTRE.lon, CENTRE.lat) < BOX_M)
        near.push(v);
    expect(near.length).toBeGreaterThan(500);
    const nodes = Uint32Array.from(near);
    const hidden = new HiddenTimes(graph, 7);
    const fast = new EmergencyTimes(graph, 7);
    const rng = prng(77);
    const sim = {
      intervalS: [1, 3] as [number, number],
      noiseM: [3, 8] as [number, number],
      jumpShare: 0,
      utcOffsetS: OFFSET_S,
    };

    // The fleet: each unit drives trips one after another through the hour, resting 6 minutes.
    const p1 = await incident('P1');
    const p2 = await incident('P2');
    const units: { id: string; kind: Kind; trips: SimTrip[] }[] = [];
    for (const [i, kind] of FLEET.entries()) {
      const u = await t.ctx.dispatch.createUnit({ callSign: `急驶${i + 1}`, kind: 'patrol_car' });
      const trips: SimTrip[] = [];
      let at = HOUR_START + 60 * i;
      while (at < HOUR_START + 3300) {
        const trip = simulateTrip(
          graph,
          kind === 'flagged' || kind === 'p1' ? fast : hidden,
          null,
          nodes,
          rng,
          u.id,
          at,
          sim,
        );
        if (!trip) break;
        trips.push(trip);
        at += trip.duration + 360;
      }
      expect(trips.length).toBeGreaterThan(2);
      units.push({ id: u.id, kind, trips });
    }
    const rows = units.flatMap((u) =>
      u.trips.flatMap((trip) =>
        trip.fixes.map((f) => ({
          unit_id: u.id,
          at: new Date(Math.round(f.time * 1000)),
          lon: f.lon,
          lat: f.lat,
          // Flagged units say so on every fix; one normal unit says "off" outright.
          emergency: u.kind === 'flagged' ? true : u.kind === 'normal-p2' ? false : null,
        })),
      ),
    );
    for (let i = 0; i < rows.length; i += 1000)
      await t.ctx.db.kysely
        .insertInto('unit_positions')
        .values(rows.slice(i, i + 1000))
        .onConflict((oc) => oc.columns(['unit_id', 'at']).doNothing())
        .execute();
    // The sendings: P1 units from before their first trip to their on-scene report after the last.
    for (const u of units) {
      if (u.kind !== 'p1' && u.kind !== 'normal-p2') continue;
      const first = u.trips[0].fixes[0].time;
      const lastTrip = u.trips.at(-1)!;
      const last = lastTrip.fixes.at(-1)!.time + 1;
      await t.ctx.db.kysely
        .insertInto('dispatch_etas')
        .values({
          id: uuidv7(),
          incident_id: u.kind === 'p1' ? p1 : p2,
          unit_id: u.id,
          dispatched_at: new Date((first - 1) * 1000),
          predicted_s: 600,
          profile: 'static',
          approach_class: null,
          arrived_at: new Date(last * 1000),
          actual_s: last - first + 1,
        })
        .execute();
    }

    const run = await t.ctx.eta.learnDay(DAY, 'manual');
    expect(run.ran).toBe(true);
    expect(run.matched / run.fixes).toBeGreaterThan(0.95);
    expect(run.emergency_traversals).toBeGreaterThan(300);
    expect(run.traversals - run.emergency_traversals).toBeGreaterThan(300);

    // The normal statistics are exactly the normal units' traversals: emergency ones never mixed in.
    const matcher = new HmmMatcher(graph);
    const expected = new TraversalStats(graph, OFFSET_S);
    const traceRows = rows
      .filter((r) => units.find((u) => u.id === r.unit_id)!.kind.startsWith('normal'))
      .map((r) => ({ vehicle: r.unit_id, time: r.at.getTime() / 1000, lon: r.lon, lat: r.lat }));
    for (const trip of splitTrips(traceRows)) {
      const m = matcher.match(trip.fixes);
      if (!m.unmatchable) for (const tr of m.traversals) expected.add(tr.edge, tr.entry, tr.exit);
    }
    const stored = await t.ctx.db.kysely
      .selectFrom('eta_edge_observations')
      .select(['profile', 'edge', 'hour_of_week', 'n', 'sum_s'])
      .execute();
    const normalRows = stored.filter((r) => r.profile === 'normal');
    const emergencyRows = stored.filter((r) => r.profile === 'emergency');
    const expectedCells = [...expected.cells()];
    expect(normalRows.length).toBe(expectedCells.length);
    const byCell = new Map(normalRows.map((r) => [r.edge * HOURS_PER_WEEK + r.hour_of_week, r]));
    for (const c of expectedCells) {
      const r = byCell.get(c.edge * HOURS_PER_WEEK + c.how);
      expect(r?.n).toBe(c.n);
      expect(r?.sum_s).toBeCloseTo(c.sum, 3);
    }
    expect(emergencyRows.reduce((s, r) => s + r.n, 0)).toBe(run.emergency_traversals);

    // Both profiles recover the hidden times (stated tolerance: 12 % on the sums over the cells
    // observed): normal against the normal hidden times, emergency against the faster ones.
    const normal = await t.ctx.eta.profile(undefined, 'normal');
    const emergency = await t.ctx.eta.profile(undefined, 'emergency');
    const recovered = (cells: typeof stored, times: Float32Array, truth: HiddenTimes) => {
      let learned = 0;
      let actual = 0;
      for (const c of cells) {
        learned += c.n * times[c.edge * HOURS_PER_WEEK + c.hour_of_week];
        actual += c.n * truth.time(c.edge, c.hour_of_week);
      }
      return learned / actual;
    };
    expect(Math.abs(recovered(normalRows, normal.times, hidden) - 1)).toBeLessThan(0.12);
    expect(Math.abs(recovered(emergencyRows, emergency.times, fast) - 1)).toBeLessThan(0.12);
    // The speed-up itself, on the cells driven in emergency: 1/1.4 of the normal time, ± 0.07.
    let em = 0;
    let no = 0;
    for (const c of emergencyRows) {
      em += emergency.times[c.edge * HOURS_PER_WEEK + c.hour_of_week];
      no += normal.times[c.edge * HOURS_PER_WEEK + c.hour_of_week];
    }
    expect(Math.abs(em / no - 1 / SPEED_UP)).toBeLessThan(0.07);

    // Dispatch: a unit by the scene's streets; a P1 incident is timed with the emergency profile of
    // the hour, a P2 incident with the normal one, and each says which.
    const spot = { lon: 114.2005, lat: 22.6805 };
    const unit = await t.ctx.dispatch.createUnit({ callSign: '急驶推荐', kind: 'patrol_car' });
    await t.ctx.dispatch.ingestPositions([{ unitId: unit.id, at: t.ctx.now().toISOString(), ...spot }], city);
    expect(await t.ctx.dispatch.unitsService.refreshTravelTimes()).toBe('learned:Mon-16');
    const urgent = await incident('P1');
    const ordinary = await incident('P2');
    const recommend = async (id: string) => {
      const r = await t.as(admin, { method: 'GET', url: `/api/dispatch/incidents/${id}/recommendations` });
      expect(r.statusCode, r.body).toBe(200);
      return (r.json().items as { unitId: string; etaSeconds: number; profile: string }[]).find(
        (x) => x.unitId === unit.id,
      )!;
    };
    const fastRec = await recommend(urgent);
    const slowRec = await recommend(ordinary);
    expect(fastRec.profile).toBe('learned:Mon-16:emergency');
    expect(slowRec.profile).toBe('learned:Mon-16');
    expect(fastRec.etaSeconds / slowRec.etaSeconds).toBeGreaterThan(1 / SPEED_UP - 0.1);
    expect(fastRec.etaSeconds / slowRec.etaSeconds).toBeLessThan(1 / SPEED_UP + 0.1);
    // Exact: a plain Dijkstra on the turn-restricted graph with the hour's emergency times.
    const hour = await t.ctx.eta.hourTimes(t.ctx.now(), undefined, 'emergency');
    expect(hour?.label).toBe('learned:Mon-16:emergency');
    for (let e = 0; e < 50; e++) expect(hour!.baseTimes[e]).toBe(emergency.times[e * HOURS_PER_WEEK + HOW]);
    const timed = withEdgeTimes(city.turnRouting().graph, hour!.baseTimes);
    const from = city.snapper.snap(spot.lon, spot.lat, 300)!;
    const target = city.snapper.snap(CENTRE.lon, CENTRE.lat, 1000)!;
    const route = new DijkstraEngine(timed).route(
      sourceSeeds(timed, city.snapper, from),
      targetSeeds(timed, city.snapper, target),
    );
    const truth = Math.min(
      route?.time ?? Number.POSITIVE_INFINITY,
      sameSegmentTime(timed, city.snapper, from, target),
    );
    expect(fastRec.etaSeconds).toBeCloseTo(truth, 6);

    // Sending the unit to the P1 incident stores the ETA with the emergency profile.
    const sent = await t.as(admin, {
      method: 'POST',
      url: `/api/dispatch/incidents/${urgent}/dispatch`,
      payload: { unitId: unit.id },
    });
    expect(sent.statusCode, sent.body).toBe(200);
    const etaRow = await t.ctx.db.kysely
      .selectFrom('dispatch_etas')
      .select(['profile', 'predicted_s'])
      .where('unit_id', '=', unit.id)
      .executeTakeFirstOrThrow();
    expect(etaRow.profile).toBe('learned:Mon-16:emergency');
    expect(etaRow.predicted_s).toBeCloseTo(fastRec.etaSeconds, 6);
  }, 600_000);
});
