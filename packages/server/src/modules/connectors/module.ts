import { fileURLToPath } from 'node:url';
import { everyOnOneNode } from '../../db/singleton.js';
import { defineModule } from '../module.js';
import { subscribeConnector } from './mqtt.js';
import { connectorsRoutes } from './routes.js';
import { ConnectorsService } from './service.js';
import type {} from './tables.js';

declare module '../module.js' {
  interface ModuleServices {
    connectors: ConnectorsService;
  }
}

/** How often due HTTP pulls (and their retries) are looked for, and MQTT connectors subscribed. */
const SCHEDULER_MS = 30_000;

/**
 * 数据融合 (data connectors): CSV/JSON files, HTTP pulls on a schedule and MQTT topics, mapped
 * declaratively into a module's target (patrol's incident history, oversight's regulated units)
 * through that module's own import, with a quality report per run.
 */
export const connectorsModule = defineModule({
  name: 'connectors',
  needs: ['patrol', 'oversight', 'places', 'sensors'],
  permissions: {
    'connectors.read': ['admin', 'commander', 'auditor'],
    'connectors.write': ['admin', 'commander'],
  },
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  create: (deps) => new ConnectorsService(deps),
  routes: (app, _deps, connectors) => connectorsRoutes(app, connectors),
  // The schedule runs on one node (db/singleton.ts); that node also holds the MQTT subscriptions,
  // so a topic's messages are written once.
  start: (deps, connectors, runtime) => {
    // By connector id: the subscription and the connector's updated_at when it was made. A
    // connector changed (topic, mapping), turned off or deleted since is unsubscribed at the next
    // turn, and subscribed again with its new definition when it is still enabled.
    const subscriptions = new Map<
      string,
      { version: number; sub: Promise<{ close(): Promise<void> } | null> }
    >();
    const subscribeNew = async () => {
      if (!runtime.mqtt) return;
      const current = await connectors.mqttConnectors();
      const versions = new Map(current.map((c) => [c.id, new Date(c.updated_at).getTime()]));
      for (const [id, s] of subscriptions) {
        if (versions.get(id) === s.version) continue;
        subscriptions.delete(id);
        await (await s.sub)?.close();
      }
      for (const c of current) {
        if (subscriptions.has(c.id)) continue;
        subscriptions.set(c.id, {
          version: new Date(c.updated_at).getTime(),
          sub: subscribeConnector(connectors, c, runtime.mqtt, (error) =>
            deps.log.warn({ err: error, connector: c.id }, 'connector MQTT error'),
          ).catch((error: unknown) => {
            deps.log.error({ err: error, connector: c.id }, 'connector MQTT subscription failed');
            subscriptions.delete(c.id);
            return null;
          }),
        });
      }
    };
    const stopScheduler = everyOnOneNode(
      deps.db,
      'connectors.scheduler',
      SCHEDULER_MS,
      async () => {
        await subscribeNew();
        await connectors.tick();
      },
      (error) => deps.log.error({ err: error }, 'connectors scheduler failed'),
      { runAtStart: true },
    );
    return async () => {
      await stopScheduler();
      await Promise.allSettled([...subscriptions.values()].map(async (s) => (await s.sub)?.close()));
    };
  },
});
