-- 矛盾纠纷调解 (community): mediation cases. A case belongs to the org whose jurisdiction holds its
-- position, or to the org of who opened it (a walk-in at the station). Parties carry minimal
-- personal data (a name, optionally a phone), read only with a purpose (audited).

create table mediation_case_counters (
  day text primary key,
  seq integer not null
);

create table mediation_cases (
  id uuid primary key,
  number text not null unique,
  org_id uuid not null references orgs (id),
  source text not null check (source in ('diversion_110', 'hotline_12345', 'walk_in', 'officer', 'citizen_report')),
  source_ref text,
  category text not null,
  summary text not null,
  address text,
  lon double precision,
  lat double precision,
  status text not null check (status in ('intake', 'mediating', 'agreed', 'failed', 'withdrawn', 'closed')),
  risk_violence boolean not null default false,
  risk_incident_id uuid,
  mediator_id uuid references users (id) on delete set null,
  room text,
  sla_days integer not null,
  opened_at timestamptz not null,
  due_at timestamptz not null,
  -- When mediation ended (agreed, failed, withdrawn): the SLA clock stops there.
  ended_at timestamptz,
  closed_at timestamptz,
  created_by uuid references users (id) on delete set null,
  updated_at timestamptz not null
);
create index mediation_cases_org_idx on mediation_cases (org_id, status, due_at);
create index mediation_cases_mediator_idx on mediation_cases (mediator_id);

create table mediation_parties (
  id uuid primary key,
  case_id uuid not null references mediation_cases (id) on delete cascade,
  role text not null check (role in ('applicant', 'respondent', 'other')),
  name text,
  phone text
);
create index mediation_parties_case_idx on mediation_parties (case_id);

create table mediation_sessions (
  id uuid primary key,
  case_id uuid not null references mediation_cases (id) on delete cascade,
  held_at timestamptz not null,
  room text,
  notes text not null,
  created_by uuid references users (id) on delete set null
);
create index mediation_sessions_case_idx on mediation_sessions (case_id, held_at);

create table mediation_agreements (
  case_id uuid primary key references mediation_cases (id) on delete cascade,
  facts text not null,
  responsibilities text not null,
  performance text not null,
  perform_by date not null,
  signed_at timestamptz not null,
  created_by uuid references users (id) on delete set null
);

create table mediation_follow_ups (
  id uuid primary key,
  case_id uuid not null references mediation_cases (id) on delete cascade,
  visited_at timestamptz not null,
  performed boolean not null,
  notes text not null,
  created_by uuid references users (id) on delete set null
);
create index mediation_follow_ups_case_idx on mediation_follow_ups (case_id, visited_at);
