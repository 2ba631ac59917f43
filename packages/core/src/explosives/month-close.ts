/**
 * Monthly close (月结 of 日清月结): a month's books are closed from its daily closes. For every
 * magazine account and product: the book at the start of the month, what came in and went out,
 * the book at its end, the last day's physical count against it, how many days showed a variance,
 * and the variance still open at the end, which is carried into the next month's close (an
 * unexplained shortfall does not vanish at a month boundary; a loss or found transfer resolves it).
 *
 * A month closes only when every day of it is closed: each magazine key that held stock at the
 * start of a day or moved during it has a count for that day. Amounts are the ledger's integers
 * (pieces or grams).
 */

export interface MonthKey {
  account: string;
  product: string;
}

export interface MonthCloseInput {
  /** YYYY-MM. */
  month: string;
  /** The magazine keys of the book, with their balance at the end of the previous month. */
  keys: (MonthKey & { opening: number })[];
  /** Movements of the month per key and book date: amounts received and sent out. */
  moves: (MonthKey & { date: string; received: number; issued: number })[];
  /** Daily closes of the month (physical count against the book at the end of that date). */
  counts: (MonthKey & { date: string; counted: number; book: number })[];
  /** Variance still open at the end of the previous month's close, per key. */
  carriedIn: (MonthKey & { variance: number })[];
}

export interface MonthLine extends MonthKey {
  opening: number;
  received: number;
  issued: number;
  closing: number;
  /** The last day's count (null when the key held nothing and moved never: nothing to count). */
  counted: number | null;
  /** counted − closing on the last day (0 when nothing to count). */
  variance: number;
  /** Days of the month whose count differed from the book. */
  varianceDays: number;
  carriedIn: number;
}

export type MonthCloseOutcome =
  | { ok: true; lines: MonthLine[] }
  | { ok: false; unclosed: (MonthKey & { date: string })[] };

export const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The dates of a month, YYYY-MM-DD, in order. */
export function daysOfMonth(month: string): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const n = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return Array.from({ length: n }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
}

/** YYYY-MM of the month before. */
export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

const k = (x: MonthKey) => `${x.account}\u0000${x.product}`;

export function closeMonth(input: MonthCloseInput): MonthCloseOutcome {
  const days = daysOfMonth(input.month);
  const moves = new Map<string, Map<string, { received: number; issued: number }>>();
  for (const mv of input.moves) {
    const byDay = moves.get(k(mv)) ?? new Map();
    const d = byDay.get(mv.date) ?? { received: 0, issued: 0 };
    d.received += mv.received;
    d.issued += mv.issued;
    byDay.set(mv.date, d);
    moves.set(k(mv), byDay);
  }
  const counts = new Map<string, Map<string, { counted: number; book: number }>>();
  for (const c of input.counts) {
    const byDay = counts.get(k(c)) ?? new Map();
    byDay.set(c.date, { counted: c.counted, book: c.book });
    counts.set(k(c), byDay);
  }
  const carried = new Map(input.carriedIn.map((c) => [k(c), c.variance]));
  const keys = new Map(input.keys.map((x) => [k(x), x]));
  // A key that moved this month but was not known at its start opens at zero.
  for (const mv of input.moves) {
    if (!keys.has(k(mv))) keys.set(k(mv), { account: mv.account, product: mv.product, opening: 0 });
  }

  const unclosed: (MonthKey & { date: string })[] = [];
  const lines: MonthLine[] = [];
  for (const key of [...keys.values()].sort((a, b) => k(a).localeCompare(k(b)))) {
    const byDay = moves.get(k(key));
    const countByDay = counts.get(k(key));
    let book = key.opening;
    let received = 0;
    let issued = 0;
    let varianceDays = 0;
    let last: { counted: number; book: number } | undefined;
    let counted = false;
    for (const date of days) {
      const mv = byDay?.get(date);
      const mustCount = book !== 0 || mv !== undefined;
      if (mv) {
        book += mv.received - mv.issued;
        received += mv.received;
        issued += mv.issued;
      }
      const c = countByDay?.get(date);
      if (c) {
        last = c;
        counted = true;
        if (c.counted !== c.book) varianceDays++;
      } else if (mustCount) unclosed.push({ date, account: key.account, product: key.product });
    }
    lines.push({
      account: key.account,
      product: key.product,
      opening: key.opening,
      received,
      issued,
      closing: book,
      counted: counted ? (last?.counted ?? null) : null,
      variance: last ? last.counted - book : 0,
      varianceDays,
      carriedIn: carried.get(k(key)) ?? 0,
    });
  }
  if (unclosed.length > 0) {
    unclosed.sort((a, b) => a.date.localeCompare(b.date) || k(a).localeCompare(k(b)));
    return { ok: false, unclosed };
  }
  return { ok: true, lines };
}
