-- An account whose password was generated (the first admin) or reset by someone else must choose
-- its own at the next sign-in; until then it may do nothing but that.
alter table users add column must_change_password boolean not null default false;
