-- CAP 1.2 alerts issued by citywatch (a ring's road-control notice; later indicators, community).
-- The XML is kept as issued: the public feed and partner agencies read the same bytes.
CREATE TABLE cap_alerts (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES orgs(id),
  identifier text NOT NULL UNIQUE,
  scope text NOT NULL CHECK (scope IN ('Public', 'Restricted', 'Private')),
  status text NOT NULL,
  msg_type text NOT NULL,
  headline text NOT NULL,
  -- What it announces, e.g. closure_plan:<id>.
  source text NOT NULL,
  sent timestamptz NOT NULL,
  expires timestamptz,
  xml text NOT NULL
);
CREATE INDEX cap_alerts_public_sent ON cap_alerts (sent DESC) WHERE scope = 'Public';
CREATE INDEX cap_alerts_source ON cap_alerts (source);
