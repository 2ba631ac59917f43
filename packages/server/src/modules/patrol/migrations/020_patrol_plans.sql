-- Patrol plans (巡逻计划): a plan belongs to an org and a city, is a shift plan (its shift's start and
-- end), and is versioned: every change writes a new row in patrol_plan_versions (the body the
-- commander wrote and the schedule derived from it); old versions stay readable. Check-ins are
-- what an officer's phone reports at a must-patrol point.
create table patrol_plans (
  id uuid primary key,
  org_id uuid not null references orgs (id),
  city text not null,
  name text not null,
  version integer not null,
  shift_start timestamptz not null,
  shift_end timestamptz not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index patrol_plans_org_idx on patrol_plans (org_id, shift_start);
create index patrol_plans_shift_idx on patrol_plans (city, shift_start, shift_end);

create table patrol_plan_versions (
  plan_id uuid not null references patrol_plans (id) on delete cascade,
  version integer not null,
  body jsonb not null,
  schedule jsonb not null,
  -- The units the version assigns (for "my unit's plan"), as text ids.
  unit_ids text[] not null,
  created_at timestamptz not null,
  created_by uuid references users (id) on delete set null,
  note text,
  primary key (plan_id, version)
);

create table patrol_check_ins (
  id uuid primary key,
  plan_id uuid not null references patrol_plans (id) on delete cascade,
  version integer not null,
  unit_id uuid not null references units (id),
  user_id uuid references users (id) on delete set null,
  target_key text not null,
  at timestamptz not null,
  lon double precision not null,
  lat double precision not null,
  accuracy_m double precision,
  distance_m double precision not null,
  accepted boolean not null
);
create index patrol_check_ins_plan_idx on patrol_check_ins (plan_id, unit_id, at);
