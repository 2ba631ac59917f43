-- Need to know: every coverage post belongs to an org (owner_org_id: by default the org of who
-- placed it). Not org_id: a post's org_id means "stands in for that org's police station".
-- Posts placed before this rule belong to the station they stand in for, else to the root of the
-- org tree (the city bureau).
alter table posts add column owner_org_id uuid references orgs (id);
update posts set owner_org_id = coalesce(org_id, (select id from orgs where parent_id is null order by path limit 1));
alter table posts alter column owner_org_id set not null;
create index posts_owner_org_idx on posts (owner_org_id);
