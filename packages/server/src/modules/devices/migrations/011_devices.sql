-- Devices as principals: a plate camera speaks for exactly one checkpoint, an AVL terminal for
-- exactly one unit. The API token is stored only as its sha256 (like session tokens), revocable,
-- with the time it was last used. Issuing and revoking are audited in the same transaction.

create table devices (
  id uuid primary key,
  name text not null check (length(btrim(name)) between 1 and 100),
  kind text not null check (kind in ('camera', 'avl')),
  checkpoint_id text references checkpoints (id),
  unit_id uuid references units (id),
  -- The org that owns the device (its checkpoint's, else the issuing admin's): scoping.
  org_id uuid not null references orgs (id),
  token_hash text not null unique,
  -- Null when the platform issued it itself (the demo's simulator).
  created_by uuid references users (id),
  created_at timestamptz not null,
  revoked_at timestamptz,
  revoked_by uuid references users (id),
  revoke_reason text,
  last_seen_at timestamptz,
  -- Exactly one binding, of the device's kind.
  check ((kind = 'camera' and checkpoint_id is not null and unit_id is null)
      or (kind = 'avl' and unit_id is not null and checkpoint_id is null))
);
create index devices_org_idx on devices (org_id);
create index devices_checkpoint_idx on devices (checkpoint_id);
create index devices_unit_idx on devices (unit_id);
