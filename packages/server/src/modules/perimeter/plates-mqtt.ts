import type { MqttClient } from 'mqtt';
import { type MqttConnection, subscribeMqtt } from '../../ingest/mqtt.js';
import type { IngestResult } from './plates-service.js';

/** The part of a pino / Fastify logger used here. Plates never go into a log line. */
export interface MqttIngestLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface PlateMqttIngestOptions {
  /** The broker and the credentials to reach it with. */
  connection: MqttConnection;
  /** Fixed client id of the persistent session (default `<prefix>-plates`). */
  clientId?: string;
  /** Subscription, e.g. `citywatch/plates/+` (the last level names the checkpoint). */
  topic: string;
  /**
   * Handles one message's reads. The topic's last level is the checkpoint they are from (the
   * broker lets a camera publish only on its own checkpoint's topic): a read naming another is
   * refused, one naming none is taken to be from it.
   */
  onBatch: (reads: unknown[], checkpointId: string, topic: string) => Promise<IngestResult>;
  /** How long to wait for the first connection before failing. Default 5 s. */
  connectTimeoutMs?: number;
  log?: MqttIngestLogger;
}

export interface PlateMqttIngestStats {
  messages: number;
  /** Messages that were not JSON, not a read, an array of reads or `{reads: [...]}`: dropped. */
  malformed: number;
  reads: number;
  hits: number;
  invalid: number;
  rejected: number;
  /** Tries of a batch that failed (e.g. the database was down): retried, then given up. */
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
 * reads or `{reads: [...]}` as JSON, from the checkpoint its topic names. Messages are processed
 * one after another in arrival order and acknowledged only once processed (QoS 1, persistent
 * session: what was not acknowledged before a crash is delivered again).
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
    connection: options.connection,
    clientId: options.clientId ?? `${options.connection.clientIdPrefix}-plates`,
    topic: options.topic,
    connectTimeoutMs: options.connectTimeoutMs,
    onError: (error) => options.log?.warn({ err: error }, 'MQTT plate ingest error'),
    onMessage: async (topic, payload) => {
      stats.messages++;
      const reads = parsePayload(payload);
      const checkpointId = topic.slice(topic.lastIndexOf('/') + 1);
      if (reads === null || !CHECKPOINT_ID.test(checkpointId)) {
        stats.malformed++;
        return;
      }
      try {
        const result = await options.onBatch(reads, checkpointId, topic);
        stats.reads += result.accepted;
        stats.hits += result.hits;
        stats.invalid += result.invalid;
        stats.rejected += result.rejected.length;
      } catch (error) {
        // Thrown on: the message is not acknowledged yet and is tried again.
        stats.failed++;
        stats.messages--;
        options.log?.error({ err: error, topic, reads: reads.length }, 'plate batch from MQTT failed');
        throw error;
      }
    },
  });
  return { client: subscription.client, stats, idle: subscription.idle, close: subscription.close };
}

/** A checkpoint id as the registry allows it (migration 004). */
const CHECKPOINT_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** The reads of one message: a read, an array of reads or `{reads: [...]}`, as sent (no defaults). */
export function parsePayload(payload: Buffer): unknown[] | null {
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
  return reads;
}
