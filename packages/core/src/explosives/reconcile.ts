/**
 * Reconciliation (日清月结 over a file): movements posted day by day in time order, each day's
 * physical counts compared with the book at that day's end, serial anomalies and refused
 * movements listed, transports longer than 24 h named. The same walk runs over the in-memory
 * ledger (tests) and over the server's tables (the CLI, through the service), behind `Book`.
 */
import {
  BOOK_OFFSET_MINUTES,
  bookDate,
  hoursBetween,
  isStockKind,
  key,
  MemoryLedger,
  type MovementInput,
  type PendingTransit,
  type ProductKind,
  parseAccount,
  quantityOf,
  type Refusal,
  type SerialAnomaly,
  type SettledTransit,
  TRANSIT_OVERDUE_MS,
  type Violation,
} from './ledger.js';

export interface CountInput {
  /** YYYY-MM-DD, a book date. */
  date: string;
  account: string;
  product: string;
  counted: number;
}

export interface ReconcileReport {
  movements: number;
  refused: { id: string; reason: string }[];
  variances: { date: string; account: string; product: string; book: number; counted: number }[];
  serial_anomalies: SerialAnomaly[];
  overdue_transit: { id: string; hours: number }[];
  balanced: boolean;
}

export type PostResult = { id: string; refused: Refusal } | { id: string; settled: SettledTransit[] };

/** The book reconciliation posts into and reads from. */
export interface Book {
  /** Declares the products (before any posting). */
  catalogue(products: Map<string, ProductKind>): Promise<void>;
  /** Posts movements in order; each accepted or refused on its own (all or nothing per movement). */
  post(movements: MovementInput[]): Promise<PostResult[]>;
  /** Current balances (amounts: pieces or grams) of these account/product keys. */
  balances(keys: { account: string; product: string }[]): Promise<number[]>;
  pendingTransits(): Promise<PendingTransit[]>;
  /** Whether debits equal credits (every product's balances sum to zero). */
  balanced(): Promise<boolean>;
  /**
   * Optional set-based check: each key's balance (amount) at the end of its book date (offset
   * BOOK_OFFSET_MINUTES), summed from the journal. A book that has it is posted in batches that
   * cross days and its counts are compared once at the end (see `reconcile`).
   */
  balancesAt?(keys: { date: string; account: string; product: string }[]): Promise<number[]>;
}

/** A product is itemised when any of its rows carries serials (issue 12 §5). */
export function catalogueOf(movements: readonly MovementInput[]): Map<string, ProductKind> {
  const kinds = new Map<string, ProductKind>();
  for (const m of movements) {
    if (m.serials.length > 0) kinds.set(m.product, 'itemised');
    else if (!kinds.has(m.product)) kinds.set(m.product, 'bulk');
  }
  return kinds;
}

/** Checks a count row; `today` is the book date of now (a count for a later date is refused). */
export function validateCount(c: CountInput, today: string): Violation[] {
  const v: Violation[] = [];
  if (!/^\d{4}-\d{2}-\d{2}$/.test(c.date) || Number.isNaN(Date.parse(`${c.date}T00:00:00Z`))) {
    v.push({ field: 'date', rule: 'iso_date' });
  } else if (c.date > today) v.push({ field: 'date', rule: 'not_in_future' });
  const account = parseAccount(c.account);
  if (!account) v.push({ field: 'account', rule: 'known_account' });
  else if (!isStockKind(account.kind)) v.push({ field: 'account', rule: 'stock_account' });
  if (!c.product) v.push({ field: 'product', rule: 'known_product' });
  if (!Number.isFinite(c.counted) || c.counted < 0) v.push({ field: 'counted', rule: 'not_negative' });
  return v;
}

export interface ReconcileOptions {
  /** Now, for refusing counts of future dates. */
  now: Date;
  /** Movements per call to `book.post` (a day may be split). */
  batch?: number;
  offsetMinutes?: number;
}

/**
 * The walk: movements sorted by time (stable), posted a book date at a time; after each date the
 * counts of that date compared with the book. Transit legs overdue when settled more than 24 h
 * after they left, or still pending more than 24 h before the last movement (the file's end).
 */
