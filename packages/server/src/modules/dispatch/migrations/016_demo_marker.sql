-- The demo cannot touch real data: the units the demo created and the calls its simulator filed
-- are marked. The simulator drives only demo units; demo and real never mix in a dispatch; demo
-- calls are left out of the figures.
alter table units add column demo boolean not null default false;
alter table incidents add column demo boolean not null default false;
