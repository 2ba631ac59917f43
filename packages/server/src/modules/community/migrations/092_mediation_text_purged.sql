-- When a closed case's free text was scrubbed of its parties' names and phones (retention purge).
-- Cases whose parties were purged before the purge scrubbed free text (8e2b4f0) have it null, so
-- the next purge scrubs their text by shape (phone and ID numbers; the names are gone) once.
alter table mediation_cases add column text_purged_at timestamptz;
