import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { reportPeriod, shanghaiDay } from '@citywatch/core/indicators/period';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { asDevice, issueDevice } from '../../test/devices.js';
import { checkpointReport } from '../perimeter/reports.js';
import { generateReport } from './report.js';

/**
 * The perimeter checkpoint report (卡口日报告) as a section of the org reports: two checkpoints on
 * the bundled Longgang extract's real roads (the G15 toll gate and the S30 exit), plate reads sent
 * by their cameras, a hotlist hit acted on; the day's report of the city, generated on demand
 * through the route and archived, holds each checkpoint's reads, hits and actions in its workbook
 * and its PDF; a station's report holds its own checkpoint only.
 */
describe(`checkpoint report in the report framework (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let day: string;
  let stationId: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'citywatch-checkpoint-report-'));

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      kind: string;
      name: string;
    }[];
    const city = orgs.find((o) => o.kind === 'city_bureau')!.id;
    stationId = orgs.find((o) => o.name === '龙城派出所')!.id;
    for (const username of ['commander.li', 'commander.wang']) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: {
          username,
          displayName: username,
          password: 'a-long-password',
          orgId: city,
          roles: ['commander'],
        },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    await ensureBundledCity(t.ctx, () => {});
    for (const [id, lon, lat, orgId] of [
      ['CP-G15-N', 114.2005, 22.6805, city],
      ['CP-S30-E', 114.2225, 22.6955, stationId],
    ] as const) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/perimeter/checkpoints',
        payload: { id, name: `${id} 公安检查站`, kind: 'station', orgId, lon, lat },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    const li = await t.login('commander.li', 'a-long-password');
    const wang = await t.login('commander.wang', 'a-long-password');
    const entry = await t.as(li, {
      method: 'POST',
      url: '/api/perimeter/hotlist',
      payload: {
        kind: 'plate',
        value: '粤B7R5K2',
        category: 'vehicle_in_crime',
        legalBasis: '公安机关办理刑事案件程序规定 第二百六十五条',
        expiresAt: new Date(t.ctx.now().getTime() + 7 * 86_400_000).toISOString(),
      },
    });
    expect(entry.statusCode, entry.body).toBe(201);
    const approved = await t.as(wang, {
      method: 'POST',
      url: `/api/perimeter/hotlist/${entry.json().id}/approve`,
    });
    expect(approved.statusCode, approved.body).toBe(200);

    const at = new Date(t.ctx.now().getTime() - 1000).toISOString();
    day = shanghaiDay(new Date(at));
    const read = (checkpointId: string, plate: string, direction: 'in' | 'out') => ({
      plate,
      at,
      checkpointId,
      direction,
      confidence: 0.97,
    });
    const send = async (checkpointId: string, reads: unknown[]) => {
      const token = (await issueDevice(t, { checkpointId })).token;
      const r = await asDevice(t, token, { method: 'POST', url: '/api/perimeter/reads', payload: { reads } });
      expect(r.statusCode, r.body).toBe(200);
      return r.json();
    };
    // G15: 4 in (one the hotlist plate), 1 out, 1 unreadable; S30: 2 out.
    expect(
      await send('CP-G15-N', [
        read('CP-G15-N', '粤B7R5K2', 'in'),
        read('CP-G15-N', '粤A11111', 'in'),
        read('CP-G15-N', '粤A22222', 'in'),
        read('CP-G15-N', '粤BD33333', 'in'),
        read('CP-G15-N', '粤A44444', 'out'),
        read('CP-G15-N', 'not a plate', 'in'),
      ]),
    ).toMatchObject({ accepted: 5, hits: 1, invalid: 1 });
    expect(
      await send('CP-S30-E', [read('CP-S30-E', '粤B55555', 'out'), read('CP-S30-E', '粤B66666', 'out')]),
    ).toMatchObject({ accepted: 2, hits: 0 });
    const hits = (await t.as(li, { method: 'GET', url: '/api/perimeter/hits?checkpointId=CP-G15-N' })).json()
      .items as { id: string }[];
    expect(hits).toHaveLength(1);
    const acted = await t.as(li, {
      method: 'POST',
      url: `/api/perimeter/hits/${hits[0].id}/action`,
      payload: { action: '拦停核查，移交刑警' },
    });
    expect(acted.statusCode).toBe(204);
    await t.ctx.perimeter.plates.flush();
  }, 240_000);
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Generates a report on demand through the route and reads the archived file back. */
  async function generated(payload: Record<string, string>) {
    const li = await t.login('commander.li', 'a-long-password');
    const made = await t.as(li, { method: 'POST', url: '/api/indicators/reports', payload });
    expect(made.statusCode, made.body).toBe(201);
    const file = await t.as(li, { method: 'GET', url: `/api/indicators/reports/${made.json().id}` });
    expect(file.statusCode).toBe(200);
    const bytes = file.rawPayload;
    expect(file.headers['x-content-sha256']).toBe(createHash('sha256').update(bytes).digest('hex'));
    return bytes;
  }

  async function checkpointRows(bytes: Buffer) {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('卡口汇总')!;
    expect(String(sheet.getCell('A1').value)).toBe(`卡口日报告（${day}）`);
    const rows = new Map<string, unknown[]>();
    sheet.eachRow((row, i) => {
      if (i > 2) rows.set(String(row.getCell(1).value), (row.values as unknown[]).slice(1));
    });
    return { rows, wb };
  }

  it("the city's daily workbook holds each checkpoint's reads, hits and actions, as the perimeter report", async () => {
    const { rows, wb } = await checkpointRows(
      await generated({ kind: 'daily', format: 'xlsx', period: day }),
    );
    // 卡口编号 卡口名称 所属圈层 入城 出城 比中 已处置 无效识别
    expect(rows.get('CP-G15-N')).toEqual(['CP-G15-N', 'CP-G15-N 公安检查站', '', 4, 1, 1, 1, 1]);
    expect(rows.get('CP-S30-E')).toEqual(['CP-S30-E', 'CP-S30-E 公安检查站', '', 0, 2, 0, 0, 0]);
    expect(rows.get('合计')).toEqual(['合计', '', '', 4, 3, 1, 1, 1]);
    // The same figures as the perimeter module's own report of the day.
    const city = (await t.ctx.indicators.orgByCode(undefined))!;
    const own = await checkpointReport(t.ctx.db.kysely, 'day', day, { orgId: city.id, orgPath: city.path });
    expect(own.totals).toEqual({ reads: 7, hits: 1, invalid: 1, actionsTaken: 1 });
    const hourly = wb.getWorksheet('分时流量')!;
    let reads = 0;
    hourly.eachRow((row, i) => {
      if (i > 1) reads += Number(row.getCell(2).value);
    });
    expect(reads).toBe(7);
    // The indicators are still the report's first sheet.
    expect(wb.worksheets[0].name).toBe('指标总览');
  }, 120_000);

  it("a station's report holds its own checkpoint only", async () => {
    const { rows } = await checkpointRows(
      await generated({ kind: 'daily', format: 'xlsx', period: day, org: stationId }),
    );
    expect([...rows.keys()]).toEqual(['CP-S30-E', '合计']);
  }, 120_000);

  it('prints the checkpoint section into the PDF, archived with its hash', async () => {
    const city = (await t.ctx.indicators.orgByCode(undefined))!;
    const report = await generateReport(t.ctx.indicators, {
      org: city,
      kind: 'daily',
      format: 'pdf',
      period: reportPeriod('daily', day)!,
      userId: null,
      now: t.ctx.now(),
    });
    const file = path.join(dir, 'daily.pdf');
    writeFileSync(file, report.bytes);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    for (const words of [
      '圈层查控：卡口日报告',
      `卡口日报告（${day}）：过车 7 辆次，比中 1 次，已处置 1 次，无效识别 1 次`,
      'CP-G15-N 公安检查站',
      'CP-S30-E 公安检查站',
      '110有效警情率',
    ])
      expect(text, words).toContain(words);
    const archived = await t.ctx.db.kysely
      .selectFrom('indicator_reports')
      .select(['sha256', 'kind', 'format'])
      .where('id', '=', report.id)
      .executeTakeFirstOrThrow();
    expect(archived).toEqual({
      sha256: createHash('sha256').update(report.bytes).digest('hex'),
      kind: 'daily',
      format: 'pdf',
    });
    execFileSync('pdftoppm', ['-png', '-r', '60', file, path.join(dir, 'page')]);
    process.stderr.write(`checkpoint report pages: ${dir}\n`);
  }, 180_000);
});
