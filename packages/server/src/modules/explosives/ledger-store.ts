/**
 * The ledger's SQL: what a posting locks and reads, and the few set-based statements that write a
 * batch of transfers (each an unnest, whatever the batch's size). Every function takes the
 * transaction it runs in.
 */
import type { PendingTransit, ProductKind } from '@citywatch/core/explosives/ledger';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';

type Trx = Transaction<Database>;

export interface BookRef {
  enterpriseId: string;
  orgId: string;
}

export async function products(
  db: Trx | import('kysely').Kysely<Database>,
): Promise<Map<string, ProductKind>> {
  const rows = await db.selectFrom('explosives_products').select(['code', 'kind']).execute();
  return new Map(rows.map((r) => [r.code, r.kind]));
}

/**
 * Makes sure a balance row exists for every key, then locks them all in one order (account,
 * product) so two postings over the same accounts wait for each other instead of deadlocking.
 */
export async function lockBalances(
  trx: Trx,
  book: BookRef,
  keys: { account: string; product: string }[],
): Promise<{ account: string; product: string; amount: number }[]> {
  if (keys.length === 0) return [];
  const sorted = [...keys].sort((a, b) =>
    a.account === b.account ? (a.product < b.product ? -1 : 1) : a.account < b.account ? -1 : 1,
  );
  const accounts = sorted.map((k) => k.account);
  const prods = sorted.map((k) => k.product);
  await sql`
    insert into explosives_balances (enterprise_id, account, product, amount, org_id)
    select ${book.enterpriseId}, a, p, 0, ${book.orgId}::uuid from unnest(${accounts}::text[], ${prods}::text[]) as k(a, p)
    on conflict do nothing`.execute(trx);
  const r = await sql<{ account: string; product: string; amount: number | string }>`
    select b.account, b.product, b.amount from explosives_balances b
    join unnest(${accounts}::text[], ${prods}::text[]) as k(a, p) on b.account = k.a and b.product = k.p
    where b.enterprise_id = ${book.enterpriseId}
    order by b.account, b.product
    for update of b`.execute(trx);
  return r.rows.map((row) => ({ ...row, amount: Number(row.amount) }));
}

/** What a batch touches, locked and read in one statement (one round trip: see `lockAll`). */
export interface Touched {
  existing: Set<string>;
  balances: { account: string; product: string; amount: number }[];
  serials: { serial: string; product: string; at: string }[];
  legs: PendingTransit[];
  capacities: { magazine: string; product: string; capacity: number }[];
}

/**
 * Everything a posting reads, in one statement: which ids exist, the balances (rows made for new
 * keys, all locked in (account, product) order), the codes' places and the pending legs (locked),
 * the magazines' capacities. One round trip instead of six: what a single posting pays most for.
 *
 * A balance row another transaction created after this statement's snapshot is not seen by its
 * locking read; such keys (first use of an account by two postings at once) are locked again by
 * `lockBalances`, whose second statement sees them.
 */
export async function lockAll(
  trx: Trx,
  book: BookRef,
  want: {
    ids: string[];
    keys: { account: string; product: string }[];
    codes: string[];
    transits: string[];
    magazines: string[];
  },
): Promise<Touched> {
  const sorted = [...want.keys].sort((a, b) =>
    a.account === b.account ? (a.product < b.product ? -1 : 1) : a.account < b.account ? -1 : 1,
  );
  const e = book.enterpriseId;
  const r = await sql<{
    existing: string[];
    balances: { account: string; product: string; amount: number | string }[];
    serials: { serial: string; product: string; account: string; enterprise_id: string }[];
    legs: {
      id: string;
      transit_account: string;
      from_account: string;
      product: string;
      amount_left: number | string;
      left_at: string;
    }[];
    caps: { magazine: string; product: string; capacity: number | string }[];
  }>`
    with k(a, p) as (select * from unnest(${sorted.map((k) => k.account)}::text[], ${sorted.map((k) => k.product)}::text[])),
    ins as (
      insert into explosives_balances (enterprise_id, account, product, amount, org_id)
      select ${e}, a, p, 0, ${book.orgId}::uuid from k on conflict do nothing returning account, product, amount),
    locked as (
      select b.account, b.product, b.amount from explosives_balances b join k on b.account = k.a and b.product = k.p
      where b.enterprise_id = ${e} order by b.account, b.product for update of b),
    ser as (
      select serial, product, account, enterprise_id from explosives_serials
      where serial = any(${want.codes}::text[]) order by serial for update),
    legs as (
      select id, transit_account, from_account, product, amount_left, left_at from explosives_transits
      where enterprise_id = ${e} and status = 'pending' and transit_account = any(${want.transits}::text[])
      order by left_at, id for update),
    caps as (
      select magazine, product, capacity from explosives_magazine_capacity
      where enterprise_id = ${e} and magazine = any(${want.magazines}::text[])),
    ex as (select id from explosives_transfers where enterprise_id = ${e} and id = any(${want.ids}::text[]))
    select
      (select coalesce(json_agg(x), '[]') from (select * from ins union all select * from locked) x) as balances,
      (select coalesce(json_agg(ser), '[]') from ser) as serials,
      (select coalesce(json_agg(legs), '[]') from legs) as legs,
      (select coalesce(json_agg(caps), '[]') from caps) as caps,
      (select coalesce(json_agg(ex.id), '[]') from ex) as existing`.execute(trx);
  const row = r.rows[0];
  if (!row) throw new Error('lockAll returned no row');
  const parse = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
  const balances = parse(row.balances).map((b) => ({ ...b, amount: Number(b.amount) }));
  const seen = new Set(balances.map((b) => `${b.account}\u0000${b.product}`));
  const missing = sorted.filter((k) => !seen.has(`${k.account}\u0000${k.product}`));
  if (missing.length > 0) balances.push(...(await lockBalances(trx, book, missing)));
  return {
    existing: new Set(parse(row.existing)),
    balances,
    serials: parse(row.serials).map((s) => ({
      serial: s.serial,
      product: s.product,
      at: s.enterprise_id === book.enterpriseId ? s.account : `other:${s.enterprise_id}`,
    })),
    legs: parse(row.legs).map((l) => ({
      id: l.id,
      transit: l.transit_account,
      from: l.from_account,
      product: l.product,
      amount: Number(l.amount_left),
      timeMs: new Date(l.left_at).getTime(),
    })),
    capacities: parse(row.caps).map((c) => ({ ...c, capacity: Number(c.capacity) })),
  };
}

