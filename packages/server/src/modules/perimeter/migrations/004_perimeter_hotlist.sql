-- Perimeter control, hit/no-hit: the hotlist (with its legal basis, a second approver and an
-- expiry of at most 30 days), hits (the only reads ever stored) and hourly volumes per checkpoint
-- and direction (a read that hits nothing is only ever counted here, never stored).

-- Minimal checkpoint registry so reads from unknown checkpoints can be refused; the full model
-- (rings, road segments, equipment, staffing) extends this table later.
create table checkpoints (
  id text primary key check (id ~ '^[A-Za-z0-9_.:-]{1,64}$'),
  name text not null,
  city_id uuid references cities (id) on delete set null,
  org_id uuid references orgs (id),
  kind text not null check (kind in ('station', 'post', 'camera')),
  lon double precision,
  lat double precision,
  created_at timestamptz not null default now()
);

create table hotlist_entries (
  id uuid primary key,
  kind text not null check (kind in ('plate', 'resident_id')),
  -- Normalised plate (GA 36) or resident ID (GB 11643).
  value text not null,
  category text not null
    check (category in ('stolen_vehicle', 'vehicle_in_crime', 'wanted_person', 'missing_person')),
  legal_basis text not null check (length(btrim(legal_basis)) >= 2),
  warrant_ref text,
  -- The org the entry belongs to (the creator's); hits are published to it.
  org_id uuid references orgs (id),
  created_by uuid not null references users (id),
  approved_by uuid references users (id),
  status text not null default 'pending' check (status in ('pending', 'active', 'revoked')),
  expires_at timestamptz not null,
  created_at timestamptz not null,
  -- The latest approval: the first one, or the latest renewal.
  approved_at timestamptz,
  renewals integer not null default 0,
  revoked_by uuid references users (id),
  revoked_at timestamptz,
  revoke_reason text,
  check (category <> 'wanted_person' or length(btrim(coalesce(warrant_ref, ''))) >= 2),
  -- Vehicles by plate, wanted persons by resident ID, missing persons by either.
  check ((category in ('stolen_vehicle', 'vehicle_in_crime')) = (kind = 'plate') or category = 'missing_person'),
  -- Four eyes: whoever approves (or renews, which re-approves) is never the creator.
  check (approved_by is null or approved_by <> created_by),
  check (status <> 'active' or (approved_by is not null and approved_at is not null)),
  check (expires_at <= coalesce(approved_at, created_at) + interval '30 days'),
  check (status <> 'revoked' or revoked_at is not null)
);
create index hotlist_entries_value_idx on hotlist_entries (kind, value);
create index hotlist_entries_status_idx on hotlist_entries (status, expires_at);

create table hotlist_hits (
  id uuid primary key,
  entry_id uuid not null references hotlist_entries (id),
  checkpoint_id text not null,
  direction text not null check (direction in ('in', 'out')),
  read_at timestamptz not null,
  -- The hit value only: a read that matched the hotlist.
  plate_or_id text not null,
  confidence real not null check (confidence >= 0 and confidence <= 1),
  created_at timestamptz not null,
  acknowledged_by uuid references users (id),
  acknowledged_at timestamptz
);
create index hotlist_hits_checkpoint_idx on hotlist_hits (checkpoint_id, read_at);
create index hotlist_hits_entry_idx on hotlist_hits (entry_id);

-- Counts only: no plate, no time finer than the hour.
create table checkpoint_volumes (
  checkpoint_id text not null,
  direction text not null check (direction in ('in', 'out')),
  -- Start of the hour (UTC).
  hour timestamptz not null,
  reads integer not null default 0 check (reads >= 0),
  hits integer not null default 0 check (hits >= 0),
  invalid integer not null default 0 check (invalid >= 0),
  primary key (checkpoint_id, direction, hour)
);
