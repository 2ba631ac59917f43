/**
 * 民爆物品: the explosives service. Permits (applied for by the enterprise, approved by two
 * different officers), magazines with capacity by product, the ledger (posting through
 * `LedgerPoster`), daily close with physical counts, and alarms with a 24-hour report clock.
 *
 * Who sees what: staff read and write the books of enterprises whose org lies in their subtree (an
 * enterprise's org is its magazines' org); a person with the `enterprise` role works only in the
 * book of the regulated unit they are bound to (oversight's `oversight_unit_users`).
 */

import type { PendingTransit } from '@citywatch/core/explosives/ledger';
import {
  accountKind,
  bookDate,
  endOfBookDate,
  GRAMS_PER_KG,
  isStockKind,
  type MovementInput,
  type ProductKind,
  parseAccount,
  quantityOf,
  TRANSIT_OVERDUE_MS,
} from '@citywatch/core/explosives/ledger';
import { closeMonth, daysOfMonth, previousMonth } from '@citywatch/core/explosives/month-close';
import type { Book, PostResult } from '@citywatch/core/explosives/reconcile';
import { watchRoute } from '@citywatch/core/explosives/route-watch';
import type {
  Alarm,
  CountsInput,
  MagazineInput,
  MonthCloseResult,
  Permit,
  PermitApplication,
  Product,
  TransportView,
} from '@citywatch/core/explosives/schemas';
import { roadRoute } from '@citywatch/core/patrol/phone';
import { type Kysely, sql } from 'kysely';
import { uuidv7 } from 'uuidv7';
import type { Database } from '../../db/schema.js';
import type { DevicePrincipal } from '../../http/auth.js';
import { ProblemError } from '../../http/problem.js';
import { appendAudit } from '../../identity/audit.js';
import type { Actor } from '../../identity/service.js';
import type { Deps } from '../module.js';
import { assertOrgInScope, orgsUnder } from '../scope.js';
import type { BookRef } from './ledger-store.js';
import { EXPLOSIVES_MESSAGES as M } from './messages.js';
import { LedgerPoster } from './posting.js';

/** The road graph (places) and device tokens (devices) are optional: the CLI and bench run without. */
export type ExplosivesDeps = Pick<Deps, 'db' | 'now' | 'publish' | 'transact'> &
  Partial<Pick<Deps<'places' | 'devices'>, 'places' | 'devices'>>;
const REPORT_CLOCK_MS = 24 * 3600_000;
/** Off the permitted route by more than this (m), or standing still longer than this (min): an alarm. */
const ROUTE_DEVIATION_M = 500;
const LONG_STOP_MIN = 30;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const invalid = (field: string, rule: string) =>
  new ProblemError('validation', undefined, [{ field, rule, message: '' }]);

export class ExplosivesService {
  readonly poster: LedgerPoster;

  constructor(private readonly deps: ExplosivesDeps) {
    this.poster = new LedgerPoster(deps.db.kysely);
  }

  private get db(): Kysely<Database> {
    return this.deps.db.kysely;
  }

  // ---- who may work in which book

  /** The regulated unit an enterprise user speaks for (oversight's binding), or null. */
  private async boundUnit(actor: Actor): Promise<string | null> {
    try {
      const r = await sql<{
        unit_id: string;
      }>`select unit_id from oversight_unit_users where user_id = ${actor.userId}`.execute(this.db);
      return r.rows[0]?.unit_id ?? null;
    } catch {
      return null; // the oversight registry is not installed: no enterprise user is bound
    }
  }

  private isEnterprise(actor: Actor) {
    return actor.roles.includes('enterprise') && actor.roles.length === 1;
  }

  /** The book an actor may work in: 404 when outside their subtree or not their own unit. */
  async book(actor: Actor, enterpriseId: string): Promise<BookRef> {
    if (this.isEnterprise(actor)) {
      if ((await this.boundUnit(actor)) !== enterpriseId)
        throw new ProblemError('not_found', M.noSuchEnterprise);
    }
    const orgId = await this.orgOfEnterprise(enterpriseId);
    if (!orgId) throw new ProblemError('not_found', M.noSuchEnterprise);
    if (!this.isEnterprise(actor)) {
      const visible = await this.db
        .selectFrom('orgs')
        .select('id')
        .where('id', '=', orgId)
        .where('id', 'in', orgsUnder(this.db, actor))
        .executeTakeFirst();
      if (!visible) throw new ProblemError('not_found', M.noSuchEnterprise);
    }
    return { enterpriseId, orgId };
  }

  /**
   * The org an enterprise belongs to: its regulated unit's in the oversight registry; for a book
   * without one (a unit id not in the registry), the org its magazines were registered under.
   */
  private async orgOfEnterprise(enterpriseId: string): Promise<string | null> {
    if (UUID.test(enterpriseId)) {
      const unit = await this.db
        .selectFrom('oversight_units')
        .select('org_id')
        .where('id', '=', enterpriseId)
        .executeTakeFirst();
      if (unit) return unit.org_id;
    }
    const mag = await this.db
      .selectFrom('explosives_magazines')
      .select('org_id')
      .where('enterprise_id', '=', enterpriseId)
      .limit(1)
      .executeTakeFirst();
    return mag?.org_id ?? null;
  }

  // ---- products and magazines

  async putProduct(p: Product): Promise<Product> {
    await this.db
      .insertInto('explosives_products')
      .values(p)
      .onConflict((oc) => oc.column('code').doUpdateSet({ name: p.name }))
      .execute();
    return p;
  }

  async products(): Promise<Product[]> {
    return this.db.selectFrom('explosives_products').selectAll().orderBy('code').execute();
  }

