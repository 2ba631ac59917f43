-- 要素管控: regulated units (special industries, explosives enterprises, hazardous-chemical holders,
-- internal-security units), their licences, people and cameras, and the enterprise users bound to
-- exactly one unit. A unit belongs to the org whose jurisdiction it lies in (need to know).

create table oversight_units (
  id uuid primary key,
  org_id uuid not null references orgs (id),
  industry text not null,
  name text not null check (length(btrim(name)) between 1 and 200),
  licence_no text,
  -- Calendar dates 'YYYY-MM-DD' (Beijing time), kept as text so both drivers read them alike.
  licence_valid_from text check (licence_valid_from ~ '^\d{4}-\d{2}-\d{2}$'),
  licence_valid_until text check (licence_valid_until ~ '^\d{4}-\d{2}-\d{2}$'),
  address text,
  lon double precision,
  lat double precision,
  -- low | medium | high: sets the inspection frequency (risk points move it).
  risk_level text not null default 'low' check (risk_level in ('low', 'medium', 'high')),
  -- Personal data: read only with a purpose, audited.
  responsible_name text,
  responsible_phone text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index oversight_units_org_idx on oversight_units (org_id);
create index oversight_units_industry_idx on oversight_units (industry);
create unique index oversight_units_licence_idx on oversight_units (industry, licence_no) where licence_no is not null;

-- Staff of a unit: minimal fields (name, post, phone); personal data.
create table oversight_unit_staff (
  id uuid primary key,
  unit_id uuid not null references oversight_units (id) on delete cascade,
  name text not null,
  post text,
  phone text
);
create index oversight_unit_staff_unit_idx on oversight_unit_staff (unit_id);

-- Cameras at the premises: a stream URL only (no analysis).
create table oversight_unit_cameras (
  id uuid primary key,
  unit_id uuid not null references oversight_units (id) on delete cascade,
  name text not null,
  stream_url text not null
);
create index oversight_unit_cameras_unit_idx on oversight_unit_cameras (unit_id);

-- An enterprise user (role `enterprise`) speaks for exactly one unit.
create table oversight_unit_users (
  user_id uuid primary key references users (id),
  unit_id uuid not null references oversight_units (id),
  bound_by uuid references users (id),
  bound_at timestamptz not null
);
create index oversight_unit_users_unit_idx on oversight_unit_users (unit_id);