export async function reconcile(
  movements: readonly MovementInput[],
  counts: readonly (CountInput & { line?: number })[],
  book: Book,
  options: ReconcileOptions,
): Promise<ReconcileReport> {
  const offset = options.offsetMinutes ?? BOOK_OFFSET_MINUTES;
  const batchSize = options.batch ?? 5_000;
  const kinds = catalogueOf(movements);
  await book.catalogue(kinds);
  const today = bookDate(options.now.getTime(), offset);
  const report: ReconcileReport = {
    movements: movements.length,
    refused: [],
    variances: [],
    serial_anomalies: [],
    overdue_transit: [],
    balanced: true,
  };

  const countsByDate = new Map<string, (CountInput & { line?: number })[]>();
  counts.forEach((c, i) => {
    const v = validateCount(c, today);
    if (v.length > 0 || !kinds.has(c.product)) {
      report.refused.push({ id: `count:${c.line ?? i + 1}`, reason: v[0]?.rule ?? 'known_product' });
      return;
    }
    const list = countsByDate.get(c.date) ?? [];
    list.push(c);
    countsByDate.set(c.date, list);
  });

  const timed = movements.map((m, i) => ({ m, i, t: Date.parse(m.time) }));
  const unparsed = timed.filter((x) => Number.isNaN(x.t));
  const ordered = timed.filter((x) => !Number.isNaN(x.t)).sort((a, b) => a.t - b.t || a.i - b.i);
  // Rows whose time cannot be read are refused by validation; post them first so they are listed.
  const dates = new Map<string, MovementInput[]>();
  if (unparsed.length > 0)
    dates.set(
      '',
      unparsed.map((x) => x.m),
    );
  for (const x of ordered) {
    const d = bookDate(x.t, offset);
    const list = dates.get(d) ?? [];
    list.push(x.m);
    dates.set(d, list);
  }
  const allDates = [...new Set([...dates.keys(), ...countsByDate.keys()])].sort();
  const overdue = (s: SettledTransit) => {
    if (s.hours * 3600_000 > TRANSIT_OVERDUE_MS) report.overdue_transit.push({ id: s.id, hours: s.hours });
  };
  const postAll = async (list: MovementInput[]) => {
    for (let i = 0; i < list.length; i += batchSize) {
      for (const r of await book.post(list.slice(i, i + batchSize))) {
        if ('refused' in r) {
          report.refused.push({ id: r.id, reason: r.refused.reason });
          report.serial_anomalies.push(...r.refused.anomalies);
        } else r.settled.forEach(overdue);
      }
    }
  };
  const compare = (date: string, dayCounts: CountInput[], books: number[]) => {
    dayCounts.forEach((c, i) => {
      const kind = kinds.get(c.product) as ProductKind;
      const bookQty = quantityOf(kind, books[i] ?? 0);
      if (Math.abs(bookQty - c.counted) > 1e-9) {
        report.variances.push({
          date,
          account: c.account,
          product: c.product,
          book: bookQty,
          counted: c.counted,
        });
      }
    });
  };
  if (book.balancesAt && offset === BOOK_OFFSET_MINUTES) {
    // Bulk path: the same movements in the same order, but batches cross days (a detonator moved
    // several times in a batch is written once, a balance once per batch), then every count
    // compared with the journal's balance at the end of its date in one set-based read. Each
    // movement is still decided and refused on its own, in order, so the report is the same.
    await postAll(allDates.flatMap((date) => dates.get(date) ?? []));
    const keyed = allDates.flatMap((date) => (countsByDate.get(date) ?? []).map((c) => ({ ...c, date })));
    const books = keyed.length > 0 ? await book.balancesAt(keyed) : [];
    let at = 0;
    for (const date of allDates) {
      const dayCounts = countsByDate.get(date);
      if (!dayCounts) continue;
      compare(date, dayCounts, books.slice(at, at + dayCounts.length));
      at += dayCounts.length;
    }
  } else {
    for (const date of allDates) {
      await postAll(dates.get(date) ?? []);
      const dayCounts = countsByDate.get(date);
      if (dayCounts) compare(date, dayCounts, await book.balances(dayCounts));
    }
  }
  const lastMs = ordered.length > 0 ? (ordered[ordered.length - 1] as { t: number }).t : 0;
  for (const leg of await book.pendingTransits()) {
    if (lastMs - leg.timeMs > TRANSIT_OVERDUE_MS) {
      report.overdue_transit.push({ id: leg.id, hours: hoursBetween(leg.timeMs, lastMs) });
    }
  }
  report.balanced = await book.balanced();
  return report;
}

/** The in-memory book: the reference the server's book is tested against. */
export class MemoryBook implements Book {
  readonly ledger = new MemoryLedger();
  async catalogue(products: Map<string, ProductKind>) {
    for (const [p, k] of products) this.ledger.products.set(p, k);
  }
  async post(movements: MovementInput[]): Promise<PostResult[]> {
    return movements.map((m) => ({ id: m.id, ...this.ledger.post(m) }));
  }
  async balances(keys: { account: string; product: string }[]) {
    return keys.map((k) => this.ledger.balances.get(key(k.account, k.product)) ?? 0);
  }
  async pendingTransits() {
    return [...this.ledger.pending.values()].flat();
  }
  async balanced() {
    return this.ledger.imbalance() === 0 && this.ledger.debits === this.ledger.credits;
  }
}
