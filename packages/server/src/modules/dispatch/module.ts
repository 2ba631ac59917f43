import { fileURLToPath } from 'node:url';
import type {} from '@citywatch/core/dispatch/events';
import { everyOnOneNode } from '../../db/singleton.js';
import { redactUrl } from '../../ingest/mqtt.js';
import { defineModule, type Stop } from '../module.js';
import { AVL_TOPIC, startAvlMqttIngest } from './avl-mqtt.js';
import { eidoImportRoutes } from './eido/routes.js';
import { purgeExpiredPersonalData } from './retention.js';
import { dispatchRoutes } from './routes.js';
import { DispatchService } from './service.js';
import type {} from './tables.js';

declare module '../module.js' {
  interface ModuleServices {
    dispatch: DispatchService;
  }
}

/** How often personal data past its retention period is purged. */
const RETENTION_PURGE_MS = 3600_000;
/** How often queued and retry-due 12345 diversions are sent. */
const HOTLINE_FORWARD_MS = 5_000;

/**
 * How often each node checks that its trackers route with the current hour's travel times (a
 * no-op unless the hour turned or a learning run finished; a recommendation also checks).
 */
const TRAVEL_TIMES_CHECK_MS = 5 * 60_000;

/** Command and dispatch (情指行一体化): 110 intake, units and AVL, dispatch, 12345, figures. */
export const dispatchModule = defineModule({
  name: 'dispatch',
  needs: ['places', 'eta', 'workers'],
  permissions: {
    'dispatch.read': ['admin', 'commander', 'dispatcher', 'patrol_officer', 'auditor'],
    'dispatch.write': ['admin', 'commander', 'dispatcher'],
    'dispatch.caller': ['commander', 'dispatcher'],
    'units.write': ['admin', 'commander'],
    'units.report': ['admin', 'commander', 'dispatcher', 'patrol_officer'],
  },
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: {
    'dispatch.incident_changed': 'dispatch.read',
    'dispatch.unit_changed': 'dispatch.read',
    'dispatch.help_changed': 'dispatch.read',
  },
  create: (deps) => new DispatchService(deps),
  routes: (app, deps, dispatch) => {
    dispatchRoutes(app, deps, dispatch);
    eidoImportRoutes(app, deps, dispatch);
  },
  start: async (deps, dispatch, runtime): Promise<Stop> => {
    // Units move in this node's trackers when any node takes their AVL fixes (issue 17).
    const stopFollowing = dispatch.unitsService.positions.follow(deps.bus);
    const avl = runtime.mqtt
      ? await startAvlMqttIngest({ places: deps.places, dispatch }, runtime.mqtt, (obj, msg) =>
          deps.log.warn(obj, msg),
        )
      : null;
    if (avl) deps.log.info(`MQTT ${redactUrl(runtime.mqtt!.url)}: AVL on ${AVL_TOPIC}`);
    // Forwarding and purging run on one node however many share the database (db/singleton.ts).
    const stopForwarder = everyOnOneNode(
      deps.db,
      'dispatch.hotline-forwarder',
      HOTLINE_FORWARD_MS,
      () => dispatch.hotline.forwardDue(),
      (error) => deps.log.error({ err: error }, '12345 forwarding failed'),
      { runAtStart: false },
    );
    const policy = { callerDays: deps.config.retentionCallerDays, avlDays: deps.config.retentionAvlDays };
    const stopPurge = everyOnOneNode(
      deps.db,
      'dispatch.retention-purge',
      RETENTION_PURGE_MS,
      () => purgeExpiredPersonalData(deps.db.kysely, policy, deps.now()),
      (error) => deps.log.error({ err: error }, 'retention purge failed'),
    );
    // Every node keeps its own trackers, so every node (not one) refreshes them.
    const travelTimes = setInterval(() => {
      dispatch.unitsService
        .refreshTravelTimes()
        .catch((error) => deps.log.error({ err: error }, 'travel-time profile refresh failed'));
    }, TRAVEL_TIMES_CHECK_MS);
    travelTimes.unref();
    return async () => {
      stopFollowing();
      clearInterval(travelTimes);
      await stopForwarder();
      await avl?.subscription.close();
      await stopPurge();
    };
  },
});
