import { z } from 'zod';
import { type MqttSubscription, subscribeMqtt } from '../../ingest/mqtt.js';
import type { PlacesService } from '../places/service.js';
import type { DispatchService } from './service.js';

/** One fix as a device publishes it on `citywatch/avl/<unitId>`. */
const fixSchema = z.strictObject({
  at: z.string().datetime({ offset: true }),
  lon: z.number().min(-180).max(180),
  lat: z.number().min(-90).max(90),
  heading: z.number().min(0).max(360).optional(),
  speed: z.number().min(0).max(100).optional(),
});
const payloadSchema = z.union([fixSchema, z.array(fixSchema).min(1).max(1000)]);
const unitIdSchema = z.string().uuid();

export interface AvlMqttStats {
  messages: number;
  /** Not JSON, not a fix, or a topic that names no unit id: dropped and counted. */
  malformed: number;
  accepted: number;
  rejected: number;
  failed: number;
}

export const AVL_TOPIC = 'citywatch/avl/+';

/**
 * AVL over MQTT: body cameras and radios publish fixes on `citywatch/avl/<unitId>`; each message
 * goes through the same ingest as the HTTP batch endpoint.
 */
export async function startAvlMqttIngest(
  ctx: { places: Pick<PlacesService, 'city'>; dispatch: Pick<DispatchService, 'ingestPositions'> },
  url: string,
  log: (obj: object, msg: string) => void,
  topic = AVL_TOPIC,
) {
  const stats: AvlMqttStats = { messages: 0, malformed: 0, accepted: 0, rejected: 0, failed: 0 };
  const subscription: MqttSubscription = await subscribeMqtt({
    url,
    topic,
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
        stats.failed++;
        log({ err: error, topic }, 'AVL batch from MQTT failed');
      }
    },
  });
  return { stats, subscription };
}
