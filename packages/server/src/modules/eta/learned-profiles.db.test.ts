/**
 * Learned travel times in coverage and closure plans (issue 16 item 4), on the bundled Shenzhen
 * Longgang extract (OpenStreetMap contributors, ODbL): with the hour's statistics saying every
 * street is driven at half the speed table's speed, the coverage figures and the banded layer of
 * the learned profile reach less than the static ones, and closure-plan travel times are longer,
 * and so are the interception advisor's unit times (it times units with the hour now, as plans
 * do, and says so); before anything is learned a learned choice is the static profile, and says so.
 */

import { HOURS_PER_WEEK } from '@citywatch/core/roads/learned/profile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { travelTimes, unitSnaps } from '../perimeter/rings/travel.js';
import { storeLearnedObservations } from './test-observations.js';

interface Band {
  seconds: number;
  addressShare: number;
  roadLengthShare: number;
}
// Unit positions and checkpoints inside the Longgang centre, on real roads.
const UNITS = [
  { last_lon: 114.2005, last_lat: 22.6805 },
  { last_lon: 114.2225, last_lat: 22.6955 },
  { last_lon: 114.1955, last_lat: 22.6955 },
];
const CHECKPOINTS = [
  { lon: 114.2075, lat: 22.6915 },
  { lon: 114.2105, lat: 22.6865 },
];

// Where the interception advisor's fleeing vehicle starts (by the first unit): the checkpoints
// above lie over a kilometre away, ahead of it half a minute on.
const SCENE = { lon: 114.2005, lat: 22.6805 };

interface Advice {
  profile: string;
  activateNow: { checkpointId: string; nearestUnit: { etaSeconds: number | null } | null }[];
}

