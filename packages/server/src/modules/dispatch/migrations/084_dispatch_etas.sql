-- ETA accuracy (issue 16 item 5): the road time predicted for each unit sent to an incident, with
-- the travel-time profile it was timed with ('static' or 'learned:Mon-08') and the OSM highway
-- class of the edge the incident snaps to (the final approach), compared later with the unit's
-- own on-scene report (arrived_at, actual_s = arrived_at - dispatched_at). Need to know goes by
-- the incident's org (joined, not copied). A unit sent twice to the same incident (after being
-- freed) gets a row per sending; an arrival closes the open one.
create table dispatch_etas (
  id uuid primary key,
  incident_id uuid not null references incidents (id) on delete cascade,
  unit_id uuid not null references units (id) on delete cascade,
  dispatched_at timestamptz not null,
  predicted_s double precision not null check (predicted_s >= 0),
  profile text not null check (profile = 'static' or profile like 'learned:%'),
  approach_class text,
  arrived_at timestamptz,
  actual_s double precision check (actual_s >= 0),
  check ((arrived_at is null) = (actual_s is null))
);
create index dispatch_etas_incident_idx on dispatch_etas (incident_id, unit_id);
create index dispatch_etas_dispatched_idx on dispatch_etas (dispatched_at);
