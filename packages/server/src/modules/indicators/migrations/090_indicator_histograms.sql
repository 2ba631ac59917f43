-- Indicators (评价指标): per-day histograms behind the quantile indicators (median and 90th
-- percentile response times), stored with the day's snapshot for the same org (its subtree), so a
-- long period sums its days' histograms instead of sorting its records. One row per org, day,
-- family, series (e.g. 'P1:call_to_dispatch') and whole bucket (seconds), with the rule version.

create table indicator_histograms (
  family text not null,
  org_id uuid not null references orgs (id) on delete cascade,
  day text not null check (day ~ '^\d{4}-\d{2}-\d{2}$'),
  series text not null,
  bucket integer not null,
  n integer not null check (n > 0),
  rule_version integer not null,
  primary key (family, org_id, day, series, bucket)
);
