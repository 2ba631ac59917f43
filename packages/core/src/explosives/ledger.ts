/**
 * The explosives ledger as pure logic: a double-entry book of transfers between accounts
 * `kind:name`, products either itemised (detonators, each with a 13-character shell code) or bulk
 * (kg), and a serial registry that says where every detonator is.
 *
 * - Every movement is one transfer from one account to another (a credit of `from`, a debit of
 *   `to`, the same amount), immutable; a mistake is corrected by a reversing transfer.
 * - `supplier` accounts are sources (their balance goes below zero: what was bought);
 *   `consumed`, `destroyed` and `lost` are sinks (nothing leaves them but a reversal);
 *   every other account holds stock and never goes below zero.
 * - A detonator code is received once, is in one place at a time, and is consumed or destroyed
 *   at most once; a movement that breaks this is refused as a whole and each offending code is
 *   named with its anomaly.
 * - A load that leaves for a `transit` account is pending until it leaves that account again:
 *   posted when it arrives elsewhere, voided when it goes back where it came from.
 *
 * Amounts are integers: pieces for itemised products, grams for bulk ones (kg with at most three
 * decimals), so sums are exact and debits equal credits to the gram.
 *
 * The book is read through a `LedgerView` so the same decision runs over a whole year in memory
 * (reconciliation, tests) and over the few rows a server transaction has locked.
 */

export const ACCOUNT_KINDS = [
  'supplier',
  'magazine',
  'transit',
  'crew',
  'consumed',
  'destroyed',
  'lost',
] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];
export const SINK_KINDS: readonly AccountKind[] = ['consumed', 'destroyed', 'lost'];
export const SOURCE_KINDS: readonly AccountKind[] = ['supplier'];

export const SERIAL_ANOMALIES = [
  'duplicate_receipt',
  'not_received',
  'double_issue',
  'consumed_twice',
  'wrong_location',
] as const;
export type SerialAnomalyReason = (typeof SERIAL_ANOMALIES)[number];

export type ProductKind = 'itemised' | 'bulk';

/** An account name: letters (any script), digits, `_ - .`, up to 64. */
const ACCOUNT_RE = /^(supplier|magazine|transit|crew|consumed|destroyed|lost):([\p{L}\p{N}_.-]{1,64})$/u;
export const SERIAL_RE = /^[0-9A-Z]{13}$/;
const PRODUCT_RE = /^[\p{L}\p{N}_.\-/ ]{1,64}$/u;
/** Grams per kg: bulk quantities are kept as integer grams. */
export const GRAMS_PER_KG = 1000;
export const TRANSIT_OVERDUE_MS = 24 * 3600_000;

export interface Account {
  kind: AccountKind;
  name: string;
}

export function parseAccount(text: string): Account | null {
  const m = ACCOUNT_RE.exec(text);
  return m ? { kind: m[1] as AccountKind, name: m[2] as string } : null;
}

export function accountKind(account: string): AccountKind {
  return account.slice(0, account.indexOf(':')) as AccountKind;
}

export function isStockKind(kind: AccountKind): boolean {
  return !SOURCE_KINDS.includes(kind) && !SINK_KINDS.includes(kind);
}

/** A movement as submitted (API body, CSV row). */
export interface MovementInput {
  id: string;
  /** ISO 8601 with offset. */
  time: string;
  from: string;
  to: string;
  product: string;
  /** Pieces (itemised) or kg (bulk). */
  quantity: number;
  serials: readonly string[];
  permit?: string | null;
  /** The id of the transfer this one reverses (from/to swapped, same product, amount and serials). */
  reverses?: string | null;
}

/** A validated movement: parsed time, integer amount. */
export interface Movement {
  id: string;
  timeMs: number;
  time: string;
  from: string;
  to: string;
  product: string;
  kind: ProductKind;
  amount: number;
  serials: readonly string[];
  permit: string | null;
  reverses: string | null;
}

