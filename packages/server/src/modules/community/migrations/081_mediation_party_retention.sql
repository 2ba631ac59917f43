-- Retention of mediation parties' personal fields (CITYWATCH_RETENTION_MEDIATION_DAYS after the case
-- is closed): name and phone blanked, the row kept (role, case) and marked with when.
alter table mediation_parties add column purged_at timestamptz;
create index mediation_cases_closed_idx on mediation_cases (closed_at) where status = 'closed';
