import type { Selectable } from 'kysely';
import { type MqttConnection, subscribeMqttBatched } from '../../ingest/mqtt.js';
import type { ConnectorsService } from './service.js';
import type { ConnectorsTable } from './tables.js';

/** MQTT connector batches: written BATCH_DELAY_MS after their first message, or after a quiet gap. */
export const MQTT_BATCH_DELAY_MS = 5_000;
export const MQTT_BATCH_IDLE_MS = 1_000;
export const MQTT_BATCH_MAX = 5_000;

/** Rows in one message: a JSON object is one row, a JSON array of objects is several. */
export function messageRows(payload: Buffer): Record<string, unknown>[] | null {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
  const isRow = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isRow(json)) return [json];
  if (Array.isArray(json) && json.every(isRow)) return json;
  return null;
}

/**
 * An MQTT connector's subscription: messages (JSON rows) are gathered and each batch is one run
 * (mapping, quality report, the owning module's import in one transaction), acknowledged only once
 * written. A failing batch is put back and retried with backoff by subscribeMqttBatched; nothing
 * of it is acknowledged until it is written. Messages that are not JSON rows are counted.
 */
export function subscribeConnector(
  connectors: ConnectorsService,
  connector: Selectable<ConnectorsTable>,
  connection: MqttConnection,
  onError: (error: unknown) => void,
  options: { batchDelayMs?: number; batchIdleMs?: number; connectTimeoutMs?: number } = {},
): Promise<Awaited<ReturnType<typeof subscribeMqttBatched>> & { unreadable: () => number }> {
  let pending: Record<string, unknown>[] = [];
  let unreadable = 0;
  const topic = (connector.source as unknown as { topic: string }).topic;
  return subscribeMqttBatched({
    connection,
    clientId: `${connection.clientIdPrefix}-connector-${connector.id}`,
    topic,
    batchMax: MQTT_BATCH_MAX,
    batchDelayMs: options.batchDelayMs ?? MQTT_BATCH_DELAY_MS,
    batchIdleMs: options.batchIdleMs ?? MQTT_BATCH_IDLE_MS,
    connectTimeoutMs: options.connectTimeoutMs,
    onError,
    sink: {
      take: (_topic, payload) => {
        const rows = messageRows(payload);
        if (rows) pending.push(...rows);
        else unreadable++;
        return undefined;
      },
      commit: async () => {
        if (pending.length === 0) return;
        const rows = pending;
        pending = [];
        try {
          await connectors.runRows(connector, rows);
        } catch (error) {
          pending = [...rows, ...pending];
          throw error;
        }
      },
    },
  }).then((s) => Object.assign(s, { unreadable: () => unreadable }));
}
