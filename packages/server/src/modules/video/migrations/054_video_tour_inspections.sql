-- A video patrol finding filed as an oversight inspection (kind video) of the regulated unit the
-- tour camera is linked to: the step keeps the inspection it opened.
alter table video_tour_steps add column inspection_id uuid;
