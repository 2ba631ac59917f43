-- Posts for the 1-3-5 minute coverage circles: police stations, street police posts (警务站) and
-- safety stations (平安驿站) placed on the map. Police-station orgs with a location count as posts
-- too without a row here (see modules/coverage/service.ts); a row with org_id stands in for its org.
create table posts (
  id uuid primary key,
  city_id uuid not null references cities (id) on delete cascade,
  kind text not null check (kind in ('police_station', 'street_post', 'safety_station')),
  name text not null,
  lon double precision not null,
  lat double precision not null,
  h3 text not null,
  org_id uuid references orgs (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index posts_city_idx on posts (city_id);
