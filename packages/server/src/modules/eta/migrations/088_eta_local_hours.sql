-- Learned hours of week become the city's local wall-clock hours (issue 16: `learned:Mon-08` is
-- Monday 08:00 in Shenzhen, no longer 16:00). Statistics stored before were keyed by UTC hour of
-- week: move them to the local hour of Asia/Shanghai (UTC+8 all year, the only city time zone
-- there is so far). One statement (the rows deleted and inserted back shifted), so the primary key
-- never sees two rows of one cell.
with moved as (
  delete from eta_edge_observations
  returning city_id, profile, edge, hour_of_week, n, sum_s
)
insert into eta_edge_observations (city_id, profile, edge, hour_of_week, n, sum_s)
select city_id, profile, edge, ((hour_of_week + 8) % 168)::smallint, n, sum_s
from moved;