/** Why something is refused: the field and the rule it breaks (RFC 9457 `errors` entries). */
export interface Violation {
  field: string;
  rule: string;
}

export interface SerialAnomaly {
  serial: string;
  reason: SerialAnomalyReason;
}

export interface Refusal {
  /** One word for the report: the rule, or the first serial anomaly. */
  reason: string;
  violations: Violation[];
  anomalies: SerialAnomaly[];
}

export interface SerialState {
  product: string;
  /** The account holding it now. */
  at: string;
}

/** What the decision needs to know of the book. */
export interface LedgerView {
  balance(account: string, product: string): number;
  serial(code: string): SerialState | undefined;
  /** The product's kind as catalogued; undefined = unknown product. */
  productKind(product: string): ProductKind | undefined;
  /** A magazine's licensed capacity for the product (amount); undefined = no limit set. */
  capacity?(account: string, product: string): number | undefined;
}

/** Turns a submitted movement into amounts, or names every field that is wrong. */
export function validateMovement(
  input: MovementInput,
  productKind: (product: string) => ProductKind | undefined,
): { ok: true; movement: Movement } | { ok: false; violations: Violation[] } {
  const v: Violation[] = [];
  if (!input.id || input.id.length > 64) v.push({ field: 'id', rule: 'required' });
  const timeMs = parseIsoWithOffset(input.time);
  if (timeMs === null) v.push({ field: 'time', rule: 'iso8601_with_offset' });
  const from = parseAccount(input.from);
  const to = parseAccount(input.to);
  if (!from) v.push({ field: 'from', rule: 'known_account' });
  if (!to) v.push({ field: 'to', rule: 'known_account' });
  if (from && to && input.from === input.to) v.push({ field: 'to', rule: 'different_from_from' });
  if (from && !input.reverses && SINK_KINDS.includes(from.kind))
    v.push({ field: 'from', rule: 'sink_is_not_a_source' });
  if (to && !input.reverses && SOURCE_KINDS.includes(to.kind) && from && SOURCE_KINDS.includes(from.kind)) {
    v.push({ field: 'to', rule: 'different_from_from' });
  }
  const kind = PRODUCT_RE.test(input.product) ? productKind(input.product) : undefined;
  if (!kind) v.push({ field: 'product', rule: 'known_product' });
  let amount = 0;
  if (!Number.isFinite(input.quantity) || input.quantity <= 0) {
    v.push({ field: 'quantity', rule: 'positive' });
  } else if (kind === 'itemised') {
    if (!Number.isInteger(input.quantity)) v.push({ field: 'quantity', rule: 'whole_pieces' });
    else if (input.quantity !== input.serials.length) v.push({ field: 'quantity', rule: 'matches_serials' });
    amount = input.quantity;
  } else if (kind === 'bulk') {
    amount = Math.round(input.quantity * GRAMS_PER_KG);
    if (Math.abs(amount - input.quantity * GRAMS_PER_KG) > 1e-6)
      v.push({ field: 'quantity', rule: 'grams_precision' });
    if (input.serials.length > 0) v.push({ field: 'serials', rule: 'bulk_has_no_serials' });
  }
  const seen = new Set<string>();
  input.serials.forEach((s, i) => {
    if (!SERIAL_RE.test(s)) v.push({ field: `serials[${i}]`, rule: 'serial_format' });
    else if (seen.has(s)) v.push({ field: `serials[${i}]`, rule: 'unique_in_movement' });
    seen.add(s);
  });
  if (v.length > 0 || timeMs === null || !kind) return { ok: false, violations: v };
  return {
    ok: true,
    movement: {
      id: input.id,
      timeMs,
      time: input.time,
      from: input.from,
      to: input.to,
      product: input.product,
      kind,
      amount,
      serials: input.serials,
      permit: input.permit || null,
      reverses: input.reverses || null,
    },
  };
}

/**
 * Decides whether the book allows the movement: serial history first (each code named), then
 * stock. Returns null when it may be posted.
 */
