/**
 * Reports (日报、周报、月报) of an org's indicators: the data once, then the same HTML for the page
 * and the PDF (printed by the bundled Chromium, Chinese set in Noto CJK, charts as SVG), and a
 * workbook (.xlsx). Each generated file is archived with the SHA-256 of its bytes.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatIndicator, UNIT_LABELS } from '@citywatch/core/indicators/indicators';
import type { ReportKind, Period as ReportPeriod } from '@citywatch/core/indicators/period';
import { shanghaiDay } from '@citywatch/core/indicators/period';
import { barChartSvg, escapeXml, lineChartSvg } from '@citywatch/core/indicators/svg';
import ExcelJS from 'exceljs';
import type { ReportSection, ReportSectionContent } from './report-section.js';
import { REPORT_SECTIONS } from './report-sections.js';
import { type IndicatorFigure, type IndicatorsService, type OrgRef, scopeOf } from './service.js';

export const REPORT_TITLES: Record<ReportKind, string> = {
  daily: '日报',
  weekly: '周报',
  monthly: '月报',
};

/** The indicators each station is compared by in the report's table. */
export const STATION_INDICATORS = [
  'dispatch.validity_rate',
  'dispatch.call_to_arrival.median.P1',
  'dispatch.p1_arrived_within_3min',
  'perimeter.hit_action_rate',
  'community.mediation_resolution_rate',
];
/** The indicators drawn day by day (weekly and monthly reports). */
const TREND_INDICATORS = ['dispatch.validity_rate', 'dispatch.p1_arrived_within_3min'];

export interface ReportData {
  org: OrgRef;
  kind: ReportKind;
  period: ReportPeriod;
  generatedAt: Date;
  figures: IndicatorFigure[];
  stations: { name: string; code: string; figures: IndicatorFigure[] }[];
  days: string[];
  /** Per trend indicator, one value per day: the stored snapshot, else computed from the records. */
  trends: { figure: IndicatorFigure; values: (number | null)[] }[];
  /** The modules' sections (the perimeter checkpoint report), after the indicators. */
  sections: ReportSectionContent[];
}

/** Everything a report shows, computed once for the HTML, the PDF and the workbook. */
export async function reportData(
  indicators: IndicatorsService,
  org: OrgRef,
  kind: ReportKind,
  period: ReportPeriod,
  generatedAt: Date,
  sections: readonly ReportSection[] = REPORT_SECTIONS,
): Promise<ReportData> {
  const figures = await indicators.compute(org, period);
  const known = new Set(figures.map((f) => f.id));
  const stationIds = STATION_INDICATORS.filter((id) => known.has(id));
  const stations = await Promise.all(
    (await indicators.stationsUnder(org)).map(async (s) => ({
      name: s.name,
      code: s.code,
      figures: await indicators.compute(s, period, stationIds),
    })),
  );
  const days = kind === 'daily' ? [] : indicators.days(period);
  const trends =
    kind === 'daily'
      ? []
      : await Promise.all(
          TREND_INDICATORS.filter((id) => known.has(id)).map(async (id) => ({
            figure: figures.find((f) => f.id === id)!,
            values: await indicators.dailyValues(id, org, days),
          })),
        );
  const sectionContents = await Promise.all(
    sections.map((s) => s.build({ db: indicators.database(), scope: scopeOf(org), kind, period })),
  );
  return { org, kind, period, generatedAt, figures, stations, days, trends, sections: sectionContents };
}

const CHAPTER = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

const show = (f: { value: number | null; unit: IndicatorFigure['unit'] }) =>
  formatIndicator(f.value, f.unit, 'zh');
const STATUS_ZH = { met: '达标', missed: '未达标', none: '—' } as const;

