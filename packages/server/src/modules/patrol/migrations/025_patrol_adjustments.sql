-- 单元防控 智能调整: a place where incidents clustered beyond what the history expected (a Poisson
-- test per H3 cell, core/patrol/adjust.ts), proposed for the current shift's plan with the nearest
-- available patrol unit by road time; the commander accepts or dismisses, and the outcome stays.
create table patrol_adjustments (
  id uuid primary key,
  city text not null,
  -- The station whose jurisdiction holds the place (need to know), else the scanner's org.
  org_id uuid references orgs (id) on delete set null,
  cell text not null,
  -- The place's main street (the road nearest the cell's centre), for people.
  place text,
  lon double precision not null,
  lat double precision not null,
  window_start timestamptz not null,
  window_end timestamptz not null,
  observed integer not null,
  expected double precision not null,
  p_value double precision not null,
  weeks integer not null,
  unit_id uuid,
  unit_call_sign text,
  eta_seconds double precision,
  status text not null check (status in ('proposed', 'accepted', 'dismissed')),
  created_at timestamptz not null,
  created_by uuid references users (id) on delete set null,
  decided_at timestamptz,
  decided_by uuid references users (id) on delete set null,
  note text,
  -- What accepting changed: the plan and its new version, or why no plan was changed.
  plan_id uuid,
  plan_version integer,
  plan_note text
);
create index patrol_adjustments_city_idx on patrol_adjustments (city, created_at);
create index patrol_adjustments_cell_idx on patrol_adjustments (city, cell, window_end);
