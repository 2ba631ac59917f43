import { SENSOR_TOPIC_PREFIX } from '@citywatch/core/devices/schemas';
import { type MqttConnection, type MqttSubscription, subscribeMqtt } from '../../ingest/mqtt.js';
import type { SensorsService } from './service.js';

export const SENSORS_TOPIC = `${SENSOR_TOPIC_PREFIX}+`;

/**
 * Sensor messages over MQTT: each device publishes on citywatch/sensors/<its id> (the embedded
 * broker lets it publish nowhere else; on the bureau's broker its ACL does). Acknowledged only once
 * taken (heartbeats in memory, alarms and counts written), so nothing acknowledged is lost.
 */
export function startSensorsMqttIngest(
  sensors: SensorsService,
  connection: MqttConnection,
  log: (obj: object, msg: string) => void,
  options: { clientId?: string; connectTimeoutMs?: number } = {},
): Promise<MqttSubscription> {
  return subscribeMqtt({
    connection,
    clientId: options.clientId ?? `${connection.clientIdPrefix}-sensors`,
    topic: SENSORS_TOPIC,
    connectTimeoutMs: options.connectTimeoutMs,
    onError: (error) => log({ err: error }, 'sensors MQTT error'),
    onMessage: (topic, payload) => sensors.ingestMqtt(topic.slice(SENSOR_TOPIC_PREFIX.length), payload),
  });
}
