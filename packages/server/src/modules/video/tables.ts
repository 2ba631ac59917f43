import type { Timestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    cameras: CamerasTable;
  }
}

export interface CamerasTable {
  id: string;
  code: string;
  name: string;
  lon: number;
  lat: number;
  height_m: number | null;
  heading_deg: number;
  fov_deg: number;
  range_m: number;
  owner: 'police' | 'community' | 'enterprise';
  agreement_ref: string | null;
  shared: boolean;
  hls_url: string | null;
  webrtc_url: string | null;
  rtsp_url: string | null;
  playback_template: string | null;
  org_id: string;
  status: 'unknown' | 'online' | 'offline' | 'fault';
  offline_since: Timestamp | null;
  fault_at: Timestamp | null;
  last_probe_at: Timestamp | null;
  created_by: string | null;
  created_at: Timestamp;
}

declare module '../../db/schema.js' {
  interface Database {
    video_playback_requests: PlaybackRequestsTable;
  }
}

export interface PlaybackRequestsTable {
  id: string;
  camera_id: string;
  org_id: string;
  requested_by: string;
  requested_at: Timestamp;
  from_at: Timestamp;
  to_at: Timestamp;
  purpose: string;
  incident_id: string | null;
  case_ref: string | null;
  status: 'pending' | 'approved' | 'rejected';
  decided_by: string | null;
  decided_at: Timestamp | null;
  decision_note: string | null;
}

declare module '../../db/schema.js' {
  interface Database {
    video_tours: VideoToursTable;
    video_tour_cameras: VideoTourCamerasTable;
    video_tour_runs: VideoTourRunsTable;
    video_tour_steps: VideoTourStepsTable;
  }
}

export interface VideoToursTable {
  id: string;
  org_id: string;
  name: string;
  dwell_seconds: number;
  shifts: string[];
  created_by: string | null;
  created_at: Timestamp;
}
export interface VideoTourCamerasTable {
  tour_id: string;
  position: number;
  camera_id: string;
}
export interface VideoTourRunsTable {
  id: string;
  tour_id: string;
  org_id: string;
  operator_id: string;
  shift: 'day' | 'night';
  shift_start: Timestamp;
  started_at: Timestamp;
  finished_at: Timestamp | null;
}
export interface VideoTourStepsTable {
  run_id: string;
  position: number;
  camera_id: string;
  result: 'nothing' | 'finding';
  note: string | null;
  incident_id: string | null;
  patrol_request: string | null;
  /** The oversight inspection (kind video) a finding was filed as (migration 054). */
  inspection_id: string | null;
  recorded_at: Timestamp;
}

declare module '../../db/schema.js' {
  interface Database {
    video_tour_escalations: { tour_id: string; shift_start: Timestamp; escalated_at: Timestamp };
  }
}