export function checkMovement(m: Movement, view: LedgerView): Refusal | null {
  const fromKind = accountKind(m.from);
  const toKind = accountKind(m.to);
  const anomalies: SerialAnomaly[] = [];
  const violations: Violation[] = [];
  m.serials.forEach((code, i) => {
    const s = view.serial(code);
    const reason = serialAnomaly(s, m.from, fromKind, toKind);
    if (reason) {
      anomalies.push({ serial: code, reason });
      violations.push({ field: `serials[${i}]`, rule: reason });
    } else if (s && s.product !== m.product) {
      violations.push({ field: `serials[${i}]`, rule: 'serial_of_product' });
    }
  });
  if (anomalies.length > 0 || violations.length > 0) {
    return { reason: anomalies[0]?.reason ?? 'serial_of_product', violations, anomalies };
  }
  if (!SOURCE_KINDS.includes(fromKind) && view.balance(m.from, m.product) < m.amount) {
    return {
      reason: 'negative_stock',
      violations: [{ field: 'quantity', rule: 'stock_not_negative' }],
      anomalies,
    };
  }
  const cap = view.capacity?.(m.to, m.product);
  if (cap !== undefined && view.balance(m.to, m.product) + m.amount > cap) {
    return { reason: 'over_capacity', violations: [{ field: 'to', rule: 'magazine_capacity' }], anomalies };
  }
  return null;
}

function serialAnomaly(
  s: SerialState | undefined,
  from: string,
  fromKind: AccountKind,
  toKind: AccountKind,
): SerialAnomalyReason | null {
  if (fromKind === 'supplier') {
    // Back from the supplier it was returned to is a receipt again; anything else received twice.
    return s && s.at !== from ? 'duplicate_receipt' : null;
  }
  if (!s) return 'not_received';
  if (s.at === from) return null;
  const atKind = accountKind(s.at);
  if (
    (toKind === 'consumed' || toKind === 'destroyed') &&
    (atKind === 'consumed' || atKind === 'destroyed')
  ) {
    return 'consumed_twice';
  }
  if (toKind === 'crew' && atKind === 'crew') return 'double_issue';
  return 'wrong_location';
}

/** A transport leg waiting in a transit account. */
export interface PendingTransit {
  id: string;
  timeMs: number;
  from: string;
  transit: string;
  product: string;
  amount: number;
}

export interface SettledTransit {
  id: string;
  status: 'posted' | 'voided';
  /** Hours from departure to arrival. */
  hours: number;
  settledBy: string;
}

/** Whole hours and tenths between two instants, for reports. */
export function hoursBetween(fromMs: number, toMs: number): number {
  return Math.round((toMs - fromMs) / 360_000) / 10;
}

/**
 * The whole book in memory: balances, serial registry, pending transports, and the running
 * debit/credit totals. Used by reconciliation and tests; the server keeps the same facts in tables.
 */
export class MemoryLedger implements LedgerView {
  readonly balances = new Map<string, number>();
  readonly serials = new Map<string, SerialState>();
  readonly products = new Map<string, ProductKind>();
  readonly capacities = new Map<string, number>();
  /** Pending transport legs by transit account, oldest first. */
  readonly pending = new Map<string, PendingTransit[]>();
  debits = 0;
  credits = 0;
  posted = 0;

  balance(account: string, product: string): number {
    return this.balances.get(key(account, product)) ?? 0;
  }
  serial(code: string): SerialState | undefined {
    return this.serials.get(code);
  }
  productKind(product: string): ProductKind | undefined {
    return this.products.get(product);
  }
  capacity(account: string, product: string): number | undefined {
    return this.capacities.get(key(account, product));
  }

  /** Validates, checks and posts; returns the refusal, or the transports this movement settled. */
  post(input: MovementInput): { refused: Refusal } | { settled: SettledTransit[] } {
    const valid = validateMovement(input, (p) => this.productKind(p));
    if (!valid.ok) {
      return {
        refused: {
          reason: valid.violations[0]?.rule ?? 'invalid',
          violations: valid.violations,
          anomalies: [],
        },
      };
    }
    const refusal = checkMovement(valid.movement, this);
    if (refusal) return { refused: refusal };
    return { settled: this.apply(valid.movement) };
  }

