-- 群防群治 (community): volunteer teams of an org, their members (minimal personal data: a name,
-- optionally a phone read only with a purpose), shifts with a capacity and a place (radius) or an
-- area, sign-ups (offered to the team for a swap, checked in by position) and a patrol's positions.
-- A member acts from a phone link holding a secret token (only its hash is kept).

create table volunteer_teams (
  id uuid primary key,
  org_id uuid not null references orgs (id),
  name text not null,
  leader_id uuid,
  created_at timestamptz not null
);
create index volunteer_teams_org_idx on volunteer_teams (org_id);

create table volunteer_members (
  id uuid primary key,
  team_id uuid not null references volunteer_teams (id) on delete cascade,
  name text not null,
  phone text,
  token_hash text not null unique,
  created_at timestamptz not null
);
create index volunteer_members_team_idx on volunteer_members (team_id);

create table volunteer_shifts (
  id uuid primary key,
  team_id uuid not null references volunteer_teams (id) on delete cascade,
  title text not null,
  task text not null check (task in ('post', 'patrol')),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  capacity integer not null check (capacity > 0),
  lon double precision not null,
  lat double precision not null,
  radius_m integer not null,
  area jsonb,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null,
  check (ends_at > starts_at)
);
create index volunteer_shifts_team_idx on volunteer_shifts (team_id, starts_at);

create table volunteer_signups (
  shift_id uuid not null references volunteer_shifts (id) on delete cascade,
  member_id uuid not null references volunteer_members (id) on delete cascade,
  offered boolean not null default false,
  signed_at timestamptz not null,
  checked_in_at timestamptz,
  check_in_lon double precision,
  check_in_lat double precision,
  checked_out_at timestamptz,
  primary key (shift_id, member_id)
);
create index volunteer_signups_member_idx on volunteer_signups (member_id);

create table volunteer_fixes (
  shift_id uuid not null references volunteer_shifts (id) on delete cascade,
  member_id uuid not null references volunteer_members (id) on delete cascade,
  at timestamptz not null,
  lon double precision not null,
  lat double precision not null,
  inside boolean not null,
  primary key (shift_id, member_id, at)
);
