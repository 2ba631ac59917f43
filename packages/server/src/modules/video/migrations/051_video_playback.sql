-- Playback requests (录像调阅): to view a past window of a camera (from, to, purpose, linked
-- incident or case) through the NVR's playback URL built from the camera's template. citywatch
-- stores no video. Where the bureau's rule says so (CITYWATCH_VIDEO_PLAYBACK_APPROVAL), a second
-- person approves before the URL is handed out; every request, decision and opening is audited.

create table video_playback_requests (
  id uuid primary key,
  camera_id uuid not null references cameras (id) on delete cascade,
  -- The requester's org: scoping (a request is seen within that org's subtree).
  org_id uuid not null references orgs (id),
  requested_by uuid not null references users (id),
  requested_at timestamptz not null,
  from_at timestamptz not null,
  to_at timestamptz not null check (to_at > from_at),
  purpose text not null check (length(btrim(purpose)) between 2 and 500),
  incident_id uuid,
  case_ref text,
  status text not null check (status in ('pending', 'approved', 'rejected')),
  decided_by uuid references users (id),
  decided_at timestamptz,
  decision_note text,
  check (decided_by is null or decided_by <> requested_by)
);
create index video_playback_org_idx on video_playback_requests (org_id, requested_at desc);
