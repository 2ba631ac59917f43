-- Foundation: org tree, users, sessions and the append-only, hash-chained audit log.

create table orgs (
  id uuid primary key,
  parent_id uuid references orgs (id),
  kind text not null check (kind in ('city_bureau', 'branch_bureau', 'police_station', 'team')),
  name text not null,
  code text not null unique,
  path text not null,
  created_at timestamptz not null default now()
);
create index orgs_path_idx on orgs (path text_pattern_ops);

create table users (
  id uuid primary key,
  username text not null unique,
  display_name text not null,
  password_hash text not null,
  org_id uuid not null references orgs (id),
  roles text[] not null,
  active boolean not null default true,
  failed_logins integer not null default 0,
  locked_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table sessions (
  token_hash text primary key,
  user_id uuid not null references users (id),
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at timestamptz not null,
  ended_at timestamptz,
  ip text,
  user_agent text
);
create index sessions_user_idx on sessions (user_id);

create table audit_log (
  seq bigint primary key,
  at timestamptz not null,
  user_id uuid,
  username text,
  action text not null,
  resource text not null,
  purpose text,
  detail jsonb not null,
  prev_hash text not null,
  hash text not null
);

-- Append-only: the database itself refuses to change or remove a row.
create function audit_log_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only (% refused)', tg_op using errcode = '42501';
end;
$$;
create trigger audit_log_no_update before update or delete on audit_log
  for each row execute function audit_log_refuse_change();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function audit_log_refuse_change();
