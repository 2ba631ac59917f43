import { fileURLToPath } from 'node:url';
import type {} from '@citywatch/core/sensors/events';
import { redactUrl } from '../../ingest/mqtt.js';
import { defineModule, type Stop } from '../module.js';
import { SENSORS_TOPIC, startSensorsMqttIngest } from './mqtt.js';
import { sensorsRoutes } from './routes.js';
import { SensorsService } from './service.js';
import type {} from './tables.js';

declare module '../module.js' {
  interface ModuleServices {
    sensors: SensorsService;
  }
}

const SWEEP_MS = 1_000;
const ALARM_SWEEP_MS = 5_000;
const FLUSH_MS = 5_000;
const EXPIRE_MS = 60_000;
/** How long stopping waits for the MQTT session to end (its own wait for the last batch is 5 s). */
const CLOSE_DEADLINE_MS = 8_000;

/**
 * Smart-community devices (智慧安防小区: alarm buttons, smoke detectors, doors, gates, camera
 * links, crowd counters) and crowd density (M14): registry by community, token per device, MQTT
 * and HTTP ingest, online state, ThingsBoard-style alarms with rules per kind, crowd areas.
 */
export const sensorsModule = defineModule({
  name: 'sensors',
  needs: ['dispatch', 'devices'],
  permissions: {
    'sensors.read': ['admin', 'commander', 'dispatcher', 'auditor'],
    'sensors.write': ['admin', 'commander'],
    'sensors.respond': ['commander', 'dispatcher'],
    // Held by no person: only a sensor's token reaches ingest.
    'sensors.ingest': [],
  },
  migrations: fileURLToPath(new URL('./migrations', import.meta.url)),
  events: {
    'sensors.alarm_changed': 'sensors.read',
    'sensors.device_changed': 'sensors.read',
    'sensors.crowd_changed': 'sensors.read',
  },
  create: (deps) => new SensorsService(deps),
  routes: (app, _deps, sensors) => sensorsRoutes(app, sensors),
  start: async (deps, sensors, runtime): Promise<Stop> => {
    await sensors.load();
    const subscription = runtime.mqtt
      ? await startSensorsMqttIngest(sensors, runtime.mqtt, (obj, msg) => deps.log.warn(obj, msg))
      : null;
    if (subscription) deps.log.info(`MQTT ${redactUrl(runtime.mqtt!.url)}: sensors on ${SENSORS_TOPIC}`);
    const running = new Set<Promise<unknown>>();
    const every = (ms: number, task: () => Promise<unknown>, what: string) => {
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        const p = task()
          .catch((error: unknown) => deps.log.error({ err: error }, `sensors: ${what} failed`))
          .finally(() => {
            busy = false;
            running.delete(p);
          });
        running.add(p);
      }, ms);
      timer.unref();
      return timer;
    };
    const timers = [
      every(SWEEP_MS, () => sensors.sweepOffline(), 'offline sweep'),
      every(ALARM_SWEEP_MS, () => sensors.sweepAlarms(), 'alarm sweep'),
      every(FLUSH_MS, () => sensors.flush(), 'flush'),
      every(EXPIRE_MS, () => sensors.expireAreas(), 'area expiry'),
    ];
    return async () => {
      for (const t of timers) clearInterval(t);
      if (subscription) {
        // Its close ends the MQTT session gracefully, which waits for the broker's answers: on a
        // dropped connection they never come, so after CLOSE_DEADLINE_MS the client is ended by force.
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), CLOSE_DEADLINE_MS);
        });
        const closed = subscription.close().then(
          () => 'closed' as const,
          (error: unknown) => {
            deps.log.warn({ err: error }, 'sensors: MQTT close failed');
            return 'closed' as const;
          },
        );
        if ((await Promise.race([closed, late])) === 'late') {
          deps.log.warn('sensors: MQTT session did not close in time; ended by force');
          // (end(true) would be ignored: mqtt.js drops an end while one is under way.)
          subscription.client?.stream.destroy();
        }
        clearTimeout(timer);
      }
      await Promise.allSettled([...running]);
      await sensors.flush().catch(() => {});
    };
  },
});
