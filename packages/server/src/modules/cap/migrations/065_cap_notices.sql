-- Public notices drafted from the indicators page (a crowd alarm at an event area, a road
-- closure): one officer drafts, a second with cap.notices.approve approves (four-eyes), and only
-- then the CAP alert is issued (cap_alerts). An Update or Cancel names the notice it answers.
CREATE TABLE cap_notices (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs(id),
  kind text NOT NULL CHECK (kind IN ('crowd', 'road_closure')),
  msg_type text NOT NULL CHECK (msg_type IN ('Alert', 'Update', 'Cancel')),
  answers_id uuid REFERENCES cap_notices(id),
  headline_zh text NOT NULL,
  headline_en text NOT NULL,
  description_zh text NOT NULL,
  description_en text NOT NULL,
  area_desc text NOT NULL,
  lat double precision NOT NULL,
  lon double precision NOT NULL,
  radius_km double precision NOT NULL,
  severity text NOT NULL,
  urgency text NOT NULL,
  expires_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'published', 'rejected')),
  drafted_by uuid NOT NULL REFERENCES users(id),
  drafted_at timestamptz NOT NULL,
  decided_by uuid REFERENCES users(id),
  decided_at timestamptz,
  alert_id uuid REFERENCES cap_alerts(id),
  -- Four eyes, also in the database: whoever drafted cannot be who decided.
  CHECK (decided_by IS NULL OR decided_by <> drafted_by),
  CHECK ((msg_type = 'Alert') = (answers_id IS NULL))
);
CREATE INDEX cap_notices_org_drafted ON cap_notices (org_id, drafted_at DESC);
