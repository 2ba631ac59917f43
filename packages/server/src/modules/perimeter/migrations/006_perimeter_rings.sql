-- Perimeter control (圈层查控): rings, checkpoints placed on road segments, and closure plans
-- ("10 minutes, city closed") that send available units to a ring's checkpoints.

create table rings (
  id uuid primary key,
  city_id uuid not null references cities (id) on delete cascade,
  name text not null check (length(btrim(name)) >= 1),
  level text not null check (level in ('city', 'core', 'district')),
  -- GeoJSON Polygon or MultiPolygon in WGS-84, validated by core/perimeter/ring.ts before it lands.
  geometry jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index rings_city_idx on rings (city_id);

-- A checkpoint sits on one road segment, named by the OSM node ids at its ends rather than by
-- graph edge numbers, so the placement survives a re-import of the city's roads.
alter table checkpoints
  add column ring_id uuid references rings (id) on delete set null,
  add column edge_from_osm bigint,
  add column edge_to_osm bigint,
  add column directions text not null default 'both' check (directions in ('inbound', 'outbound', 'both')),
  add column equipment text[] not null default '{}',
  add column staffing integer not null default 0 check (staffing >= 0);
create index checkpoints_ring_idx on checkpoints (ring_id);

create table closure_plans (
  id uuid primary key,
  -- Set null if the ring is deleted later: the plan stays as history.
  ring_id uuid references rings (id) on delete set null,
  status text not null check (status in ('active', 'ended', 'expired')),
  reason text not null check (length(btrim(reason)) >= 4),
  activated_by uuid not null references users (id),
  activated_at timestamptz not null,
  expires_at timestamptz not null check (expires_at > activated_at),
  ended_at timestamptz,
  ended_by uuid references users (id),
  check (status = 'active' or ended_at is not null)
);
-- One active plan per ring: a second activation (two commanders at once) fails here.
create unique index closure_plans_one_active_per_ring on closure_plans (ring_id) where status = 'active';
create index closure_plans_active_idx on closure_plans (status, expires_at);

create table closure_assignments (
  plan_id uuid not null references closure_plans (id) on delete cascade,
  checkpoint_id text not null references checkpoints (id) on delete cascade,
  -- Null when no unit could be sent (status 'unassigned').
  unit_id uuid references units (id) on delete set null,
  eta_seconds double precision check (eta_seconds is null or eta_seconds >= 0),
  status text not null check (status in ('assigned', 'arrived', 'unassigned')),
  arrived_at timestamptz,
  primary key (plan_id, checkpoint_id),
  check ((status = 'unassigned') = (unit_id is null)),
  check (status <> 'arrived' or arrived_at is not null)
);
create index closure_assignments_unit_idx on closure_assignments (unit_id);

-- A unit holding a checkpoint is busy exactly like a unit sent to an incident: the closure plan
-- takes it with the same conditional update dispatch uses (status 'available' → 'dispatched'), so
-- neither can double-book it. The busy-needs-a-task rule now accepts a plan as the task.
alter table units add column current_plan_id uuid references closure_plans (id) on delete set null;
alter table units drop constraint units_busy_has_incident;
alter table units add constraint units_busy_has_task check (
  status not in ('dispatched', 'en_route', 'on_scene')
  or current_incident_id is not null
  or current_plan_id is not null
);
