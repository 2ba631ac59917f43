-- Command and dispatch: incidents with their timeline, units with live position, AVL history
-- and 12345 hand-offs.

create table incident_counters (
  day text primary key,
  seq integer not null
);

create table incidents (
  id uuid primary key,
  number text not null unique,
  city_id uuid references cities (id) on delete set null,
  org_id uuid references orgs (id),
  jurisdiction_id uuid,
  category text not null,
  subcategory text,
  priority text not null check (priority in ('P1', 'P2', 'P3', 'P4')),
  status text not null,
  police boolean not null,
  -- Personal data: read only through the audited caller endpoint; purged after retention.
  caller_phone text,
  narrative text not null,
  lon double precision not null,
  lat double precision not null,
  h3 text not null,
  address_label text,
  received_at timestamptz not null,
  dispatched_at timestamptz,
  arrived_at timestamptz,
  cleared_at timestamptz,
  closed_at timestamptz,
  merged_into uuid references incidents (id),
  created_by uuid references users (id),
  updated_at timestamptz not null
);
create index incidents_status_idx on incidents (status, received_at);
create index incidents_received_idx on incidents (received_at);
create index incidents_category_time_idx on incidents (category, received_at);

create table incident_events (
  id uuid primary key,
  incident_id uuid not null references incidents (id),
  at timestamptz not null,
  kind text not null,
  from_status text,
  to_status text,
  user_id uuid,
  unit_id uuid,
  detail jsonb not null default '{}'
);
create index incident_events_incident_idx on incident_events (incident_id, at);

create table units (
  id uuid primary key,
  call_sign text not null unique,
  kind text not null,
  capabilities text[] not null,
  home_org_id uuid references orgs (id),
  status text not null default 'available',
  -- The database-level guarantee that a unit serves one incident at a time: dispatch is a
  -- conditional update on this row (status = 'available' and current_incident_id is null).
  current_incident_id uuid references incidents (id),
  last_lon double precision,
  last_lat double precision,
  last_at timestamptz,
  last_heading double precision,
  last_speed double precision,
  created_at timestamptz not null default now(),
  constraint units_busy_has_incident check (status not in ('dispatched', 'en_route', 'on_scene') or current_incident_id is not null)
);

create table unit_positions (
  unit_id uuid not null references units (id) on delete cascade,
  at timestamptz not null,
  lon double precision not null,
  lat double precision not null,
  heading double precision,
  speed double precision,
  primary key (unit_id, at)
);
create index unit_positions_at_idx on unit_positions (at);

create table diversions (
  id uuid primary key,
  incident_id uuid not null references incidents (id),
  target text not null default '12345',
  status text not null check (status in ('queued', 'sent', 'failed', 'accepted', 'resolved', 'rejected')),
  attempts integer not null default 0,
  last_error text,
  outcome text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index diversions_status_idx on diversions (status);
