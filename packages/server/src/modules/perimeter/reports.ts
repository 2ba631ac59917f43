import {
  REPORT_TITLES,
  type ReportPeriod,
  reportRange,
  shanghaiHour,
} from '@citywatch/core/perimeter/report-period';
import ExcelJS from 'exceljs';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
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
  const { from, to, label } = reportRange(period, date);
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
  return Buffer.from(await book.xlsx.writeBuffer());
}

function sumOf(rows: CheckpointReportRow[], key: 'readsIn' | 'readsOut'): number {
  return rows.reduce((a, r) => a + r[key], 0);
}
