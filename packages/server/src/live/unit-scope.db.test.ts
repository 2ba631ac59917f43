import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ensureBundledCity } from '../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../test/app.js';

type Frame = {
  kind: string;
  event?: { type: string; orgId: string | null; payload: Record<string, unknown> };
};

/**
 * What a sibling station sees live of another station's units: call sign, status and position,
 * never the incident the unit serves (the same rule as GET /api/dispatch/units).
 */
describe(`live unit events by org (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let base: string;
  const orgId: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    base = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
      kind: string;
    }[];
    orgId.same = orgs.find((o) => o.name === '龙城派出所')!.id;
    orgId.sibling = orgs.find((o) => o.name === '龙岗派出所')!.id;
    orgId.parent = orgs.find((o) => o.name === '龙岗分局')!.id;
    orgId.city = orgs.find((o) => o.kind === 'city_bureau')!.id;
    for (const [username, org] of [
      ['disp.same', 'same'],
      ['disp.sibling', 'sibling'],
      ['disp.parent', 'parent'],
      ['disp.city', 'city'],
    ] as const) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: {
          username,
          displayName: username,
          password: 'a-long-password',
          orgId: orgId[org],
          roles: ['dispatcher'],
        },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
  });
  afterAll(() => t.close());

  async function open(username: string) {
    const cookie = await t.login(username, 'a-long-password');
    const ws = new WebSocket(`ws://${base}/api/live`, {
      headers: { cookie, origin: 'http://localhost:8080' },
    });
    const frames: Frame[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise((resolve) => ws.once('open', resolve));
    const unitEvents = (unitId: string) =>
      frames.filter((f) => f.event?.type === 'dispatch.unit_changed' && f.event.payload.unitId === unitId);
    return { ws, frames, unitEvents };
  }
  const until = async (ok: () => boolean) => {
    for (let i = 0; i < 150 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  };

  it("gives a sibling station's console the unit's position and status, not its incident", async () => {
    const city = await t.login('disp.city', 'a-long-password');
    const unit = await t.ctx.dispatch.createUnit({
      callSign: '龙城巡99',
      kind: 'patrol_car',
      homeOrgId: orgId.same,
    });
    await t.ctx.dispatch.ingestPositions(
      [{ unitId: unit.id, at: t.ctx.now().toISOString(), lon: 114.1955, lat: 22.6955 }],
      await t.ctx.places.city(undefined),
    );
    const incident = await t.as(city, {
      method: 'POST',
      url: '/api/dispatch/incidents',
      payload: {
        category: 'dispute',
        subcategory: 'neighbour',
        priority: 'P2',
        lon: 114.1955,
        lat: 22.6955,
        narrative: '纠纷',
      },
    });
    expect(incident.statusCode, incident.body).toBe(201);
    const incidentId = incident.json().incident.id as string;
    const owner = await t.ctx.db.kysely
      .selectFrom('incidents')
      .select('org_id')
      .where('id', '=', incidentId)
      .executeTakeFirstOrThrow();
    expect(owner.org_id, 'the spot lies in 龙城派出所 jurisdiction').toBe(orgId.same);

    const consoles = {
      same: await open('disp.same'),
      sibling: await open('disp.sibling'),
      parent: await open('disp.parent'),
      city: await open('disp.city'),
    };
    const sent = await t.as(city, {
      method: 'POST',
      url: `/api/dispatch/incidents/${incidentId}/dispatch`,
      payload: { unitId: unit.id },
    });
    expect(sent.statusCode, sent.body).toBe(200);
    t.advance(5_000);
    await t.ctx.dispatch.ingestPositions(
      [{ unitId: unit.id, at: t.ctx.now().toISOString(), lon: 114.1956, lat: 22.6955 }],
      await t.ctx.places.city(undefined),
    );
    await until(() => Object.values(consoles).every((c) => c.unitEvents(unit.id).length >= 2));

    for (const name of ['same', 'parent', 'city'] as const) {
      const events = consoles[name].unitEvents(unit.id);
      expect(events.length, name).toBeGreaterThanOrEqual(2);
      for (const e of events) expect(e.event?.payload.incidentId, name).toBe(incidentId);
    }
    const seen = consoles.sibling.unitEvents(unit.id);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const e of seen) {
      expect(e.event?.payload).toMatchObject({
        unitId: unit.id,
        callSign: '龙城巡99',
        status: 'dispatched',
        incidentId: null,
      });
      expect(e.event?.payload.lon).toEqual(expect.any(Number));
    }
    expect(JSON.stringify(consoles.sibling.frames)).not.toContain(incidentId);
    for (const c of Object.values(consoles)) c.ws.close();
  });
});
