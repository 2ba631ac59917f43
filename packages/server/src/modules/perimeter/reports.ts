import type { ReportKind } from '@citywatch/core/indicators/period';
import { escapeXml, lineChartSvg } from '@citywatch/core/indicators/svg';
import {
  REPORT_TITLES,
  type ReportPeriod,
  reportRange,
  shanghaiHour,
} from '@citywatch/core/perimeter/report-period';
import ExcelJS from 'exceljs';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ReportSection } from '../indicators/report-section.js';
import { type OrgScope, orgsUnder } from '../scope.js';

export interface CheckpointReportRow {
  checkpointId: string;
  name: string;
  ring: string | null;
  readsIn: number;
  readsOut: number;
  invalid: number;
  hits: number;
  actionsTaken: number;
}

export interface CheckpointReport {
  period: ReportPeriod;
  title: string;
  label: string;
  from: string;
  to: string;
  checkpoints: CheckpointReportRow[];
  rings: { ring: string; readsIn: number; readsOut: number; hits: number; actionsTaken: number }[];
  /** Reads per local hour (0–23) over the period, all checkpoints. */
  hourly: { hour: number; reads: number; hits: number }[];
  totals: { reads: number; hits: number; invalid: number; actionsTaken: number };
}

/**
 * The daily report, weekly bulletin and monthly review: volumes (counts only: non-hit plates were
 * never stored), hits and the actions taken on them, per checkpoint and ring; over the checkpoints
 * of the scope's subtree (city-level staff: the city).
 */
export async function checkpointReport(
  db: Kysely<Database>,
  period: ReportPeriod,
  date: string,
  scope: OrgScope,
): Promise<CheckpointReport> {
  return checkpointReportOf(db, period, reportRange(period, date), scope);
}

/** The report over a range already resolved (the report framework's period). */
export async function checkpointReportOf(
  db: Kysely<Database>,
  period: ReportPeriod,
  range: { from: Date; to: Date; label: string },
  scope: OrgScope,
): Promise<CheckpointReport> {
  const { from, to, label } = range;
  const ownCheckpoints = () =>
    db.selectFrom('checkpoints').select('checkpoints.id').where('org_id', 'in', orgsUnder(db, scope));
  const [volumes, hits, checkpoints, rings] = await Promise.all([
    db
      .selectFrom('checkpoint_volumes')
      .selectAll()
      .where('checkpoint_id', 'in', ownCheckpoints())
      .where('hour', '>=', from)
      .where('hour', '<', to)
      .execute(),
    db
      .selectFrom('hotlist_hits')
      .select(['checkpoint_id', 'action_taken'])
      .where('checkpoint_id', 'in', ownCheckpoints())
      .where('read_at', '>=', from)
      .where('read_at', '<', to)
      .execute(),
    db
      .selectFrom('checkpoints')
      .select(['id', 'name', 'ring_id'])
      .where('id', 'in', ownCheckpoints())
      .execute(),
    // Ring names only label the rows of the scope's own checkpoints.
    db.selectFrom('rings').select(['id', 'name']).execute(),
  ]);
  const ringName = new Map(rings.map((r) => [r.id, r.name]));
  const rows = new Map<string, CheckpointReportRow>();
  const row = (id: string) => {
    let r = rows.get(id);
    if (!r) {
      const cp = checkpoints.find((c) => c.id === id);
      r = {
        checkpointId: id,
        name: cp?.name ?? id,
        ring: cp?.ring_id ? (ringName.get(cp.ring_id) ?? null) : null,
        readsIn: 0,
        readsOut: 0,
        invalid: 0,
        hits: 0,
        actionsTaken: 0,
      };
      rows.set(id, r);
    }
    return r;
  };
  const hourly = Array.from({ length: 24 }, (_, hour) => ({ hour, reads: 0, hits: 0 }));
  for (const v of volumes) {
    const r = row(v.checkpoint_id);
    if (v.direction === 'in') r.readsIn += Number(v.reads);
    else r.readsOut += Number(v.reads);
    r.invalid += Number(v.invalid);
    const h = hourly[shanghaiHour(new Date(v.hour))];
    h.reads += Number(v.reads);
    h.hits += Number(v.hits);
  }
  for (const h of hits) {
    const r = row(h.checkpoint_id);
    r.hits++;
    if (h.action_taken) r.actionsTaken++;
  }
  const checkpointRows = [...rows.values()].sort((a, b) => a.checkpointId.localeCompare(b.checkpointId));
  const byRing = new Map<
    string,
    { ring: string; readsIn: number; readsOut: number; hits: number; actionsTaken: number }
  >();
  for (const r of checkpointRows) {
    const key = r.ring ?? '未划入圈层';
    const g = byRing.get(key) ?? { ring: key, readsIn: 0, readsOut: 0, hits: 0, actionsTaken: 0 };
    g.readsIn += r.readsIn;
    g.readsOut += r.readsOut;
    g.hits += r.hits;
    g.actionsTaken += r.actionsTaken;
    byRing.set(key, g);
  }
  const sum = (f: (r: CheckpointReportRow) => number) => checkpointRows.reduce((a, r) => a + f(r), 0);
  return {
    period,
    title: REPORT_TITLES[period].zh,
    label,
    from: from.toISOString(),
    to: to.toISOString(),
    checkpoints: checkpointRows,
    rings: [...byRing.values()],
    hourly,
    totals: {
      reads: sum((r) => r.readsIn + r.readsOut),
      hits: sum((r) => r.hits),
      invalid: sum((r) => r.invalid),
      actionsTaken: sum((r) => r.actionsTaken),
    },
  };
}

