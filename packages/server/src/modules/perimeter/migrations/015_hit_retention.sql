-- Hits keep the plate or resident ID read only for the retention period (config
-- CITYWATCH_RETENTION_HIT_DAYS, default 90): then the value is removed and the hit row stays, so
-- counts and actions taken remain. value_purged_at says when.
alter table hotlist_hits alter column plate_or_id drop not null;
alter table hotlist_hits add column value_purged_at timestamptz;
create index hotlist_hits_read_at_idx on hotlist_hits (read_at) where plate_or_id is not null;
