/**
 * Posting movements into an enterprise's book in one transaction: the accounts, codes, transport
 * legs and permits the batch touches are locked, loaded into the core's in-memory ledger, every
 * movement decided there in order (each accepted or refused whole), and what changed written back
 * in a few set-based statements. Concurrent postings over the same accounts wait on the row locks;
 * the balances' CHECK and the codes' primary key are the last line should a decision ever be wrong.
 */
import {
  accountKind,
  bookDate,
  checkMovement,
  key,
  MemoryLedger,
  type Movement,
  type MovementInput,
  type PendingTransit,
  type ProductKind,
  type Refusal,
  reversalOf,
  type SettledTransit,
  validateMovement,
} from '@citywatch/core/explosives/ledger';
import type { PostResult } from '@citywatch/core/explosives/reconcile';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { BookRef } from './ledger-store.js';
import * as ls from './ledger-store.js';

export interface PostOptions {
  /** Who posts (null: the platform, e.g. the reconcile command). */
  by: string | null;
  /** Check permits named by movements (the reconcile command has no permits file). */
  checkPermits: boolean;
  now: Date;
}

export interface BatchOutcome {
  results: PostResult[];
  /** Transfers written. */
  posted: Movement[];
}

const refused = (reason: string, field: string, rule = reason): Refusal => ({
  reason,
  violations: [{ field, rule }],
  anomalies: [],
});

export class LedgerPoster {
  private productCache = new Map<string, ProductKind>();

  constructor(private readonly db: Kysely<Database>) {}

  /** Drops the product cache (after the catalogue changed). */
  forget() {
    this.productCache = new Map();
  }

  async productKind(product: string): Promise<ProductKind | undefined> {
    if (!this.productCache.has(product)) this.productCache = await ls.products(this.db);
    return this.productCache.get(product);
  }

  /** Posts a batch in its own transaction. */
  async post(book: BookRef, inputs: readonly MovementInput[], options: PostOptions): Promise<BatchOutcome> {
    for (const i of inputs) await this.productKind(i.product);
    return this.db.transaction().execute((trx) => this.postIn(trx, book, inputs, options));
  }

