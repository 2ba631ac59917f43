import type { GeneratedTimestamp } from '../../db/schema.js';

declare module '../../db/schema.js' {
  interface Database {
    posts: PostsTable;
  }
}

/** Coverage posts: police stations, street police posts, safety stations (migration 005). */
export interface PostsTable {
  id: string;
  city_id: string;
  kind: 'police_station' | 'street_post' | 'safety_station';
  name: string;
  lon: number;
  lat: number;
  h3: string;
  /** Stands in for this org's police station (see service.ts). */
  org_id: string | null;
  /** Migration 010: the org the post belongs to (need to know). */
  owner_org_id: string;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}
