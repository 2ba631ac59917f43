import { fileURLToPath } from 'node:url';
import type {} from '@citywatch/core/perimeter/events';
import { everyOnOneNode } from '../../db/singleton.js';
import { defineModule, type Stop } from '../module.js';
import { HotlistService } from './hotlist-service.js';
import { startPlateMqttIngest } from './plates-mqtt.js';
import { PlateIngestService } from './plates-service.js';
import { purgeExpiredHitValues } from './retention.js';
import { createRingsServices } from './rings/index.js';
import { ringsRoutes } from './rings/routes.js';
import { type PerimeterServices, perimeterRoutes } from './routes.js';
import type {} from './tables.js';

declare module '../module.js' {
  interface ModuleServices {
    perimeter: PerimeterServices;
  }
}

/** How often the in-memory hourly volume counters are written to checkpoint_volumes. */
const VOLUME_FLUSH_MS = 5_000;
/** How often expired closure plans are ended and their units freed. */
const PLAN_EXPIRY_SWEEP_MS = 30_000;
/** How often hits past their retention period lose their plate or ID. */
const HIT_RETENTION_PURGE_MS = 3600_000;
export const PLATES_TOPIC = 'citywatch/plates/+';

/** Perimeter control (圈层查控): rings, checkpoints, closure plans, the hotlist and plate reads. */
export const perimeterModule = defineModule({
  name: 'perimeter',
  needs: ['places', 'dispatch', 'workers', 'cap', 'eta'],
  permissions: {
    'hotlist.read': ['commander', 'dispatcher', 'admin', 'auditor'],
    // Not admin: whoever manages accounts may not also keep the hotlist (separation of duties).
    'hotlist.write': ['commander'],
    // Plate reads come from cameras (device tokens, modules/devices), never from a person's session.
    'plates.ingest': [],
    'perimeter.read': ['admin', 'commander', 'dispatcher', 'patrol_officer', 'auditor'],
    'perimeter.write': ['admin', 'commander'],
    'perimeter.command': ['commander', 'admin'],
  },
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: {
    // Hits carry plates and (masked) ID numbers: only those who keep the hotlist see them live.
    'perimeter.hotlist_hit': 'hotlist.read',
    'perimeter.hotlist_changed': 'hotlist.read',
    'perimeter.plan_changed': 'perimeter.read',
    'perimeter.checkpoints_changed': 'perimeter.read',
  },
  create: (deps) => {
    const hotlist = new HotlistService(deps);
    const plates = new PlateIngestService(deps, hotlist);
    const rings = createRingsServices(deps);
    return { hotlist, plates, rings };
  },
  routes: (app, deps, services) => {
    perimeterRoutes(app, deps, services);
    ringsRoutes(app, services.rings, deps.dispatch);
  },
  start: async (deps, { hotlist, plates, rings }, runtime): Promise<Stop> => {
    await Promise.all([hotlist.reload(), plates.reloadCheckpoints()]);
    // Another API node changed the hotlist (our own changes are applied before answering; applying
    // them again is harmless).
    const unsubscribeHotlist = deps.bus.subscribe(
      (event) => {
        hotlist
          .refresh(event.payload.entryId)
          .catch((error: unknown) => deps.log.error({ err: error }, 'hotlist refresh failed'));
      },
      { types: ['perimeter.hotlist_changed'] },
    );
    // Checkpoints were created or changed, here or on another node: plate reads at a new checkpoint
    // are accepted once the registry is re-read (reads arriving meanwhile wait for that re-read).
    const unsubscribeCheckpoints = deps.bus.subscribe(
      () => {
        plates
          .reloadCheckpoints()
          .catch((error: unknown) => deps.log.error({ err: error }, 'checkpoint reload failed'));
      },
      { types: ['perimeter.checkpoints_changed'] },
    );
    // Every node re-reads the whole hotlist now and then (CITYWATCH_HOTLIST_RESYNC_MIN): an event this
    // node missed (a publish given up during a NATS outage, a row changed by hand) costs one period.
    const resyncTimer = setInterval(() => {
      hotlist.resync().catch((error: unknown) => deps.log.error({ err: error }, 'hotlist resync failed'));
    }, deps.config.hotlistResyncMs);
    resyncTimer.unref();
    const flushTimer = setInterval(() => {
      plates.flush().catch((error: unknown) => deps.log.error({ err: error }, 'volume flush failed'));
    }, VOLUME_FLUSH_MS);
    // Plans expire on their own: lazily on every plan read, and by this sweep so that units are
    // freed even when nobody is looking at the perimeter pages. Sweep and purge run on one node
    // however many share the database (db/singleton.ts); the volume flush writes each node's own
    // counters, so every node runs it.
    const stopSweep = everyOnOneNode(
      deps.db,
      'perimeter.plan-expiry',
      PLAN_EXPIRY_SWEEP_MS,
      () => rings.plans.expireDuePlans(),
      (error) => deps.log.error({ err: error }, 'closure plan expiry failed'),
      { runAtStart: false },
    );
    // Hits keep the plate or ID read for CITYWATCH_RETENTION_HIT_DAYS (default 90), then lose it.
    const stopPurge = everyOnOneNode(
      deps.db,
      'perimeter.hit-retention-purge',
      HIT_RETENTION_PURGE_MS,
      () => purgeExpiredHitValues(deps.db.kysely, deps.config.retentionHitDays, deps.now()),
      (error) => deps.log.error({ err: error }, 'hit retention purge failed'),
    );
    flushTimer.unref();
    const mqtt = runtime.mqtt
      ? await startPlateMqttIngest({
          connection: runtime.mqtt,
          topic: PLATES_TOPIC,
          // The topic is the checkpoint (the broker's ACL binds it to the camera), never a body field.
          onBatch: (reads, checkpointId, topic) =>
            plates.ingest(reads, { userId: null, username: `mqtt:${topic}`, checkpointId }),
          log: deps.log,
        })
      : null;
    return async () => {
      clearInterval(flushTimer);
      clearInterval(resyncTimer);
      unsubscribeHotlist();
      unsubscribeCheckpoints();
      await mqtt?.close();
      await plates.flush();
      await stopSweep();
      await stopPurge();
    };
  },
});
