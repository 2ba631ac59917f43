import { SENSOR_TOPIC_PREFIX } from '@citywatch/core/devices/schemas';
import { type BatchedSubscription, type MqttConnection, subscribeMqttBatched } from '../../ingest/mqtt.js';
import type { SensorsService } from './service.js';

export const SENSORS_TOPIC = `${SENSOR_TOPIC_PREFIX}+`;

/**
 * Sensor messages over MQTT: each device publishes on citywatch/sensors/<its id> (the embedded
 * broker lets it publish nowhere else; on the bureau's broker its ACL does). Taken in batches:
 * heartbeats, telemetry and counted events into memory, alarms raised at once; each batch written
 * with one statement and only then acknowledged, so nothing acknowledged is lost.
 */
export function startSensorsMqttIngest(
  sensors: SensorsService,
  connection: MqttConnection,
  log: (obj: object, msg: string) => void,
  options: { clientId?: string; connectTimeoutMs?: number } = {},
): Promise<BatchedSubscription> {
  return subscribeMqttBatched({
    connection,
    clientId: options.clientId ?? `${connection.clientIdPrefix}-sensors`,
    topic: SENSORS_TOPIC,
    connectTimeoutMs: options.connectTimeoutMs,
    onError: (error) => log({ err: error }, 'sensors MQTT error'),
    sink: {
      take: (topic, payload) => sensors.takeMqtt(topic.slice(SENSOR_TOPIC_PREFIX.length), payload),
      commit: async () => {
        await sensors.commit();
      },
      acknowledged: (n) => {
        sensors.stats.acknowledged += n;
      },
    },
  });
}
