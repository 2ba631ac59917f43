import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlateMqttIngest, parsePayload, startPlateMqttIngest } from './plates-mqtt.js';
import type { IngestResult } from './plates-service.js';

// The real broker the deployment uses (Mosquitto); the test fails, clearly, when it is not running.
const BROKER = process.env.CITYWATCH_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

describe('plate reads over MQTT', () => {
  const run = randomBytes(4).toString('hex');
  const prefix = `citywatch-test-${run}/plates`;
  const connection = { url: BROKER, clientIdPrefix: `citywatch-test-${run}` };
  const batches: { reads: unknown[]; checkpointId: string }[] = [];
  let ingest: PlateMqttIngest;
  let publisher: mqtt.MqttClient;

  beforeAll(async () => {
    ingest = await startPlateMqttIngest({
      connection,
      topic: `${prefix}/+`,
      onBatch: async (reads, checkpointId): Promise<IngestResult> => {
        batches.push({ reads, checkpointId });
        return { accepted: reads.length, hits: 0, invalid: 0, rejected: [] };
      },
    });
    publisher = await mqtt.connectAsync(BROKER);
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await ingest?.close();
    // The ingest's session is persistent: end it on the shared broker.
    const cleanup = await mqtt.connectAsync(BROKER, {
      clientId: `${connection.clientIdPrefix}-plates`,
      clean: true,
    });
    await cleanup.endAsync();
  });

  it('takes single reads, arrays and {reads}, the checkpoint from the topic, drops malformed messages', async () => {
    const read = { plate: '粤B12345', at: '2026-11-23T08:00:00Z', direction: 'in', confidence: 0.9 };
    await publisher.publishAsync(`${prefix}/CP-G15-N`, JSON.stringify(read), { qos: 1 });
    await publisher.publishAsync(
      `${prefix}/CP-G15-N`,
      JSON.stringify([read, { ...read, checkpointId: 'CP-X' }]),
      { qos: 1 },
    );
    await publisher.publishAsync(`${prefix}/CP-S30-E`, JSON.stringify({ reads: [read] }), { qos: 1 });
    await publisher.publishAsync(`${prefix}/CP-S30-E`, 'not json {', { qos: 1 });
    await publisher.publishAsync(`${prefix}/CP-S30-E`, '42', { qos: 1 });
    await publisher.publishAsync(`${prefix}/CP-S30-E`, '[]', { qos: 1 });
    await publisher.publishAsync(`${prefix}/not a checkpoint id`, JSON.stringify(read), { qos: 1 });
    for (let i = 0; i < 100 && ingest.stats.messages < 7; i++) await new Promise((r) => setTimeout(r, 20));
    await ingest.idle();
    expect(ingest.stats).toMatchObject({ messages: 7, malformed: 4, reads: 4, failed: 0 });
    // The topic names the checkpoint; a body's own checkpointId is passed on as sent, for the
    // ingest to refuse (it is not the topic's).
    expect(batches.map((b) => b.checkpointId)).toEqual(['CP-G15-N', 'CP-G15-N', 'CP-S30-E']);
    expect(batches[1].reads.map((r) => (r as { checkpointId?: string }).checkpointId)).toEqual([
      undefined,
      'CP-X',
    ]);
  });

  it('fails clearly when the broker cannot be reached', async () => {
    await expect(
      startPlateMqttIngest({
        connection: { url: 'mqtt://127.0.0.1:1', clientIdPrefix: 'citywatch-test-unreachable' },
        topic: `${prefix}/+`,
        connectTimeoutMs: 1_000,
        onBatch: async () => ({ accepted: 0, hits: 0, invalid: 0, rejected: [] }),
      }),
    ).rejects.toThrow(/MQTT broker mqtt:\/\/127\.0\.0\.1:1 is unreachable/);
  });

  it('parses payloads defensively', () => {
    expect(parsePayload(Buffer.from(''))).toBeNull();
    expect(parsePayload(Buffer.from('null'))).toBeNull();
    expect(parsePayload(Buffer.from('{"reads":[1]}'))).toEqual([1]);
  });
});