  async putMagazine(actor: Actor | null, m: MagazineInput) {
    if (actor) await assertOrgInScope(this.db, actor, m.orgId, 'orgId');
    const registered = await this.orgOfEnterprise(m.enterpriseId);
    if (registered && registered !== m.orgId) throw invalid('orgId', 'enterprise_org');
    const kinds = await this.kinds();
    for (const [i, c] of m.capacity.entries()) {
      if (!kinds.has(c.product)) throw invalid(`capacity[${i}].product`, 'known_product');
    }
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('explosives_magazines')
        .values({ enterprise_id: m.enterpriseId, name: m.name, org_id: m.orgId, address: m.address })
        .onConflict((oc) => oc.columns(['enterprise_id', 'name']).doUpdateSet({ address: m.address }))
        .execute();
      await trx
        .deleteFrom('explosives_magazine_capacity')
        .where('enterprise_id', '=', m.enterpriseId)
        .where('magazine', '=', m.name)
        .execute();
      if (m.capacity.length > 0) {
        await trx
          .insertInto('explosives_magazine_capacity')
          .values(
            m.capacity.map((c) => ({
              enterprise_id: m.enterpriseId,
              magazine: m.name,
              product: c.product,
              capacity: toAmount(kinds.get(c.product) as ProductKind, c.quantity),
            })),
          )
          .execute();
      }
    });
    return { enterpriseId: m.enterpriseId, name: m.name };
  }

  async magazines(actor: Actor, enterpriseId: string) {
    const book = await this.book(actor, enterpriseId);
    const kinds = await this.kinds();
    const mags = await this.db
      .selectFrom('explosives_magazines')
      .selectAll()
      .where('enterprise_id', '=', book.enterpriseId)
      .orderBy('name')
      .execute();
    const balances = await this.db
      .selectFrom('explosives_balances')
      .select(['account', 'product', 'amount'])
      .where('enterprise_id', '=', book.enterpriseId)
      .where('account', 'like', 'magazine:%')
      .execute();
    const caps = await this.db
      .selectFrom('explosives_magazine_capacity')
      .selectAll()
      .where('enterprise_id', '=', book.enterpriseId)
      .execute();
    return mags.map((m) => {
      const products = new Set([
        ...balances.filter((b) => b.account === `magazine:${m.name}`).map((b) => b.product),
        ...caps.filter((c) => c.magazine === m.name).map((c) => c.product),
      ]);
      return {
        enterpriseId: m.enterprise_id,
        name: m.name,
        orgId: m.org_id,
        address: m.address,
        stock: [...products].sort().map((p) => {
          const kind = kinds.get(p) ?? 'itemised';
          const b = balances.find((x) => x.account === `magazine:${m.name}` && x.product === p);
          const c = caps.find((x) => x.magazine === m.name && x.product === p);
          return {
            product: p,
            quantity: quantityOf(kind, Number(b?.amount ?? 0)),
            capacity: c ? quantityOf(kind, Number(c.capacity)) : null,
          };
        }),
      };
    });
  }

  private async kinds(): Promise<Map<string, ProductKind>> {
    const rows = await this.db.selectFrom('explosives_products').select(['code', 'kind']).execute();
    return new Map(rows.map((r) => [r.code, r.kind]));
  }

  // ---- the ledger

  /** Posts movements (each whole or refused); serial anomalies and late transports raise alarms. */
  async post(actor: Actor | null, book: BookRef, movements: MovementInput[], checkPermits = true) {
    const outcome = await this.poster.post(book, movements, {
      by: actor?.userId ?? null,
      checkPermits,
      now: this.deps.now(),
    });
    const alarms: AlarmDraft[] = [];
    for (const r of outcome.results) {
      if ('refused' in r) {
        for (const a of r.refused.anomalies) {
          alarms.push({
            kind: 'serial_anomaly',
            subject: a.serial,
            detail: { movement: r.id, reason: a.reason },
          });
        }
      } else {
        for (const s of r.settled) {
          if (s.hours * 3600_000 > TRANSIT_OVERDUE_MS) {
            alarms.push({
              kind: 'overdue_transit',
              subject: s.id,
              detail: { hours: s.hours, settledBy: s.settledBy },
            });
          }
        }
      }
    }
    for (const m of outcome.posted) {
      if (accountKind(m.to) === 'lost') {
        alarms.push({
          kind: 'loss',
          subject: m.id,
          detail: {
            account: m.to,
            from: m.from,
            product: m.product,
            amount: m.amount,
            serials: m.serials.length,
          },
        });
      }
    }
    if (alarms.length > 0) await this.raise(book, alarms);
    return outcome;
  }

  async ledger(actor: Actor, enterpriseId: string, account: string | undefined, limit: number) {
    const book = await this.book(actor, enterpriseId);
    const kinds = await this.kinds();
    let q = this.db
      .selectFrom('explosives_transfers')
      .selectAll()
      .where('enterprise_id', '=', book.enterpriseId)
      .orderBy('seq', 'desc')
      .limit(limit);
    if (account)
      q = q.where((eb) => eb.or([eb('from_account', '=', account), eb('to_account', '=', account)]));
    return (await q.execute()).map((r) => ({
      id: r.id,
      at: new Date(r.at).toISOString(),
      from: r.from_account,
      to: r.to_account,
      product: r.product,
      quantity: quantityOf(kinds.get(r.product) ?? 'itemised', Number(r.amount)),
      serials: r.serials,
      permit: r.permit_id,
      reverses: r.reverses,
    }));
  }

  /** Balances (amounts) of account/product keys now. */
  async balances(book: BookRef, keys: { account: string; product: string }[]): Promise<number[]> {
    if (keys.length === 0) return [];
    const r = await sql<{ account: string; product: string; amount: number | string }>`
      select account, product, amount from explosives_balances
      where enterprise_id = ${book.enterpriseId}
        and (account, product) in (select * from unnest(${keys.map((k) => k.account)}::text[], ${keys.map((k) => k.product)}::text[]))`.execute(
      this.db,
    );
    const m = new Map(r.rows.map((row) => [`${row.account}\u0000${row.product}`, Number(row.amount)]));
    return keys.map((k) => m.get(`${k.account}\u0000${k.product}`) ?? 0);
  }

  /**
   * Balances (amounts) at the end of book dates, from the journal in one set-based read: each
   * (account, product)'s daily net, summed up to the date. For the reconcile command's bulk walk.
   */
  async balancesAt(
    book: BookRef,
    keys: { date: string; account: string; product: string }[],
  ): Promise<number[]> {
    if (keys.length === 0) return [];
    const e = book.enterpriseId;
    const wanted = [...new Map(keys.map((k) => [`${k.account}\u0000${k.product}`, k])).values()];
    const r = await sql<{ a: string; p: string; d: string; balance: number | string }>`
      with w(a, p) as (
        select * from unnest(${wanted.map((k) => k.account)}::text[], ${wanted.map((k) => k.product)}::text[])),
      moves as (
        select t.to_account as a, t.product as p, t.book_date as d, t.amount as delta
        from explosives_transfers t join w on t.to_account = w.a and t.product = w.p
        where t.enterprise_id = ${e}
        union all
        select t.from_account, t.product, t.book_date, -t.amount
        from explosives_transfers t join w on t.from_account = w.a and t.product = w.p
        where t.enterprise_id = ${e})
      select a, p, d::text as d, sum(sum(delta)) over (partition by a, p order by d) as balance
      from moves group by a, p, d order by a, p, d`.execute(this.db);
    // Each key's running balance by date (ascending); a count takes the last one on or before its date.
    const days = new Map<string, { d: string; balance: number }[]>();
    for (const row of r.rows) {
      const k = `${row.a}\u0000${row.p}`;
      const list = days.get(k) ?? [];
      list.push({ d: row.d, balance: Number(row.balance) });
      days.set(k, list);
    }
    return keys.map((k) => {
      const list = days.get(`${k.account}\u0000${k.product}`) ?? [];
      let lo = 0;
      let hi = list.length; // first index with d > date
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((list[mid] as { d: string }).d <= k.date) lo = mid + 1;
        else hi = mid;
      }
      return lo > 0 ? (list[lo - 1] as { balance: number }).balance : 0;
    });
  }

  /** The book at the end of a book date: now, minus what moved after its cut-off. */
  async bookAt(book: BookRef, date: string, keys: { account: string; product: string }[]): Promise<number[]> {
    const now = await this.balances(book, keys);
    const cutoff = new Date(endOfBookDate(date));
    const after = await sql<{ account: string; product: string; net: number | string }>`
      select k.a as account, k.p as product,
        coalesce((select sum(amount) from explosives_transfers t where t.enterprise_id = ${book.enterpriseId}
          and t.to_account = k.a and t.product = k.p and t.at >= ${cutoff}), 0)
        - coalesce((select sum(amount) from explosives_transfers t where t.enterprise_id = ${book.enterpriseId}
          and t.from_account = k.a and t.product = k.p and t.at >= ${cutoff}), 0) as net
      from unnest(${keys.map((k) => k.account)}::text[], ${keys.map((k) => k.product)}::text[]) as k(a, p)`.execute(
      this.db,
    );
    return now.map((n, i) => n - Number(after.rows[i]?.net ?? 0));
  }

  async pendingTransits(book: BookRef): Promise<PendingTransit[]> {
    const rows = await this.db
      .selectFrom('explosives_transits')
      .select(['id', 'transit_account', 'from_account', 'product', 'amount_left', 'left_at'])
      .where('enterprise_id', '=', book.enterpriseId)
      .where('status', '=', 'pending')
      .orderBy('left_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      transit: r.transit_account,
      from: r.from_account,
      product: r.product,
      amount: Number(r.amount_left),
      timeMs: new Date(r.left_at).getTime(),
    }));
  }

  /** Debits equal credits: every product's balances sum to zero, and so do the journal's. */
  async balanced(book: BookRef): Promise<boolean> {
    const r = await sql<{ product: string; total: number | string }>`
      select product, sum(amount) as total from explosives_balances where enterprise_id = ${book.enterpriseId}
      group by product having sum(amount) <> 0`.execute(this.db);
    return r.rows.length === 0;
  }

  // ---- daily close (日清): counts against the book

  async closeDay(actor: Actor | null, book: BookRef, input: Omit<CountsInput, 'enterpriseId'>) {
    const today = bookDate(this.deps.now().getTime());
    if (input.date > today) throw invalid('date', 'not_in_future');
    const kinds = await this.kinds();
    input.counts.forEach((c, i) => {
      const account = parseAccount(c.account);
      if (!account) throw invalid(`counts[${i}].account`, 'known_account');
      if (!isStockKind(account.kind)) throw invalid(`counts[${i}].account`, 'stock_account');
      const kind = kinds.get(c.product);
      if (!kind) throw invalid(`counts[${i}].product`, 'known_product');
      if (kind === 'itemised' && !Number.isInteger(c.counted))
        throw invalid(`counts[${i}].counted`, 'whole_pieces');
    });
    const books = await this.bookAt(book, input.date, input.counts);
    const variances: { account: string; product: string; book: number; counted: number }[] = [];
    const now = this.deps.now();
    await this.db.transaction().execute(async (trx) => {
      for (const [i, c] of input.counts.entries()) {
        const kind = kinds.get(c.product) as ProductKind;
        const counted = toAmount(kind, c.counted);
        const bookAmount = books[i] ?? 0;
        await trx
          .insertInto('explosives_counts')
          .values({
            enterprise_id: book.enterpriseId,
            book_date: input.date,
            account: c.account,
            product: c.product,
            counted,
            book: bookAmount,
            org_id: book.orgId,
            entered_by: actor?.userId ?? null,
            entered_at: now,
          })
          .onConflict((oc) =>
            oc
              .columns(['enterprise_id', 'book_date', 'account', 'product'])
              .doUpdateSet({ counted, book: bookAmount, entered_by: actor?.userId ?? null, entered_at: now }),
          )
          .execute();
        if (counted !== bookAmount) {
          variances.push({
            account: c.account,
            product: c.product,
            book: quantityOf(kind, bookAmount),
            counted: c.counted,
          });
        }
      }
    });
    if (variances.length > 0) {
      await this.raise(
        book,
        variances.map((v) => ({
          kind: 'variance',
          subject: `${v.account}/${v.product}`,
          detail: { date: input.date, ...v },
        })),
      );
    }
    return { date: input.date, variances };
  }

  // ---- monthly close (月结): the month's daily closes summed up

  /**
   * Closes a month of the book's magazines from its daily closes: refused while the month has not
   * ended, while the month before (when the book moved before this month) is open, or while any
   * day lacks a count for a magazine that held stock or moved that day. Closed once.
   */
  async closeMonth(actor: Actor | null, book: BookRef, month: string): Promise<MonthCloseResult> {
    const days = daysOfMonth(month);
    const first = days[0] as string;
    const last = days[days.length - 1] as string;
    if (last >= bookDate(this.deps.now().getTime())) throw invalid('month', 'month_ended');
    const closed = await this.db
      .selectFrom('explosives_month_closes')
      .select('month')
      .where('enterprise_id', '=', book.enterpriseId)
      .where('month', 'in', [month, previousMonth(month)])
      .execute();
    if (closed.some((c) => c.month === month))
      throw new ProblemError('conflict', M.monthClosed, [
        { field: 'month', rule: 'already_closed', message: '' },
      ]);
    const earlier = await this.db
      .selectFrom('explosives_transfers')
      .select('id')
      .where('enterprise_id', '=', book.enterpriseId)
      .where('book_date', '<', first)
      .limit(1)
      .executeTakeFirst();
    if (earlier && closed.length === 0) {
      throw new ProblemError('conflict', M.previousMonthOpen, [
        { field: 'month', rule: 'previous_month_closed', message: previousMonth(month) },
      ]);
    }
    const keys = await this.db
      .selectFrom('explosives_balances')
      .select(['account', 'product'])
      .where('enterprise_id', '=', book.enterpriseId)
      .where('account', 'like', 'magazine:%')
      .orderBy('account')
      .orderBy('product')
      .execute();
    const openings = await this.bookAt(book, previousDay(first), keys);
    const moves = await sql<{
      date: string;
      account: string;
      product: string;
      received: string;
      issued: string;
    }>`
      select date, account, product, sum(received) as received, sum(issued) as issued from (
        select book_date::text as date, to_account as account, product, amount as received, 0 as issued
          from explosives_transfers where enterprise_id = ${book.enterpriseId}
          and book_date between ${first} and ${last} and to_account like 'magazine:%'
        union all
        select book_date::text, from_account, product, 0, amount
          from explosives_transfers where enterprise_id = ${book.enterpriseId}
          and book_date between ${first} and ${last} and from_account like 'magazine:%'
      ) m group by date, account, product`.execute(this.db);
    const counts = await this.db
      .selectFrom('explosives_counts')
      .select(['account', 'product', 'counted', 'book', sql<string>`book_date::text`.as('date')])
      .where('enterprise_id', '=', book.enterpriseId)
      .where('book_date', '>=', first)
      .where('book_date', '<=', last)
      .where('account', 'like', 'magazine:%')
      .execute();
    const carriedIn = await this.db
      .selectFrom('explosives_month_lines')
      .select(['account', 'product', 'variance'])
      .where('enterprise_id', '=', book.enterpriseId)
      .where('month', '=', previousMonth(month))
      .execute();
    const outcome = closeMonth({
      month,
      keys: keys.map((k, i) => ({ ...k, opening: openings[i] ?? 0 })),
      moves: moves.rows.map((r) => ({ ...r, received: Number(r.received), issued: Number(r.issued) })),
      counts: counts.map((c) => ({ ...c, counted: Number(c.counted), book: Number(c.book) })),
      carriedIn: carriedIn.map((c) => ({ ...c, variance: Number(c.variance) })),
    });
    if (!outcome.ok) {
      throw new ProblemError(
        'conflict',
        M.dayUnclosed(outcome.unclosed[0]?.date ?? first, outcome.unclosed.length),
        outcome.unclosed.slice(0, 31).map((u) => ({
          field: 'month',
          rule: 'day_unclosed',
          message: `${u.date} ${u.account} ${u.product}`,
        })),
      );
    }
    const closedAt = this.deps.now();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('explosives_month_closes')
        .values({
          enterprise_id: book.enterpriseId,
          month,
          org_id: book.orgId,
          closed_by: actor?.userId ?? null,
          closed_at: closedAt,
        })
        .execute();
      if (outcome.lines.length > 0) {
        await trx
          .insertInto('explosives_month_lines')
          .values(
            outcome.lines.map((l) => ({
              enterprise_id: book.enterpriseId,
              month,
              account: l.account,
              product: l.product,
              opening: l.opening,
              received: l.received,
              issued: l.issued,
              closing: l.closing,
              counted: l.counted,
              variance: l.variance,
              variance_days: l.varianceDays,
              carried_in: l.carriedIn,
            })),
          )
          .execute();
      }
    });
    return (await this.monthCloses(book, month))[0] as MonthCloseResult;
  }

  /** Closed months of a book, newest first (or the one asked for), in quantities. */
  async monthCloses(book: BookRef, month?: string): Promise<MonthCloseResult[]> {
    let q = this.db
      .selectFrom('explosives_month_closes')
      .select(['month', 'closed_at'])
      .where('enterprise_id', '=', book.enterpriseId)
      .orderBy('month', 'desc')
      .limit(36);
    if (month) q = q.where('month', '=', month);
    const heads = await q.execute();
    if (heads.length === 0) return [];
    const lines = await this.db
      .selectFrom('explosives_month_lines')
      .selectAll()
      .where('enterprise_id', '=', book.enterpriseId)
      .where(
        'month',
        'in',
        heads.map((h) => h.month),
      )
      .orderBy('account')
      .orderBy('product')
      .execute();
    const kinds = await this.kinds();
    return heads.map((h) => ({
      month: h.month,
      closedAt: new Date(h.closed_at).toISOString(),
      lines: lines
        .filter((l) => l.month === h.month)
        .map((l) => {
          const q = (x: number | string | null) => quantityOf(kinds.get(l.product) ?? 'itemised', Number(x));
          return {
            account: l.account,
            product: l.product,
            opening: q(l.opening),
            received: q(l.received),
            issued: q(l.issued),
            closing: q(l.closing),
            counted: l.counted === null ? null : q(l.counted),
            variance: q(l.variance),
            varianceDays: l.variance_days,
            carriedIn: q(l.carried_in),
          };
        }),
    }));
  }

  // ---- permits (four eyes)

  async apply(actor: Actor, input: PermitApplication): Promise<Permit> {
    let enterpriseId = input.enterpriseId;
    if (this.isEnterprise(actor)) {
      const unit = await this.boundUnit(actor);
      if (!unit) throw new ProblemError('forbidden', M.notBound);
      if (enterpriseId && enterpriseId !== unit) throw invalid('enterpriseId', 'own_unit');
      enterpriseId = unit;
    }
    if (!enterpriseId) throw invalid('enterpriseId', 'required');
    const book = await this.book(actor, enterpriseId);
    if (input.validTo < input.validFrom) throw invalid('validTo', 'after_valid_from');
    if (input.kind === 'transport' && (!input.route || !input.vehicle)) {
      throw invalid(input.route ? 'vehicle' : 'route', 'required_for_transport');
    }
    const routeLine = input.routeVia ? await this.roadLine(input.routeVia) : input.routeLine;
    const kinds = await this.kinds();
    const seen = new Set<string>();
    input.items.forEach((it, i) => {
      const kind = kinds.get(it.product);
      if (!kind) throw invalid(`items[${i}].product`, 'known_product');
      if (seen.has(it.product)) throw invalid(`items[${i}].product`, 'unique');
      seen.add(it.product);
      if (kind === 'itemised' && !Number.isInteger(it.quantity))
        throw invalid(`items[${i}].quantity`, 'whole_pieces');
    });
    const id = `EXP-${uuidv7()}`;
    await this.deps.transact(async (trx, publish) => {
      await trx
        .insertInto('explosives_permits')
        .values({
          id,
          enterprise_id: book.enterpriseId,
          org_id: book.orgId,
          kind: input.kind,
          status: 'applied',
          valid_from: input.validFrom,
          valid_to: input.validTo,
          route: input.route,
          vehicle: input.vehicle,
          escort: input.escort,
          applied_by: actor.userId,
          applied_at: this.deps.now(),
          first_approved_by: null,
          first_approved_at: null,
          second_approved_by: null,
          second_approved_at: null,
          refused_by: null,
          refused_reason: null,
          route_line: routeLine ? JSON.stringify(routeLine) : null,
        })
        .execute();
      await trx
        .insertInto('explosives_permit_items')
        .values(
          input.items.map((it) => ({
            permit_id: id,
            product: it.product,
            amount: toAmount(kinds.get(it.product) as ProductKind, it.quantity),
            used: 0,
          })),
        )
        .execute();
      await publish('explosives.permit', book.orgId, {
        permitId: id,
        enterpriseId: book.enterpriseId,
        status: 'applied',
        approvals: 0,
      });
    });
    return this.permit(actor, id);
  }

  /** First or second approval; the second by the same officer is refused (四眼原则). */
  async approve(actor: Actor, id: string): Promise<Permit> {
    await this.deps.transact(async (trx, publish) => {
      const p = await trx
        .selectFrom('explosives_permits')
        .selectAll()
        .where('id', '=', id)
        .where('org_id', 'in', orgsUnder(trx, actor))
        .forUpdate()
        .executeTakeFirst();
      if (!p) throw new ProblemError('not_found', M.noSuchPermit);
      if (p.status !== 'applied') throw new ProblemError('conflict', M.permitNotOpen);
      if (p.applied_by === actor.userId) throw invalid('approver', 'not_the_applicant');
      const now = this.deps.now();
      if (!p.first_approved_by) {
        await trx
          .updateTable('explosives_permits')
          .set({ first_approved_by: actor.userId, first_approved_at: now })
          .where('id', '=', id)
          .execute();
      } else {
        if (p.first_approved_by === actor.userId) throw invalid('approver', 'four_eyes');
        await trx
          .updateTable('explosives_permits')
          .set({ second_approved_by: actor.userId, second_approved_at: now, status: 'approved' })
          .where('id', '=', id)
          .execute();
      }
      const second = Boolean(p.first_approved_by);
      await publish('explosives.permit', p.org_id, {
        permitId: id,
        enterpriseId: p.enterprise_id,
        status: second ? 'approved' : 'applied',
        approvals: second ? 2 : 1,
      });
    });
    return this.permit(actor, id);
  }

  async refuse(actor: Actor, id: string, reason: string): Promise<Permit> {
    const r = await this.db
      .updateTable('explosives_permits')
      .set({ status: 'refused', refused_by: actor.userId, refused_reason: reason })
      .where('id', '=', id)
      .where('status', '=', 'applied')
      .where('org_id', 'in', orgsUnder(this.db, actor))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) {
      await this.permit(actor, id); // 404 when not visible
      throw new ProblemError('conflict', M.permitNotOpen);
    }
    return this.permit(actor, id);
  }

  async permit(actor: Actor, id: string): Promise<Permit> {
    const list = await this.permits(actor, { id });
    const p = list[0];
    if (!p) throw new ProblemError('not_found', M.noSuchPermit);
    return p;
  }

  async permits(actor: Actor, filter: { id?: string; enterpriseId?: string }): Promise<Permit[]> {
    let q = this.db
      .selectFrom('explosives_permits')
      .selectAll()
      .select([sql<string>`valid_from::text`.as('from_text'), sql<string>`valid_to::text`.as('to_text')])
      .orderBy('applied_at', 'desc')
      .limit(200);
    if (this.isEnterprise(actor)) {
      const unit = await this.boundUnit(actor);
      q = q.where('enterprise_id', '=', unit ?? '\u0000');
    } else q = q.where('org_id', 'in', orgsUnder(this.db, actor));
    if (filter.id) q = q.where('id', '=', filter.id);
    if (filter.enterpriseId) q = q.where('enterprise_id', '=', filter.enterpriseId);
    const rows = await q.execute();
    if (rows.length === 0) return [];
    const items = await this.db
      .selectFrom('explosives_permit_items')
      .selectAll()
      .where(
        'permit_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    const kinds = await this.kinds();
    return rows.map((r) => ({
      id: r.id,
      enterpriseId: r.enterprise_id,
      orgId: r.org_id,
      kind: r.kind,
      status: r.status,
      approvals: (r.first_approved_by ? 1 : 0) + (r.second_approved_by ? 1 : 0),
      validFrom: r.from_text,
      validTo: r.to_text,
      route: r.route,
      vehicle: r.vehicle,
      escort: r.escort,
      appliedAt: new Date(r.applied_at).toISOString(),
      items: items
        .filter((i) => i.permit_id === r.id)
        .map((i) => {
          const kind = kinds.get(i.product) ?? 'itemised';
          return {
            product: i.product,
            quantity: quantityOf(kind, Number(i.amount)),
            remaining: quantityOf(kind, Number(i.amount) - Number(i.used)),
          };
        }),
    }));
  }

  // ---- transport watch

  /**
   * Fixes of the vehicle carrying a transport permit's load: stored, and the last 24 hours watched
   * against the permitted route; each new deviation or long stop is one alarm.
   */
  async track(actor: Actor, permitId: string, fixes: { at: string; lon: number; lat: number }[]) {
    const permit = await this.permit(actor, permitId); // 404 outside the actor's scope
    return this.watch(permitId, { enterpriseId: permit.enterpriseId, orgId: permit.orgId }, fixes);
  }

  /**
   * The quickest road route through the stops on the city's road graph (each leg snapped to the
   * nearest road within 500 m), as one line: what the vehicle's positions are watched against.
   */
  private async roadLine(via: [number, number][]): Promise<[number, number][]> {
    const city = this.deps.places ? await this.deps.places.city(undefined) : null;
    if (!city) throw invalid('routeVia', 'road_graph');
    const line: [number, number][] = [];
    for (let i = 1; i < via.length; i++) {
      const [a, b] = [via[i - 1], via[i]] as [[number, number], [number, number]];
      const leg = roadRoute(city.dijkstra, city.snapper, { lon: a[0], lat: a[1] }, { lon: b[0], lat: b[1] });
      if (!leg) throw invalid(`routeVia[${i}]`, 'no_road_route');
      line.push(...(line.length > 0 ? leg.coordinates.slice(1) : leg.coordinates));
    }
    return line;
  }

  /** Stores fixes of an approved transport permit's vehicle and watches the last 24 h against its route. */
  private async watch(permitId: string, book: BookRef, fixes: { at: string; lon: number; lat: number }[]) {
    const row = await this.db
      .selectFrom('explosives_permits')
      .select(['route_line', 'kind', 'status'])
      .where('id', '=', permitId)
      .executeTakeFirstOrThrow();
    if (row.kind !== 'transport' || !row.route_line) throw new ProblemError('conflict', M.noRoute);
    if (row.status !== 'approved') throw new ProblemError('conflict', M.permitNotApproved);
    await this.db
      .insertInto('explosives_track_fixes')
      .values(fixes.map((f) => ({ permit_id: permitId, at: f.at, lon: f.lon, lat: f.lat })))
      .onConflict((oc) => oc.columns(['permit_id', 'at']).doNothing())
      .execute();
    const since = new Date(this.deps.now().getTime() - 24 * 3600_000);
    const track = await this.db
      .selectFrom('explosives_track_fixes')
      .select(['at', 'lon', 'lat'])
      .where('permit_id', '=', permitId)
      .where('at', '>=', since)
      .orderBy('at')
      .execute();
    const found = watchRoute(
      row.route_line,
      track.map((f) => ({ at: new Date(f.at).getTime(), lon: f.lon, lat: f.lat })),
      { maxOffRouteM: ROUTE_DEVIATION_M, maxStopMin: LONG_STOP_MIN },
    );
    const raised: { kind: string; from: string; to: string }[] = [];
    for (const a of found) {
      const subject = `${permitId}@${new Date(a.from).toISOString()}`;
      const seen = await this.db
        .selectFrom('explosives_alarms')
        .select('id')
        .where('enterprise_id', '=', book.enterpriseId)
        .where('kind', '=', a.kind)
        .where('subject', '=', subject)
        .executeTakeFirst();
      if (seen) continue;
      await this.raise(book, [{ kind: a.kind, subject, detail: { permit: permitId, ...a } }]);
      raised.push({ kind: a.kind, from: new Date(a.from).toISOString(), to: new Date(a.to).toISOString() });
    }
    return { stored: fixes.length, alarms: raised };
  }

  // ---- transport vehicles (device tokens)

  /** Registers a vehicle of an enterprise and issues its device token (shown once). */
  async registerVehicle(actor: Actor, input: { enterpriseId: string; plate: string }) {
    const book = await this.book(actor, input.enterpriseId);
    if (!this.deps.devices) throw new ProblemError('conflict', M.noDevices);
    const taken = await this.db
      .selectFrom('explosives_vehicles')
      .select('device_id')
      .where('enterprise_id', '=', book.enterpriseId)
      .where('plate', '=', input.plate)
      .executeTakeFirst();
    if (taken)
      throw new ProblemError('conflict', M.vehicleTaken, [{ field: 'plate', rule: 'unique', message: '' }]);
    const issued = await this.deps.devices.issueSensor(actor, `民爆运输车 ${input.plate}`, book.orgId);
    const createdAt = this.deps.now();
    await this.db
      .insertInto('explosives_vehicles')
      .values({
        device_id: issued.id,
        enterprise_id: book.enterpriseId,
        org_id: book.orgId,
        plate: input.plate,
        created_at: createdAt,
      })
      .execute();
    return {
      deviceId: issued.id,
      enterpriseId: book.enterpriseId,
      plate: input.plate,
      createdAt: createdAt.toISOString(),
      token: issued.token,
    };
  }

  async vehicles(actor: Actor, enterpriseId: string) {
    const book = await this.book(actor, enterpriseId);
    const rows = await this.db
      .selectFrom('explosives_vehicles')
      .selectAll()
      .where('enterprise_id', '=', book.enterpriseId)
      .orderBy('plate')
      .execute();
    return rows.map((r) => ({
      deviceId: r.device_id,
      enterpriseId: r.enterprise_id,
      plate: r.plate,
      createdAt: new Date(r.created_at).toISOString(),
    }));
  }

  /**
   * AVL positions a vehicle sends with its own token: they go to the approved transport permit
   * naming its plate and valid today (the latest applied, when several). A device that is not a
   * registered vehicle is refused (403); a vehicle with no such permit is told so (409).
   */
  async vehicleAvl(device: DevicePrincipal, fixes: { at: string; lon: number; lat: number }[]) {
    const vehicle = await this.db
      .selectFrom('explosives_vehicles')
      .selectAll()
      .where('device_id', '=', device.deviceId)
      .executeTakeFirst();
    if (!vehicle) throw new ProblemError('forbidden');
    const today = bookDate(this.deps.now().getTime());
    const permit = await this.db
      .selectFrom('explosives_permits')
      .select('id')
      .where('enterprise_id', '=', vehicle.enterprise_id)
      .where('kind', '=', 'transport')
      .where('status', '=', 'approved')
      .where('vehicle', '=', vehicle.plate)
      .where('valid_from', '<=', today)
      .where('valid_to', '>=', today)
      .where('route_line', 'is not', null)
      .orderBy('applied_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!permit) throw new ProblemError('conflict', M.noActivePermit);
    const out = await this.watch(
      permit.id,
      { enterpriseId: vehicle.enterprise_id, orgId: vehicle.org_id },
      fixes,
    );
    return { permitId: permit.id, ...out };
  }

  /** A transport permit on the map: the permitted road route, the vehicle's positions, its route alarms. */
  async transportView(actor: Actor, permitId: string): Promise<TransportView> {
    const permit = await this.permit(actor, permitId); // 404 outside scope or another unit's
    const row = await this.db
      .selectFrom('explosives_permits')
      .select(['route_line'])
      .where('id', '=', permitId)
      .executeTakeFirstOrThrow();
    const fixes = await this.db
      .selectFrom('explosives_track_fixes')
      .select(['at', 'lon', 'lat'])
      .where('permit_id', '=', permitId)
      .orderBy('at')
      .limit(5000)
      .execute();
    const alarms = await this.db
      .selectFrom('explosives_alarms')
      .select(['kind', 'detail', 'raised_at'])
      .where('enterprise_id', '=', permit.enterpriseId)
      .where('kind', 'in', ['route_deviation', 'long_stop'])
      .where('subject', 'like', `${permitId}@%`)
      .orderBy('raised_at')
      .execute();
    return {
      permitId,
      vehicle: permit.vehicle,
      route: row.route_line ?? [],
      fixes: fixes.map((f) => ({ at: new Date(f.at).toISOString(), lon: f.lon, lat: f.lat })),
      alarms: alarms.map((a) => {
        const d = a.detail as { lon?: number; lat?: number };
        return {
          kind: a.kind,
          lon: d.lon ?? null,
          lat: d.lat ?? null,
          raisedAt: new Date(a.raised_at).toISOString(),
        };
      }),
    };
  }

  // ---- alarms

  private async raise(book: BookRef, drafts: AlarmDraft[]) {
    const now = this.deps.now();
    const due = new Date(now.getTime() + REPORT_CLOCK_MS);
    const rows = drafts.map((d) => ({
      id: uuidv7(),
      enterprise_id: book.enterpriseId,
      org_id: book.orgId,
      kind: d.kind,
      subject: d.subject,
      detail: JSON.stringify(d.detail),
      raised_at: now,
      report_due_at: due,
      reported_at: null,
      reported_by: null,
    }));
    // The alarms and their events commit together (bus/outbox.ts).
    await this.deps.transact(async (trx, publish) => {
      for (let i = 0; i < rows.length; i += 1000) {
        await trx
          .insertInto('explosives_alarms')
          .values(rows.slice(i, i + 1000))
          .execute();
      }
      // Published to the enterprise's station; the command centre (city level) sees its whole subtree.
      for (const r of rows.slice(0, 100)) {
        await publish('explosives.alarm', book.orgId, {
          alarmId: r.id,
          enterpriseId: book.enterpriseId,
          kind: r.kind,
          subject: r.subject,
          reportDueAt: due.toISOString(),
        });
      }
    });
  }

  async alarms(actor: Actor, limit = 200): Promise<Alarm[]> {
    let q = this.db.selectFrom('explosives_alarms').selectAll().orderBy('raised_at', 'desc').limit(limit);
    if (this.isEnterprise(actor))
      q = q.where('enterprise_id', '=', (await this.boundUnit(actor)) ?? '\u0000');
    else q = q.where('org_id', 'in', orgsUnder(this.db, actor));
    const rows = await q.execute();
    return rows.map((r) => ({
      id: r.id,
      enterpriseId: r.enterprise_id,
      orgId: r.org_id,
      kind: r.kind,
      subject: r.subject,
      detail: r.detail,
      raisedAt: new Date(r.raised_at).toISOString(),
      reportDueAt: new Date(r.report_due_at).toISOString(),
      reportedAt: r.reported_at ? new Date(r.reported_at).toISOString() : null,
      escalatedAt: r.escalated_at ? new Date(r.escalated_at).toISOString() : null,
    }));
  }

  /** The report was made (to the public security organ): the clock stops. */
  async reportAlarm(actor: Actor, id: string): Promise<Alarm> {
    let q = this.db
      .updateTable('explosives_alarms')
      .set({ reported_at: this.deps.now(), reported_by: actor.userId })
      .where('id', '=', id)
      .where('reported_at', 'is', null);
    // An enterprise user reports their own unit's alarms only (their org holds other units too).
    if (this.isEnterprise(actor))
      q = q.where('enterprise_id', '=', (await this.boundUnit(actor)) ?? '\u0000');
    else q = q.where('org_id', 'in', orgsUnder(this.db, actor));
    const r = await q.executeTakeFirst();
    const alarm = (await this.alarms(actor, 1000)).find((a) => a.id === id);
    if (!alarm) throw new ProblemError('not_found', M.noSuchAlarm);
    if (Number(r.numUpdatedRows) === 0 && alarm.reportedAt === null) throw new ProblemError('conflict');
    return alarm;
  }

  /**
   * The 24-hour report clock: alarms past their deadline and not reported are escalated, once, to
   * the enterprise's station (its head) and the command centre (the root of the org tree): a live
   * event and an audit row each, in the transaction that marks them. The update claims its rows,
   * so with several API nodes each alarm is escalated by exactly one.
   */
  async escalateUnreported(): Promise<number> {
    const now = this.deps.now();
    return this.deps.transact(async (trx, publish) => {
      const rows = await trx
        .updateTable('explosives_alarms')
        .set({ escalated_at: now })
        .where('reported_at', 'is', null)
        .where('escalated_at', 'is', null)
        .where('report_due_at', '<=', now)
        .returning(['id', 'enterprise_id', 'org_id', 'kind', 'subject', 'raised_at', 'report_due_at'])
        .execute();
      if (rows.length === 0) return 0;
      const orgs = await trx
        .selectFrom('orgs')
        .select(['id', 'path'])
        .where('id', 'in', [...new Set(rows.map((r) => r.org_id))])
        .execute();
      const out = rows.map((r) => {
        const path = orgs.find((o) => o.id === r.org_id)?.path ?? `/${r.org_id}/`;
        return { ...r, commandOrgId: path.split('/')[1] || r.org_id };
      });
      for (const r of out) {
        await appendAudit(
          trx,
          {
            userId: null,
            username: 'system',
            action: 'write',
            resource: `explosives_alarm:${r.id}`,
            detail: {
              change: 'report_overdue',
              enterpriseId: r.enterprise_id,
              kind: r.kind,
              subject: r.subject,
              raisedAt: new Date(r.raised_at).toISOString(),
              reportDueAt: new Date(r.report_due_at).toISOString(),
              escalatedTo: { stationOrgId: r.org_id, commandOrgId: r.commandOrgId },
            },
          },
          now,
        );
        // Published at the station: the live gateway brings it to the station's head and to every
        // console whose scope holds the station, the command centre's (city scope) among them.
        await publish('explosives.report_overdue', r.org_id, {
          alarmId: r.id,
          enterpriseId: r.enterprise_id,
          kind: r.kind,
          subject: r.subject,
          reportDueAt: new Date(r.report_due_at).toISOString(),
          stationOrgId: r.org_id,
          commandOrgId: r.commandOrgId,
        });
      }
      return out.length;
    });
  }

  /** The periodic run: transports past 24 h raise their alarm, alarms past their clock escalate. */
  async tick(): Promise<{ overdueTransits: number; escalated: number }> {
    const overdueTransits = await this.checkOverdueTransits();
    const escalated = await this.escalateUnreported();
    return { overdueTransits, escalated };
  }

  /** Transports pending for more than 24 h not yet alarmed: raise one alarm each (run by a timer). */
  async checkOverdueTransits(): Promise<number> {
    const cutoff = new Date(this.deps.now().getTime() - TRANSIT_OVERDUE_MS);
    const rows = await this.db
      .updateTable('explosives_transits')
      .set({ overdue_alarmed: true })
      .where('status', '=', 'pending')
      .where('overdue_alarmed', '=', false)
      .where('left_at', '<', cutoff)
      .returning(['id', 'enterprise_id', 'org_id', 'left_at', 'transit_account'])
      .execute();
    for (const r of rows) {
      const hours = Math.round((this.deps.now().getTime() - new Date(r.left_at).getTime()) / 360_000) / 10;
      await this.raise({ enterpriseId: r.enterprise_id, orgId: r.org_id }, [
        { kind: 'overdue_transit', subject: r.id, detail: { hours, transit: r.transit_account } },
      ]);
    }
    return rows.length;
  }

  /**
   * A `Book` over this service, for reconciliation (the CLI runs it on a throw-away database).
   * With the set-based `balancesAt` (unless `daily`), the walk posts in batches across days and
   * checks the counts once at the end; `daily` keeps the day-by-day walk (balances read each day).
   */
  reconcileBook(book: BookRef, options: { daily?: boolean } = {}): Book {
    return {
      catalogue: async (products) => {
        for (const [code, kind] of products) await this.putProduct({ code, name: code, kind });
        this.poster.forget();
      },
      post: async (movements): Promise<PostResult[]> =>
        (await this.post(null, book, movements, false)).results,
      balances: (keys) => this.balances(book, keys),
      pendingTransits: () => this.pendingTransits(book),
      balanced: () => this.balanced(book),
      ...(options.daily ? {} : { balancesAt: (keys) => this.balancesAt(book, keys) }),
    };
  }
}

interface AlarmDraft {
  kind: Alarm['kind'];
  subject: string;
  detail: Record<string, unknown>;
}

/** The calendar day before a YYYY-MM-DD date. */
function previousDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** Pieces stay pieces; kg become grams. */
export function toAmount(kind: ProductKind, quantity: number): number {
  return kind === 'bulk' ? Math.round(quantity * GRAMS_PER_KG) : quantity;
}
