-- EIDOs received from neighbouring centres (POST /api/dispatch/eido): which incident each opened,
-- so the same object sent twice opens one incident.
create table eido_imports (
  eido_id text primary key,
  incident_id uuid not null references incidents (id),
  from_agency text,
  imported_at timestamptz not null,
  imported_by uuid not null references users (id)
);
create index eido_imports_incident on eido_imports (incident_id);
