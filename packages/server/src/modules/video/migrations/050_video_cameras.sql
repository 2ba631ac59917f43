-- Video resources (视频资源): the camera registry. A camera has its GB/T 28181 national device code
-- (20 digits; its first six an existing GB/T 2260 division, checked by the service against the
-- bundled list), where it stands and what it sees (view sector: heading, field of view, range),
-- its owner (police, or community / enterprise cameras shared into the network by agreement) and
-- where its streams are. citywatch stores no video. Status comes from a periodic probe of the HLS
-- stream: online, offline since, fault after a set time offline.

create table cameras (
  id uuid primary key,
  code text not null unique check (code ~ '^[0-9]{20}$'),
  name text not null check (length(btrim(name)) between 1 and 100),
  lon double precision not null check (lon between -180 and 180),
  lat double precision not null check (lat between -90 and 90),
  height_m double precision check (height_m between 0 and 300),
  heading_deg double precision not null check (heading_deg between 0 and 360),
  fov_deg double precision not null check (fov_deg between 1 and 360),
  range_m double precision not null check (range_m between 1 and 5000),
  owner text not null check (owner in ('police', 'community', 'enterprise')),
  agreement_ref text,
  -- Shared into the network (viewable beyond its org): community and enterprise cameras under an
  -- agreement.
  shared boolean not null default false,
  hls_url text,
  webrtc_url text,
  rtsp_url text,
  playback_template text,
  -- The org that owns the camera (scoping).
  org_id uuid not null references orgs (id),
  status text not null default 'unknown' check (status in ('unknown', 'online', 'offline', 'fault')),
  offline_since timestamptz,
  fault_at timestamptz,
  last_probe_at timestamptz,
  created_by uuid references users (id),
  created_at timestamptz not null,
  check (shared = false or owner <> 'police')
);
create index cameras_org_idx on cameras (org_id);
create index cameras_position_idx on cameras (lon, lat);
