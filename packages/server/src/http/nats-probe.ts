/**
 * /api/health's probe of NATS: a connection of its own (not the bus's, so the probe does not sit
 * behind the bus's publishes) to the same servers, retrying forever like the bus. The probe
 * rejects when the connection is down (between servers, or none answering) or a ping takes over
 * `timeoutMs`; with a cluster the client moves to another server within about a second, so one
 * NATS node lost does not mark the API node down for longer than that.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';

export interface NatsProbe {
  check(): Promise<void>;
  close(): Promise<void>;
}

export async function createNatsProbe(url: string, timeoutMs = 1_000): Promise<NatsProbe> {
  const servers = url
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const nc: NatsConnection = await connect({
    servers,
    name: 'citywatch-health',
    timeout: 5_000,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  });
  return {
    async check() {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          nc.rtt(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('NATS ping timed out')), timeoutMs);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await nc.close().catch(() => {});
    },
  };
}
