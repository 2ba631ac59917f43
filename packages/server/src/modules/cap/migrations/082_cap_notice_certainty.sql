-- A public notice's CAP certainty, chosen by its drafter (until now every notice was issued as
-- Observed; rows drafted before keep that).
ALTER TABLE cap_notices
  ADD COLUMN certainty text NOT NULL DEFAULT 'Observed'
  CHECK (certainty IN ('Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'));
