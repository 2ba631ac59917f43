import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { pdfText } from './pdf-text.js';

const SPOT = { lon: 114.1955, lat: 22.6955 };
/** A 1×1 PNG (evidence and photos are base64 files). */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** Inspections that close the loop: finding → order → fix reported → verified → closed; overdue escalates. */
describe(`oversight cases (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  const orgs: Record<string, string> = {};
  const cookie: Record<string, string> = {};
  const userId: Record<string, string> = {};
  let hotel = '';

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
      ['insp.lg', ['industry_inspector'], '龙岗派出所'],
      ['hotel.user', ['enterprise'], '龙城派出所'],
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
    const unit = await t.as(cookie['insp.lc'], {
      method: 'POST',
      url: '/api/oversight/units',
      payload: { industry: 'hotel', name: '龙城宾馆', licenceNo: 'TH-1', riskLevel: 'high', ...SPOT },
    });
    expect(unit.statusCode, unit.body).toBe(201);
    hotel = unit.json().id;
    const bind = await t.as(admin, {
      method: 'POST',
      url: `/api/oversight/units/${hotel}/users`,
      payload: { userId: userId['hotel.user'] },
    });
    expect(bind.statusCode, bind.body).toBe(204);
  }, 300_000);
  afterAll(() => t.close());

  const inspect = (who: string, payload: Record<string, unknown>) =>
    t.as(cookie[who], { method: 'POST', url: '/api/oversight/inspections', payload });

  it('puts a never-inspected high-risk unit on the calendar at once', async () => {
    const r = await t.as(cookie['insp.lc'], { method: 'GET', url: '/api/oversight/calendar' });
    expect(r.json().items).toEqual([
      expect.objectContaining({ unitId: hotel, riskLevel: 'high', intervalDays: 7, lastInspectedAt: null }),
    ]);
  });

  it('refuses an on-site check without position, an item not on the checklist, a deadline in the past', async () => {
    const noPos = await inspect('insp.lc', { unitId: hotel, kind: 'onsite', results: [] });
    expect(noPos.statusCode).toBe(400);
    expect(noPos.json().errors[0]).toMatchObject({ field: 'lon', rule: 'onsite_position' });
    const badItem = await inspect('insp.lc', {
      unitId: hotel,
      kind: 'video',
      results: [{ item: 'xray', ok: false }],
    });
    expect(badItem.json().errors[0]).toMatchObject({ field: 'results.0.item', rule: 'checklist_item' });
    const past = await inspect('insp.lc', {
      unitId: hotel,
      kind: 'video',
      findings: [{ description: '未登记', severity: 'minor', deadline: '2020-01-01' }],
    });
    expect(past.json().errors[0]).toMatchObject({ field: 'findings.0.deadline', rule: 'not_in_past' });
    // A day that does not exist was once stored (the column is text) and broke every case list after.
    for (const deadline of ['2030-13-01', '2030-02-29'])
      expect(
        (
          await inspect('insp.lc', {
            unitId: hotel,
            kind: 'video',
            findings: [{ description: '未登记', severity: 'minor', deadline }],
          })
        ).json().errors[0],
        deadline,
      ).toMatchObject({
        field: 'findings.0.deadline',
        rule: 'invalid_date',
        message: '日期不存在或格式不正确（YYYY-MM-DD）',
      });
    const other = await inspect('insp.lg', { unitId: hotel, kind: 'video' });
    expect(other.statusCode).toBe(404);
    expect(await t.ctx.db.kysely.selectFrom('oversight_cases').select('id').execute()).toEqual([]);
  });

  let order = '';
  it('closes the loop: finding → order (PDF) → fix with evidence → refused → fixed again → closed', async () => {
    const r = await inspect('insp.lc', {
      unitId: hotel,
      kind: 'onsite',
      ...SPOT,
      results: [
        { item: 'register', ok: false, note: '3 名旅客未登记' },
        { item: 'fire', ok: true },
      ],
      photos: [{ name: '前台.png', type: 'image/png', data: PNG }],
      findings: [{ item: 'register', description: '3 名旅客未实名登记入住', severity: 'serious' }],
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().photoIds).toHaveLength(1);
    [order] = r.json().caseIds;
    const c = (await t.as(cookie['insp.lc'], { method: 'GET', url: `/api/oversight/cases/${order}` })).json();
    expect(c).toMatchObject({
      kind: 'order',
      status: 'open',
      unitName: '龙城宾馆',
      daysLeft: 15,
      overdue: false,
    });
    expect(c.number).toMatch(/^责改〔2026〕\d{5}号$/);

    const doc = await t.as(cookie['insp.lc'], {
      method: 'GET',
      url: `/api/oversight/cases/${order}/document`,
    });
    expect(doc.statusCode).toBe(200);
    expect(doc.headers['content-type']).toBe('application/pdf');
    expect(doc.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(doc.rawPayload);
    for (const s of [
      '深圳市公安局',
      '责令限期整改通知书',
      c.number,
      '龙城宾馆',
      '3 名旅客未实名登记入住',
      c.deadline,
      '龙城派出所',
    ])
      expect(text.replaceAll('\n', ''), s).toContain(s);

    // The inspector cannot report the enterprise's fix; the enterprise must send evidence.
    const byInspector = await t.as(cookie['insp.lc'], {
      method: 'POST',
      url: `/api/oversight/cases/${order}/report`,
      payload: { text: '已整改', evidence: [{ name: 'a.png', type: 'image/png', data: PNG }] },
    });
    expect(byInspector.statusCode).toBe(403);
    const noEvidence = await t.as(cookie['hotel.user'], {
      method: 'POST',
      url: `/api/oversight/cases/${order}/report`,
      payload: { text: '已整改', evidence: [] },
    });
    expect(noEvidence.statusCode).toBe(400);
    expect(noEvidence.json().errors[0].field).toBe('evidence');
    const seen = (await t.as(cookie['hotel.user'], { method: 'GET', url: '/api/oversight/cases' })).json()
      .items;
    expect(seen.map((x: { id: string }) => x.id)).toEqual([order]);

    const report = () =>
      t.as(cookie['hotel.user'], {
        method: 'POST',
        url: `/api/oversight/cases/${order}/report`,
        payload: {
          text: '已补录全部旅客信息',
          evidence: [{ name: '登记表.png', type: 'image/png', data: PNG }],
        },
      });
    expect((await report()).json().status).toBe('reported');
    expect((await report()).json().errors[0]).toMatchObject({ field: 'status', rule: 'status_open' });

    const verify = (who: string, accepted: boolean) =>
      t.as(cookie[who], {
        method: 'POST',
        url: `/api/oversight/cases/${order}/verify`,
        payload: { accepted, note: accepted ? '复查合格' : '登记仍不完整' },
      });
    expect((await verify('insp.lg', true)).statusCode).toBe(404);
    expect((await verify('insp.lc', false)).json()).toMatchObject({
      status: 'open',
      verifyNote: '登记仍不完整',
    });
    expect((await report()).statusCode).toBe(200);
    const closed = (await verify('insp.lc', true)).json();
    expect(closed).toMatchObject({ status: 'closed', daysLeft: null });
    expect(closed.attachments.filter((a: { role: string }) => a.role === 'fix_evidence')).toHaveLength(2);
    expect((await verify('insp.lc', true)).statusCode).toBe(409);

    // Evidence files: the enterprise and the station read them, another station does not.
    const file = closed.attachments[0].id;
    expect(
      (await t.as(cookie['hotel.user'], { method: 'GET', url: `/api/oversight/attachments/${file}` }))
        .statusCode,
    ).toBe(200);
    expect(
      (await t.as(cookie['insp.lg'], { method: 'GET', url: `/api/oversight/attachments/${file}` }))
        .statusCode,
    ).toBe(404);
    // Every write named its resource in the audit chain.
    // The audit row is written as the response goes out: poll for it.
    const audited = async () =>
      (
        await t.ctx.db.kysely
          .selectFrom('audit_log')
          .select('resource')
          .where('resource', '=', `case:${order}`)
          .execute()
      ).length;
    await expect.poll(audited).toBe(4); // report, refused, report, accepted (refusals of the API leave no write row)
  });

  it('escalates an open case past its deadline once, and the calendar follows the last inspection', async () => {
    const r = await inspect('insp.lc', {
      unitId: hotel,
      kind: 'video',
      findings: [{ item: 'visitors', description: '访客未登记', severity: 'minor' }],
    });
    const [notice] = r.json().caseIds;
    const before = (
      await t.as(cookie['insp.lc'], { method: 'GET', url: `/api/oversight/cases/${notice}` })
    ).json();
    expect(before).toMatchObject({ kind: 'notice', daysLeft: 7, escalatedAt: null });
    expect(await t.ctx.oversight.cases.escalateOverdue()).toBe(0);
    t.advance(8 * 86_400_000);
    expect(await t.ctx.oversight.cases.escalateOverdue()).toBe(1);
    expect(await t.ctx.oversight.cases.escalateOverdue()).toBe(0);
    cookie['insp.lc'] = await t.login('insp.lc', 'a-long-password'); // the session lapsed meanwhile
    const overdue = (
      await t.as(cookie['insp.lc'], { method: 'GET', url: '/api/oversight/cases?overdue=true' })
    ).json().items;
    expect(overdue).toEqual([expect.objectContaining({ id: notice, overdue: true, daysLeft: -1 })]);
    expect(overdue[0].escalatedAt).not.toBeNull();
    const cal = (await t.as(cookie['insp.lc'], { method: 'GET', url: '/api/oversight/calendar' })).json()
      .items[0];
    expect(cal.lastInspectedAt).not.toBeNull();
    expect(cal.overdue).toBe(true); // high risk: a week between checks, eight days passed
  });

  it('announces every case change through the outbox, in the transaction of the change; refusals announce nothing', async () => {
    const rows = await t.ctx.db.kysely
      .selectFrom('event_outbox')
      .select(['type', 'event'])
      .where('type', 'in', ['oversight.case_changed', 'oversight.case_overdue'])
      .orderBy('id')
      .execute();
    const events = rows.map((r) => ({
      type: r.type,
      payload: (r.event as { payload: Record<string, unknown> }).payload,
    }));
    // The closed loop above: opened, reported, refused (open again), reported, accepted. The second
    // report of a reported case and the second acceptance were refused (409) and left no event.
    expect(
      events
        .filter((e) => e.type === 'oversight.case_changed' && e.payload.caseId === order)
        .map((e) => e.payload.status),
    ).toEqual(['open', 'reported', 'open', 'reported', 'closed']);
    // The escalation announced its case once, though escalateOverdue ran three times.
    const overdue = events.filter((e) => e.type === 'oversight.case_overdue');
    expect(overdue).toHaveLength(1);
    expect(overdue[0].payload).toMatchObject({ unitId: hotel, unitName: '龙城宾馆' });
  });

  it('scores risk points with their rules and events; thresholds move the level and the calendar', async () => {
    const insp = await t.login('insp.lc', 'a-long-password');
    const created = await t.as(insp, {
      method: 'POST',
      url: '/api/oversight/units',
      payload: { industry: 'scrap_metal', name: '龙城回收站', ...SPOT },
    });
    const unit = created.json().id as string;
    const risk = async () =>
      (await t.as(insp, { method: 'GET', url: `/api/oversight/units/${unit}/risk` })).json();
    expect(await risk()).toMatchObject({ score: 0, level: 'low', baseLevel: 'low', contributions: [] });
    // Two serious findings: 12 points, medium (≥ 8): the calendar's interval shortens to 30 days.
    const r = await t.as(insp, {
      method: 'POST',
      url: '/api/oversight/inspections',
      payload: {
        unitId: unit,
        kind: 'video',
        findings: [
          { item: 'seller_id', description: '未查验出售人身份', severity: 'serious' },
          { item: 'suspicious', description: '可疑物品未报告', severity: 'serious' },
        ],
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    const after = await risk();
    expect(after).toMatchObject({ score: 12, level: 'medium', storedLevel: 'medium' });
    expect(after.contributions).toEqual([
      expect.objectContaining({
        rule: 'finding_serious',
        ruleText: '检查发现严重问题',
        points: 6,
        weight: 6,
      }),
      expect.objectContaining({ rule: 'finding_serious', points: 6, weight: 6 }),
    ]);
    const numbers = (await t.as(insp, { method: 'GET', url: `/api/oversight/cases?unitId=${unit}` }))
      .json()
      .items.map((c: { number: string }) => c.number)
      .sort();
    expect(after.contributions.map((c: { ref: string }) => c.ref).sort()).toEqual(numbers);
    const cal = (await t.as(insp, { method: 'GET', url: '/api/oversight/calendar' })).json().items;
    expect(cal.find((c: { unitId: string }) => c.unitId === unit)).toMatchObject({ intervalDays: 30 });
    // Both orders overdue after 16 days: escalated, 8 points each (decayed a little) → high.
    t.advance(16 * 86_400_000);
    await t.ctx.oversight.tick();
    const insp2 = await t.login('insp.lc', 'a-long-password');
    const city = await t.login('admin', ADMIN_PASSWORD);
    const high = (await t.as(insp2, { method: 'GET', url: `/api/oversight/units/${unit}/risk` })).json();
    expect(high.level).toBe('high');
    expect(
      high.contributions.filter((c: { rule: string }) => c.rule === 'rectification_overdue'),
    ).toHaveLength(2);
    expect(high.score).toBeGreaterThan(16);
    const board = (await t.as(insp2, { method: 'GET', url: '/api/oversight/risk-board' })).json().items;
    expect(board[0].unitId).toBe(unit);
    // An incident at the premises (within 100 m) adds its points, named by the incident's id.
    const made = await t.as(city, {
      method: 'POST',
      url: '/api/users',
      payload: {
        username: 'disp.lc',
        displayName: '接警员',
        password: 'a-long-password',
        orgId: orgs['龙城派出所'],
        roles: ['dispatcher'],
      },
    });
    expect(made.statusCode, made.body).toBe(201);
    const call = await t.as(await t.login('disp.lc', 'a-long-password'), {
      method: 'POST',
      url: '/api/dispatch/incidents',
      payload: { category: 'criminal', priority: 'P3', ...SPOT, narrative: '回收站内盗窃' },
    });
    expect(call.statusCode, call.body).toBe(201);
    const withIncident = (
      await t.as(insp2, { method: 'GET', url: `/api/oversight/units/${unit}/risk` })
    ).json();
    expect(withIncident.contributions).toContainEqual(
      expect.objectContaining({
        rule: 'incident_at_premises',
        ref: call.json().incident.id,
        points: 3,
        weight: 3,
      }),
    );
    expect(withIncident.score).toBeCloseTo(high.score + 3, 2);
    // Other stations see none of it.
    const other = await t.login('insp.lg', 'a-long-password');
    expect((await t.as(other, { method: 'GET', url: `/api/oversight/units/${unit}/risk` })).statusCode).toBe(
      404,
    );
    expect((await t.as(other, { method: 'GET', url: '/api/oversight/risk-board' })).json().items).toEqual([]);
  });

  it('assesses internal-security units: failing items open orders once; rates per station and in total', async () => {
    const insp = await t.login('insp.lc', 'a-long-password');
    const city = await t.login('admin', ADMIN_PASSWORD);
    const unit = async (who: string, payload: Record<string, unknown>) => {
      const r = await t.as(who, { method: 'POST', url: '/api/oversight/units', payload });
      expect(r.statusCode, r.body).toBe(201);
      return r.json().id as string;
    };
    const school = await unit(insp, { industry: 'school', name: '龙城小学', ...SPOT });
    const hospital = await unit(insp, { industry: 'hospital', name: '龙城医院', ...SPOT });
    const other = await unit(city, { industry: 'school', name: '龙岗中学', orgId: orgs['龙岗派出所'] });
    const day = (n: number) =>
      new Date(t.ctx.now().getTime() + 8 * 3600_000 - n * 86_400_000).toISOString().slice(0, 10);
    const assess = (who: string, id: string, body: Record<string, unknown>) =>
      t.as(who, { method: 'PUT', url: `/api/oversight/units/${id}/compliance`, payload: body });
    const failing = {
      population: 1200, // 3 guards needed (1 per 500, at least 2)
      guards: 2,
      closedCampus: true,
      alarmLinked: true,
      alarmTestedOn: day(40), // not tested this month
      videoCoveragePct: 100,
    };
    const first = await assess(insp, school, failing);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      compliant: false,
      caseIds: [expect.any(String), expect.any(String)],
    });
    const again = await assess(insp, school, failing);
    expect(again.json().caseIds).toEqual([]); // the open orders stand; no duplicates
    const cases = (await t.as(insp, { method: 'GET', url: `/api/oversight/cases?unitId=${school}` })).json()
      .items;
    expect(cases.map((c: { item: string }) => c.item).sort()).toEqual(['alarm_110', 'guards']);
    expect(cases[0]).toMatchObject({ source: 'compliance', kind: 'order', status: 'open' });
    const ok = { ...failing, population: 300, guards: 3, alarmTestedOn: day(3) };
    expect((await assess(insp, hospital, ok)).json()).toEqual({ compliant: true, caseIds: [] });
    expect((await assess(city, other, { ...ok, population: 900 })).json().compliant).toBe(true);
    const hotelNot = await assess(insp, hotel, ok);
    expect(hotelNot.json().errors[0]).toMatchObject({ field: 'unitId', rule: 'internal_security_unit' });
    expect((await assess(insp, other, ok)).statusCode).toBe(404);

    const all = (await t.as(city, { method: 'GET', url: '/api/oversight/compliance' })).json();
    const byName = Object.fromEntries(all.byStation.map((r: { orgName: string }) => [r.orgName, r]));
    expect(byName['龙城派出所']).toMatchObject({ units: 2, assessed: 2, compliant: 1, rate: 0.5 });
    expect(byName['龙岗派出所']).toMatchObject({ units: 1, compliant: 1, rate: 1 });
    expect(all.total).toMatchObject({ units: 3, compliant: 2, rate: 0.6667 });
    const station = (await t.as(insp, { method: 'GET', url: '/api/oversight/compliance' })).json();
    expect(station.total).toMatchObject({ units: 2, compliant: 1, rate: 0.5 });
    expect(JSON.stringify(station)).not.toContain('龙岗中学');
    const schoolRow = station.units.find((u: { unitId: string }) => u.unitId === school);
    expect(schoolRow.items.find((i: { item: string }) => i.item === 'guards')).toMatchObject({
      ok: false,
      detail: '2 / 3',
    });
  });

  it('lists a case whose deadline was stored before dates were checked, without a day count', async () => {
    // Before 769ddb0 a deadline of month 13 was stored as given, and every list answered 500.
    const open = await t.ctx.db.kysely
      .selectFrom('oversight_cases')
      .select(['id', 'deadline'])
      .where('status', '=', 'open')
      .where('org_id', '=', orgs['龙城派出所'])
      .executeTakeFirstOrThrow();
    const set = (deadline: string) =>
      t.ctx.db.kysely.updateTable('oversight_cases').set({ deadline }).where('id', '=', open.id).execute();
    await set('2026-13-01');
    cookie['insp.lc'] = await t.login('insp.lc', 'a-long-password'); // the clock moved on meanwhile
    try {
      const list = await t.as(cookie['insp.lc'], { method: 'GET', url: '/api/oversight/cases' });
      expect(list.statusCode, list.body).toBe(200);
      expect(list.json().items.find((c: { id: string }) => c.id === open.id)).toMatchObject({
        deadline: '2026-13-01',
        daysLeft: null,
        overdue: false,
      });
    } finally {
      await set(open.deadline);
    }
  });
});
