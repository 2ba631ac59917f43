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
