-- Travel times learned from the fleet (issue 16 item 4): sufficient statistics per road edge and
-- hour of week (count and sum of matched traversal seconds), per driving profile, accumulated by
-- the nightly learning run. Edge ids are the city graph's; a re-import that changes the graph
-- (edge_count differs from the runs') starts the statistics afresh.
create table eta_edge_observations (
  city_id uuid not null references cities (id) on delete cascade,
  profile text not null check (profile in ('normal', 'emergency')),
  edge integer not null check (edge >= 0),
  hour_of_week smallint not null check (hour_of_week between 0 and 167),
  n integer not null check (n > 0),
  sum_s double precision not null check (sum_s > 0),
  primary key (city_id, profile, edge, hour_of_week)
);

-- One learning run per city and UTC day (nightly or on demand); the unique key makes a day learned
-- once, whichever node runs it. Bad fixes are counted by reason in `skipped`.
create table eta_learn_runs (
  id uuid primary key default gen_random_uuid(),
  city_id uuid not null references cities (id) on delete cascade,
  day text not null check (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
  trigger text not null check (trigger in ('nightly', 'manual')),
  edge_count integer not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  units integer not null default 0,
  fixes integer not null default 0,
  matched integer not null default 0,
  trips integer not null default 0,
  unmatchable_trips integer not null default 0,
  traversals integer not null default 0,
  skipped jsonb not null default '{}',
  unique (city_id, day)
);
