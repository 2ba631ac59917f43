import { fileURLToPath } from 'node:url';
import type {} from '@citywatch/core/video/events';
import { defineModule } from '../module.js';
import { videoRoutes } from './routes.js';
import { VideoService, videoSettings } from './service.js';
import type {} from './tables.js';

declare module '../module.js' {
  interface ModuleServices {
    video: VideoService;
  }
}

/**
 * 视频资源 / 视频巡查 (video): the camera registry (GB/T 28181 codes, view sectors, owners and
 * sharing agreements, stream addresses, NVR playback template), the live view as an audited
 * personal-data read, and the periodic stream probe. No face recognition, no tracking of people:
 * citywatch links to streams and playback, and stores no video.
 */
export const videoModule = defineModule({
  name: 'video',
  needs: ['places', 'dispatch', 'perimeter'],
  permissions: {
    'video.read': ['commander', 'dispatcher', 'patrol_officer', 'auditor', 'admin'],
    'video.view': ['commander', 'dispatcher', 'patrol_officer'],
    'video.write': ['commander', 'admin'],
    // The second person who approves playback requests (where the bureau's rule asks for one).
    'video.approve': ['commander'],
  },
  events: { 'video.tour_missed': 'video.approve' },
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  create: (deps) =>
    new VideoService({
      db: deps.db.kysely,
      now: deps.now,
      settings: videoSettings(),
      city: () => deps.places.cities.get(),
      publishMissed: (orgId, payload) => deps.publish('video.tour_missed', orgId, payload),
      checkpointsOf: async (scope) =>
        (await deps.perimeter.rings.registry.checkpoints({}, scope)).flatMap((c) =>
          c.lon === null || c.lat === null ? [] : [{ id: c.id, name: c.name, lon: c.lon, lat: c.lat }],
        ),
      createIncident: async (actor, req) => (await deps.dispatch.createIncident(actor, req)).incident,
      incidentVisible: (id, scope) =>
        deps.dispatch.incident(id, scope).then(
          () => true,
          () => false,
        ),
    }),
  routes: (app, deps, video) => videoRoutes(app, deps, video),
  start: (deps, video) => {
    const stopProbe = video.startProbe((error) => deps.log.warn({ err: error }, 'camera probe failed'));
    const stopEscalation = video.startEscalation((error) =>
      deps.log.warn({ err: error }, 'missed tour escalation failed'),
    );
    return () => {
      stopProbe();
      stopEscalation();
    };
  },
});
