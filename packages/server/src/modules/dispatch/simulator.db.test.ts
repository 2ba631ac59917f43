import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity, startSimulator } from '../../demo.js';
import { createTestApp, type TestApp } from '../../test/app.js';
import type { CitySimulator } from './simulator.js';

/** Two simulated hours of the bundled city, stepped by hand: calls come, units go, incidents close. */
describe(`city-day simulator (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let sim: CitySimulator;
  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    sim = (await startSimulator(t.app, t.ctx, { speed: 60 }, () => {}))!;
    sim.stop(); // the test steps it itself
  });
  afterAll(() => t.close());

  it('runs units along real roads and answers calls through the API', async () => {
    const before = await t.ctx.dispatch.units();
    expect(before.length).toBe(8);
    for (let i = 0; i < 120; i++) {
      t.advance(1000); // one real second per tick at 60×
      await sim.tick(60);
    }
    const incidents = await t.ctx.db.kysely
      .selectFrom('incidents')
      .select(['status', 'dispatched_at', 'arrived_at'])
      .execute();
    expect(incidents.length).toBeGreaterThan(10);
    expect(incidents.filter((i) => i.status === 'closed').length).toBeGreaterThan(3);
    // Every arrival came after its dispatch.
    for (const i of incidents.filter((x) => x.arrived_at))
      expect(new Date(i.arrived_at!).getTime()).toBeGreaterThanOrEqual(new Date(i.dispatched_at!).getTime());
    const after = await t.ctx.dispatch.units();
    const moved = after.filter((u) => {
      const b = before.find((x) => x.id === u.id)!;
      return u.lon !== b.lon || u.lat !== b.lat;
    });
    expect(moved.length).toBeGreaterThan(4);
    // Positions stay on the road network.
    const city = (await t.ctx.places.city(undefined))!;
    for (const u of after) expect(city.snapper.snap(u.lon!, u.lat!, 5)).not.toBeNull();
    expect([...sim.refusals.keys()].filter((k) => !k.endsWith(' 409'))).toEqual([]);
  });
});
