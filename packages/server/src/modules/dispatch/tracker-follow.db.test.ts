import { createEvent } from '@citywatch/core/events/bus';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppHandle, buildApp } from '../../app.js';
import { loadConfig } from '../../config.js';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { asDevice, issueDevice } from '../../test/devices.js';

// Real places on the bundled Shenzhen Longgang extract (OpenStreetMap), as in dispatch.db.test.ts.
const SCENE = { lon: 114.2075, lat: 22.6915 };
const FAR = [
  { lon: 114.2005, lat: 22.6805 },
  { lon: 114.2225, lat: 22.6955 },
];
const NEXT_TO_SCENE = { lon: 114.2072, lat: 22.6913 };

/**
 * Two API nodes on one database and one bus (issue 17): node A takes a unit's AVL fix; a
 * recommendation on node B, whose tracker was built before the fix, ranks the unit from its new
 * position, with the same road time as node A. A fix older than the one known arriving late is
 * ignored. (The in-process bus stands for NATS here: the follower sees the same events either way.)
 */
describe(`unit positions followed on every node (${process.env.CITYWATCH_TEST_DB})`, () => {
  let a: TestApp;
  let b: AppHandle;
  const units: { id: string; terminal: string }[] = [];

  const fix = (i: number, place: { lon: number; lat: number }) =>
    asDevice(a, units[i].terminal, {
      method: 'POST',
      url: '/api/dispatch/avl',
      payload: { positions: [{ unitId: units[i].id, at: a.ctx.now().toISOString(), ...place }] },
    });
  const ranking = async (node: AppHandle['ctx']) =>
    (await node.dispatch.nearestAvailableUnits(SCENE.lon, SCENE.lat, 2)).map((r) => [
      r.unitId,
      Math.round(r.etaSeconds * 10) / 10,
    ]);

  beforeAll(async () => {
    a = await createTestApp();
    await ensureBundledCity(a.ctx, () => {});
    const config = {
      ...loadConfig({ CITYWATCH_DEMO: 'off', LOG_LEVEL: 'silent', LOG_FORMAT: 'json' } as NodeJS.ProcessEnv),
      webDist: '/nonexistent',
    };
    b = await buildApp({ config, db: a.testDb.db, bus: a.ctx.bus, now: () => a.ctx.now() });
    await b.app.ready();
    await b.start({});
    const admin = await a.login('admin', ADMIN_PASSWORD);
    for (const callSign of ['龙岗21', '龙岗22']) {
      const r = await a.as(admin, {
        method: 'POST',
        url: '/api/dispatch/units',
        payload: { callSign, kind: 'patrol_car' },
      });
      expect(r.statusCode, r.body).toBe(201);
      const id = r.json().id as string;
      units.push({ id, terminal: (await issueDevice(a, { unitId: id })).token });
    }
    for (const i of [0, 1]) expect((await fix(i, FAR[i])).json()).toMatchObject({ accepted: 1 });
  });
  afterAll(async () => {
    await b?.app.close();
    await a?.close();
  });

  it("ranks by a fix taken on the other node, and ignores an older fix's late event", async () => {
    // Both trackers built from the database: the same ranking on both nodes.
    const before = await ranking(b.ctx);
    expect(before).toEqual(await ranking(a.ctx));
    expect(before.map(([id]) => id)).toHaveLength(2);
    const farTime = before.find(([id]) => id === units[1].id)?.[1] as number;

    a.advance(2_000);
    const moved = await fix(1, NEXT_TO_SCENE);
    expect(moved.json()).toMatchObject({ accepted: 1, outOfOrder: 0 });
    await new Promise((r) => setImmediate(r));
    const onA = await ranking(a.ctx);
    const onB = await ranking(b.ctx);
    expect(onA[0][0]).toBe(units[1].id);
    expect(onA[0][1]).toBeLessThan(farTime);
    expect(onB).toEqual(onA);
    // Node A skipped its own event (it had moved the unit already); node B applied it.
    expect(b.ctx.dispatch.unitsService.positions.applied).toBeGreaterThanOrEqual(3);
    expect(a.ctx.dispatch.unitsService.positions.applied).toBe(0);

    // An older fix of the unit, far away, whose event comes late (another node published it
    // slowly): no node moves the unit back.
    await a.ctx.bus.publish(
      createEvent(
        'dispatch.unit_changed',
        null,
        {
          unitId: units[1].id,
          callSign: '龙岗22',
          status: 'available',
          incidentId: null,
          ...FAR[1],
          heading: null,
          fixAt: new Date(a.ctx.now().getTime() - 1_000).toISOString(),
        },
        { id: uuidv7(), at: a.ctx.now() },
      ),
    );
    await new Promise((r) => setImmediate(r));
    expect(await ranking(b.ctx)).toEqual(onA);
    expect(await ranking(a.ctx)).toEqual(onA);
  });
});