/** The report as one self-contained HTML page (inline CSS and SVG; fonts from the system). */
export function reportHtml(d: ReportData): string {
  const title = `${d.org.name}治安防控评价指标${REPORT_TITLES[d.kind]}`;
  const rows = d.figures
    .map(
      (
        f,
      ) => `<tr class="${f.status}"><td>${escapeXml(f.name.zh)}</td><td class="num">${escapeXml(show(f))}</td>
<td class="num">${f.target === null ? '—' : `${f.higherIsBetter ? '≥' : '≤'} ${escapeXml(formatIndicator(f.target, f.unit, 'zh'))}`}</td>
<td>${STATUS_ZH[f.status]}</td><td class="num">${f.numerator !== null && f.denominator !== null ? `${f.numerator}/${f.denominator}` : (f.denominator ?? '—')}</td>
<td class="small">${escapeXml(f.id)} v${f.ruleVersion}${f.cityWide ? ' · 全市' : ''}</td></tr>`,
    )
    .join('\n');
  const stationHead = d.stations[0]?.figures.map((f) => `<th>${escapeXml(f.name.zh)}</th>`).join('') ?? '';
  const stationRows = d.stations
    .map(
      (s) =>
        `<tr><td>${escapeXml(s.name)}</td>${s.figures.map((f) => `<td class="num ${f.status}">${escapeXml(show(f))}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const validity = d.stations
    .map((s) => ({ s, f: s.figures.find((f) => f.id === 'dispatch.validity_rate') }))
    .filter((x) => x.f);
  const bars =
    validity.length > 0
      ? barChartSvg(
          validity.map(({ s, f }) => ({
            label: s.name,
            value: f!.value,
            text: show(f!),
            missed: f!.status === 'missed',
          })),
          { title: '各派出所110有效警情率', target: validity[0].f!.target },
        )
      : '';
  const lines = d.trends
    .map((t) =>
      lineChartSvg(
        d.days.map((day) => day.slice(5)),
        [
          {
            name: t.figure.name.zh,
            color: '#1677ff',
            values: t.values.map((v) => (v === null ? null : t.figure.unit === 'share' ? v * 100 : v)),
          },
        ],
        {
          title: `${t.figure.name.zh}（逐日）`,
          unit: t.figure.unit === 'share' ? '%' : UNIT_LABELS[t.figure.unit].zh,
          target:
            t.figure.target === null
              ? null
              : t.figure.unit === 'share'
                ? t.figure.target * 100
                : t.figure.target,
        },
      ),
    )
    .join('\n');
  let chapters = 1; // 一、指标总览
  const chapter = () => CHAPTER[chapters++] ?? String(chapters);
  const met = d.figures.filter((f) => f.status === 'met').length;
  const judged = d.figures.filter((f) => f.status !== 'none').length;
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>
@page { size: A4; margin: 14mm 12mm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; font-size: 10.5pt; color: #1f1f1f; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 4pt; }
.meta { text-align: center; color: #595959; margin-bottom: 10pt; }
h2 { font-size: 13pt; border-left: 4pt solid #1677ff; padding-left: 6pt; margin: 14pt 0 6pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.5pt solid #bfbfbf; padding: 3pt 5pt; }
th { background: #f0f5ff; font-size: 9pt; }
td:first-child { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.missed td:nth-child(4), td.missed { color: #cf1322; font-weight: bold; }
tr.met td:nth-child(4) { color: #389e0d; }
.small { font-size: 8pt; color: #8c8c8c; }
.chart { margin: 8pt 0; page-break-inside: avoid; }
section table + table { margin-top: 8pt; }
tr.total td { font-weight: bold; background: #fafafa; }
</style></head><body>
<h1>${escapeXml(title)}</h1>
<div class="meta">统计周期：${escapeXml(d.period.label)}（北京时间）　单位：${escapeXml(d.org.name)}（${escapeXml(d.org.code)}）　生成时间：${escapeXml(d.generatedAt.toISOString().replace('T', ' ').slice(0, 19))} UTC</div>
<p>本期共 ${d.figures.length} 项指标，其中有目标值且可计算的 ${judged} 项，达标 ${met} 项。数值由业务数据按统一规则计算（规则版本见表末列），每个数值均可在平台“评价指标”页面打开其计算明细。</p>
<h2>一、指标总览</h2>
<table><thead><tr><th>指标</th><th>数值</th><th>目标</th><th>达标</th><th>计算基数</th><th>规则</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${d.stations.length ? `<h2>${chapter()}、派出所对比</h2><div class="chart">${bars}</div><table><thead><tr><th>派出所</th>${stationHead}</tr></thead><tbody>${stationRows}</tbody></table>` : ''}
${lines ? `<h2>${chapter()}、逐日趋势</h2><div class="chart">${lines}</div>` : ''}
${d.sections.map((s) => `<section><h2>${chapter()}、${escapeXml(s.title)}</h2>\n${s.html}</section>`).join('\n')}
</body></html>`;
}

/** The same report as a workbook: indicators, stations, and the daily series. */
export async function reportXlsx(d: ReportData): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'citywatch';
  // Fixed, so the same data gives the same bytes (the archive's hash).
  wb.created = d.generatedAt;
  wb.modified = d.generatedAt;
  const title = `${d.org.name}治安防控评价指标${REPORT_TITLES[d.kind]}（${d.period.label}）`;
  const sheet = wb.addWorksheet('指标总览');
  sheet.addRow([title]).font = { bold: true, size: 14 };
  sheet.addRow(['指标', '编号', '数值', '单位', '目标', '达标', '分子', '分母', '规则版本']).font = {
    bold: true,
  };
  for (const f of d.figures) {
    const shown = f.value === null ? null : f.unit === 'share' ? f.value : Math.round(f.value * 10) / 10;
    const row = sheet.addRow([
      f.name.zh,
      f.id,
      shown,
      f.unit === 'share' ? '%' : UNIT_LABELS[f.unit].zh,
      f.target,
      STATUS_ZH[f.status],
      f.numerator,
      f.denominator,
      f.ruleVersion,
    ]);
    if (f.unit === 'share') {
      row.getCell(3).numFmt = '0.0%';
      row.getCell(5).numFmt = '0.0%';
    }
  }
  sheet.columns.forEach((c, i) => {
    c.width = [34, 36, 12, 8, 10, 8, 10, 10, 10][i];
  });
  if (d.stations.length) {
    const st = wb.addWorksheet('派出所对比');
    st.addRow(['派出所', '代码', ...d.stations[0].figures.map((f) => f.name.zh)]).font = { bold: true };
    for (const s of d.stations) st.addRow([s.name, s.code, ...s.figures.map((f) => f.value)]);
    st.columns.forEach((c, i) => {
      c.width = i < 2 ? 14 : 20;
    });
  }
  if (d.trends.length) {
    const tr = wb.addWorksheet('逐日趋势');
    tr.addRow(['日期', ...d.trends.map((t) => t.figure.name.zh)]).font = { bold: true };
    d.days.forEach((day, i) => {
      tr.addRow([day, ...d.trends.map((t) => t.values[i])]);
    });
    tr.columns.forEach((c, i) => {
      c.width = i === 0 ? 12 : 24;
    });
  }
  for (const s of d.sections) s.sheets(wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Where Chromium is (CITYWATCH_CHROMIUM first: the bundled one is Debian's). */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CITYWATCH_CHROMIUM ?? '/usr/bin/chromium';
}

/** How long Chromium may take to print before it is stopped. */
const PRINT_TIMEOUT_MS = 60_000;

/** Prints HTML to PDF with headless Chromium (--print-to-pdf), in a temporary folder removed after. */
export async function htmlToPdf(html: string, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'citywatch-report-'));
  try {
    const input = path.join(dir, 'report.html');
    const output = path.join(dir, 'report.pdf');
    await writeFile(input, html, 'utf8');
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        chromiumPath(env),
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-dev-shm-usage',
          '--no-first-run',
          '--no-pdf-header-footer',
          `--user-data-dir=${path.join(dir, 'profile')}`,
          `--print-to-pdf=${output}`,
          `file://${input}`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-2000);
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), PRINT_TIMEOUT_MS);
      // Stopped with the process: a SIGTERM to citywatch must not leave a Chromium behind.
      const stop = () => child.kill('SIGKILL');
      process.once('exit', stop);
      child.on('error', (error) => {
        clearTimeout(timer);
        process.off('exit', stop);
        reject(new Error(`Chromium (${chromiumPath(env)}) could not start: ${error.message}`));
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        process.off('exit', stop);
        if (code === 0) resolve();
        else reject(new Error(`Chromium printing failed (${signal ?? code}): ${stderr.trim().slice(-500)}`));
      });
    });
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface GeneratedReport {
  id: string;
  bytes: Buffer;
  sha256: string;
  label: string;
  format: 'pdf' | 'xlsx';
}

/** Generates, hashes and archives one report. */
export async function generateReport(
  indicators: IndicatorsService,
  input: {
    org: OrgRef;
    kind: ReportKind;
    format: 'pdf' | 'xlsx';
    period: ReportPeriod;
    userId: string | null;
    now: Date;
  },
): Promise<GeneratedReport> {
  const data = await reportData(indicators, input.org, input.kind, input.period, input.now);
  const bytes = input.format === 'pdf' ? await htmlToPdf(reportHtml(data)) : await reportXlsx(data);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const id = await indicators.archive({
    org: input.org,
    kind: input.kind,
    format: input.format,
    period: input.period,
    bytes,
    sha256,
    userId: input.userId,
  });
  return { id, bytes, sha256, label: input.period.label, format: input.format };
}

/** For file names: 2026-11 or 2026-11-23. */
export function periodSlug(kind: ReportKind, period: ReportPeriod): string {
  return kind === 'monthly' ? shanghaiDay(period.from).slice(0, 7) : shanghaiDay(period.from);
}
