-- Transport vehicles of an enterprise, each speaking for itself with a device token (modules/devices,
-- kind 'sensor': a principal bound to nothing but itself; this table binds it to the vehicle). Its
-- AVL positions go to the approved transport permit naming its plate, valid that day. No foreign
-- key to devices: the reconcile command and the bench migrate this module with identity's alone.
create table explosives_vehicles (
  device_id uuid primary key,
  enterprise_id text not null,
  org_id uuid not null references orgs (id),
  plate text not null check (length(btrim(plate)) between 1 and 64),
  created_at timestamptz not null,
  unique (enterprise_id, plate)
);
