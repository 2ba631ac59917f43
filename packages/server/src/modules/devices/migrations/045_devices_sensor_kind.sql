-- A third kind of device principal: a community sensor (modules/sensors: alarm button, smoke
-- detector, door, gate barrier, camera link, crowd counter), bound to nothing but itself; it
-- publishes on citywatch/sensors/<its id>.
alter table devices drop constraint devices_kind_check;
alter table devices add constraint devices_kind_check check (kind in ('camera', 'avl', 'sensor'));
alter table devices drop constraint devices_check;
alter table devices add constraint devices_binding_check
  check ((kind = 'camera' and checkpoint_id is not null and unit_id is null)
      or (kind = 'avl' and unit_id is not null and checkpoint_id is null)
      or (kind = 'sensor' and checkpoint_id is null and unit_id is null));
