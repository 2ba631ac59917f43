-- Who is on a unit this shift: a patrol officer signs on to the one unit they crew and reports its
-- status and positions only while signed on; signing off (or the shift running out) ends it.
create table unit_sign_ons (
  id uuid primary key,
  unit_id uuid not null references units (id),
  user_id uuid not null references users (id),
  signed_on_at timestamptz not null,
  signed_off_at timestamptz,
  -- 'self' (signed off) or 'lapsed' (the shift ran out before they signed off).
  ended_by text check (ended_by in ('self', 'lapsed')),
  check ((signed_off_at is null) = (ended_by is null)),
  check (signed_off_at is null or signed_off_at >= signed_on_at)
);
-- One open sign-on per person: of two sign-ons at once, one fails here.
create unique index unit_sign_ons_one_open_per_user on unit_sign_ons (user_id) where signed_off_at is null;
create index unit_sign_ons_unit_idx on unit_sign_ons (unit_id, signed_on_at);
