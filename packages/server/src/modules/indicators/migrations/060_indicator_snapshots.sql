-- Indicators (评价指标): one value per indicator, org and Shanghai day, with the rule version it was
-- computed under, so history is cheap and a trend does not shift when a rule changes later.

create table indicator_snapshots (
  indicator_id text not null,
  org_id uuid not null references orgs (id) on delete cascade,
  -- Text, not date: both drivers read it back the same (a date becomes a local-time Date in pg).
  day text not null check (day ~ '^\d{4}-\d{2}-\d{2}$'),
  value double precision,
  numerator double precision,
  denominator double precision,
  rule_version integer not null,
  computed_at timestamptz not null,
  primary key (indicator_id, org_id, day)
);
create index indicator_snapshots_org_day_idx on indicator_snapshots (org_id, day);

-- Jobs that must run once across API nodes (a day's snapshot, a scheduled report): the node whose
-- insert lands runs it; a claim left unfinished for an hour (a node died) may be taken over.
create table indicator_jobs (
  job text not null,
  period text not null,
  claimed_by text not null,
  claimed_at timestamptz not null,
  finished_at timestamptz,
  primary key (job, period)
);
