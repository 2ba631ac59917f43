-- 单元防控 (patrol): incident history for hot-spot ranking, kept apart from the live 110 incidents
-- of the dispatch module. A history incident is a fact with a place and a time: it hangs off the
-- city by name (not by id, so re-importing the city's roads keeps the history) and belongs to the
-- org whose jurisdiction it falls in (need to know; null only where no org tree exists yet).

create table patrol_imports (
  id uuid primary key,
  city text not null,
  file_name text not null,
  format text not null,
  -- IANA zone the file's wall-clock times were read in; the city's profiles use the latest.
  tz text not null,
  imported_at timestamptz not null,
  imported_by uuid references users (id) on delete set null,
  rows_read integer not null,
  rows_imported integer not null,
  report jsonb not null
);
create index patrol_imports_city_idx on patrol_imports (city, imported_at);

create table patrol_incidents (
  id uuid primary key,
  city text not null,
  import_id uuid not null references patrol_imports (id) on delete cascade,
  -- The source's own id (case or call number): a second row with it is a duplicate.
  source_id text,
  occurred_at timestamptz not null,
  category text not null,
  raw_category text,
  lon double precision not null,
  lat double precision not null,
  h3 text not null,
  address text,
  located text not null check (located in ('source', 'address', 'block', 'interpolated', 'intersection', 'place')),
  org_id uuid references orgs (id)
);
create unique index patrol_incidents_source_idx on patrol_incidents (city, source_id) where source_id is not null;
create index patrol_incidents_city_time_idx on patrol_incidents (city, occurred_at);
create index patrol_incidents_org_idx on patrol_incidents (org_id);

-- Hot-spot model evaluations (rolling windows, NIJ hit rate / PAI / PEI), one row per run, over
-- the history the org that ran it may see.
create table patrol_evaluations (
  id uuid primary key,
  city text not null,
  org_id uuid references orgs (id) on delete cascade,
  unit text not null,
  created_at timestamptz not null,
  created_by uuid references users (id) on delete set null,
  params jsonb not null,
  result jsonb not null
);
create index patrol_evaluations_city_idx on patrol_evaluations (city, org_id, unit, created_at);
