import { z } from 'zod';
import { deviceDrops } from '../../ingest/drops.js';
import { type MqttConnection, type MqttSubscription, subscribeMqtt } from '../../ingest/mqtt.js';
import type { PlacesService } from '../places/service.js';
import type { DispatchService } from './service.js';

/** One fix as a device publishes it on `citywatch/avl/<unitId>`. */
const fixSchema = z.strictObject({
  at: z.string().datetime({ offset: true }),
  lon: z.number().min(-180).max(180),
  lat: z.number().min(-90).max(90),
  heading: z.number().min(0).max(360).optional(),
  speed: z.number().min(0).max(100).optional(),
  /** Lights and siren on (emergency driving); absent: the device does not say. */
  emergency: z.boolean().optional(),
});
const payloadSchema = z.union([fixSchema, z.array(fixSchema).min(1).max(1000)]);
const unitIdSchema = z.string().uuid();

export interface AvlMqttStats {
  messages: number;
  /** Not JSON, not a fix, or a topic that names no unit id: dropped and counted. */
  malformed: number;
  accepted: number;
  rejected: number;
  /** Tries that failed (e.g. the database was down): retried, then given up. */
  failed: number;
}

export const AVL_TOPIC = 'citywatch/avl/+';

/**
 * AVL over MQTT: AVL terminals publish fixes on `citywatch/avl/<unitId>` (the broker lets a
 * terminal publish only on its own unit's topic, so the topic decides the unit); each message goes
 * through the same ingest as the HTTP batch endpoint and is acknowledged only once processed.
 */
export async function startAvlMqttIngest(
  ctx: { places: Pick<PlacesService, 'city'>; dispatch: Pick<DispatchService, 'ingestPositions'> },
  connection: MqttConnection,
  log: (obj: object, msg: string) => void,
  options: { topic?: string; clientId?: string; connectTimeoutMs?: number } = {},
) {
  const stats: AvlMqttStats = { messages: 0, malformed: 0, accepted: 0, rejected: 0, failed: 0 };
  const subscription: MqttSubscription = await subscribeMqtt({
    connection,
    clientId: options.clientId ?? `${connection.clientIdPrefix}-avl`,
    topic: options.topic ?? AVL_TOPIC,
    connectTimeoutMs: options.connectTimeoutMs,
    onError: (error) => log({ err: error }, 'AVL MQTT error'),
    onMessage: async (topic, payload) => {
      stats.messages++;
      const unitId = unitIdSchema.safeParse(topic.split('/').at(-1));
      let parsed: ReturnType<typeof payloadSchema.safeParse> | undefined;
      try {
        parsed = payloadSchema.safeParse(JSON.parse(payload.toString('utf8')));
      } catch {
        parsed = undefined;
      }
      if (!unitId.success || !parsed?.success) {
        stats.malformed++;
        deviceDrops.count('avl', 'malformed', 1, { topic });
        return;
      }
      const fixes = (Array.isArray(parsed.data) ? parsed.data : [parsed.data]).map((f) => ({
        ...f,
        unitId: unitId.data,
      }));
      try {
        const city = await ctx.places.city(undefined);
        const r = await ctx.dispatch.ingestPositions(fixes, city);
        stats.accepted += r.accepted;
        stats.rejected += r.rejected.length;
      } catch (error) {
        // Thrown on: the message is not acknowledged yet and is tried again.
        stats.failed++;
        stats.messages--;
        log({ err: error, topic }, 'AVL batch from MQTT failed');
        throw error;
      }
    },
  });
  return { stats, subscription };
}
