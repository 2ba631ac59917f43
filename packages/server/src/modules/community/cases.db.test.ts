import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { multipart } from './fixtures.js';

const SPOT = { lon: 114.1955, lat: 22.6955 };
const PURPOSE = { 'x-purpose': encodeURIComponent('调解工作需要联系当事人') };

describe(`mediation cases (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let officer: string;
  let mediator: string;
  let mediatorId: string;
  let dispatcher: string;
  let sibling: string;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
    }[];
    const user = async (username: string, org: string, role: string, displayName = username) => {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: {
          username,
          displayName,
          password: 'a-long-password',
          orgId: orgs.find((o) => o.name === org)!.id,
          roles: [role],
        },
      });
      expect(r.statusCode, r.body).toBe(201);
      return { cookie: await t.login(username, 'a-long-password'), id: r.json().id as string };
    };
    officer = (await user('med.officer', '龙城派出所', 'community_officer')).cookie;
    const m = await user('med.mediator', '龙城派出所', 'mediator', '王调解');
    mediator = m.cookie;
    mediatorId = m.id;
    dispatcher = (await user('med.dispatcher', '龙城派出所', 'dispatcher')).cookie;
    sibling = (await user('med.sibling', '龙岗派出所', 'mediator')).cookie;
  }, 600_000);
  afterAll(() => t.close());

  /** Moves the clock; sessions lapse on the way, so everyone signs in again. */
  async function advanceDays(days: number) {
    t.advance(days * 86_400_000);
    officer = await t.login('med.officer', 'a-long-password');
    mediator = await t.login('med.mediator', 'a-long-password');
    dispatcher = await t.login('med.dispatcher', 'a-long-password');
  }

  const newCase = (extra: Record<string, unknown> = {}) =>
    t.as(officer, {
      method: 'POST',
      url: '/api/community/cases',
      payload: {
        source: 'diversion_110',
        category: 'neighbour',
        summary: '楼上漏水导致楼下天花板损坏，双方争执',
        ...SPOT,
        address: '龙城街道 5 栋',
        parties: [
          { role: 'applicant', name: '张三', phone: '13800000001' },
          { role: 'respondent', name: '李四' },
        ],
        ...extra,
      },
    });

  it('takes a case from intake to a written agreement, a follow-up and closing', async () => {
    const r = await newCase();
    expect(r.statusCode, r.body).toBe(201);
    const c = r.json();
    expect(c).toMatchObject({
      status: 'intake',
      org: { name: '龙城派出所' },
      partyCount: 2,
      slaDays: 30,
      daysLeft: 30,
      overdue: false,
    });
    expect(c.number).toMatch(/^T\d{8}-\d{4}$/);
    expect(r.body).not.toContain('张三');
    // Another station's mediator sees nothing of it.
    expect((await t.as(sibling, { method: 'GET', url: `/api/community/cases/${c.id}` })).statusCode).toBe(
      404,
    );
    expect((await t.as(sibling, { method: 'GET', url: '/api/community/cases' })).body).not.toContain(c.id);

    // Assigning the mediator and a room starts mediation.
    const assigned = await t.as(officer, {
      method: 'PATCH',
      url: `/api/community/cases/${c.id}`,
      payload: { mediatorId, room: '第一调解室' },
    });
    expect(assigned.json()).toMatchObject({
      status: 'mediating',
      mediator: { name: '王调解' },
      room: '第一调解室',
    });
    const session = await t.as(mediator, {
      method: 'POST',
      url: `/api/community/cases/${c.id}/sessions`,
      payload: { heldAt: '2026-11-25T02:00:00Z', notes: '双方到场，查看漏水现场' },
    });
    expect(session.statusCode, session.body).toBe(201);

    // The parties only with a purpose, and the read is audited.
    const noPurpose = await t.as(mediator, { method: 'GET', url: `/api/community/cases/${c.id}/parties` });
    expect(noPurpose.statusCode).toBe(428);
    const parties = await t.as(mediator, {
      method: 'GET',
      url: `/api/community/cases/${c.id}/parties`,
      headers: PURPOSE,
    });
    expect(
      parties
        .json()
        .items.map((p: { name: string }) => p.name)
        .sort(),
    ).toEqual(['张三', '李四']);
    const reads = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['action', 'purpose'])
      .where('resource', '=', `case:${c.id}`)
      .where('action', '=', 'personal_data_read')
      .execute();
    expect(reads).toEqual([{ action: 'personal_data_read', purpose: '调解工作需要联系当事人' }]);

    // Every part of the agreement is required.
    const partial = await t.as(mediator, {
      method: 'POST',
      url: `/api/community/cases/${c.id}/agreement`,
      payload: { facts: '楼上卫生间防水层老化漏水', responsibilities: '李四负责维修' },
    });
    expect(partial.statusCode).toBe(400);
    expect(
      partial
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['performBy', 'performance']);
    await advanceDays(5);
    const agreed = await t.as(mediator, {
      method: 'POST',
      url: `/api/community/cases/${c.id}/agreement`,
      payload: {
        facts: '李四家卫生间防水层老化，漏水损坏张三家天花板',
        responsibilities: '李四承担天花板修复费用，并修复自家防水层',
        performance: '李四一次性向张三支付修复费 3000 元',
        performBy: '2026-12-10',
      },
    });
    expect(agreed.statusCode, agreed.body).toBe(200);
    expect(agreed.json()).toMatchObject({
      status: 'agreed',
      onTime: true,
      endedAt: '2026-11-28T08:00:00.000Z',
    });

    // The agreement as a PDF names the parties, the facts and the terms.
    const pdf = await t.as(mediator, {
      method: 'GET',
      url: `/api/community/cases/${c.id}/agreement.pdf`,
      headers: PURPOSE,
    });
    expect(pdf.statusCode, pdf.body.slice(0, 300)).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    // The embedded font is a subset of the characters set: each of these must be among them.
    const set = pdfCharacters(pdf.rawPayload);
    for (const ch of `人民调解协议书${c.number}张三李四3000元2026年12月10日王调解`)
      expect(set.has(ch), ch).toBe(true);
    expect(set.has('赵')).toBe(false);

    // Closing waits for a follow-up that found it performed.
    const early = await t.as(mediator, {
      method: 'POST',
      url: `/api/community/cases/${c.id}/transition`,
      payload: { to: 'closed' },
    });
    expect(early.statusCode).toBe(409);
    await t.as(mediator, {
      method: 'POST',
      url: `/api/community/cases/${c.id}/follow-ups`,
      payload: { visitedAt: '2026-12-11T02:00:00Z', performed: true, notes: '已支付，天花板已修复' },
    });
    const closed = await t.as(mediator, {
      method: 'POST',
      url: `/api/community/cases/${c.id}/transition`,
      payload: { to: 'closed' },
    });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json()).toMatchObject({ status: 'closed', performed: true });
    const detail = (await t.as(officer, { method: 'GET', url: `/api/community/cases/${c.id}` })).json();
    expect(detail.sessions).toHaveLength(1);
    expect(detail.followUps).toEqual([expect.objectContaining({ performed: true })]);
    expect(detail.agreement).toMatchObject({ performBy: '2026-12-10' });

    // Each change staged its event with it in the outbox (opened, assigned, session, agreement,
    // follow-up, closed); the refused agreement and the refused early close staged none.
    const staged = await t.ctx.db.kysely
      .selectFrom('event_outbox')
      .select('event')
      .where('type', '=', 'community.case_changed')
      .orderBy('id')
      .execute();
    expect(
      staged.filter((r) => (r.event as { payload: { caseId: string } }).payload.caseId === c.id),
    ).toHaveLength(6);
  });

  it('escalates a threat of violence to a P1 110 incident in one step, linked to the case', async () => {
    const c = (
      await newCase({
        category: 'family',
        summary: '家庭纠纷，张三称李四扬言要动刀，联系电话 138-0000-0001，邻居 139 1234 5678',
      })
    ).json();
    const r = await t.as(mediator, {
      method: 'POST',
      url: `/api/community/cases/${c.id}/escalate`,
      payload: { note: '李四情绪激动，张三已回家' },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ riskViolence: true, riskIncidentId: expect.any(String) });
    const incident = await t.ctx.dispatch.incident(r.json().riskIncidentId, null);
    expect(incident).toMatchObject({
      priority: 'P1',
      category: 'dispute',
      jurisdiction: { name: '龙城派出所' },
    });
    expect(incident.narrative).toContain(c.number);
    // The narrative is outside the mediation purge's reach: no party's name or phone copied into it.
    expect(incident.narrative).toContain('扬言要动刀');
    expect(incident.narrative).toContain('情绪激动');
    for (const personal of ['张三', '李四', '138', '139 1234'])
      expect(incident.narrative).not.toContain(personal);
    expect(incident.narrative).toContain('【已清除】');
    // The case itself keeps its summary as written (its own purge clears it later).
    expect(
      (await t.as(officer, { method: 'GET', url: `/api/community/cases/${c.id}` })).json().summary,
    ).toContain('张三');
    const again = await t.as(mediator, {
      method: 'POST',
      url: `/api/community/cases/${c.id}/escalate`,
      payload: {},
    });
    expect(again.statusCode).toBe(409);

    // Two escalations of another case at once: one P1 incident, the other 409 and none made.
    const d = (await newCase({ category: 'family', summary: '邻里纠纷，一方扬言报复' })).json();
    const both = await Promise.all(
      [mediator, mediator].map((cookie) =>
        t.as(cookie, { method: 'POST', url: `/api/community/cases/${d.id}/escalate`, payload: {} }),
      ),
    );
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const made = await t.ctx.db.kysely
      .selectFrom('incidents')
      .select('id')
      .where('narrative', 'like', `%${d.number}%`)
      .execute();
    expect(made).toHaveLength(1);
  });

  it('makes a case from a citizen report and counts resolution and on-time rates per station and mediator', async () => {
    const { payload, headers } = multipart({
      category: 'dispute',
      description: '物业与业主因停车费争执不下，希望调解',
      fingerprint: 'case-from-report-1',
      lon: String(SPOT.lon),
      lat: String(SPOT.lat),
    });
    const report = await t.app.inject({
      method: 'POST',
      url: '/api/community/public/reports',
      payload,
      headers,
    });
    expect(report.statusCode, report.body).toBe(201);
    const decided = await t.as(dispatcher, {
      method: 'POST',
      url: `/api/community/reports/${report.json().id}/decide`,
      payload: { action: 'case' },
    });
    expect(decided.statusCode, decided.body).toBe(200);
    expect(decided.json()).toMatchObject({ status: 'case', caseId: expect.any(String) });
    const made = (
      await t.as(officer, { method: 'GET', url: `/api/community/cases/${decided.json().caseId}` })
    ).json();
    expect(made).toMatchObject({
      source: 'citizen_report',
      sourceRef: decided.json().number,
      status: 'intake',
    });

    // A case that fails after its 30 days: ended, not resolved, not on time.
    const late = (await newCase({ mediatorId })).json();
    await advanceDays(31);
    const failed = await t.as(mediator, {
      method: 'POST',
      url: `/api/community/cases/${late.id}/transition`,
      payload: { to: 'failed' },
    });
    expect(failed.json()).toMatchObject({ status: 'failed', onTime: false });
    const rates = await t.as(officer, {
      method: 'GET',
      url: '/api/community/cases/rates?from=2026-11-01T00:00:00Z&to=2027-01-01T00:00:00Z',
    });
    expect(rates.statusCode, rates.body).toBe(200);
    const station = rates.json().stations.find((s: { name: string }) => s.name === '龙城派出所');
    // Ended: the agreed case (on time) and the failed one (late).
    expect(station).toMatchObject({ ended: 2, agreed: 1, onTime: 1, resolutionRate: 0.5, onTimeRate: 0.5 });
    const wang = rates.json().mediators.find((m: { name: string }) => m.name === '王调解');
    expect(wang).toMatchObject({ ended: 2, agreed: 1, resolutionRate: 0.5 });
  });
});

/** The characters a pdfkit PDF's embedded fonts map to (their ToUnicode CMaps). */
function pdfCharacters(pdf: Buffer): Set<string> {
  const out = new Set<string>();
  const raw = pdf.toString('latin1');
  for (let at = raw.indexOf('stream\n'); at >= 0; ) {
    const start = at + 'stream\n'.length;
    const end = raw.indexOf('\nendstream', start);
    if (end < 0) break;
    let text = '';
    try {
      text = inflateSync(pdf.subarray(start, end)).toString('latin1');
    } catch {
      // not a Flate stream
    }
    for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g))
      for (const h of block[1].matchAll(/<([0-9a-fA-F]{4})>/g))
        out.add(String.fromCharCode(Number.parseInt(h[1], 16)));
    at = raw.indexOf('stream\n', end + '\nendstream'.length);
  }
  return out;
}
