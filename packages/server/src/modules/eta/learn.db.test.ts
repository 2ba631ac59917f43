/**
 * The nightly learning run on the database: one simulated day of three units' AVL fixes on Monaco
 * (OpenStreetMap contributors, ODbL) stored in unit_positions, learned once per day, statistics
 * accumulated per edge and hour, a unit whose fixes are all at sea reported unmatchable and
 * adding nothing.
 */
import path from 'node:path';
import { simulateFleet } from '@citywatch/core/roads/matching/simulate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/app.js';
import { importCity } from '../roads/city-import.js';

const MONACO = path.resolve(import.meta.dirname, '../../../../../../shared/data/roads/monaco/monaco.osm.pbf');
const DAY = '2026-11-24'; // a Tuesday

describe(`nightly travel-time learning (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    await importCity(t.ctx.db.kysely, { file: MONACO, name: 'monaco' }, t.ctx.now());
  }, 180_000);
  afterAll(() => t.close());

  it('learns a day of AVL fixes once, per edge and hour; an unmatchable trace adds nothing', async () => {
    const city = await t.ctx.places.city(undefined);
    const graph = city.graph;
    const { rows } = simulateFleet(graph, {
      vehicles: 3,
      days: 1,
      start: Date.parse(`${DAY}T00:00:00Z`) / 1000,
      seed: 9,
    });
    const ids: Record<string, string> = {};
    for (const v of ['unit-1', 'unit-2', 'unit-3', 'at-sea']) {
      const u = await t.ctx.dispatch.createUnit({ callSign: `ETA-${v}`, kind: 'patrol_car' });
      ids[v] = u.id;
    }
    const values = rows
      .filter((r) => r.time < Date.parse(`${DAY}T00:00:00Z`) / 1000 + 86_400)
      .map((r) => ({ unit_id: ids[r.vehicle], at: new Date(r.time * 1000), lon: r.lon, lat: r.lat }));
    let south = 90;
    for (let v = 0; v < graph.nodeCount; v++) south = Math.min(south, graph.nodeLat[v]);
    for (let i = 0; i < 30; i++) {
      values.push({
        unit_id: ids['at-sea'],
        at: new Date(Date.parse(`${DAY}T10:00:00Z`) + i * 5000),
        lon: 7.42 + i * 1e-4,
        lat: south - 0.05,
      });
    }
    // A fix of the day before: not part of this run.
    values.push({
      unit_id: ids['unit-1'],
      at: new Date(Date.parse(`${DAY}T00:00:00Z`) - 1000),
      lon: 7.42,
      lat: 43.73,
    });
    for (let i = 0; i < values.length; i += 1000) {
      await t.ctx.db.kysely
        .insertInto('unit_positions')
        .values(values.slice(i, i + 1000))
        .execute();
    }
    const run = await t.ctx.eta.learnDay(DAY, 'manual');
    expect(run.ran).toBe(true);
    expect(run.units).toBe(4);
    expect(run.fixes).toBe(values.length - 1);
    expect(run.unmatchable_trips).toBe(1);
    expect(run.skipped.far_from_road).toBeGreaterThanOrEqual(30);
    expect(run.matched / run.fixes).toBeGreaterThan(0.9);
    expect(run.traversals).toBeGreaterThan(1000);
    const stored = await t.ctx.db.kysely
      .selectFrom('eta_edge_observations')
      .select((eb) => [eb.fn.sum<number>('n').as('n'), eb.fn.countAll<number>().as('cells')])
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(run.traversals);
    // The UTC Tuesday's hours only, stored as the city's local hours (Asia/Shanghai, UTC+8):
    // Tuesday 08:00 to Wednesday 07:59.
    const hours = await t.ctx.db.kysely
      .selectFrom('eta_edge_observations')
      .select('hour_of_week')
      .distinct()
      .execute();
    for (const h of hours) expect(Math.floor((h.hour_of_week - 8) / 24)).toBe(1);
    expect(hours.some((h) => h.hour_of_week >= 48)).toBe(true);

    // Learned once: a second run (another node, or the on-demand one) does nothing.
    const again = await t.ctx.eta.learnDay(DAY, 'nightly');
    expect(again.ran).toBe(false);
    const runs = await t.ctx.db.kysely.selectFrom('eta_learn_runs').selectAll().execute();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      day: DAY,
      trigger: 'manual',
      traversals: run.traversals,
      unmatchable_trips: 1,
    });

    // The profile: well-observed cells moved off the static time (the simulator's streets are slower).
    const profile = await t.ctx.eta.profile();
    expect(profile.observations).toBe(run.traversals);
    let slower = 0; // sum of learned / static
    let observed = 0;
    const cells = await t.ctx.db.kysely
      .selectFrom('eta_edge_observations')
      .select(['edge', 'hour_of_week', 'n'])
      .where('n', '>=', 3)
      .execute();
    for (const c of cells) {
      observed++;
      slower += profile.times[c.edge * 168 + c.hour_of_week] / graph.edgeTime[c.edge];
    }
    expect(observed).toBeGreaterThan(0);
    // Hidden per-street factors of 0.9–1.6 and the daytime peaks: about 1.3 times static on average.
    expect(slower / observed).toBeGreaterThan(1.1);
  });
});
