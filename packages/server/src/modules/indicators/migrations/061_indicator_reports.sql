-- Generated reports (日报、周报、月报) archived with the SHA-256 of their bytes: the same report
-- generated twice from the same snapshots has the same hash, and a changed file shows.

create table indicator_reports (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  kind text not null check (kind in ('daily', 'weekly', 'monthly')),
  format text not null check (format in ('pdf', 'xlsx')),
  period_from timestamptz not null,
  period_to timestamptz not null,
  label text not null,
  sha256 text not null,
  bytes bytea not null,
  created_by uuid references users (id),
  created_at timestamptz not null
);
create index indicator_reports_org_idx on indicator_reports (org_id, created_at);
