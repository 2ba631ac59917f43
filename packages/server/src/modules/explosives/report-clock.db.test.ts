import type { DomainEvent } from '@citywatch/core/events/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

const HOUR = 3600_000;
const code = (n: number) => `6${n.toString().padStart(12, '0')}`;
const MINE = 'MINE-CLOCK';

/**
 * The 24-hour report clock: a loss and a count variance each start one; the one reported in time
 * stops, the other runs out and is escalated once to the station's head and the command centre.
 */
describe(`explosives 24-hour report clock (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  const cookie: Record<string, string> = {};
  const orgs: Record<string, string> = {};
  const events: DomainEvent[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    t.ctx.bus.subscribe((e) => {
      events.push(e);
    });
    admin = await t.login('admin', ADMIN_PASSWORD);
    Object.assign(orgs, await t.orgIds(admin));
    const made = await t.users(admin, [
      ['insp.clock', ['industry_inspector'], '龙城派出所'],
      ['head.clock', ['commander'], '龙城派出所'],
      ['head.lg', ['commander'], '龙岗派出所'],
    ]);
    for (const [username, user] of Object.entries(made)) cookie[username] = user.cookie;
    const product = await t.as(admin, {
      method: 'POST',
      url: '/api/explosives/products',
      payload: { code: 'EDET-8M', name: '电子雷管', kind: 'itemised' },
    });
    expect(product.statusCode).toBe(201);
    const mag = await t.as(cookie['insp.clock'] as string, {
      method: 'POST',
      url: '/api/explosives/magazines',
      payload: { enterpriseId: MINE, name: 'M1', orgId: orgs['龙城派出所'] },
    });
    expect(mag.statusCode, mag.body).toBe(201);
    // Ten detonators received (the permit checks are other tests' business).
    const received = await t.ctx.explosives.post(
      null,
      { enterpriseId: MINE, orgId: orgs['龙城派出所'] as string },
      [
        {
          id: 'R1',
          time: new Date(t.ctx.now().getTime() - 2 * HOUR).toISOString(),
          from: 'supplier:ACME',
          to: 'magazine:M1',
          product: 'EDET-8M',
          quantity: 10,
          serials: Array.from({ length: 10 }, (_, i) => code(i)),
        },
      ],
      false,
    );
    expect(received.posted).toHaveLength(1);
  }, 120_000);
  afterAll(() => t.close());

  /** Sessions lapse over a simulated day: everyone signs in again after the clock moves. */
  const signInAgain = async () => {
    admin = await t.login('admin', ADMIN_PASSWORD);
    for (const who of Object.keys(cookie)) cookie[who] = await t.login(who, 'a-long-password');
  };
  const alarmsOf = async (who: string) =>
    (await t.as(cookie[who] as string, { method: 'GET', url: '/api/explosives/alarms' })).json().items as {
      id: string;
      kind: string;
      reportedAt: string | null;
      escalatedAt: string | null;
      reportDueAt: string;
    }[];

  it('a loss and a variance each start a clock; reported in time stops one, the other escalates at 24 h', async () => {
    const loss = await t.as(cookie['insp.clock'] as string, {
      method: 'POST',
      url: '/api/explosives/movements',
      payload: {
        enterpriseId: MINE,
        movements: [
          {
            id: 'LOST-1',
            time: new Date(t.ctx.now().getTime() - HOUR).toISOString(),
            from: 'magazine:M1',
            to: 'lost:M1',
            product: 'EDET-8M',
            quantity: 1,
            serials: [code(9)],
          },
        ],
      },
    });
    expect(loss.json(), loss.body).toMatchObject({ posted: 1 });
    const today = new Date(t.ctx.now().getTime() + 8 * HOUR).toISOString().slice(0, 10);
    const count = await t.as(cookie['insp.clock'] as string, {
      method: 'POST',
      url: '/api/explosives/counts',
      payload: {
        enterpriseId: MINE,
        date: today,
        counts: [{ account: 'magazine:M1', product: 'EDET-8M', counted: 8 }],
      },
    });
    expect(count.json().variances).toHaveLength(1);
    const raised = await alarmsOf('head.clock');
    const lossAlarm = raised.find((a) => a.kind === 'loss');
    const varianceAlarm = raised.find((a) => a.kind === 'variance');
    expect(lossAlarm).toMatchObject({ reportedAt: null, escalatedAt: null });
    expect(varianceAlarm).toMatchObject({ reportedAt: null, escalatedAt: null });
    expect(Date.parse(varianceAlarm!.reportDueAt) - t.ctx.now().getTime()).toBe(24 * HOUR);

    // 23 hours on: the loss is reported to the police; nothing is due yet.
    t.advance(23 * HOUR);
    await signInAgain();
    const reported = await t.as(cookie['insp.clock'] as string, {
      method: 'POST',
      url: `/api/explosives/alarms/${lossAlarm!.id}/report`,
    });
    expect(reported.json(), reported.body).toMatchObject({ kind: 'loss', escalatedAt: null });
    expect(reported.json().reportedAt).not.toBeNull();
    expect(await t.ctx.explosives.tick()).toEqual({ overdueTransits: 0, escalated: 0 });

    // The deadline passes with the variance unreported: escalated once.
    t.advance(HOUR + 1000);
    await signInAgain();
    expect(await t.ctx.explosives.tick()).toEqual({ overdueTransits: 0, escalated: 1 });
    expect(await t.ctx.explosives.tick()).toEqual({ overdueTransits: 0, escalated: 0 });
    const overdue = events.filter((e) => e.type === 'explosives.report_overdue');
    expect(overdue).toHaveLength(1);
    expect(overdue[0]).toMatchObject({
      orgId: orgs['龙城派出所'],
      payload: {
        alarmId: varianceAlarm!.id,
        enterpriseId: MINE,
        kind: 'variance',
        stationOrgId: orgs['龙城派出所'],
        commandOrgId: orgs['深圳市公安局'],
      },
    });
    const audit = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['username', 'detail'])
      .where('resource', '=', `explosives_alarm:${varianceAlarm!.id}`)
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]?.detail).toMatchObject({
      change: 'report_overdue',
      escalatedTo: { stationOrgId: orgs['龙城派出所'], commandOrgId: orgs['深圳市公安局'] },
    });

    // The station's head and the command centre see it escalated; the neighbouring station nothing.
    for (const who of ['head.clock', 'admin']) {
      const list =
        who === 'admin'
          ? (await t.as(admin, { method: 'GET', url: '/api/explosives/alarms' })).json().items
          : await alarmsOf(who);
      const v = list.find((a: { id: string }) => a.id === varianceAlarm!.id);
      expect(v.escalatedAt, who).not.toBeNull();
      expect(list.find((a: { id: string }) => a.id === lossAlarm!.id).escalatedAt, who).toBeNull();
    }
    expect(await alarmsOf('head.lg')).toEqual([]);

    // Reported late: recorded, still escalated.
    const late = await t.as(cookie['head.clock'] as string, {
      method: 'POST',
      url: `/api/explosives/alarms/${varianceAlarm!.id}/report`,
    });
    expect(late.json().reportedAt).not.toBeNull();
    expect(late.json().escalatedAt).not.toBeNull();
  });
});
