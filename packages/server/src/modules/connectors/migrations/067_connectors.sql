-- Data connectors (数据融合, modules/connectors): a source (a file handed over with the run, an HTTP
-- URL pulled on a schedule, an MQTT topic), a declarative mapping into a module's target, and the
-- runs with their quality reports. A connector belongs to an org and acts as the person who made it
-- (their org scope and roles decide what the owning module accepts).

create table connectors (
  id uuid primary key,
  org_id uuid not null references orgs (id),
  owner_id uuid not null references users (id),
  name text not null check (length(btrim(name)) between 1 and 100),
  source_kind text not null check (source_kind in ('file', 'http', 'mqtt')),
  -- http: {url, timeoutMs}; mqtt: {topic}; file: {}.
  source jsonb not null default '{}',
  target text not null,
  mapping jsonb not null,
  -- The city of targets that place rows in a city (patrol's incident history); null: the default.
  city text,
  batch_size integer not null check (batch_size between 1 and 50000),
  -- http only: a run every this many minutes (null: by hand).
  interval_minutes integer check (interval_minutes between 1 and 10080),
  enabled boolean not null default true,
  -- The scheduler's state: when the next scheduled run is due, and failed attempts in a row.
  next_run_at timestamptz,
  failures integer not null default 0,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index connectors_org_idx on connectors (org_id);
create index connectors_due_idx on connectors (next_run_at) where enabled and next_run_at is not null;

create table connector_runs (
  id uuid primary key,
  connector_id uuid not null references connectors (id) on delete cascade,
  org_id uuid not null references orgs (id),
  trigger text not null check (trigger in ('manual', 'schedule', 'retry', 'mqtt')),
  -- 1 for the first try; a retry of a failed scheduled run counts up.
  attempt integer not null default 1,
  status text not null check (status in ('running', 'succeeded', 'failed', 'refused')),
  started_at timestamptz not null,
  finished_at timestamptz,
  -- Quality report: read, accepted, rejected by reason, duplicates, examples; batches written.
  report jsonb,
  written integer not null default 0,
  batches_written integer not null default 0,
  error jsonb,
  -- For a failed scheduled run: when it is tried again.
  retry_at timestamptz
);
create index connector_runs_connector_idx on connector_runs (connector_id, started_at desc);
create index connector_runs_org_idx on connector_runs (org_id, started_at desc);
