-- Monthly close (月结): a closed month of an enterprise's book (the header says it is closed, even
-- when no magazine held anything), and one line per magazine account and product, computed from
-- the daily closes. The variance open at the month's end is carried into the next month's close.
create table explosives_month_closes (
  enterprise_id text not null,
  month text not null check (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  org_id uuid not null references orgs (id),
  closed_by uuid references users (id) on delete set null,
  closed_at timestamptz not null,
  primary key (enterprise_id, month)
);
create table explosives_month_lines (
  enterprise_id text not null,
  month text not null,
  account text not null,
  product text not null references explosives_products (code),
  opening bigint not null,
  received bigint not null,
  issued bigint not null,
  closing bigint not null,
  counted bigint,
  variance bigint not null,
  variance_days integer not null,
  carried_in bigint not null,
  primary key (enterprise_id, month, account, product),
  foreign key (enterprise_id, month) references explosives_month_closes (enterprise_id, month)
);