export interface TransferRow {
  id: string;
  at: string;
  bookDate: string;
  from: string;
  to: string;
  product: string;
  amount: number;
  serials: readonly string[];
  permit: string | null;
  reverses: string | null;
}

/**
 * Writes the batch in one statement (data-modifying CTEs, one round trip): journal rows, new
 * balances, codes seen for the first time inserted and the others (locked above) moved, transport
 * legs. Each part is a multi-row unnest, whatever the batch's size; empty parts write nothing.
 */
export async function writeBatch(
  trx: Trx,
  book: BookRef,
  by: string | null,
  postedAt: Date,
  transfers: TransferRow[],
  balances: { account: string; product: string; amount: number }[],
  serials: { serial: string; product: string; account: string; transfer: string; existed: boolean }[],
  legs: {
    leg: PendingTransit;
    status: 'pending' | 'posted' | 'voided';
    settledBy: string | null;
    settledAt: string | null;
  }[],
): Promise<void> {
  if (transfers.length === 0 && balances.length === 0 && serials.length === 0 && legs.length === 0) return;
  const col = <K extends keyof TransferRow>(k: K) => transfers.map((t) => t[k]);
  const fresh = serials.filter((s) => !s.existed);
  const moved = serials.filter((s) => s.existed);
  const e = book.enterpriseId;
  await sql`
    with t as (
      insert into explosives_transfers (enterprise_id, id, org_id, at, book_date, from_account, to_account, product,
        amount, serials, permit_id, reverses, posted_at, posted_by)
      select ${e}, t.id, ${book.orgId}::uuid, t.at, t.d, t.f, t.o, t.p, t.a,
        case when t.s = '' then '{}'::text[] else string_to_array(t.s, ';') end, t.permit, t.rev, ${postedAt}, ${by}::uuid
      from unnest(${col('id')}::text[], ${col('at')}::timestamptz[], ${col('bookDate')}::date[], ${col('from')}::text[],
        ${col('to')}::text[], ${col('product')}::text[], ${col('amount')}::bigint[],
        ${transfers.map((t) => t.serials.join(';'))}::text[], ${col('permit')}::text[], ${col('reverses')}::text[])
        as t(id, at, d, f, o, p, a, s, permit, rev)),
    b as (
      update explosives_balances b set amount = v.amount
      from unnest(${balances.map((b) => b.account)}::text[], ${balances.map((b) => b.product)}::text[],
        ${balances.map((b) => b.amount)}::bigint[]) as v(account, product, amount)
      where b.enterprise_id = ${e} and b.account = v.account and b.product = v.product),
    f as (
      insert into explosives_serials (serial, enterprise_id, product, account, last_transfer)
      select s, ${e}, p, a, t from unnest(${fresh.map((s) => s.serial)}::text[],
        ${fresh.map((s) => s.product)}::text[], ${fresh.map((s) => s.account)}::text[],
        ${fresh.map((s) => s.transfer)}::text[]) as v(s, p, a, t)),
    m as (
      update explosives_serials x set account = v.a, last_transfer = v.t, enterprise_id = ${e}
      from unnest(${moved.map((s) => s.serial)}::text[], ${moved.map((s) => s.account)}::text[],
        ${moved.map((s) => s.transfer)}::text[]) as v(s, a, t)
      where x.serial = v.s),
    l as (
      insert into explosives_transits (id, enterprise_id, org_id, transit_account, from_account, product, amount_left,
        left_at, status, settled_by, settled_at)
      select id, ${e}, ${book.orgId}::uuid, tr, f, p, a, l, st, sb, sa
      from unnest(${legs.map((l) => l.leg.id)}::text[], ${legs.map((l) => l.leg.transit)}::text[],
        ${legs.map((l) => l.leg.from)}::text[], ${legs.map((l) => l.leg.product)}::text[],
        ${legs.map((l) => l.leg.amount)}::bigint[], ${legs.map((l) => new Date(l.leg.timeMs).toISOString())}::timestamptz[],
        ${legs.map((l) => l.status)}::text[], ${legs.map((l) => l.settledBy)}::text[],
        ${legs.map((l) => l.settledAt)}::timestamptz[]) as v(id, tr, f, p, a, l, st, sb, sa)
      on conflict (enterprise_id, id) do update set amount_left = excluded.amount_left, status = excluded.status,
        settled_by = excluded.settled_by, settled_at = excluded.settled_at)
    select 1`.execute(trx);
}
