-- City model: imported road networks, the gazetteer (standard addresses, places, streets),
-- buildings and police-station jurisdictions. Everything hangs off a city and goes with it when
-- the city is re-imported.

create table cities (
  id uuid primary key,
  name text not null unique,
  source_file text not null,
  imported_at timestamptz not null,
  is_default boolean not null default false,
  bounds jsonb not null,
  stats jsonb not null,
  -- The road graph's typed arrays (graph-codec.ts): loading a city is one read, not a rebuild.
  graph bytea not null,
  ways jsonb not null
);

-- Search entries: standard addresses, named places (units: schools, hospitals, hotels…) and
-- named streets, one table so one ranked query covers them all.
create table gazetteer (
  id uuid primary key,
  city_id uuid not null references cities (id) on delete cascade,
  kind text not null check (kind in ('address', 'place', 'street')),
  osm_type text,
  osm_id bigint,
  label text not null,
  search_text text not null,
  category text,
  name text,
  province text,
  city text,
  district text,
  street text,
  housenumber text,
  postcode text,
  lon double precision not null,
  lat double precision not null,
  h3 text not null,
  building_osm_id bigint,
  road_edge integer,
  address_id uuid,
  jurisdiction_id uuid
);
create index gazetteer_city_kind_idx on gazetteer (city_id, kind);
create index gazetteer_h3_idx on gazetteer (h3);
create index gazetteer_lonlat_idx on gazetteer (city_id, lon, lat);
create index gazetteer_search_trgm_idx on gazetteer using gin (search_text gin_trgm_ops);

create table buildings (
  id uuid primary key,
  city_id uuid not null references cities (id) on delete cascade,
  osm_id bigint not null,
  kind text not null,
  name text,
  lon double precision not null,
  lat double precision not null,
  h3 text not null,
  ring jsonb not null
);
create index buildings_city_idx on buildings (city_id);

create table jurisdictions (
  id uuid primary key,
  city_id uuid not null references cities (id) on delete cascade,
  name text not null,
  org_id uuid references orgs (id),
  source text not null check (source in ('geojson', 'network_voronoi', 'edited')),
  station_lon double precision,
  station_lat double precision,
  geometry jsonb not null,
  updated_at timestamptz not null
);
create index jurisdictions_city_idx on jurisdictions (city_id);

-- A police station's location, for jurisdictions and coverage.
alter table orgs add column lon double precision;
alter table orgs add column lat double precision;
