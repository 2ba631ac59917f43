/**
 * The reconciliation files (issue 12 §5). Movements: `id,time,from,to,product,quantity,serials,permit`
 * (`serials` `;`-separated, empty for bulk). Counts: `date,account,product,counted`. Fields do not
 * hold commas; a quoted field is read without its quotes all the same.
 */
import type { MovementInput } from './ledger.js';
import type { CountInput } from './reconcile.js';

export const MOVEMENT_COLUMNS = [
  'id',
  'time',
  'from',
  'to',
  'product',
  'quantity',
  'serials',
  'permit',
] as const;
export const COUNT_COLUMNS = ['date', 'account', 'product', 'counted'] as const;

export class CsvError extends Error {}

function splitLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function rows(text: string, columns: readonly string[]): { line: number; cells: Record<string, string> }[] {
  const lines = text.split(/\r?\n/);
  const header = splitLine((lines[0] ?? '').replace(/^\uFEFF/, '')).map((h) => h.trim());
  const index = columns.map((c) => header.indexOf(c));
  const missing = columns.filter((_, i) => index[i] === -1);
  if (missing.length > 0) throw new CsvError(`missing column(s) ${missing.join(', ')}`);
  const out: { line: number; cells: Record<string, string> }[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    const cells = splitLine(line);
    const rec: Record<string, string> = {};
    columns.forEach((c, j) => {
      rec[c] = (cells[index[j] as number] ?? '').trim();
    });
    out.push({ line: i + 1, cells: rec });
  }
  return out;
}

/** A number cell; an empty or unreadable one becomes NaN (refused by validation, not here). */
function num(text: string): number {
  return text === '' ? Number.NaN : Number(text);
}

export function parseMovementsCsv(text: string): MovementInput[] {
  return rows(text, MOVEMENT_COLUMNS).map(({ line, cells }) => ({
    id: cells.id || `line:${line}`,
    time: cells.time as string,
    from: cells.from as string,
    to: cells.to as string,
    product: cells.product as string,
    quantity: num(cells.quantity as string),
    serials: cells.serials ? (cells.serials as string).split(';').map((s) => s.trim()) : [],
    permit: cells.permit || null,
  }));
}

export function parseCountsCsv(text: string): (CountInput & { line: number })[] {
  return rows(text, COUNT_COLUMNS).map(({ line, cells }) => ({
    line,
    date: cells.date as string,
    account: cells.account as string,
    product: cells.product as string,
    counted: num(cells.counted as string),
  }));
}

export function formatMovementsCsv(movements: readonly MovementInput[]): string {
  const out = [MOVEMENT_COLUMNS.join(',')];
  for (const m of movements) {
    out.push(
      [m.id, m.time, m.from, m.to, m.product, String(m.quantity), m.serials.join(';'), m.permit ?? ''].join(
        ',',
      ),
    );
  }
  return `${out.join('\n')}\n`;
}

export function formatCountsCsv(counts: readonly CountInput[]): string {
  const out = [COUNT_COLUMNS.join(',')];
  for (const c of counts) out.push([c.date, c.account, c.product, String(c.counted)].join(','));
  return `${out.join('\n')}\n`;
}
