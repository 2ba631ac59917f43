-- Need to know: every checkpoint, hotlist entry, ring and closure plan belongs to an org.
-- A checkpoint belongs to the org it is given (by default its creator's); a hotlist entry to its
-- creator's org; a ring to the org of the commander who drew it; a closure plan to its ring's org
-- (kept on the plan, which outlives a deleted ring). A hit belongs to its checkpoint's org and is
-- also seen by the org of the entry it matched (by join; no column). Rows written before this rule
-- get their creator's org where one is known, else the root of the org tree (the city bureau).

update checkpoints set org_id = (select id from orgs where parent_id is null order by path limit 1)
  where org_id is null;
alter table checkpoints alter column org_id set not null;
create index checkpoints_org_idx on checkpoints (org_id);

update hotlist_entries e set org_id = u.org_id
  from users u
  where e.org_id is null and u.id = e.created_by;
alter table hotlist_entries alter column org_id set not null;
create index hotlist_entries_org_idx on hotlist_entries (org_id);

alter table rings add column org_id uuid references orgs (id);
update rings set org_id = (select id from orgs where parent_id is null order by path limit 1);
alter table rings alter column org_id set not null;
create index rings_org_idx on rings (org_id);

alter table closure_plans add column org_id uuid references orgs (id);
update closure_plans p set org_id = coalesce(
  (select r.org_id from rings r where r.id = p.ring_id),
  (select u.org_id from users u where u.id = p.activated_by));
alter table closure_plans alter column org_id set not null;
create index closure_plans_org_idx on closure_plans (org_id);
