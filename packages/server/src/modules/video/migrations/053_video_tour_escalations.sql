-- Missed video patrol tours, escalated once each: a scheduled shift occurrence of a tour that
-- ended without a completed run is published to the tour org's commanders (video.tour_missed).
create table video_tour_escalations (
  tour_id uuid not null references video_tours (id) on delete cascade,
  shift_start timestamptz not null,
  escalated_at timestamptz not null,
  primary key (tour_id, shift_start)
);