  /** Posts a batch inside a transaction the caller holds. */
  async postIn(
    trx: Transaction<Database>,
    book: BookRef,
    inputs: readonly MovementInput[],
    options: PostOptions,
  ): Promise<BatchOutcome> {
    const results: (PostResult | null)[] = inputs.map(() => null);
    // Reversals become the swapped transfer of their original.
    const reversing = inputs.filter((i) => i.reverses).map((i) => i.reverses as string);
    const originals = new Map<string, MovementInput>();
    if (reversing.length > 0) {
      const rows = await trx
        .selectFrom('explosives_transfers')
        .selectAll()
        .where('enterprise_id', '=', book.enterpriseId)
        .where('id', 'in', reversing)
        .execute();
      for (const r of rows) {
        const kind = this.productCache.get(r.product);
        originals.set(r.id, {
          id: r.id,
          time: new Date(r.at).toISOString(),
          from: r.from_account,
          to: r.to_account,
          product: r.product,
          quantity: kind === 'bulk' ? Number(r.amount) / 1000 : Number(r.amount),
          serials: r.serials,
          permit: null,
        });
      }
    }
    const valid: { index: number; m: Movement }[] = [];
    const seenIds = new Set<string>();
    inputs.forEach((raw, index) => {
      let input = raw;
      if (raw.reverses) {
        const original = originals.get(raw.reverses);
        if (!original) {
          results[index] = { id: raw.id, refused: refused('known_transfer', 'reverses') };
          return;
        }
        input = reversalOf(original, raw.id, raw.time);
      }
      if (seenIds.has(input.id)) {
        results[index] = { id: raw.id, refused: refused('unique', 'id') };
        return;
      }
      seenIds.add(input.id);
      const v = validateMovement(input, (p) => this.productCache.get(p));
      if (!v.ok) {
        results[index] = {
          id: raw.id,
          refused: { reason: v.violations[0]?.rule ?? 'invalid', violations: v.violations, anomalies: [] },
        };
      } else valid.push({ index, m: v.movement });
    });

    // Lock and load what the batch touches into an in-memory overlay of the book.
    const ledger = new MemoryLedger();
    for (const [p, k] of this.productCache) ledger.products.set(p, k);
    const keys = new Map<string, { account: string; product: string }>();
    const codes = new Set<string>();
    const transits = new Set<string>();
    const magazines = new Set<string>();
    for (const { m } of valid) {
      keys.set(key(m.from, m.product), { account: m.from, product: m.product });
      keys.set(key(m.to, m.product), { account: m.to, product: m.product });
      for (const s of m.serials) codes.add(s);
      if (accountKind(m.from) === 'transit') transits.add(m.from);
      if (accountKind(m.to) === 'magazine') magazines.add(m.to.slice('magazine:'.length));
    }
    // One round trip locks and reads all of it (ids already in the journal, balances, codes, legs,
    // capacities).
    const touched = await ls.lockAll(trx, book, {
      ids: valid.map((v) => v.m.id),
      keys: [...keys.values()],
      codes: [...codes],
      transits: [...transits],
      magazines: [...magazines],
    });
    for (const b of touched.balances) ledger.balances.set(key(b.account, b.product), b.amount);
    const known = new Set<string>();
    for (const s of touched.serials) {
      ledger.serials.set(s.serial, s);
      known.add(s.serial);
    }
    const loadedLegs = touched.legs;
    for (const leg of loadedLegs) {
      const list = ledger.pending.get(leg.transit) ?? [];
      list.push({ ...leg });
      ledger.pending.set(leg.transit, list);
    }
    for (const c of touched.capacities) {
      ledger.capacities.set(key(`magazine:${c.magazine}`, c.product), c.capacity);
    }
    // An id already in the journal is refused (the duplicate's keys were locked, harmlessly).
    for (let i = valid.length - 1; i >= 0; i--) {
      const v = valid[i] as { index: number; m: Movement };
      if (touched.existing.has(v.m.id)) {
        results[v.index] = { id: v.m.id, refused: refused('unique', 'id') };
        valid.splice(i, 1);
      }
    }
    const permits = options.checkPermits ? await this.lockPermits(trx, book, valid) : new Map();

    const posted: Movement[] = [];
    const settledAll: SettledTransit[] = [];
    for (const { index, m } of valid) {
      const refusal = checkMovement(m, ledger) ?? (options.checkPermits ? checkPermit(m, permits) : null);
      if (refusal) {
        results[index] = { id: m.id, refused: refusal };
        continue;
      }
      const settled = ledger.apply(m);
      settledAll.push(...settled);
      posted.push(m);
      results[index] = { id: m.id, settled };
    }

    // Write back what changed.
    const before = new Map(loadedLegs.map((l) => [l.id, l]));
    const legs: Parameters<typeof ls.writeBatch>[7] = [];
    const byId = new Map(posted.map((m) => [m.id, m]));
    for (const list of ledger.pending.values()) {
      for (const leg of list) {
        if (before.get(leg.id)?.amount !== leg.amount) {
          legs.push({ leg, status: 'pending', settledBy: null, settledAt: null });
        }
      }
    }
    for (const s of settledAll) {
      const leg = before.get(s.id) ?? newLeg(byId.get(s.id));
      if (!leg) continue;
      legs.push({
        leg: { ...leg, amount: 0 },
        status: s.status,
        settledBy: s.settledBy,
        settledAt: byId.get(s.settledBy)?.time ?? null,
      });
    }
    await ls.writeBatch(
      trx,
      book,
      options.by,
      options.now,
      posted.map((m) => ({
        id: m.id,
        at: m.time,
        bookDate: bookDate(m.timeMs),
        from: m.from,
        to: m.to,
        product: m.product,
        amount: m.amount,
        serials: m.serials,
        permit: m.permit,
        reverses: m.reverses,
      })),
      [...keys.values()].map((k) => ({ ...k, amount: ledger.balance(k.account, k.product) })),
      [...lastPlaces(posted).values()].map((p) => ({ ...p, existed: known.has(p.serial) })),
      legs,
    );
    if (permits.size > 0) await this.writePermitUse(trx, permits);
    return { results: results as PostResult[], posted };
  }

