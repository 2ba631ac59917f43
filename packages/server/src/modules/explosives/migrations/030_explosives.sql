-- 民爆物品 (explosives): permits, magazines and a double-entry ledger that cannot lose a detonator.
-- Every row belongs to an enterprise (`enterprise_id`: the regulated unit's id in the oversight
-- registry — kept as text, no foreign key, so this module lands apart from it) and to the org whose
-- jurisdiction holds the enterprise (need to know). Amounts are integers: pieces for itemised
-- products (detonators), grams for bulk ones.

create table explosives_products (
  code text primary key,
  name text not null,
  kind text not null check (kind in ('itemised', 'bulk'))
);

-- Current balance of each account and product of an enterprise's book. Stock accounts never go
-- below zero (supplier accounts are sources; their balance is what was bought, negative).
create table explosives_balances (
  enterprise_id text not null,
  account text not null,
  product text not null references explosives_products (code),
  amount bigint not null,
  org_id uuid not null references orgs (id),
  primary key (enterprise_id, account, product),
  constraint explosives_stock_not_negative check (amount >= 0 or account like 'supplier:%')
);

-- The journal: one immutable row per transfer (a credit of from, a debit of to).
create table explosives_transfers (
  seq bigserial primary key,
  enterprise_id text not null,
  id text not null,
  org_id uuid not null references orgs (id),
  at timestamptz not null,
  book_date date not null,
  from_account text not null,
  to_account text not null,
  product text not null references explosives_products (code),
  amount bigint not null check (amount > 0),
  serials text[] not null,
  permit_id text,
  reverses text,
  posted_at timestamptz not null,
  posted_by uuid references users (id) on delete set null,
  unique (enterprise_id, id)
);
create index explosives_transfers_from_idx on explosives_transfers (enterprise_id, from_account, product, at);
create index explosives_transfers_to_idx on explosives_transfers (enterprise_id, to_account, product, at);
create unique index explosives_transfers_reverses_idx on explosives_transfers (enterprise_id, reverses)
  where reverses is not null;

create function explosives_transfers_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'explosives transfers are immutable: correct with a reversing transfer';
end;
$$;
create trigger explosives_transfers_immutable before update or delete on explosives_transfers
  for each row execute function explosives_transfers_immutable();

-- Where every detonator is: received once, one place at a time (a sink once consumed/destroyed).
create table explosives_serials (
  serial text primary key check (serial ~ '^[0-9A-Z]{13}$'),
  enterprise_id text not null,
  product text not null references explosives_products (code),
  account text not null,
  last_transfer text not null
);
create index explosives_serials_account_idx on explosives_serials (enterprise_id, account);

-- Transport legs: pending while the load is in its transit account, then posted or voided.
create table explosives_transits (
  id text not null,
  enterprise_id text not null,
  org_id uuid not null references orgs (id),
  transit_account text not null,
  from_account text not null,
  product text not null,
  amount_left bigint not null,
  left_at timestamptz not null,
  status text not null check (status in ('pending', 'posted', 'voided')),
  settled_by text,
  settled_at timestamptz,
  overdue_alarmed boolean not null default false,
  primary key (enterprise_id, id)
);
create index explosives_transits_pending_idx on explosives_transits (status, left_at) where status = 'pending';

-- Magazines and their licensed capacity by product.
create table explosives_magazines (
  enterprise_id text not null,
  name text not null,
  org_id uuid not null references orgs (id),
  address text not null default '',
  primary key (enterprise_id, name)
);
create table explosives_magazine_capacity (
  enterprise_id text not null,
  magazine text not null,
  product text not null references explosives_products (code),
  capacity bigint not null check (capacity > 0),
  primary key (enterprise_id, magazine, product),
  foreign key (enterprise_id, magazine) references explosives_magazines (enterprise_id, name) on delete cascade
);

-- Purchase and transport permits: applied for by the enterprise, approved by two different police
-- officers (four eyes), valid for a period, drawn down by the transfers that name them.
create table explosives_permits (
  id text primary key,
  enterprise_id text not null,
  org_id uuid not null references orgs (id),
  kind text not null check (kind in ('purchase', 'transport')),
  status text not null check (status in ('applied', 'approved', 'refused')),
  valid_from date not null,
  valid_to date not null,
  route text not null default '',
  vehicle text not null default '',
  escort text not null default '',
  applied_by uuid references users (id) on delete set null,
  applied_at timestamptz not null,
  first_approved_by uuid references users (id) on delete set null,
  first_approved_at timestamptz,
  second_approved_by uuid references users (id) on delete set null,
  second_approved_at timestamptz,
  refused_by uuid references users (id) on delete set null,
  refused_reason text,
  check (valid_to >= valid_from),
  check (second_approved_by is null or second_approved_by <> first_approved_by)
);
create index explosives_permits_org_idx on explosives_permits (org_id, status);
create table explosives_permit_items (
  permit_id text not null references explosives_permits (id) on delete cascade,
  product text not null references explosives_products (code),
  amount bigint not null check (amount > 0),
  used bigint not null default 0,
  primary key (permit_id, product),
  check (used <= amount)
);

-- Physical counts against the book at the end of a book date (日清); a variance is an alarm.
create table explosives_counts (
  enterprise_id text not null,
  book_date date not null,
  account text not null,
  product text not null references explosives_products (code),
  counted bigint not null check (counted >= 0),
  book bigint not null,
  org_id uuid not null references orgs (id),
  entered_by uuid references users (id) on delete set null,
  entered_at timestamptz not null,
  primary key (enterprise_id, book_date, account, product)
);

-- Alarms (variance, serial anomaly, overdue transit, route): each starts a 24-hour report clock.
create table explosives_alarms (
  id uuid primary key,
  enterprise_id text not null,
  org_id uuid not null references orgs (id),
  kind text not null check (kind in ('variance', 'serial_anomaly', 'overdue_transit', 'route_deviation', 'long_stop')),
  subject text not null,
  detail jsonb not null,
  raised_at timestamptz not null,
  report_due_at timestamptz not null,
  reported_at timestamptz,
  reported_by uuid references users (id) on delete set null
);
create index explosives_alarms_org_idx on explosives_alarms (org_id, raised_at);