describe(`learned times in coverage and closure plans (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  // The advisor's nearest-unit times per checkpoint, static (before anything is learned).
  const staticAdvice = new Map<string, number>();

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
  }, 300_000);
  afterAll(() => t.close());

  const get = async (url: string) => {
    const r = await t.as(admin, { method: 'GET', url });
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };

  it('uses the static times for a learned choice until something is learned', async () => {
    const body = await get('/api/coverage?thresholds=180&profile=learned');
    expect(body.profile).toBe('static');
    const bad = await t.as(admin, { method: 'GET', url: '/api/coverage?profile=learned:Mon-24' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: 'query.profile' });

    // The interception advisor before anything is learned: units timed with the static times.
    const city = await t.ctx.places.city(undefined);
    for (const [i, u] of UNITS.entries()) {
      const unit = await t.ctx.dispatch.createUnit({ callSign: `拦截${i + 1}`, kind: 'patrol_car' });
      await t.ctx.dispatch.ingestPositions(
        [{ unitId: unit.id, at: t.ctx.now().toISOString(), lon: u.last_lon, lat: u.last_lat }],
        city,
      );
    }
    for (const [j, c] of CHECKPOINTS.entries()) {
      const r = await t.as(admin, {
        method: 'PUT',
        url: `/api/perimeter/checkpoints/CP-LEARN-${j}`,
        payload: { name: `学习卡口${j}`, kind: 'post', lon: c.lon, lat: c.lat },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    const advice = (await get(
      `/api/perimeter/intercept?lon=${SCENE.lon}&lat=${SCENE.lat}&minutes=0.5`,
    )) as Advice;
    expect(advice.profile).toBe('static');
    for (const c of advice.activateNow)
      if (c.nearestUnit?.etaSeconds) staticAdvice.set(c.checkpointId, c.nearestUnit.etaSeconds);
    expect(staticAdvice.size).toBe(CHECKPOINTS.length);
  });

  it('reaches less with learned times twice the static ones, and times plans longer', async () => {
    // Every street driven at half its static speed on Monday 08:00–09:00, 40 traversals each.
    const city = await t.ctx.places.city(undefined);
    const g = city.graph;
    const rows = [];
    for (let e = 0; e < g.edgeCount; e++) {
      const s = g.edgeTime[e];
      if (s > 0)
        rows.push({
          city_id: city.id,
          profile: 'normal' as const,
          edge: e,
          hour_of_week: 8,
          n: 40,
          sum_s: 80 * s,
        });
    }
    await storeLearnedObservations(t, { id: city.id, edgeCount: g.edgeCount }, rows);
    // The estimate moves toward the observations: learned times lie between 1× and 2× static.
    const profile = await t.ctx.eta.profile();
    const e0 = rows[0].edge;
    const learned0 = profile.times[e0 * HOURS_PER_WEEK + 8];
    expect(learned0).toBeGreaterThan(1.5 * g.edgeTime[e0]);
    expect(learned0).toBeLessThanOrEqual(2 * g.edgeTime[e0] * (1 + 1e-6));

    // Coverage figures.
    const q = 'thresholds=60,180,300';
    const still = await get(`/api/coverage?${q}&profile=static`);
    const slow = await get(`/api/coverage?${q}&profile=learned:Mon-08`);
    expect(still.profile).toBe('static');
    expect(slow.profile).toBe('learned:Mon-08');
    const a = still.thresholds as Band[];
    const b = slow.thresholds as Band[];
    expect(b.map((x) => x.seconds)).toEqual([60, 180, 300]);
    for (let i = 0; i < a.length; i++) {
      expect(b[i].roadLengthShare).toBeLessThan(a[i].roadLengthShare);
      expect(b[i].addressShare).toBeLessThanOrEqual(a[i].addressShare);
    }
    // Twice the time: what the static profile reaches within 60 s, the learned needs about 120 s
    // for; so the learned 180 s share is below the static 180 s one but above the static 60 s one.
    expect(b[1].roadLengthShare).toBeGreaterThan(a[0].roadLengthShare);

    // The banded layer: less road in the learned one.
    const reached = (layer: { features: { geometry: { coordinates: number[][] } }[] }) =>
      layer.features.reduce((sum, f) => {
        const [p, q2] = f.geometry.coordinates;
        return sum + Math.hypot(p[0] - q2[0], p[1] - q2[1]);
      }, 0);
    const layerStatic = await get('/api/coverage/layer?seconds=180&profile=static');
    const layerLearned = await get('/api/coverage/layer?seconds=180&profile=learned:Mon-08');
    expect(layerStatic.profile).toBe('static');
    expect(layerLearned.profile).toBe('learned:Mon-08');
    expect(reached(layerLearned)).toBeLessThan(0.9 * reached(layerStatic));

    // Closure-plan travel times: every reachable unit × checkpoint longer, at most twice as long.
    const routing = await t.ctx.eta.routing(city, 'learned:Mon-08');
    expect(routing.label).toBe('learned:Mon-08');
    const from = unitSnaps(city, UNITS);
    const to = CHECKPOINTS.map((c) => city.snapper.snap(c.lon, c.lat, 200));
    const fixed = travelTimes(city, from, to);
    const learned = travelTimes(city, from, to, 3600, routing);
    let compared = 0;
    for (let i = 0; i < UNITS.length; i++)
      for (let j = 0; j < CHECKPOINTS.length; j++) {
        if (!Number.isFinite(fixed[i][j])) continue;
        compared++;
        expect(learned[i][j]).toBeGreaterThan(1.4 * fixed[i][j]);
        expect(learned[i][j]).toBeLessThanOrEqual(2 * fixed[i][j] * (1 + 1e-6));
      }
    expect(compared).toBeGreaterThanOrEqual(4);
    // The routing of the hour now, what plans activate with: the clock is at Monday 08:00 UTC,
    // Monday 16:00 in Shenzhen, and the label names the local hour.
    expect((await t.ctx.eta.routing(city, 'learned')).label).toBe('learned:Mon-16');
    expect((await t.ctx.eta.routing(city, 'static')).label).toBe('static');

    // The interception advisor times units with the hour now too, and says so: every street is
    // learned at half speed, so the nearest unit's time to each checkpoint grows 1.4–2×.
    const advice = (await get(
      `/api/perimeter/intercept?lon=${SCENE.lon}&lat=${SCENE.lat}&minutes=0.5`,
    )) as Advice;
    expect(advice.profile).toBe('learned:Mon-16');
    expect(advice.activateNow.map((c) => c.checkpointId).sort()).toEqual([...staticAdvice.keys()].sort());
    for (const c of advice.activateNow) {
      const before = staticAdvice.get(c.checkpointId)!;
      expect(c.nearestUnit?.etaSeconds).toBeGreaterThan(1.4 * before);
      expect(c.nearestUnit?.etaSeconds).toBeLessThanOrEqual(2 * before * (1 + 1e-6));
    }
  }, 300_000);
});
