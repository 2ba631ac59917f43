-- 基础防控 · 社区 (community): citizen reports from the public page and Open311 clients. A report
-- belongs to the org whose jurisdiction holds its position (need to know), or to the city bureau
-- where no jurisdiction does. The reporter's token, address and device fingerprint are stored only
-- as sha256 hashes: enough to follow a report and to rate-limit, nothing to identify anyone by.

create table community_report_counters (
  day text primary key,
  seq integer not null
);

create table community_reports (
  id uuid primary key,
  number text not null unique,
  token_hash text not null unique,
  source text not null check (source in ('page', 'open311')),
  category text not null,
  description text not null,
  lon double precision not null,
  lat double precision not null,
  h3 text not null,
  position_source text not null check (position_source in ('device', 'pin', 'exif', 'open311')),
  address text,
  org_id uuid not null references orgs (id),
  status text not null check (status in ('received', 'incident', 'case', 'hotline', 'rejected')),
  status_notes text,
  closed boolean not null default false,
  -- The stored (metadata-stripped) file under the data dir, and what its EXIF said before.
  media_file text,
  media_type text,
  media_bytes integer,
  exif_taken_at timestamptz,
  exif_lon double precision,
  exif_lat double precision,
  -- An Open311 client's own media_url (not fetched).
  media_url text,
  address_hash text not null,
  fingerprint_hash text,
  received_at timestamptz not null,
  expected_at timestamptz not null,
  updated_at timestamptz not null,
  decided_by uuid references users (id) on delete set null,
  decided_at timestamptz,
  incident_id uuid,
  case_id uuid
);
create index community_reports_queue_idx on community_reports (org_id, status, received_at);
create index community_reports_address_idx on community_reports (address_hash, received_at);
create index community_reports_fingerprint_idx on community_reports (fingerprint_hash, received_at);
create index community_reports_incident_idx on community_reports (incident_id);
