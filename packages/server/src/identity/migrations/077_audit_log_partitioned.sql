-- The audit log partitioned by RANGE on its time, one partition per UTC month (db/partitions.ts), so
-- a query over a period reads only its months. Partition only: the audit log has no retention, no
-- month is ever dropped. The hash chain is untouched: rows keep seq, prev_hash and hash; appends
-- still serialise on the advisory lock and read the last row by seq. The primary key must hold the
-- partition key, so it is (seq, at); seq stays unique because appendAudit numbers rows under that
-- lock. Append-only as before: the row trigger (update/delete) is cloned onto every partition by
-- PostgreSQL; the truncate trigger is a statement trigger, which is not, so every partition gets
-- its own (ensureMonthlyPartitions copies it onto the months it creates).
alter table audit_log rename to audit_log_unpartitioned;
alter index audit_log_pkey rename to audit_log_unpartitioned_pkey;
drop trigger audit_log_no_update on audit_log_unpartitioned;
drop trigger audit_log_no_truncate on audit_log_unpartitioned;

create table audit_log (
  seq bigint not null,
  at timestamptz not null,
  user_id uuid,
  username text,
  action text not null,
  resource text not null,
  purpose text,
  detail jsonb not null,
  prev_hash text not null,
  hash text not null,
  primary key (seq, at)
) partition by range (at);
create table audit_log_default partition of audit_log default;

do $$
declare
  month timestamp;
begin
  for month in
    select distinct date_trunc('month', at at time zone 'UTC') from audit_log_unpartitioned
    union
    select date_trunc('month', now() at time zone 'UTC') + n * interval '1 month' from generate_series(-1, 2) n
  loop
    execute format(
      'create table %I partition of audit_log for values from (%L) to (%L)',
      'audit_log_p' || to_char(month, 'YYYY_MM'),
      to_char(month, 'YYYY-MM-DD"T"00:00:00"Z"'),
      to_char(month + interval '1 month', 'YYYY-MM-DD"T"00:00:00"Z"'));
  end loop;
end $$;

insert into audit_log select * from audit_log_unpartitioned;
drop table audit_log_unpartitioned;

create trigger audit_log_no_update before update or delete on audit_log
  for each row execute function audit_log_refuse_change();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function audit_log_refuse_change();
do $$
declare
  part regclass;
begin
  for part in select inhrelid::regclass from pg_inherits where inhparent = 'audit_log'::regclass loop
    execute format(
      'create trigger audit_log_no_truncate before truncate on %s for each statement execute function audit_log_refuse_change()',
      part);
  end loop;
end $$;
