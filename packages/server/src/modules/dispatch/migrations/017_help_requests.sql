-- Cross-station help: a station asks another station for one of its units for an incident. The
-- asked station accepts (the unit is then dispatched) or declines. City-level dispatch and command
-- send any unit directly and need no request.
create table help_requests (
  id uuid primary key,
  incident_id uuid not null references incidents (id),
  unit_id uuid not null references units (id),
  -- The incident's org at the time of asking (the requesting side) and the unit's home org (asked).
  from_org_id uuid not null references orgs (id),
  to_org_id uuid not null references orgs (id),
  status text not null default 'pending' check (status in ('pending', 'accepted', 'declined')),
  note text,
  requested_by uuid not null references users (id),
  requested_at timestamptz not null,
  decided_by uuid references users (id),
  decided_at timestamptz,
  decline_reason text,
  check ((status = 'pending') = (decided_at is null))
);
create index help_requests_from_idx on help_requests (from_org_id, requested_at);
create index help_requests_to_idx on help_requests (to_org_id, status);
-- At most one open request for a unit on an incident.
create unique index help_requests_open_idx on help_requests (incident_id, unit_id) where status = 'pending';
