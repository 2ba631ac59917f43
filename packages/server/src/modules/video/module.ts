import { fileURLToPath } from 'node:url';
import { shapeCentre } from '@citywatch/core/video/coverage';
import type {} from '@citywatch/core/video/events';
import { everyOnOneNode } from '../../db/singleton.js';
import { ProblemError } from '../../http/problem.js';
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
  needs: ['places', 'dispatch', 'perimeter', 'patrol', 'oversight', 'community'],
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
      transact: deps.transact,
      checkpointsOf: async (scope) =>
        (await deps.perimeter.rings.registry.checkpoints({}, scope)).flatMap((c) =>
          c.lon === null || c.lat === null ? [] : [{ id: c.id, name: c.name, lon: c.lon, lat: c.lat }],
        ),
      // The current hot spots as the patrol page ranks them by default (prior counts on H3 cells of
      // resolution 9, the coming 7 days from 56 days of history, the top 5 % of the area flagged).
      hotSpotsOf: async (actor) => {
        const city = await deps.patrol.city(undefined).catch(() => null);
        if (!city) return null;
        const ranked = await deps.patrol.hotspots(
          city,
          { model: 'prior_counts', unit: 'h3:9', trainDays: 56, coverage: 0.05, limit: 100, categories: [] },
          actor,
        );
        if (ranked.meta.trainIncidents === 0) return null;
        return ranked.features.flatMap((f) => {
          const at = f.properties.flagged ? shapeCentre(f.geometry) : null;
          return at ? [{ id: f.id, label: f.properties.label, ...at }] : [];
        });
      },
      // Citizens' media near a point: reports of the asker's subtree through the community service,
      // for those community lets read reports (staff); the bytes stay behind community's route.
      citizenMediaNear: async (actor, lon, lat, maxM) => {
        if (!deps.permissions.grants(actor.roles, 'community.read'))
          throw new ProblemError('forbidden', {
            zh: '查看群众上传的照片和视频须有社区防控查看权限',
            en: 'Citizens’ photos and videos need the community read permission',
          });
        return (await deps.community.reports.withMediaNear(actor, lon, lat, maxM)).flatMap((r) =>
          r.media
            ? [
                {
                  reportId: r.id,
                  number: r.number,
                  category: r.category,
                  description: r.description,
                  receivedAt: r.receivedAt,
                  mediaType: r.media.type,
                  takenAt: r.media.takenAt,
                  distanceM: r.distanceM,
                  mediaPath: `/api/community/reports/${r.id}/media`,
                },
              ]
            : [],
        );
      },
      // A tour camera is linked to a regulated unit when one of the unit's cameras (oversight keeps
      // them as stream URLs) has one of the camera's stream URLs; findings there are video inspections.
      oversight: {
        mayInspect: (actor) => deps.permissions.grants(actor.roles, 'oversight.write'),
        linkedUnits: async (actor, urls) =>
          (await deps.oversight.units.list(actor, {}))
            .filter((u) => u.cameras.some((c) => urls.includes(c.streamUrl.trim())))
            .map((u) => ({ id: u.id, name: u.name })),
        inspect: async (actor, unitId, finding) =>
          (await deps.oversight.cases.inspect(actor, { unitId, kind: 'video', findings: [finding] })).id,
      },
      createIncident: async (actor, req, alongWith) =>
        (
          await deps.dispatch.createIncident(
            actor,
            req,
            alongWith && ((trx, _publish, made) => alongWith(trx, made.id)),
          )
        ).incident,
      incidentVisible: (id, scope) =>
        deps.dispatch.incident(id, scope).then(
          () => true,
          () => false,
        ),
    }),
  routes: (app, deps, video) => videoRoutes(app, deps, video),
  start: (deps, video) => {
    const stopProbe = video.startProbe((error) => deps.log.warn({ err: error }, 'camera probe failed'));
    // Missed tours escalate every 5 minutes, on one node (db/singleton.ts).
    const stopEscalation = everyOnOneNode(
      deps.db,
      'video.missed-tour-escalation',
      5 * 60_000,
      () => video.tours.escalateMissed(),
      (error) => deps.log.warn({ err: error }, 'missed tour escalation failed'),
      { runAtStart: false },
    );
    // New history moves patrol's hot spots: coverage ranks them again on its next call.
    const unsubscribe = deps.bus.subscribe(() => video.hotSpots?.invalidate(), {
      types: ['patrol.history_imported'],
    });
    return async () => {
      unsubscribe();
      stopProbe();
      await stopEscalation();
    };
  },
});
