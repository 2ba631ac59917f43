-- AVL history (unit_positions) partitioned by RANGE on its time, one partition per UTC month
-- (db/partitions.ts names and maintains them), so retention drops whole months instead of
-- deleting rows, and a query over an hour reads one month. The default partition catches a fix
-- for a month not created yet; the retention job creates now-1 .. now+2 months ahead and moves
-- any caught rows into them. The primary key (unit_id, at) already holds the partition key, so
-- the ingest's `on conflict (unit_id, at)` keeps its target.
alter table unit_positions rename to unit_positions_unpartitioned;
alter index unit_positions_pkey rename to unit_positions_unpartitioned_pkey;
alter index unit_positions_at_idx rename to unit_positions_unpartitioned_at_idx;

create table unit_positions (
  unit_id uuid not null references units (id) on delete cascade,
  at timestamptz not null,
  lon double precision not null,
  lat double precision not null,
  heading double precision,
  speed double precision,
  primary key (unit_id, at)
) partition by range (at);
create index unit_positions_at_idx on unit_positions (at);
create table unit_positions_default partition of unit_positions default;

-- A partition for every month holding rows, and for last month to two months ahead.
do $$
declare
  month timestamp;
begin
  for month in
    select distinct date_trunc('month', at at time zone 'UTC') from unit_positions_unpartitioned
    union
    select date_trunc('month', now() at time zone 'UTC') + n * interval '1 month' from generate_series(-1, 2) n
  loop
    execute format(
      'create table %I partition of unit_positions for values from (%L) to (%L)',
      'unit_positions_p' || to_char(month, 'YYYY_MM'),
      to_char(month, 'YYYY-MM-DD"T"00:00:00"Z"'),
      to_char(month + interval '1 month', 'YYYY-MM-DD"T"00:00:00"Z"'));
  end loop;
end $$;

insert into unit_positions select * from unit_positions_unpartitioned;
drop table unit_positions_unpartitioned;
