-- Video patrol tours (视频巡查): an ordered list of cameras, looked at one after another for a set
-- time each, on a schedule of shifts (day 08:00–20:00, night 20:00–08:00 Beijing time). An operator
-- runs a tour: each camera gets "nothing to note" or a finding (which may become an incident through
-- dispatch, or a patrol request). A scheduled shift that ends without a completed run is missed.

create table video_tours (
  id uuid primary key,
  org_id uuid not null references orgs (id),
  name text not null check (length(btrim(name)) between 1 and 100),
  dwell_seconds integer not null check (dwell_seconds between 5 and 600),
  shifts text[] not null,
  created_by uuid references users (id),
  created_at timestamptz not null
);
create index video_tours_org_idx on video_tours (org_id);

create table video_tour_cameras (
  tour_id uuid not null references video_tours (id) on delete cascade,
  position integer not null check (position >= 0),
  camera_id uuid not null references cameras (id) on delete cascade,
  primary key (tour_id, position)
);

create table video_tour_runs (
  id uuid primary key,
  tour_id uuid not null references video_tours (id) on delete cascade,
  org_id uuid not null references orgs (id),
  operator_id uuid not null references users (id),
  -- The scheduled shift this run fulfils: its start (Beijing date + shift) as a timestamp, and name.
  shift text not null check (shift in ('day', 'night')),
  shift_start timestamptz not null,
  started_at timestamptz not null,
  finished_at timestamptz
);
create index video_tour_runs_tour_idx on video_tour_runs (tour_id, shift_start);

create table video_tour_steps (
  run_id uuid not null references video_tour_runs (id) on delete cascade,
  position integer not null,
  camera_id uuid not null references cameras (id) on delete cascade,
  result text not null check (result in ('nothing', 'finding')),
  note text,
  -- What the finding became: an incident (dispatch) or a patrol request (text for the patrol desk).
  incident_id uuid,
  patrol_request text,
  recorded_at timestamptz not null,
  primary key (run_id, position)
);
