-- Inspections (video patrol or on site) and the rectification cases their findings open:
-- notice (提示整改) or order (责令整改) with a deadline → the enterprise reports the fix with
-- evidence → the inspector verifies → closed; overdue cases escalate to the station's head.

create table oversight_inspections (
  id uuid primary key,
  unit_id uuid not null references oversight_units (id),
  org_id uuid not null references orgs (id),
  kind text not null check (kind in ('video', 'onsite')),
  inspector_id uuid not null references users (id),
  inspected_at timestamptz not null,
  lon double precision,
  lat double precision,
  results jsonb not null,
  created_at timestamptz not null
);
create index oversight_inspections_unit_idx on oversight_inspections (unit_id, inspected_at);
create index oversight_inspections_org_idx on oversight_inspections (org_id);

create sequence oversight_case_seq;

create table oversight_cases (
  id uuid primary key,
  number text not null unique,
  unit_id uuid not null references oversight_units (id),
  org_id uuid not null references orgs (id),
  inspection_id uuid references oversight_inspections (id),
  source text not null check (source in ('inspection', 'compliance')),
  kind text not null check (kind in ('notice', 'order')),
  severity text not null check (severity in ('minor', 'serious')),
  item text,
  description text not null,
  deadline text not null check (deadline ~ '^\d{4}-\d{2}-\d{2}$'),
  status text not null check (status in ('open', 'reported', 'closed')),
  created_by uuid references users (id),
  created_at timestamptz not null,
  reported_by uuid references users (id),
  reported_at timestamptz,
  report_text text,
  verified_by uuid references users (id),
  verified_at timestamptz,
  verify_note text,
  escalated_at timestamptz,
  closed_at timestamptz
);
create index oversight_cases_org_idx on oversight_cases (org_id, status);
create index oversight_cases_unit_idx on oversight_cases (unit_id);
create index oversight_cases_due_idx on oversight_cases (deadline) where status = 'open' and escalated_at is null;

-- Photos of inspections and evidence of fixes.
create table oversight_attachments (
  id uuid primary key,
  unit_id uuid not null references oversight_units (id),
  inspection_id uuid references oversight_inspections (id),
  case_id uuid references oversight_cases (id),
  role text not null check (role in ('inspection_photo', 'fix_evidence')),
  name text not null,
  content_type text not null,
  bytes bytea not null,
  uploaded_by uuid not null references users (id),
  uploaded_at timestamptz not null
);
create index oversight_attachments_case_idx on oversight_attachments (case_id);
create index oversight_attachments_inspection_idx on oversight_attachments (inspection_id);
