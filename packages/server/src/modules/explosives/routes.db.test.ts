import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

const SPOT = { lon: 114.1955, lat: 22.6955 }; // in 龙城派出所's jurisdiction
const code = (n: number) => `5${n.toString().padStart(12, '0')}`;
const codes = (from: number, n: number) => Array.from({ length: n }, (_, i) => code(from + i));

/** 民爆物品 over HTTP: an enterprise's permit through four eyes, postings against it, daily close, alarms. */
describe(`explosives routes (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  const orgs: Record<string, string> = {};
  const cookie: Record<string, string> = {};
  const userId: Record<string, string> = {};
  let mine = '';

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    for (const o of (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
    }[])
      orgs[o.name] = o.id;
    for (const [username, roles, org] of [
      ['insp.lc', ['industry_inspector'], '龙城派出所'],
      ['cmd.lc', ['commander'], '龙城派出所'],
      ['insp.lg', ['industry_inspector'], '龙岗派出所'],
      ['mine.user', ['enterprise'], '龙城派出所'],
    ] as const) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: { username, displayName: username, password: 'a-long-password', orgId: orgs[org], roles },
      });
      expect(r.statusCode, r.body).toBe(201);
      userId[username] = r.json().id;
      cookie[username] = await t.login(username, 'a-long-password');
    }
    const unit = await t.as(cookie['insp.lc'] as string, {
      method: 'POST',
      url: '/api/oversight/units',
      payload: {
        industry: 'explosives',
        name: '龙城矿业',
        licenceNo: 'MB-2026-01',
        address: '龙城 1 号',
        ...SPOT,
      },
    });
    expect(unit.statusCode, unit.body).toBe(201);
    mine = unit.json().id;
    const bind = await t.as(admin, {
      method: 'POST',
      url: `/api/oversight/units/${mine}/users`,
      payload: { userId: userId['mine.user'] },
    });
    expect(bind.statusCode, bind.body).toBe(204);
    for (const p of [
      { code: 'EDET-8M', name: '电子雷管', kind: 'itemised' },
      { code: 'EMUL-32', name: '乳化炸药', kind: 'bulk' },
    ]) {
      expect(
        (await t.as(admin, { method: 'POST', url: '/api/explosives/products', payload: p })).statusCode,
      ).toBe(201);
    }
    const mag = await t.as(cookie['insp.lc'] as string, {
      method: 'POST',
      url: '/api/explosives/magazines',
      payload: {
        enterpriseId: mine,
        name: 'M1',
        orgId: orgs['龙城派出所'],
        capacity: [{ product: 'EDET-8M', quantity: 50 }],
      },
    });
    expect(mag.statusCode, mag.body).toBe(201);
  }, 300_000);
  afterAll(() => t.close());

  const day = () => new Date(t.ctx.now().getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  const at = () => new Date(t.ctx.now().getTime() - 3600_000).toISOString();
  let permit = '';

  /** The payloads of one event type staged in the outbox, oldest first. */
  const outboxPayloads = async (type: string) =>
    (
      await t.ctx.db.kysely
        .selectFrom('event_outbox')
        .select('event')
        .where('type', '=', type)
        .orderBy('id')
        .execute()
    ).map((r) => (r.event as { payload: Record<string, unknown> }).payload);

  it('an enterprise applies; two different officers approve (the same one twice is refused)', async () => {
    const r = await t.as(cookie['mine.user'] as string, {
      method: 'POST',
      url: '/api/explosives/permits',
      payload: {
        kind: 'purchase',
        validFrom: day(),
        validTo: day(),
        items: [{ product: 'EDET-8M', quantity: 30 }],
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    permit = r.json().id;
    expect(r.json()).toMatchObject({ enterpriseId: mine, status: 'applied', approvals: 0 });
    const url = `/api/explosives/permits/${permit}/approve`;
    expect((await t.as(cookie['insp.lg'] as string, { method: 'POST', url })).statusCode).toBe(404);
    const first = await t.as(cookie['cmd.lc'] as string, { method: 'POST', url });
    expect(first.json()).toMatchObject({ status: 'applied', approvals: 1 });
    const again = await t.as(cookie['cmd.lc'] as string, {
      method: 'POST',
      url,
      headers: { 'accept-language': 'en' },
    });
    expect(again.statusCode).toBe(400);
    expect(again.json().errors[0]).toMatchObject({ field: 'approver', rule: 'four_eyes' });
    const second = await t.as(admin, { method: 'POST', url });
    expect(second.json()).toMatchObject({ status: 'approved', approvals: 2 });
    const audit = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select('resource')
      .where('resource', '=', `permit:${permit}`)
      .execute();
    expect(audit.length).toBeGreaterThanOrEqual(2);
    // Each step's event was written with the step (transactional outbox); the refusals wrote none.
    expect(
      (await outboxPayloads('explosives.permit'))
        .filter((p) => p.permitId === permit)
        .map((p) => [p.status, p.approvals]),
    ).toEqual([
      ['applied', 0],
      ['applied', 1],
      ['approved', 2],
    ]);
  });

  it('posts against the permit; beyond its remaining quantity, over capacity or bad input is refused whole', async () => {
    const post = (movements: unknown[]) =>
      t.as(cookie['mine.user'] as string, {
        method: 'POST',
        url: '/api/explosives/movements',
        payload: { enterpriseId: mine, movements },
      });
    const receipt = (id: string, serials: string[], permitId = permit) => ({
      id,
      time: at(),
      from: 'supplier:ACME',
      to: 'magazine:M1',
      product: 'EDET-8M',
      quantity: serials.length,
      serials,
      permit: permitId,
    });
    const ok = await post([receipt('R1', codes(0, 20))]);
    expect(ok.json(), ok.body).toMatchObject({ posted: 1 });
    const beyond = await post([receipt('R2', codes(20, 20))]);
    expect(beyond.json().results[0]).toMatchObject({
      status: 'refused',
      violations: [{ field: 'quantity', rule: 'permit_remaining' }],
    });
    const bad = await post([
      { ...receipt('R3', codes(40, 2)), quantity: 3 },
      { ...receipt('R4', ['bad']), quantity: 1 },
      { ...receipt('R5', codes(50, 1)), permit: null },
      { ...receipt('R6', codes(60, 1)), to: 'warehouse:W' },
    ]);
    expect(bad.json().results.map((r: { violations: unknown[] }) => r.violations[0])).toEqual([
      { field: 'quantity', rule: 'matches_serials' },
      { field: 'serials[0]', rule: 'serial_format' },
      { field: 'permit', rule: 'permit_required' },
      { field: 'to', rule: 'known_account' },
    ]);
    const remaining = await t.as(cookie['cmd.lc'] as string, {
      method: 'GET',
      url: `/api/explosives/permits`,
    });
    expect(remaining.json().items[0].items[0]).toMatchObject({ quantity: 30, remaining: 10 });
    const mags = await t.as(cookie['insp.lc'] as string, {
      method: 'GET',
      url: `/api/explosives/magazines?enterpriseId=${mine}`,
    });
    expect(mags.json().items[0].stock).toEqual([{ product: 'EDET-8M', quantity: 20, capacity: 50 }]);
    const other = await t.as(cookie['insp.lg'] as string, {
      method: 'GET',
      url: `/api/explosives/magazines?enterpriseId=${mine}`,
    });
    expect(other.statusCode).toBe(404);
  });

  it('a daily count below the book raises an alarm the station and the city see, not the neighbour', async () => {
    const count = (date: string, counted: number) =>
      t.as(cookie['mine.user'] as string, {
        method: 'POST',
        url: '/api/explosives/counts',
        payload: {
          enterpriseId: mine,
          date,
          counts: [{ account: 'magazine:M1', product: 'EDET-8M', counted }],
        },
      });
    const future = await count('2099-01-01', 20);
    expect(future.statusCode).toBe(400);
    expect(future.json().errors[0]).toMatchObject({ field: 'date', rule: 'not_in_future' });
    const r = await count(day(), 19);
    expect(r.json().variances).toEqual([
      { account: 'magazine:M1', product: 'EDET-8M', book: 20, counted: 19 },
    ]);
    for (const [who, sees] of [
      ['insp.lc', true],
      ['mine.user', true],
      ['insp.lg', false],
    ] as const) {
      const list = await t.as(cookie[who] as string, { method: 'GET', url: '/api/explosives/alarms' });
      expect(list.statusCode).toBe(200);
      expect(
        list.json().items.some((a: { kind: string }) => a.kind === 'variance'),
        who,
      ).toBe(sees);
    }
    const city = await t.as(admin, { method: 'GET', url: '/api/explosives/alarms' });
    const alarm = city.json().items[0];
    expect(alarm).toMatchObject({ kind: 'variance', reportedAt: null });
    expect(Date.parse(alarm.reportDueAt) - Date.parse(alarm.raisedAt)).toBe(24 * 3600_000);
    // The alarm and its event committed together; the refused future count raised nothing.
    expect((await outboxPayloads('explosives.alarm')).filter((p) => p.kind === 'variance')).toEqual([
      expect.objectContaining({ alarmId: alarm.id, enterpriseId: mine, reportDueAt: alarm.reportDueAt }),
    ]);
  });

  it('a transport vehicle leaving its permitted route raises one route alarm per episode', async () => {
    const route: [number, number][] = [
      [114.19, 22.69],
      [114.25, 22.69],
    ];
    const applied = await t.as(cookie['mine.user'] as string, {
      method: 'POST',
      url: '/api/explosives/permits',
      payload: {
        kind: 'transport',
        validFrom: day(),
        validTo: day(),
        items: [{ product: 'EDET-8M', quantity: 20 }],
        route: '龙城矿业库房 → 龙岗爆破点',
        vehicle: '粤B·E1234',
        escort: '押运员二名',
        routeLine: route,
      },
    });
    expect(applied.statusCode, applied.body).toBe(201);
    const id = applied.json().id;
    const track = (fixes: unknown[]) =>
      t.as(cookie['mine.user'] as string, {
        method: 'POST',
        url: `/api/explosives/permits/${id}/track`,
        payload: { fixes },
      });
    expect((await track([{ at: at(), lon: 114.2, lat: 22.69 }])).statusCode).toBe(409); // not approved yet
    for (const who of ['cmd.lc', 'insp.lc']) {
      const r = await t.as(cookie[who] as string, {
        method: 'POST',
        url: `/api/explosives/permits/${id}/approve`,
      });
      expect(r.statusCode, r.body).toBe(200);
    }
    const t0 = t.ctx.now().getTime() - 3600_000;
    const fixes = Array.from({ length: 12 }, (_, i) => ({
      at: new Date(t0 + i * 120_000).toISOString(),
      lon: 114.19 + i * 0.005,
      lat: 22.69 + (i >= 5 && i <= 7 ? 0.01 : 0), // ~1.1 km north for three fixes
    }));
    const first = await track(fixes);
    expect(first.json(), first.body).toMatchObject({ stored: 12, alarms: [{ kind: 'route_deviation' }] });
    const again = await track(fixes.slice(-2));
    expect(again.json().alarms).toEqual([]);
    const other = await t.as(cookie['insp.lg'] as string, {
      method: 'POST',
      url: `/api/explosives/permits/${id}/track`,
      payload: { fixes: fixes.slice(0, 1) },
    });
    expect(other.statusCode).toBe(404);
  });
});
