-- The 24-hour report clock: an alarm not reported by its deadline is escalated once (to the
-- enterprise's station and the command centre) and keeps when that happened. A loss posted to a
-- `lost:` account is an alarm of its own kind (27 CFR 555.30: theft or loss reported within 24 h).
alter table explosives_alarms add column escalated_at timestamptz;
alter table explosives_alarms drop constraint explosives_alarms_kind_check;
alter table explosives_alarms add constraint explosives_alarms_kind_check check (kind in
  ('variance', 'loss', 'serial_anomaly', 'overdue_transit', 'route_deviation', 'long_stop'));
create index explosives_alarms_clock_idx on explosives_alarms (report_due_at)
  where reported_at is null and escalated_at is null;
