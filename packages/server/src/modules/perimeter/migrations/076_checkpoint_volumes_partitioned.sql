-- Plate-read counts per checkpoint and hour (checkpoint_volumes) partitioned by RANGE on the hour,
-- one partition per UTC month (db/partitions.ts names and maintains them), as unit_positions (075):
-- a report over a week reads one or two months, and retention can drop whole months. The default
-- partition catches an hour of a month not created yet; ensureMonthlyPartitions moves such rows
-- when it creates the month. The primary key (checkpoint_id, direction, hour) already holds the
-- partition key, so the volume flush's `on conflict` keeps its target.
alter table checkpoint_volumes rename to checkpoint_volumes_unpartitioned;
alter index checkpoint_volumes_pkey rename to checkpoint_volumes_unpartitioned_pkey;

create table checkpoint_volumes (
  checkpoint_id text not null,
  direction text not null check (direction in ('in', 'out')),
  -- Start of the hour (UTC).
  hour timestamptz not null,
  reads integer not null default 0 check (reads >= 0),
  hits integer not null default 0 check (hits >= 0),
  invalid integer not null default 0 check (invalid >= 0),
  primary key (checkpoint_id, direction, hour)
) partition by range (hour);
create table checkpoint_volumes_default partition of checkpoint_volumes default;

-- A partition for every month holding rows, and for last month to two months ahead.
do $$
declare
  month timestamp;
begin
  for month in
    select distinct date_trunc('month', hour at time zone 'UTC') from checkpoint_volumes_unpartitioned
    union
    select date_trunc('month', now() at time zone 'UTC') + n * interval '1 month' from generate_series(-1, 2) n
  loop
    execute format(
      'create table %I partition of checkpoint_volumes for values from (%L) to (%L)',
      'checkpoint_volumes_p' || to_char(month, 'YYYY_MM'),
      to_char(month, 'YYYY-MM-DD"T"00:00:00"Z"'),
      to_char(month + interval '1 month', 'YYYY-MM-DD"T"00:00:00"Z"'));
  end loop;
end $$;

insert into checkpoint_volumes select * from checkpoint_volumes_unpartitioned;
drop table checkpoint_volumes_unpartitioned;
