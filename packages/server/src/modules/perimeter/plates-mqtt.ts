import type { MqttClient } from 'mqtt';
import { subscribeMqtt } from '../../ingest/mqtt.js';
import type { IngestResult } from './plates-service.js';

/** The part of a pino / Fastify logger used here. Plates never go into a log line. */
export interface MqttIngestLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface PlateMqttIngestOptions {
  /** mqtt://host:port of the broker. */
  url: string;
  /** Subscription, e.g. `citywatch/plates/+` (the last level names the checkpoint). */
  topic: string;
  /** Handles one message's reads; its checkpointId defaults to the topic's last level. */
  onBatch: (reads: unknown[], topic: string) => Promise<IngestResult>;
  /** How long to wait for the first connection before failing. Default 5 s. */
  connectTimeoutMs?: number;
  log?: MqttIngestLogger;
  username?: string;
  password?: string;
}

export interface PlateMqttIngestStats {
  messages: number;
  /** Messages that were not JSON, not a read, an array of reads or `{reads: [...]}`: dropped. */
  malformed: number;
  reads: number;
  hits: number;
  invalid: number;
  rejected: number;
  /** Batches whose processing failed (e.g. the database was down): their reads are lost. */
  failed: number;
}

export interface PlateMqttIngest {
  client: MqttClient;
  stats: PlateMqttIngestStats;
  /** Resolves once every message received so far has been processed. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Largest payload accepted: the HTTP batch limit's size. */
const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

/**
 * Takes plate reads from an MQTT broker: each message on `topic` carries one read, an array of
 * reads or `{reads: [...]}` as JSON. Messages are processed one after another in arrival order.
 * Rejects when the broker cannot be reached within the timeout, so a misconfigured deployment fails
 * at start-up instead of silently dropping reads; later disconnections are retried by the client.
 */
export async function startPlateMqttIngest(options: PlateMqttIngestOptions): Promise<PlateMqttIngest> {
  const stats: PlateMqttIngestStats = {
    messages: 0,
    malformed: 0,
    reads: 0,
    hits: 0,
    invalid: 0,
    rejected: 0,
    failed: 0,
  };
  const subscription = await subscribeMqtt({
    url: options.url,
    topic: options.topic,
    connectTimeoutMs: options.connectTimeoutMs,
    onError: (error) => options.log?.warn({ err: error }, 'MQTT plate ingest error'),
    onMessage: async (topic, payload) => {
      stats.messages++;
      const reads = parsePayload(payload, topic);
      if (reads === null) {
        stats.malformed++;
        return;
      }
      try {
        const result = await options.onBatch(reads, topic);
        stats.reads += result.accepted;
        stats.hits += result.hits;
        stats.invalid += result.invalid;
        stats.rejected += result.rejected.length;
      } catch (error) {
        stats.failed++;
        options.log?.error({ err: error, topic, reads: reads.length }, 'plate batch from MQTT failed');
      }
    },
  });
  return { client: subscription.client, stats, idle: subscription.idle, close: subscription.close };
}

export function parsePayload(payload: Buffer, topic: string): unknown[] | null {
  if (payload.length === 0 || payload.length > MAX_PAYLOAD_BYTES) return null;
  let message: unknown;
  try {
    message = JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
  let reads: unknown[];
  if (Array.isArray(message)) reads = message;
  else if (
    typeof message === 'object' &&
    message !== null &&
    Array.isArray((message as { reads?: unknown }).reads)
  ) {
    reads = (message as { reads: unknown[] }).reads;
  } else if (typeof message === 'object' && message !== null) reads = [message];
  else return null;
  if (reads.length === 0) return null;
  const checkpointId = topic.slice(topic.lastIndexOf('/') + 1);
  return reads.map((r) =>
    typeof r === 'object' && r !== null && !Array.isArray(r) && !('checkpointId' in r) && checkpointId
      ? { ...r, checkpointId }
      : r,
  );
}
