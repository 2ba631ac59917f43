-- Fault tickets (a camera offline) handled by people: acknowledged with a note (the crew is on it)
-- and closed with a note (what was done). A ticket the platform closes when the camera is back has
-- closed_at and no closed_by.
alter table sensor_tickets
  add column acknowledged_at timestamptz,
  add column acknowledged_by uuid references users (id),
  add column ack_note text check (ack_note is null or length(ack_note) <= 500),
  add column closed_by uuid references users (id),
  add column close_note text check (close_note is null or length(close_note) <= 500);
create index sensor_tickets_org_idx on sensor_tickets (org_id, opened_at desc);
