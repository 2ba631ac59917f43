-- Smart-community sensors and crowd counts (modules/sensors). A community is an area with an org;
-- each sensor is a device principal of kind 'sensor' (modules/devices) with its token there.

create table sensor_communities (
  id uuid primary key,
  name text not null check (length(btrim(name)) between 1 and 100),
  org_id uuid not null references orgs (id),
  ring jsonb,
  created_at timestamptz not null
);
create index sensor_communities_org_idx on sensor_communities (org_id);

create table sensor_devices (
  id uuid primary key references devices (id),
  community_id uuid not null references sensor_communities (id),
  org_id uuid not null references orgs (id),
  kind text not null check (kind in ('alarm_button', 'smoke', 'door', 'gate', 'camera', 'crowd_counter')),
  name text not null,
  address text not null,
  lon double precision not null,
  lat double precision not null,
  stream_url text,
  inactivity_s integer not null check (inactivity_s between 10 and 86400),
  online boolean not null default false,
  last_seen_at timestamptz,
  -- Event counts by event name (door openings, gate passes, presses) and the latest telemetry.
  counts jsonb not null default '{}',
  telemetry jsonb not null default '{}',
  created_at timestamptz not null
);
create index sensor_devices_org_idx on sensor_devices (org_id);
create index sensor_devices_community_idx on sensor_devices (community_id);

-- ThingsBoard's lifecycle: status active/cleared × acknowledged/not; ONE alarm per originator (a
-- device or a crowd area) and type that is not cleared (the partial unique index).
create table sensor_alarms (
  id uuid primary key,
  originator uuid not null,
  device_id uuid references sensor_devices (id),
  area_id uuid,
  community_id uuid references sensor_communities (id),
  org_id uuid not null references orgs (id),
  type text not null,
  severity text not null check (severity in ('critical', 'major', 'minor', 'warning', 'indeterminate')),
  status text not null check (status in ('active_unack', 'active_ack', 'cleared_unack', 'cleared_ack')),
  started_at timestamptz not null,
  last_at timestamptz not null,
  repeats integer not null default 0,
  escalated boolean not null default false,
  acknowledged_at timestamptz,
  acknowledged_by uuid references users (id),
  cleared_at timestamptz,
  cleared_by uuid references users (id),
  incident_id uuid,
  ticket_id uuid,
  detail jsonb not null default '{}'
);
create unique index sensor_alarms_one_active on sensor_alarms (originator, type)
  where status in ('active_unack', 'active_ack');
create index sensor_alarms_org_idx on sensor_alarms (org_id, started_at desc);

-- Fault tickets (a camera offline): for the maintenance crew, closed when it is back.
create table sensor_tickets (
  id uuid primary key,
  device_id uuid not null references sensor_devices (id),
  org_id uuid not null references orgs (id),
  reason text not null,
  opened_at timestamptz not null,
  closed_at timestamptz
);
create index sensor_tickets_device_idx on sensor_tickets (device_id);

-- Crowd areas (M14): event areas drawn for a day, deleted after expires_at with their counts.
create table crowd_areas (
  id uuid primary key,
  name text not null,
  org_id uuid not null references orgs (id),
  ring jsonb not null,
  area_m2 double precision not null check (area_m2 > 0),
  centroid_lon double precision not null,
  centroid_lat double precision not null,
  warn_density double precision not null,
  alarm_density double precision not null check (alarm_density >= warn_density),
  capacity integer not null check (capacity > 0),
  expires_at timestamptz not null,
  created_at timestamptz not null,
  last_count integer,
  last_density double precision,
  level text not null default 'normal' check (level in ('normal', 'warning', 'alarm')),
  counted_at timestamptz
);
create index crowd_areas_org_idx on crowd_areas (org_id);

-- Counts only, never images.
create table crowd_counts (
  area_id uuid not null references crowd_areas (id) on delete cascade,
  at timestamptz not null,
  count integer not null,
  density double precision not null,
  source text not null,
  device_id uuid,
  flag text
);
create index crowd_counts_area_idx on crowd_counts (area_id, at);
