import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, TEST_USER_PASSWORD, type TestApp } from '../../test/app.js';
import { purgeClosedMediationParties } from './retention.js';

const SPOT = { lon: 114.1955, lat: 22.6955 };
const PURPOSE = { 'x-purpose': encodeURIComponent('调解回访需要联系当事人') };
const DAY_MS = 86_400_000;

describe(`mediation parties' retention purge (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let officer: string;
  const signIn = async () => {
    admin = await t.login('admin', ADMIN_PASSWORD);
    officer = await t.login('ret.officer', TEST_USER_PASSWORD);
  };

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    officer = (await t.users(admin, [['ret.officer', ['community_officer'], '龙城派出所']]))['ret.officer']
      .cookie;
  }, 600_000);
  afterAll(() => t.close());

  const newCase = async (summary: string) => {
    const r = await t.as(officer, {
      method: 'POST',
      url: '/api/community/cases',
      payload: {
        source: 'walk_in',
        category: 'neighbour',
        summary,
        ...SPOT,
        address: '龙城街道 5 栋',
        parties: [
          { role: 'applicant', name: '张三', phone: '13800000001' },
          { role: 'respondent', name: '李四' },
        ],
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().id as string;
  };
  /** Intake → withdrawn → closed (the shortest way to a closed case). */
  const close = async (id: string) => {
    for (const to of ['withdrawn', 'closed']) {
      const r = await t.as(officer, {
        method: 'POST',
        url: `/api/community/cases/${id}/transition`,
        payload: { to },
      });
      expect(r.statusCode, r.body).toBe(200);
    }
  };
  const rows = (caseId: string) =>
    t.ctx.db.kysely
      .selectFrom('mediation_parties')
      .select(['role', 'name', 'phone', 'purged_at'])
      .where('case_id', '=', caseId)
      .orderBy('role')
      .execute();
  const purgeAudits = () =>
    t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['detail'])
      .where('resource', '=', 'retention_purge')
      .orderBy('seq')
      .execute();

  it('reads the setting from CITYWATCH_RETENTION_MEDIATION_DAYS (default 180)', () => {
    expect(loadConfig({}).retentionMediationDays).toBe(180);
    expect(loadConfig({ CITYWATCH_RETENTION_MEDIATION_DAYS: '90' }).retentionMediationDays).toBe(90);
  });

  it('blanks the parties of cases closed more than the limit ago (91 days yes, 89 no), keeps the rows, audits the count', async () => {
    const old = await newCase('91 天前结案的纠纷');
    const recent = await newCase('89 天前结案的纠纷');
    const open = await newCase('仍在调解的纠纷');
    await close(old);
    t.advance(2 * DAY_MS);
    await signIn();
    await close(recent);
    t.advance(89 * DAY_MS);
    await signIn();
    const before = (await purgeAudits()).length;

    // Limit 90 days: the case closed 91 days ago loses names and phones, the one of 89 days keeps them.
    expect(await purgeClosedMediationParties(t.ctx.db.kysely, 90, t.ctx.now())).toEqual({ parties: 2 });
    const purged = await rows(old);
    expect(purged).toHaveLength(2);
    for (const p of purged) {
      expect(p).toMatchObject({ name: null, phone: null });
      expect(new Date(p.purged_at!).getTime()).toBe(t.ctx.now().getTime());
    }
    expect((await rows(recent)).map((p) => [p.name, p.phone, p.purged_at])).toEqual([
      ['张三', '13800000001', null],
      ['李四', null, null],
    ]);
    expect((await rows(open)).every((p) => p.name !== null && p.purged_at === null)).toBe(true);
    // The case and its parties' roles are still there for figures; the names read as blank.
    const read = await t.as(officer, {
      method: 'GET',
      url: `/api/community/cases/${old}/parties`,
      headers: PURPOSE,
    });
    expect(read.statusCode, read.body).toBe(200);
    expect(
      read
        .json()
        .items.map((p: { role: string; name: string; phone: string | null }) => [p.role, p.name, p.phone]),
    ).toEqual([
      ['applicant', '', null],
      ['respondent', '', null],
    ]);
    const audits = await purgeAudits();
    expect(audits).toHaveLength(before + 1);
    expect(audits.at(-1)!.detail).toEqual({
      mediationParties: 2,
      casesClosedBefore: new Date(t.ctx.now().getTime() - 90 * DAY_MS).toISOString(),
    });

    // Again at once: nothing more to do, nothing audited.
    expect(await purgeClosedMediationParties(t.ctx.db.kysely, 90, t.ctx.now())).toEqual({ parties: 0 });
    expect(await purgeAudits()).toHaveLength(before + 1);

    // Two days on, the other case is past the limit too; the open case never is.
    t.advance(2 * DAY_MS);
    expect(await purgeClosedMediationParties(t.ctx.db.kysely, 90, t.ctx.now())).toEqual({ parties: 2 });
    expect((await rows(recent)).every((p) => p.name === null && p.purged_at !== null)).toBe(true);
    expect((await rows(open)).every((p) => p.name !== null && p.purged_at === null)).toBe(true);
  });
});
