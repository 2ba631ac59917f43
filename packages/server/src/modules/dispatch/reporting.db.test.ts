import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { asDevice, issueDevice } from '../../test/devices.js';

const SPOT = { lon: 114.2005, lat: 22.6805 };

/**
 * Who reports for a unit: its AVL terminal (bound to it) or a patrol officer signed on to it for
 * the shift; a dispatcher sets the status of units they command without signing on.
 */
describe(`unit reports: AVL terminals and sign-on (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  const unit: Record<'a' | 'b', string> = { a: '', b: '' };
  let terminalA: { id: string; token: string };

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    const orgId = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items[0].id;
    for (const [username, roles] of [
      ['officer.zhou', ['patrol_officer']],
      ['officer.wu', ['patrol_officer']],
      ['dispatcher.zheng', ['dispatcher']],
    ] as const) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: { username, displayName: username, password: 'a-long-password', orgId, roles },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    for (const key of ['a', 'b'] as const) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/dispatch/units',
        payload: { callSign: `签到${key.toUpperCase()}`, kind: 'patrol_car' },
      });
      expect(r.statusCode, r.body).toBe(201);
      unit[key] = r.json().id;
    }
    terminalA = await issueDevice(t, { unitId: unit.a });
  });
  afterAll(() => t.close());

  const fix = (unitId: string, offsetMs = 0) => ({
    unitId,
    at: new Date(t.ctx.now().getTime() + offsetMs).toISOString(),
    ...SPOT,
  });
  const avl = (who: { cookie: string } | { token: string }, positions: unknown[]) =>
    'cookie' in who
      ? t.as(who.cookie, { method: 'POST', url: '/api/dispatch/avl', payload: { positions } })
      : asDevice(t, who.token, { method: 'POST', url: '/api/dispatch/avl', payload: { positions } });
  const status = (cookie: string, unitId: string, to: string) =>
    t.as(cookie, { method: 'POST', url: `/api/dispatch/units/${unitId}/status`, payload: { status: to } });
  const signOn = (cookie: string, unitId: string) =>
    t.as(cookie, { method: 'POST', url: `/api/dispatch/units/${unitId}/sign-on` });
  const signOff = (cookie: string, unitId: string) =>
    t.as(cookie, { method: 'POST', url: `/api/dispatch/units/${unitId}/sign-off` });
  const denials = (resource: string) =>
    t.testDb.db.kysely
      .selectFrom('audit_log')
      .select(['username', 'detail'])
      .where('action', '=', 'permission_denied')
      .where('resource', '=', resource)
      .orderBy('seq')
      .execute();

  it('an AVL terminal posts only for its unit: another unit’s fix is refused and audited', async () => {
    const r = await avl({ token: terminalA.token }, [fix(unit.a), fix(unit.b, 1000)]);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1, reason: 'not_bound_unit' }] });
    expect((await t.ctx.dispatch.unit(unit.b)).lastAt).toBeNull();
    expect((await t.ctx.dispatch.unit(unit.a)).lon).toBe(SPOT.lon);
    const refused = await denials(`unit:${unit.a}`);
    expect(refused.at(-1)).toMatchObject({
      username: `device:AVL ${unit.a}`,
      detail: { reason: 'not_bound_unit', deviceId: terminalA.id, refused: 1, claimed: [unit.b] },
    });
  });

  it('merges the fixes of terminals posting at once, and answers each for its own', async () => {
    const terminals = [];
    for (let i = 0; i < 6; i++) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/dispatch/units',
        payload: { callSign: `合并${i}`, kind: 'patrol_car' },
      });
      terminals.push({ ...(await issueDevice(t, { unitId: r.json().id })), unitId: r.json().id as string });
    }
    const answers = await Promise.all(
      terminals.map((d, i) =>
        // The last one sends a fix twice (a duplicate) and one off the road network.
        avl(
          { token: d.token },
          i === 5
            ? [fix(d.unitId), fix(d.unitId), { ...fix(d.unitId, 1), lon: 120, lat: 30 }]
            : [fix(d.unitId), fix(d.unitId, 500)],
        ),
      ),
    );
    for (const [i, r] of answers.entries()) {
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json()).toEqual(
        i === 5
          ? {
              accepted: 2,
              outOfOrder: 1,
              duplicates: 1,
              rejected: [{ index: 2, reason: 'off_the_road_network' }],
            }
          : { accepted: 2, outOfOrder: 0, duplicates: 0, rejected: [] },
      );
    }
    for (const d of terminals) expect((await t.ctx.dispatch.unit(d.unitId)).lon).toBe(SPOT.lon);
  });

  it('a revoked AVL terminal is refused', async () => {
    const terminal = await issueDevice(t, { unitId: unit.b });
    expect((await avl({ token: terminal.token }, [fix(unit.b, 2000)])).statusCode).toBe(200);
    const revoke = await t.as(admin, {
      method: 'POST',
      url: `/api/devices/${terminal.id}/revoke`,
      payload: { reason: '终端更换' },
    });
    expect(revoke.statusCode, revoke.body).toBe(200);
    expect((await avl({ token: terminal.token }, [fix(unit.b, 3000)])).statusCode).toBe(401);
  });

  it('a patrol officer not signed on is refused; signed on, reports status and positions for that unit only', async () => {
    const zhou = await t.login('officer.zhou', 'a-long-password');
    expect((await status(zhou, unit.a, 'out_of_service')).statusCode).toBe(403);
    const noShift = await avl({ cookie: zhou }, [fix(unit.a, 4000)]);
    expect(noShift.statusCode).toBe(403);
    expect(noShift.json().errors).toEqual([expect.objectContaining({ rule: 'not_signed_on' })]);
    expect((await denials(`unit:${unit.a}`)).at(-1)).toMatchObject({
      username: 'officer.zhou',
      detail: { reason: 'not_signed_on', report: 'status' },
    });

    const on = await signOn(zhou, unit.a);
    expect(on.statusCode, on.body).toBe(200);
    expect(on.json()).toMatchObject({
      unitId: unit.a,
      callSign: '签到A',
      signedOnAt: t.ctx.now().toISOString(),
      signedOffAt: null,
    });
    // Signing on again is harmless; signing on to a second unit is refused until signing off.
    expect((await signOn(zhou, unit.a)).json().id).toBe(on.json().id);
    const second = await signOn(zhou, unit.b);
    expect(second.statusCode).toBe(409);
    expect(second.json().errors).toEqual([expect.objectContaining({ rule: 'signed_on_elsewhere' })]);
    expect((await t.as(zhou, { method: 'GET', url: '/api/dispatch/sign-on' })).json().signOn.unitId).toBe(
      unit.a,
    );

    const out = await status(zhou, unit.a, 'out_of_service');
    expect(out.statusCode, out.body).toBe(200);
    expect(out.json().status).toBe('out_of_service');
    expect((await status(zhou, unit.a, 'available')).statusCode).toBe(200);
    expect((await status(zhou, unit.b, 'out_of_service')).statusCode).toBe(403);
    const fixes = await avl({ cookie: zhou }, [fix(unit.a, 5000), fix(unit.b, 5000)]);
    expect(fixes.statusCode, fixes.body).toBe(200);
    expect(fixes.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1, reason: 'not_bound_unit' }] });

    // Another officer is not on this unit.
    const wu = await t.login('officer.wu', 'a-long-password');
    expect((await status(wu, unit.a, 'out_of_service')).statusCode).toBe(403);
    expect((await signOff(wu, unit.a)).statusCode).toBe(409);

    t.advance(20 * 60_000);
    const off = await signOff(zhou, unit.a);
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json()).toMatchObject({ endedBy: 'self', signedOffAt: t.ctx.now().toISOString() });
    const zhouAgain = await t.login('officer.zhou', 'a-long-password');
    expect((await status(zhouAgain, unit.a, 'out_of_service')).statusCode).toBe(403);
    expect((await avl({ cookie: zhouAgain }, [fix(unit.a, 6000)])).statusCode).toBe(403);

    // The sign-ons are kept with their times.
    const rows = await t.testDb.db.kysely
      .selectFrom('unit_sign_ons')
      .select(['unit_id', 'signed_on_at', 'signed_off_at', 'ended_by'])
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ unit_id: unit.a, ended_by: 'self' });
  });

  it('a sign-on lapses when the shift runs out', async () => {
    const wu = await t.login('officer.wu', 'a-long-password');
    expect((await signOn(wu, unit.b)).statusCode).toBe(200);
    expect((await status(wu, unit.b, 'out_of_service')).statusCode).toBe(200);
    t.advance(12 * 3_600_000 + 1000);
    const later = await t.login('officer.wu', 'a-long-password');
    expect((await status(later, unit.b, 'available')).statusCode).toBe(403);
    // And a new shift starts with a new sign-on, on any unit.
    expect((await signOn(later, unit.a)).statusCode).toBe(200);
    const ended = await t.testDb.db.kysely
      .selectFrom('unit_sign_ons')
      .select(['signed_on_at', 'signed_off_at', 'ended_by'])
      .where('unit_id', '=', unit.b)
      .executeTakeFirstOrThrow();
    expect(ended.ended_by).toBe('lapsed');
    expect(new Date(ended.signed_off_at!).getTime() - new Date(ended.signed_on_at).getTime()).toBe(
      12 * 3_600_000,
    );
  });

  it('a dispatcher sets the status of units without signing on, but posts no positions', async () => {
    const zheng = await t.login('dispatcher.zheng', 'a-long-password');
    expect((await status(zheng, unit.b, 'available')).statusCode).toBe(200); // it was out of service
    expect((await status(zheng, unit.b, 'out_of_service')).statusCode).toBe(200);
    expect((await avl({ cookie: zheng }, [fix(unit.b, 7000)])).statusCode).toBe(403);
  });
});
