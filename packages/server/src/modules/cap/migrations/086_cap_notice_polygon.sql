-- A public notice's area may be a polygon instead of a circle (CAP 1.2 <polygon>: "lat,lon" pairs,
-- first = last, at least four), drawn on the map or taken from an event area. The polygon is kept
-- as CAP writes it; lat/lon hold its centre (the mean of its corners) for lists and maps, and the
-- radius is null. Rows drafted before keep their circle.
ALTER TABLE cap_notices ADD COLUMN polygon text;
ALTER TABLE cap_notices ALTER COLUMN radius_km DROP NOT NULL;
ALTER TABLE cap_notices
  ADD CONSTRAINT cap_notices_one_area CHECK ((polygon IS NULL) = (radius_km IS NOT NULL));
