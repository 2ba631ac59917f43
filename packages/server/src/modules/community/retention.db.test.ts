import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, TEST_USER_PASSWORD, type TestApp } from '../../test/app.js';
import { jpegWithExif, multipart } from './fixtures.js';
import { PURGED_MARK } from './redact.js';
import { purgeClosedMediationParties } from './retention.js';

const SPOT = { lon: 114.1955, lat: 22.6955 };
const PURPOSE = { 'x-purpose': encodeURIComponent('调解回访需要联系当事人') };
const DAY_MS = 86_400_000;

describe(`mediation parties' retention purge (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let officer: string;
  let dispatcher: string;
  const signIn = async () => {
    admin = await t.login('admin', ADMIN_PASSWORD);
    officer = await t.login('ret.officer', TEST_USER_PASSWORD);
    dispatcher = await t.login('ret.dispatcher', TEST_USER_PASSWORD);
  };

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    const made = await t.users(admin, [
      ['ret.officer', ['community_officer'], '龙城派出所'],
      ['ret.dispatcher', ['dispatcher'], '龙城派出所'],
    ]);
    officer = made['ret.officer'].cookie;
    dispatcher = made['ret.dispatcher'].cookie;
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
    expect(await purgeClosedMediationParties(t.ctx.db.kysely, 90, t.ctx.now())).toMatchObject({ parties: 2 });
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
      freeTextRows: 0,
      freeTextReplacements: 0,
      earlierPurgedCasesChecked: 0,
      casesClosedBefore: new Date(t.ctx.now().getTime() - 90 * DAY_MS).toISOString(),
    });

    // Again at once: nothing more to do, nothing audited.
    expect(await purgeClosedMediationParties(t.ctx.db.kysely, 90, t.ctx.now())).toEqual({
      parties: 0,
      freeTextRows: 0,
      freeTextReplacements: 0,
      mediaFiles: 0,
    });
    expect(await purgeAudits()).toHaveLength(before + 1);

    // Two days on, the other case is past the limit too; the open case never is.
    t.advance(2 * DAY_MS);
    expect(await purgeClosedMediationParties(t.ctx.db.kysely, 90, t.ctx.now())).toMatchObject({ parties: 2 });
    expect((await rows(recent)).every((p) => p.name === null && p.purged_at !== null)).toBe(true);
    expect((await rows(open)).every((p) => p.name !== null && p.purged_at === null)).toBe(true);
  });
  /** Every text column of every row of a case, found in the catalogue (a column added later is covered too). */
  /** A citizen report posted on the public page, made into a case by the dispatcher. */
  const reportIntoCase = async (payload: Buffer | string, headers: Record<string, string>) => {
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
    return { reportId: report.json().id as string, caseId: decided.json().caseId as string };
  };
  const caseText = async (caseId: string): Promise<string[]> => {
    const db = t.ctx.db.kysely;
    const tables: Record<string, string> = {
      mediation_cases: 'id',
      mediation_parties: 'case_id',
      mediation_sessions: 'case_id',
      mediation_agreements: 'case_id',
      mediation_follow_ups: 'case_id',
      community_reports: 'case_id',
    };
    const out: string[] = [];
    for (const [table, key] of Object.entries(tables)) {
      const cols = await sql<{ column_name: string }>`
        select column_name from information_schema.columns
         where table_schema = current_schema() and table_name = ${table}
           and data_type in ('text', 'character varying')`.execute(db);
      expect(cols.rows.length, table).toBeGreaterThan(0);
      const rows = await sql<Record<string, string | null>>`
        select ${sql.join(cols.rows.map((c) => sql.ref(c.column_name)))}
          from ${sql.table(table)} where ${sql.ref(key)} = ${caseId}`.execute(db);
      for (const r of rows.rows) for (const v of Object.values(r)) if (v) out.push(v);
    }
    return out;
  };
  /** Names and phones of the case below, in every way the texts write them. */
  const SECRETS = ['王小明', '赵丽华', '13812345678', '075526881234', '13998765432', '110105194912310021'];
  const leaks = (texts: string[]) =>
    texts.flatMap((v) => {
      const squeezed = v.replace(/[\s.\-+]/g, '');
      return SECRETS.filter((x) => v.includes(x) || squeezed.includes(x)).map((x) => `${x} in ${v}`);
    });
  const pdfText = async (caseId: string) => {
    const r = await t.as(officer, {
      method: 'GET',
      url: `/api/community/cases/${caseId}/agreement.pdf`,
      headers: PURPOSE,
    });
    expect(r.statusCode, r.body).toBe(200);
    const dir = mkdtempSync(path.join(tmpdir(), 'agreement-'));
    try {
      writeFileSync(path.join(dir, 'a.pdf'), r.rawPayload);
      return execFileSync('pdftotext', ['-layout', path.join(dir, 'a.pdf'), '-'], { encoding: 'utf8' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('marks the parties’ names and phones (and phone-shaped numbers) out of the case’s free text, and the agreement PDF says they were cleared and when', async () => {
    await signIn();
    const made = await t.as(officer, {
      method: 'POST',
      url: '/api/community/cases',
      payload: {
        source: 'walk_in',
        category: 'neighbour',
        summary: '王小明（138 1234 5678）反映楼上赵丽华家深夜噪音',
        ...SPOT,
        address: '龙城街道 7 栋 王小明家',
        parties: [
          { role: 'applicant', name: '王小明', phone: '138-1234-5678' },
          { role: 'respondent', name: '赵丽华', phone: '0755 26881234' },
        ],
      },
    });
    expect(made.statusCode, made.body).toBe(201);
    const id = made.json().id as string;
    const step = async (url: string, payload: object, status = 201) => {
      const r = await t.as(officer, { method: 'POST', url: `/api/community/cases/${id}${url}`, payload });
      expect(r.statusCode, r.body).toBe(status);
    };
    await step('/sessions', {
      heldAt: t.ctx.now().toISOString(),
      room: '王小明调解室',
      notes: '王小明称赵丽华每晚装修；赵丽华留座机 0755-2688 1234，王小明手机 +86 13812345678。',
    });
    await step(
      '/agreement',
      {
        facts: '申请人王小明与被申请人赵丽华系上下楼邻居，赵丽华（身份证 110105194912310021）装修噪音扰民。',
        responsibilities: '赵丽华向王小明赔礼道歉，晚十点后停止施工。',
        performance: '赵丽华通过电话 0755-26881234 通知王小明施工时间，另可拨 139 9876 5432 联系物业。',
        performBy: '2027-12-31',
      },
      200,
    );
    await step('/follow-ups', {
      visitedAt: t.ctx.now().toISOString(),
      performed: true,
      notes: '回访王小明（13812345678），赵丽华已履行。',
    });
    await step('/transition', { to: 'closed' }, 200);
    // A case made from a citizen report: the report's own text is the case's too.
    const { payload, headers } = multipart({
      category: 'dispute',
      description: '邻居吵架，报警人电话13998765432',
      ...Object.fromEntries(Object.entries(SPOT).map(([k, v]) => [k, String(v)])),
      positionSource: 'pin',
      fingerprint: 'retention-report-1',
    });
    const { caseId: fromReport } = await reportIntoCase(payload, headers);
    for (const to of ['withdrawn', 'closed']) {
      const r = await t.as(officer, {
        method: 'POST',
        url: `/api/community/cases/${fromReport}/transition`,
        payload: { to },
      });
      expect(r.statusCode, r.body).toBe(200);
    }

    // Before the purge everything is there (the test would find a leak).
    expect(leaks(await caseText(id)).length).toBeGreaterThan(10);
    expect(leaks(await caseText(fromReport))).toHaveLength(2);
    const before = await pdfText(id);
    expect(before).toContain('申请人：王小明');

    t.advance(91 * DAY_MS);
    await signIn();
    const purgedAt = t.ctx.now();
    const result = await purgeClosedMediationParties(t.ctx.db.kysely, 90, purgedAt);
    expect(result.parties).toBe(4);
    // case (summary, address), session (notes, room), agreement, follow-up; the report and its case's summary.
    expect(result.freeTextRows).toBe(6);
    expect(result.freeTextReplacements).toBeGreaterThanOrEqual(20);

    // No name and no phone left in any text column of any of the two cases' rows.
    expect(leaks(await caseText(id))).toEqual([]);
    expect(leaks(await caseText(fromReport))).toEqual([]);
    const agreement = await t.ctx.db.kysely
      .selectFrom('mediation_agreements')
      .select(['facts', 'responsibilities', 'performance'])
      .where('case_id', '=', id)
      .executeTakeFirstOrThrow();
    const X = PURGED_MARK;
    expect(agreement).toEqual({
      facts: `申请人${X}与被申请人${X}系上下楼邻居，${X}（身份证 ${X}）装修噪音扰民。`,
      responsibilities: `${X}向${X}赔礼道歉，晚十点后停止施工。`,
      performance: `${X}通过电话 ${X} 通知${X}施工时间，另可拨 ${X} 联系物业。`,
    });
    // The audit row counts what was rewritten, never a value.
    const audit = (await purgeAudits()).at(-1)!.detail as Record<string, unknown>;
    expect(audit).toEqual({
      mediationParties: 4,
      freeTextRows: 6,
      freeTextReplacements: result.freeTextReplacements,
      earlierPurgedCasesChecked: 0,
      casesClosedBefore: new Date(purgedAt.getTime() - 90 * DAY_MS).toISOString(),
    });
    expect(leaks([JSON.stringify(audit)])).toEqual([]);

    // The agreement prints the cleared parties as such, with the purge date (Beijing time), never blank.
    const after = await pdfText(id);
    const local = new Date(purgedAt.getTime() + 8 * 3_600_000);
    const day = `${local.getUTCFullYear()}年${local.getUTCMonth() + 1}月${local.getUTCDate()}日`;
    const lines = after.split('\n').map((l) => l.trim());
    for (const role of ['申请人', '被申请人']) {
      expect(lines).toContain(`${role}：当事人信息已按保存期限清除（${day}清除）`);
      expect(lines.some((l) => l === `${role}：` || /^\S+：\s*$/.test(l))).toBe(false);
    }
    expect(after).toContain(X);
    expect(leaks([after])).toEqual([]);
  });
  it('deletes the photos of the citizen reports of purged cases from disk, after the commit and idempotently', async () => {
    const mediaDir = t.ctx.community.reports.mediaDir;
    /** A citizen report with a photo, made into a case by the dispatcher: report id and case id. */
    const reportCase = async (fingerprint: string) => {
      const { payload, headers } = multipart(
        {
          category: 'dispute',
          description: '楼道里有人争吵，附照片',
          ...Object.fromEntries(Object.entries(SPOT).map(([k, v]) => [k, String(v)])),
          positionSource: 'pin',
          fingerprint,
        },
        {
          name: 'scene.jpg',
          type: 'image/jpeg',
          bytes: jpegWithExif({ ...SPOT, takenAt: '2026:11:23 07:30:00' }),
        },
      );
      return reportIntoCase(payload, headers);
    };
    const mediaRow = (id: string) =>
      t.ctx.db.kysely
        .selectFrom('community_reports')
        .select(['media_file', 'media_type', 'media_bytes'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    const old = await reportCase('retention-media-old');
    const kept = await reportCase('retention-media-kept');
    const oldFile = path.join(mediaDir, (await mediaRow(old.reportId)).media_file!);
    const keptFile = path.join(mediaDir, (await mediaRow(kept.reportId)).media_file!);
    expect(existsSync(oldFile) && existsSync(keptFile)).toBe(true);
    await close(old.caseId);
    t.advance(91 * DAY_MS);
    await signIn();

    // Closed 91 days ago: its report's photo is deleted and the row forgets it; the open case's stays.
    const result = await purgeClosedMediationParties(t.ctx.db.kysely, 90, t.ctx.now(), { mediaDir });
    expect(result.mediaFiles).toBe(1);
    expect(existsSync(oldFile)).toBe(false);
    expect(await mediaRow(old.reportId)).toEqual({ media_file: null, media_type: null, media_bytes: null });
    expect(existsSync(keptFile)).toBe(true);
    expect((await mediaRow(kept.reportId)).media_file).not.toBeNull();
    const media = await t.as(dispatcher, {
      method: 'GET',
      url: `/api/community/reports/${old.reportId}/media`,
    });
    expect(media.statusCode).toBe(404);

    // Again: nothing left to delete.
    expect(
      (await purgeClosedMediationParties(t.ctx.db.kysely, 90, t.ctx.now(), { mediaDir })).mediaFiles,
    ).toBe(0);
    // A run that stopped between deleting a file and forgetting it: the next one forgets it, no error.
    await t.ctx.db.kysely
      .updateTable('community_reports')
      .set({ media_file: path.basename(oldFile), media_type: 'image/jpeg', media_bytes: 178 })
      .where('id', '=', old.reportId)
      .execute();
    expect(
      (await purgeClosedMediationParties(t.ctx.db.kysely, 90, t.ctx.now(), { mediaDir })).mediaFiles,
    ).toBe(0);
    expect((await mediaRow(old.reportId)).media_file).toBeNull();
  });

  it('scrubs, once and by shape, the free text of a case whose parties an earlier purge blanked without it', async () => {
    await signIn();
    const id = await newCase('当事人留手机 139 1234 5678，身份证 110105194912310021，邻里噪音纠纷');
    await close(id);
    t.advance(91 * DAY_MS);
    await signIn();
    // As the purge before 8e2b4f0 left it: names and phones blanked, the free text untouched.
    await t.ctx.db.kysely
      .updateTable('mediation_parties')
      .set({ name: null, phone: null, purged_at: t.ctx.now() })
      .where('case_id', '=', id)
      .execute();
    const summary = async () =>
      await t.ctx.db.kysely
        .selectFrom('mediation_cases')
        .select(['summary', 'text_purged_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    expect((await summary()).summary).toContain('139 1234 5678');
    const before = (await purgeAudits()).length;

    const first = await purgeClosedMediationParties(t.ctx.db.kysely, 90, t.ctx.now());
    expect(first).toMatchObject({ parties: 0, freeTextRows: 1, freeTextReplacements: 2 });
    const after = await summary();
    expect(after.summary).toBe('当事人留手机 【已清除】，身份证 【已清除】，邻里噪音纠纷');
    expect(new Date(after.text_purged_at!).getTime()).toBe(t.ctx.now().getTime());
    const audits = await purgeAudits();
    expect(audits).toHaveLength(before + 1);
    expect(audits.at(-1)!.detail).toMatchObject({
      mediationParties: 0,
      freeTextRows: 1,
      freeTextReplacements: 2,
      earlierPurgedCasesChecked: 1,
    });
    expect(JSON.stringify(audits.at(-1)!.detail)).not.toContain('139');

    // Done once: the next run finds nothing and writes no audit row.
    expect(await purgeClosedMediationParties(t.ctx.db.kysely, 90, t.ctx.now())).toMatchObject({
      parties: 0,
      freeTextRows: 0,
    });
    expect(await purgeAudits()).toHaveLength(before + 1);
  });
});
