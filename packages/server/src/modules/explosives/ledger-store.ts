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

/** The codes' current places, locked; a code held by another enterprise is returned as `other`. */
export async function lockSerials(trx: Trx, book: BookRef, codes: string[]) {
  if (codes.length === 0) return [];
  const r = await sql<{ serial: string; product: string; account: string; enterprise_id: string }>`
    select serial, product, account, enterprise_id from explosives_serials
    where serial = any(${codes}::text[]) order by serial for update`.execute(trx);
  return r.rows.map((row) => ({
    serial: row.serial,
    product: row.product,
    at: row.enterprise_id === book.enterpriseId ? row.account : `other:${row.enterprise_id}`,
  }));
}

export async function lockPendingLegs(
  trx: Trx,
  book: BookRef,
  transits: string[],
): Promise<PendingTransit[]> {
  if (transits.length === 0) return [];
  const rows = await trx
    .selectFrom('explosives_transits')
    .select(['id', 'transit_account', 'from_account', 'product', 'amount_left', 'left_at'])
    .where('enterprise_id', '=', book.enterpriseId)
    .where('status', '=', 'pending')
    .where('transit_account', 'in', transits)
    .orderBy('left_at')
    .orderBy('id')
    .forUpdate()
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

export async function capacities(trx: Trx, book: BookRef, magazines: string[]) {
  if (magazines.length === 0) return [];
  return trx
    .selectFrom('explosives_magazine_capacity')
    .select(['magazine', 'product', 'capacity'])
    .where('enterprise_id', '=', book.enterpriseId)
    .where('magazine', 'in', magazines)
    .execute();
}

export async function existingIds(trx: Trx, book: BookRef, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const r = await sql<{ id: string }>`
    select id from explosives_transfers
    where enterprise_id = ${book.enterpriseId} and id = any(${ids}::text[])`.execute(trx);
  return new Set(r.rows.map((row) => row.id));
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

/** Writes the batch: journal rows, new balances, code places, transport legs — four statements. */
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
  if (transfers.length > 0) {
    const col = <K extends keyof TransferRow>(k: K) => transfers.map((t) => t[k]);
    await sql`
      insert into explosives_transfers (enterprise_id, id, org_id, at, book_date, from_account, to_account, product,
        amount, serials, permit_id, reverses, posted_at, posted_by)
      select ${book.enterpriseId}, t.id, ${book.orgId}::uuid, t.at, t.d, t.f, t.o, t.p, t.a,
        case when t.s = '' then '{}'::text[] else string_to_array(t.s, ';') end, t.permit, t.rev, ${postedAt}, ${by}::uuid
      from unnest(${col('id')}::text[], ${col('at')}::timestamptz[], ${col('bookDate')}::date[], ${col('from')}::text[],
        ${col('to')}::text[], ${col('product')}::text[], ${col('amount')}::bigint[],
        ${transfers.map((t) => t.serials.join(';'))}::text[], ${col('permit')}::text[], ${col('reverses')}::text[])
        as t(id, at, d, f, o, p, a, s, permit, rev)`.execute(trx);
  }
  if (balances.length > 0) {
    await sql`
      update explosives_balances b set amount = v.amount
      from unnest(${balances.map((b) => b.account)}::text[], ${balances.map((b) => b.product)}::text[],
        ${balances.map((b) => b.amount)}::bigint[]) as v(account, product, amount)
      where b.enterprise_id = ${book.enterpriseId} and b.account = v.account and b.product = v.product`.execute(
      trx,
    );
  }
  // Codes seen for the first time are inserted; the others (locked above) are moved.
  const fresh = serials.filter((s) => !s.existed);
  const moved = serials.filter((s) => s.existed);
  if (fresh.length > 0) {
    await sql`
      insert into explosives_serials (serial, enterprise_id, product, account, last_transfer)
      select s, ${book.enterpriseId}, p, a, t from unnest(${fresh.map((s) => s.serial)}::text[],
        ${fresh.map((s) => s.product)}::text[], ${fresh.map((s) => s.account)}::text[],
        ${fresh.map((s) => s.transfer)}::text[]) as v(s, p, a, t)`.execute(trx);
  }
  if (moved.length > 0) {
    await sql`
      update explosives_serials x set account = v.a, last_transfer = v.t, enterprise_id = ${book.enterpriseId}
      from unnest(${moved.map((s) => s.serial)}::text[], ${moved.map((s) => s.account)}::text[],
        ${moved.map((s) => s.transfer)}::text[]) as v(s, a, t)
      where x.serial = v.s`.execute(trx);
  }
  if (legs.length > 0) {
    await sql`
      insert into explosives_transits (id, enterprise_id, org_id, transit_account, from_account, product, amount_left,
        left_at, status, settled_by, settled_at)
      select id, ${book.enterpriseId}, ${book.orgId}::uuid, tr, f, p, a, l, st, sb, sa
      from unnest(${legs.map((l) => l.leg.id)}::text[], ${legs.map((l) => l.leg.transit)}::text[],
        ${legs.map((l) => l.leg.from)}::text[], ${legs.map((l) => l.leg.product)}::text[],
        ${legs.map((l) => l.leg.amount)}::bigint[], ${legs.map((l) => new Date(l.leg.timeMs).toISOString())}::timestamptz[],
        ${legs.map((l) => l.status)}::text[], ${legs.map((l) => l.settledBy)}::text[],
        ${legs.map((l) => l.settledAt)}::timestamptz[]) as v(id, tr, f, p, a, l, st, sb, sa)
      on conflict (enterprise_id, id) do update set amount_left = excluded.amount_left, status = excluded.status,
        settled_by = excluded.settled_by, settled_at = excluded.settled_at`.execute(trx);
  }
}
