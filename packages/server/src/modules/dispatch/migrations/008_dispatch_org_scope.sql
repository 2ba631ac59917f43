-- Need to know: every incident and every unit belongs to an org. An incident belongs to the
-- jurisdiction it lies in (its station's org) or, outside every jurisdiction, to the org of who
-- took the call; a unit to its home org. Rows written before this rule get the org of their
-- creator, else the root of the org tree (the city bureau). Diversions belong to their incident.

update incidents i set org_id = u.org_id
  from users u
  where i.org_id is null and u.id = i.created_by;
update incidents set org_id = (select id from orgs where parent_id is null order by path limit 1)
  where org_id is null;
alter table incidents alter column org_id set not null;
create index incidents_org_idx on incidents (org_id, status);

update units set home_org_id = (select id from orgs where parent_id is null order by path limit 1)
  where home_org_id is null;
alter table units alter column home_org_id set not null;
create index units_home_org_idx on units (home_org_id);