  private async lockPermits(trx: Transaction<Database>, book: BookRef, valid: { m: Movement }[]) {
    const ids = [...new Set(valid.map((v) => v.m.permit).filter((p): p is string => !!p))];
    const permits = new Map<string, PermitState>();
    if (ids.length === 0) return permits;
    const rows = await trx
      .selectFrom('explosives_permits')
      .select(['id', 'kind', 'status', 'enterprise_id'])
      .select([sql<string>`valid_from::text`.as('valid_from'), sql<string>`valid_to::text`.as('valid_to')])
      .where('id', 'in', ids)
      .forUpdate()
      .execute();
    const items = await trx
      .selectFrom('explosives_permit_items')
      .select(['permit_id', 'product', 'amount', 'used'])
      .where('permit_id', 'in', ids)
      .orderBy('permit_id')
      .orderBy('product')
      .forUpdate()
      .execute();
    for (const r of rows) {
      if (r.enterprise_id !== book.enterpriseId) continue;
      permits.set(r.id, {
        kind: r.kind,
        status: r.status,
        from: r.valid_from,
        to: r.valid_to,
        items: new Map(),
        changed: new Set(),
      });
    }
    for (const i of items) {
      permits.get(i.permit_id)?.items.set(i.product, { amount: Number(i.amount), used: Number(i.used) });
    }
    return permits;
  }

  private async writePermitUse(trx: Transaction<Database>, permits: Map<string, PermitState>) {
    for (const [id, p] of permits) {
      for (const product of p.changed) {
        const item = p.items.get(product);
        if (!item) continue;
        await trx
          .updateTable('explosives_permit_items')
          .set({ used: item.used })
          .where('permit_id', '=', id)
          .where('product', '=', product)
          .execute();
      }
    }
  }
}

interface PermitState {
  kind: 'purchase' | 'transport';
  status: string;
  from: string;
  to: string;
  items: Map<string, { amount: number; used: number }>;
  changed: Set<string>;
}

function newLeg(m: Movement | undefined): PendingTransit | undefined {
  return m
    ? { id: m.id, timeMs: m.timeMs, from: m.from, transit: m.to, product: m.product, amount: 0 }
    : undefined;
}

/**
 * A receipt from a supplier needs a purchase permit, a departure into transit a transport permit:
 * approved, valid on the book date, covering the product, with enough left. Draws it down.
 */
function checkPermit(m: Movement, permits: Map<string, PermitState>): Refusal | null {
  const need =
    accountKind(m.from) === 'supplier' ? 'purchase' : accountKind(m.to) === 'transit' ? 'transport' : null;
  if (!need) return null;
  if (!m.permit) return refused('permit_required', 'permit');
  const p = permits.get(m.permit);
  if (!p) return refused('known_permit', 'permit');
  if (p.kind !== need) return refused(`${need}_permit`, 'permit');
  if (p.status !== 'approved') return refused('permit_approved', 'permit');
  const date = bookDate(m.timeMs);
  if (date < p.from || date > p.to) return refused('permit_valid', 'permit');
  const item = p.items.get(m.product);
  if (!item) return refused('permit_product', 'product');
  if (item.used + m.amount > item.amount) return refused('permit_remaining', 'quantity');
  item.used += m.amount;
  p.changed.add(m.product);
  return null;
}

/** Where each code ends up after the batch (a code moved twice in a batch is written once). */
function lastPlaces(posted: Movement[]) {
  const places = new Map<string, { serial: string; product: string; account: string; transfer: string }>();
  for (const m of posted) {
    for (const s of m.serials)
      places.set(s, { serial: s, product: m.product, account: m.to, transfer: m.id });
  }
  return places;
}
