-- 积分预警: the level a unit was registered with is its floor; risk points lift it above that
-- (oversight/risk.ts recomputes risk_level = max(base, level of the decayed score)).
alter table oversight_units add column base_risk_level text not null default 'low'
  check (base_risk_level in ('low', 'medium', 'high'));
update oversight_units set base_risk_level = risk_level;