  /** Posts a movement already checked against this book. */
  apply(m: Movement): SettledTransit[] {
    const fk = key(m.from, m.product);
    const tk = key(m.to, m.product);
    this.balances.set(fk, (this.balances.get(fk) ?? 0) - m.amount);
    this.balances.set(tk, (this.balances.get(tk) ?? 0) + m.amount);
    this.credits += m.amount;
    this.debits += m.amount;
    this.posted++;
    for (const code of m.serials) this.serials.set(code, { product: m.product, at: m.to });
    return applyTransit(this.pending, m);
  }

  /** Sum of every balance per product: zero when the book balances. */
  imbalance(): number {
    let sum = 0;
    for (const v of this.balances.values()) sum += v;
    return sum;
  }
}

/**
 * Two-phase transport over transit accounts: a movement into `transit:X` opens a pending leg; a
 * movement out of it settles the oldest legs of that product up to its amount — voided when it
 * goes back to where the leg came from, posted otherwise.
 */
export function applyTransit(pending: Map<string, PendingTransit[]>, m: Movement): SettledTransit[] {
  const settled: SettledTransit[] = [];
  if (accountKind(m.from) === 'transit') {
    const legs = pending.get(m.from) ?? [];
    let left = m.amount;
    for (let i = 0; i < legs.length && left > 0; ) {
      const leg = legs[i] as PendingTransit;
      if (leg.product !== m.product) {
        i++;
        continue;
      }
      const take = Math.min(left, leg.amount);
      left -= take;
      leg.amount -= take;
      if (leg.amount === 0) {
        legs.splice(i, 1);
        settled.push({
          id: leg.id,
          status: m.to === leg.from ? 'voided' : 'posted',
          hours: hoursBetween(leg.timeMs, m.timeMs),
          settledBy: m.id,
        });
      }
    }
    if (legs.length === 0) pending.delete(m.from);
  }
  if (accountKind(m.to) === 'transit') {
    const legs = pending.get(m.to) ?? [];
    legs.push({
      id: m.id,
      timeMs: m.timeMs,
      from: m.from,
      transit: m.to,
      product: m.product,
      amount: m.amount,
    });
    pending.set(m.to, legs);
  }
  return settled;
}

export function key(account: string, product: string): string {
  return `${account}\u0000${product}`;
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds of an ISO 8601 time that names its offset (Z or ±hh:mm); null otherwise. */
export function parseIsoWithOffset(text: string): number | null {
  if (!ISO_WITH_OFFSET.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** The bureau's books close at local midnight; China keeps one offset all year (UTC+8). */
export const BOOK_OFFSET_MINUTES = 480;

/** The local calendar date (YYYY-MM-DD) of an instant in the book's zone. */
export function bookDate(ms: number, offsetMinutes = BOOK_OFFSET_MINUTES): string {
  return new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 10);
}

/** The first instant after the book date `date` (its end-of-day cut-off). */
export function endOfBookDate(date: string, offsetMinutes = BOOK_OFFSET_MINUTES): number {
  return Date.parse(`${date}T00:00:00Z`) + 86_400_000 - offsetMinutes * 60_000;
}

/** Amount (pieces or grams) back to the quantity a person reads (pieces or kg). */
export function quantityOf(kind: ProductKind, amount: number): number {
  return kind === 'bulk' ? amount / GRAMS_PER_KG : amount;
}

/** The transfer that undoes `original`: accounts swapped, same product, quantity and codes. */
export function reversalOf(original: MovementInput, id: string, time: string): MovementInput {
  return {
    id,
    time,
    from: original.to,
    to: original.from,
    product: original.product,
    quantity: original.quantity,
    serials: original.serials,
    permit: original.permit ?? null,
    reverses: original.id,
  };
}
