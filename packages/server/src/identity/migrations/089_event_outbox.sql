-- Transactional outbox (issue 17): a domain event is written here in the same transaction as the
-- change it announces, then published to the bus (NATS JetStream: message id = this id, so a second
-- publish is de-duplicated). The writing node publishes right after its commit; a row it did not
-- mark sent before its lease ran out (the node died between commit and publish, or the publish was
-- given up) is claimed by any node's relay (FOR UPDATE SKIP LOCKED) and published again. Sent rows
-- are purged after a while. Platform table (bus/outbox.ts), no personal data beyond what the event
-- itself carries (ids, numbers, statuses).
create table event_outbox (
  id uuid primary key,            -- the event id (UUIDv7: time order)
  type text not null,
  event jsonb not null,           -- the whole domain event as published
  created_at timestamptz not null default now(),
  claimed_by text not null,       -- the node publishing it now
  claimed_until timestamptz not null,
  sent_at timestamptz
);

-- The relay's claim: unsent rows whose lease has run out, oldest first.
create index event_outbox_unsent on event_outbox (claimed_until) where sent_at is null;
-- The purge of sent rows.
create index event_outbox_sent on event_outbox (sent_at) where sent_at is not null;