/** The report as an .xlsx workbook with Chinese headers, one sheet per view. */
export async function checkpointReportXlsx(report: CheckpointReport): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = 'citywatch';
  addCheckpointSheets(book, report);
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** The report's sheets (卡口汇总, 圈层汇总, 分时流量), in this workbook or the org report's. */
export function addCheckpointSheets(book: ExcelJS.Workbook, report: CheckpointReport): void {
  const summary = book.addWorksheet('卡口汇总');
  summary.addRow([`${report.title}（${report.label}）`]);
  summary.mergeCells('A1:H1');
  summary.getRow(1).font = { bold: true, size: 14 };
  summary.addRow(['卡口编号', '卡口名称', '所属圈层', '入城过车', '出城过车', '比中', '已处置', '无效识别']);
  summary.getRow(2).font = { bold: true };
  for (const r of report.checkpoints)
    summary.addRow([
      r.checkpointId,
      r.name,
      r.ring ?? '',
      r.readsIn,
      r.readsOut,
      r.hits,
      r.actionsTaken,
      r.invalid,
    ]);
  summary.addRow([
    '合计',
    '',
    '',
    sumOf(report.checkpoints, 'readsIn'),
    sumOf(report.checkpoints, 'readsOut'),
    report.totals.hits,
    report.totals.actionsTaken,
    report.totals.invalid,
  ]);
  summary.columns.forEach((c, i) => {
    c.width = [14, 22, 16, 12, 12, 8, 8, 10][i];
  });
  const rings = book.addWorksheet('圈层汇总');
  rings.addRow(['圈层', '入城过车', '出城过车', '比中', '已处置']);
  rings.getRow(1).font = { bold: true };
  for (const g of report.rings) rings.addRow([g.ring, g.readsIn, g.readsOut, g.hits, g.actionsTaken]);
  const hourly = book.addWorksheet('分时流量');
  hourly.addRow(['时段', '过车量', '比中']);
  hourly.getRow(1).font = { bold: true };
  for (const h of report.hourly) hourly.addRow([`${String(h.hour).padStart(2, '0')}:00`, h.reads, h.hits]);
}

const n = (v: number) => v.toLocaleString('en-US');

/**
 * The report as an HTML fragment (tables and an SVG of reads by hour), for the org report's page
 * and PDF: the same figures as the workbook's sheets.
 */
export function checkpointReportHtml(report: CheckpointReport): string {
  const t = report.totals;
  const cells = (values: (string | number)[]) =>
    values
      .map((v) => (typeof v === 'number' ? `<td class="num">${n(v)}</td>` : `<td>${escapeXml(v)}</td>`))
      .join('');
  const checkpointRows = report.checkpoints
    .map(
      (r) =>
        `<tr>${cells([r.checkpointId, r.name, r.ring ?? '', r.readsIn, r.readsOut, r.hits, r.actionsTaken, r.invalid])}</tr>`,
    )
    .join('\n');
  const ringRows = report.rings
    .map((g) => `<tr>${cells([g.ring, g.readsIn, g.readsOut, g.hits, g.actionsTaken])}</tr>`)
    .join('\n');
  const chart = lineChartSvg(
    report.hourly.map((h) => String(h.hour).padStart(2, '0')),
    [{ name: '过车量', color: '#1677ff', values: report.hourly.map((h) => h.reads) }],
    { title: '分时过车量（北京时间，本期合计）', unit: '辆' },
  );
  if (report.checkpoints.length === 0)
    return `<p>${escapeXml(report.title)}（${escapeXml(report.label)}）：本期辖区卡口无过车记录、无比中。</p>`;
  return `<p>${escapeXml(report.title)}（${escapeXml(report.label)}）：过车 ${n(t.reads)} 辆次，比中 ${n(t.hits)} 次，已处置 ${n(t.actionsTaken)} 次，无效识别 ${n(t.invalid)} 次。未比中的号牌不留存，仅计数。</p>
<table><thead><tr><th>卡口编号</th><th>卡口名称</th><th>所属圈层</th><th>入城过车</th><th>出城过车</th><th>比中</th><th>已处置</th><th>无效识别</th></tr></thead><tbody>
${checkpointRows}
<tr class="total">${cells(['合计', '', '', sumOf(report.checkpoints, 'readsIn'), sumOf(report.checkpoints, 'readsOut'), t.hits, t.actionsTaken, t.invalid])}</tr>
</tbody></table>
<table><thead><tr><th>圈层</th><th>入城过车</th><th>出城过车</th><th>比中</th><th>已处置</th></tr></thead><tbody>
${ringRows}
</tbody></table>
<div class="chart">${chart}</div>`;
}

const PERIOD_OF_KIND: Record<ReportKind, ReportPeriod> = { daily: 'day', weekly: 'week', monthly: 'month' };

/**
 * The checkpoint report as a section of the org reports (indicators/report.ts): generated with them
 * on demand and on schedule, archived with their hash. Counts still in memory (flushed every few
 * seconds) are not in it; a past period's report is complete.
 */
export const checkpointSection: ReportSection = {
  id: 'perimeter.checkpoints',
  async build(ctx) {
    const report = await checkpointReportOf(ctx.db, PERIOD_OF_KIND[ctx.kind], ctx.period, ctx.scope);
    return {
      title: `圈层查控：${report.title}`,
      html: checkpointReportHtml(report),
      sheets: (book) => addCheckpointSheets(book, report),
    };
  },
};

function sumOf(rows: CheckpointReportRow[], key: 'readsIn' | 'readsOut'): number {
  return rows.reduce((a, r) => a + r[key], 0);
}
