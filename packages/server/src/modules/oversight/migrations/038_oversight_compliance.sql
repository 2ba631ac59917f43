-- 内保单位: the latest compliance assessment of each internal-security unit (schools, hospitals,
-- other key units): guards against pupils or beds, closed campus, one-button alarm linked to 110
-- and its last monthly test, video coverage of key areas. Failing items open rectification cases.
create table oversight_compliance (
  unit_id uuid primary key references oversight_units (id) on delete cascade,
  population integer check (population >= 0),
  guards integer not null check (guards >= 0),
  closed_campus boolean not null,
  alarm_linked boolean not null,
  alarm_tested_on text check (alarm_tested_on ~ '^\d{4}-\d{2}-\d{2}$'),
  video_coverage_pct double precision not null check (video_coverage_pct between 0 and 100),
  assessed_by uuid not null references users (id),
  assessed_at timestamptz not null
);
