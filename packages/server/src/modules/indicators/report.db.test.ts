import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatIndicator } from '@citywatch/core/indicators/indicators';
import { reportPeriod } from '@citywatch/core/indicators/period';
import ExcelJS from 'exceljs';
import { latLngToCell } from 'h3-js';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/app.js';
import { generateReport } from './report.js';

/**
 * The monthly report of the city for November 2026 from incidents of two stations on several days:
 * the PDF (printed by Chromium) holds the Chinese indicator names and the figures the registry
 * computes; the workbook the same values; both archived with the hash of their bytes.
 */
describe(`indicator reports (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  const dir = mkdtempSync(path.join(tmpdir(), 'citywatch-report-test-'));

  beforeAll(async () => {
    t = await createTestApp();
    const orgs = await t.ctx.identity.listOrgsUnscoped();
    const station = (n: string) => orgs.find((o) => o.name === n)!.id;
    let n = 0;
    // Three days, two stations: a police P1 call on scene in 150 s and a non-police one each day.
    for (const day of ['2026-11-03', '2026-11-10', '2026-11-17']) {
      for (const [org, police, arrival] of [
        [station('龙城派出所'), true, 150],
        [station('龙城派出所'), false, null],
        [station('龙岗派出所'), true, 400],
      ] as const) {
        const received = new Date(`${day}T03:00:00Z`);
        n++;
        await t.ctx.db.kysely
          .insertInto('incidents')
          .values({
            id: uuidv7(),
            number: `J${day.replaceAll('-', '')}-8${String(n).padStart(3, '0')}`,
            org_id: org,
            category: police ? 'criminal' : 'consultation',
            priority: 'P1',
            status: 'closed',
            police,
            narrative: '报表测试',
            lon: 114.1955,
            lat: 22.6955,
            h3: latLngToCell(22.6955, 114.1955, 9),
            received_at: received,
            dispatched_at: new Date(received.getTime() + 45_000),
            arrived_at: arrival === null ? null : new Date(received.getTime() + arrival * 1000),
            updated_at: received,
          })
          .execute();
      }
    }
  });
  afterAll(() => t?.close());

  it('prints the monthly report to PDF with the Chinese names and the figures, archived with its hash', async () => {
    const city = (await t.ctx.indicators.orgByCode(undefined))!;
    const period = reportPeriod('monthly', '2026-11')!;
    const report = await generateReport(t.ctx.indicators, {
      org: city,
      kind: 'monthly',
      format: 'pdf',
      period,
      userId: null,
      now: t.ctx.now(),
    });
    expect(report.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const file = path.join(dir, 'monthly.pdf');
    writeFileSync(file, report.bytes);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    const figures = await t.ctx.indicators.compute(city, period);
    const validity = figures.find((f) => f.id === 'dispatch.validity_rate')!;
    expect(validity).toMatchObject({ numerator: 6, denominator: 9 });
    for (const words of [
      '深圳市公安局治安防控评价指标月报',
      '2026年11月',
      '110有效警情率',
      'P1警情3分钟到场率',
      '龙城派出所',
    ])
      expect(text, words).toContain(words);
    expect(text).toContain(formatIndicator(validity.value, 'share')); // 66.7%
    const within3 = figures.find((f) => f.id === 'dispatch.p1_arrived_within_3min')!;
    expect(text).toContain(formatIndicator(within3.value, 'share')); // 50.0%
    const archived = await t.ctx.db.kysely
      .selectFrom('indicator_reports')
      .selectAll()
      .where('id', '=', report.id)
      .executeTakeFirstOrThrow();
    expect(archived).toMatchObject({ kind: 'monthly', format: 'pdf', label: '2026年11月', org_id: city.id });
    expect(archived.sha256).toBe(createHash('sha256').update(report.bytes).digest('hex'));
    expect(Buffer.from(archived.bytes).equals(report.bytes)).toBe(true);
    // Page 1 as a picture, for a person to look at (pdftoppm).
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', file, path.join(dir, 'page')]);
  }, 120_000);

  it('writes the same figures into a workbook', async () => {
    const city = (await t.ctx.indicators.orgByCode(undefined))!;
    const report = await generateReport(t.ctx.indicators, {
      org: city,
      kind: 'monthly',
      format: 'xlsx',
      period: reportPeriod('monthly', '2026-11')!,
      userId: null,
      now: t.ctx.now(),
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(report.bytes as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('指标总览')!;
    const row = sheet
      .getRows(1, sheet.rowCount)!
      .find((r) => r.getCell(2).value === 'dispatch.validity_rate')!;
    expect(row.getCell(1).value).toBe('110有效警情率');
    expect(row.getCell(3).value).toBeCloseTo(6 / 9);
    expect(wb.getWorksheet('派出所对比')!.getCell('A2').value).toBe('龙城派出所');
    expect(wb.getWorksheet('逐日趋势')!.rowCount).toBe(31);
  }, 60_000);
});
