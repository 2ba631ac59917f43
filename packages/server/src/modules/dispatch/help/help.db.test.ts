import type { DomainEvent } from '@citywatch/core/events/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../../test/app.js';

// A spot in 龙城派出所's jurisdiction, and one in 龙岗派出所's.
const SAME_SPOT = { lon: 114.1955, lat: 22.6955 };
const SIBLING_SPOT = { lon: 114.2075, lat: 22.6915 };

/**
 * Cross-station help: a station asks another station for its unit; only the asked station accepts
 * (then the unit is dispatched) or declines; the city sends any unit directly.
 */
describe(`cross-station help requests (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  const orgId: Record<string, string> = {};
  const events: DomainEvent[] = [];
  const as = (username: string) => t.login(username, 'a-long-password');

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    t.ctx.bus.subscribe((e) => {
      events.push(e);
    });
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
      kind: string;
    }[];
    orgId.same = orgs.find((o) => o.name === '龙城派出所')!.id;
    orgId.sibling = orgs.find((o) => o.name === '龙岗派出所')!.id;
    orgId.city = orgs.find((o) => o.kind === 'city_bureau')!.id;
    for (const [username, org] of [
      ['help.same', 'same'],
      ['help.sibling', 'sibling'],
      ['help.city', 'city'],
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

  async function unitOf(org: 'same' | 'sibling', callSign: string) {
    const unit = await t.ctx.dispatch.createUnit({ callSign, kind: 'patrol_car', homeOrgId: orgId[org] });
    await t.ctx.dispatch.ingestPositions(
      [{ unitId: unit.id, at: t.ctx.now().toISOString(), ...SIBLING_SPOT }],
      await t.ctx.places.city(undefined),
    );
    return unit.id;
  }
  async function incidentOf(cookie: string, spot = SAME_SPOT) {
    const r = await t.as(cookie, {
      method: 'POST',
      url: '/api/dispatch/incidents',
      payload: {
        category: 'dispute',
        subcategory: 'neighbour',
        priority: 'P2',
        ...spot,
        narrative: '需要支援',
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().incident.id as string;
  }
  const ask = (cookie: string, incidentId: string, unitId: string) =>
    t.as(cookie, {
      method: 'POST',
      url: `/api/dispatch/incidents/${incidentId}/help-requests`,
      payload: { unitId, note: '警力不足，请求支援一辆巡逻车' },
    });

  it('asks a sibling station for its unit; only that station accepts, and the unit is dispatched', async () => {
    const same = await as('help.same');
    const sibling = await as('help.sibling');
    const incidentId = await incidentOf(same);
    const theirs = await unitOf('sibling', '龙岗巡21');

    // A station does not send another station's unit itself.
    const direct = await t.as(same, {
      method: 'POST',
      url: `/api/dispatch/incidents/${incidentId}/dispatch`,
      payload: { unitId: theirs },
    });
    expect(direct.statusCode).toBe(403);

    events.length = 0;
    const asked = await ask(same, incidentId, theirs);
    expect(asked.statusCode, asked.body).toBe(201);
    const request = asked.json();
    expect(request).toMatchObject({
      status: 'pending',
      incidentId,
      unitId: theirs,
      callSign: '龙岗巡21',
      fromOrgId: orgId.same,
      toOrgId: orgId.sibling,
      fromOrgName: '龙城派出所',
      toOrgName: '龙岗派出所',
      asked: false,
    });
    const announced = events.filter((e) => e.type === 'dispatch.help_changed');
    expect(announced.map((e) => e.orgId).sort()).toEqual([orgId.same, orgId.sibling].sort());
    expect((await ask(same, incidentId, theirs)).statusCode).toBe(409); // asked already

    // The asking station cannot accept its own request; the asked one sees it as asked of it.
    expect(
      (await t.as(same, { method: 'POST', url: `/api/dispatch/help-requests/${request.id}/accept` }))
        .statusCode,
    ).toBe(404);
    const listed = await t.as(sibling, { method: 'GET', url: '/api/dispatch/help-requests' });
    expect(listed.json().items).toEqual([
      expect.objectContaining({ id: request.id, asked: true, incidentNumber: expect.any(String) }),
    ]);

    const accepted = await t.as(sibling, {
      method: 'POST',
      url: `/api/dispatch/help-requests/${request.id}/accept`,
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({ status: 'accepted', decidedAt: expect.any(String) });
    const unit = await t.ctx.db.kysely
      .selectFrom('units')
      .select(['status', 'current_incident_id'])
      .where('id', '=', theirs)
      .executeTakeFirstOrThrow();
    expect(unit).toEqual({ status: 'dispatched', current_incident_id: incidentId });
    const detail = await t.as(same, { method: 'GET', url: `/api/dispatch/incidents/${incidentId}` });
    expect(detail.json().status).toBe('dispatched');
    const again = await t.as(sibling, {
      method: 'POST',
      url: `/api/dispatch/help-requests/${request.id}/accept`,
    });
    expect(again.statusCode).toBe(409);
    // Each write staged its two events (asking and asked station) with it in the outbox; the
    // refused second acceptance staged none. The bus delivered them after the commit.
    const staged = await t.ctx.db.kysely
      .selectFrom('event_outbox')
      .select('event')
      .where('type', '=', 'dispatch.help_changed')
      .orderBy('id')
      .execute();
    expect(
      staged
        .map((r) => r.event as DomainEvent & { payload: { requestId: string; status: string } })
        .filter((e) => e.payload.requestId === request.id)
        .map((e) => [e.payload.status, e.orgId]),
    ).toEqual([
      ['pending', orgId.same],
      ['pending', orgId.sibling],
      ['accepted', orgId.same],
      ['accepted', orgId.sibling],
    ]);
    expect(events.filter((e) => e.type === 'dispatch.help_changed')).toHaveLength(4);

    await expect
      .poll(async () =>
        (
          await t.ctx.db.kysely
            .selectFrom('audit_log')
            .select('resource')
            .where('resource', 'in', [`help-request:${request.id}`, `incident:${incidentId}`])
            .where('username', 'in', ['help.same', 'help.sibling'])
            .execute()
        )
          .map((r) => r.resource)
          .sort(),
      )
      .toEqual(expect.arrayContaining([`help-request:${request.id}`, `incident:${incidentId}`]));
  });

  it('the asked station declines with a reason; a station asks for none of its own units', async () => {
    const same = await as('help.same');
    const sibling = await as('help.sibling');
    const incidentId = await incidentOf(same);
    const theirs = await unitOf('sibling', '龙岗巡22');
    const request = (await ask(same, incidentId, theirs)).json();
    const noReason = await t.as(sibling, {
      method: 'POST',
      url: `/api/dispatch/help-requests/${request.id}/decline`,
      payload: {},
    });
    expect(noReason.statusCode).toBe(400);
    const declined = await t.as(sibling, {
      method: 'POST',
      url: `/api/dispatch/help-requests/${request.id}/decline`,
      payload: { reason: '本所警力正在处置群体性事件' },
    });
    expect(declined.statusCode, declined.body).toBe(200);
    expect(declined.json()).toMatchObject({
      status: 'declined',
      declineReason: '本所警力正在处置群体性事件',
    });
    const unit = await t.ctx.db.kysely
      .selectFrom('units')
      .select('status')
      .where('id', '=', theirs)
      .executeTakeFirstOrThrow();
    expect(unit.status).toBe('available');
    expect(
      (await t.as(sibling, { method: 'POST', url: `/api/dispatch/help-requests/${request.id}/accept` }))
        .statusCode,
    ).toBe(409);

    const ours = await unitOf('same', '龙城巡22');
    const own = await ask(same, incidentId, ours);
    expect(own.statusCode).toBe(409);
    expect(own.json().errors[0]).toMatchObject({ field: 'unitId', rule: 'own_unit' });

    // The sibling cannot ask on another station's incident (it does not see it).
    expect((await ask(sibling, incidentId, ours)).statusCode).toBe(404);
    // Nor list a request it takes no part in.
    const third = await incidentOf(sibling, SIBLING_SPOT);
    const cityUnit = await t.ctx.dispatch.createUnit({
      callSign: '市局机动01',
      kind: 'patrol_car',
      homeOrgId: orgId.city,
    });
    const fromSibling = (await ask(sibling, third, cityUnit.id)).json();
    const sameList = await t.as(same, { method: 'GET', url: '/api/dispatch/help-requests' });
    expect((sameList.json().items as { id: string }[]).map((r) => r.id)).not.toContain(fromSibling.id);
  });

  it("city-level dispatch sends any station's unit directly", async () => {
    const city = await as('help.city');
    const incidentId = await incidentOf(city);
    const theirs = await unitOf('sibling', '龙岗巡23');
    const sent = await t.as(city, {
      method: 'POST',
      url: `/api/dispatch/incidents/${incidentId}/dispatch`,
      payload: { unitId: theirs },
    });
    expect(sent.statusCode, sent.body).toBe(200);
  });
});
