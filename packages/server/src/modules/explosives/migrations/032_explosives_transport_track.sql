-- Transport watch: a transport permit's route as a line ([lon, lat] pairs), and the vehicle's fixes
-- reported against it (by the enterprise's escort phone or terminal). Leaving the route or standing
-- still too long raises an alarm (kinds route_deviation / long_stop), once per episode.
alter table explosives_permits add column route_line jsonb;
create table explosives_track_fixes (
  permit_id text not null references explosives_permits (id) on delete cascade,
  at timestamptz not null,
  lon double precision not null,
  lat double precision not null,
  primary key (permit_id, at)
);
create unique index explosives_alarms_subject_idx on explosives_alarms (enterprise_id, kind, subject)
  where kind in ('route_deviation', 'long_stop');
