import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import {
  type EmbeddedBroker,
  type MqttConnection,
  redactUrl,
  startEmbeddedBroker,
  subscribeMqtt,
} from '../../ingest/mqtt.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { issueDevice } from '../../test/devices.js';
import { type PlateMqttIngest, startPlateMqttIngest } from '../perimeter/plates-mqtt.js';
import { deviceBrokerAuthority } from './broker.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, ms = 5_000) {
  for (const end = Date.now() + ms; Date.now() < end && !check(); ) await sleep(20);
}

/**
 * The embedded broker is closed: clients authenticate (devices by id and token, the server by a
 * credential made at start), a device publishes only on its own topic, nothing is retained, only
 * the server subscribes; the topic decides the checkpoint; a message is acknowledged once processed.
 */
describe(`the embedded MQTT broker is closed (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let broker: EmbeddedBroker;
  let ingest: PlateMqttIngest;
  let camA: { id: string; token: string };
  let camB: { id: string; token: string };
  const logged: string[] = [];
  const server = { username: 'citywatch-server', password: randomBytes(24).toString('base64url') };
  let connection: MqttConnection;
  const clients: mqtt.MqttClient[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgId = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items[0].id;
    for (const [id, lon, lat] of [
      ['CP-MQ-A', 114.2005, 22.6805],
      ['CP-MQ-B', 114.2225, 22.6955],
    ] as const) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/perimeter/checkpoints',
        payload: { id, name: id, kind: 'camera', orgId, lon, lat },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    camA = await issueDevice(t, { checkpointId: 'CP-MQ-A' });
    camB = await issueDevice(t, { checkpointId: 'CP-MQ-B' });
    broker = await startEmbeddedBroker(0, {
      authority: deviceBrokerAuthority(t.ctx.devices, server),
      log: (obj, msg) => logged.push(`${msg} ${JSON.stringify(obj)}`),
    });
    connection = {
      url: broker.url,
      ...server,
      clientIdPrefix: `citywatch-test-${randomBytes(3).toString('hex')}`,
    };
    // As the perimeter module does: the topic is the checkpoint.
    ingest = await startPlateMqttIngest({
      connection,
      topic: 'citywatch/plates/+',
      onBatch: (reads, checkpointId, topic) =>
        t.ctx.perimeter.plates.ingest(reads, { userId: null, username: `mqtt:${topic}`, checkpointId }),
    });
  });
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => {});
    await ingest.close();
    await broker.close();
    await t.close();
  });

  const connectAs = async (device: { id: string; token: string }, clientId = `${device.id}-test`) => {
    const c = await mqtt.connectAsync(broker.url, {
      clientId,
      username: device.id,
      password: device.token,
      reconnectPeriod: 0,
    });
    clients.push(c);
    return c;
  };
  const closed = (c: mqtt.MqttClient) => new Promise<void>((resolve) => c.once('close', () => resolve()));
  const read = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({ plate: '粤B12345', at: t.ctx.now().toISOString(), direction: 'in', ...extra });

  it('refuses a client without credentials, with a wrong token, or under another client id', async () => {
    const refused = (options: mqtt.IClientOptions) =>
      mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 3_000, ...options });
    await expect(refused({})).rejects.toThrow(/not authorized|bad user/i);
    await expect(refused({ username: camA.id, password: 'cwd_wrong-token-of-some-length' })).rejects.toThrow(
      /not authorized|bad user/i,
    );
    // camB's token does not open camA's name.
    await expect(
      refused({ clientId: `${camA.id}-x`, username: camA.id, password: camB.token }),
    ).rejects.toThrow();
    // A device cannot take over another client's session: its client id must begin with its id.
    await expect(
      refused({ clientId: `${connection.clientIdPrefix}-plates`, username: camA.id, password: camA.token }),
    ).rejects.toThrow();
    expect(broker.refusals.connect).toBeGreaterThanOrEqual(4);
    // The server's ingest is still connected (its session was not taken over).
    expect(ingest.client.connected).toBe(true);
    // No token went into a log line.
    expect(logged.join('\n')).not.toContain(camA.token);
    expect(logged.join('\n')).not.toContain(camB.token);
  });

  it('lets no one but the server subscribe', async () => {
    const a = await connectAs(camA);
    // SUBACK 128 (failure) for each: mqtt.js rejects the subscription.
    for (const topic of ['citywatch/plates/+', 'citywatch/plates/CP-MQ-A', 'citywatch/#', '#']) {
      await expect(a.subscribeAsync(topic, { qos: 1 })).rejects.toThrow(/Subscribe error/);
    }
    expect(broker.refusals.subscribe).toBe(4);
    const seen: string[] = [];
    a.on('message', (topic) => seen.push(topic));
    const b = await connectAs(camB);
    await b.publishAsync('citywatch/plates/CP-MQ-B', read(), { qos: 1 });
    await until(() => ingest.stats.messages >= 1);
    await sleep(100);
    expect(seen).toEqual([]);
  });

  it('a camera publishes on its own checkpoint’s topic only; the topic decides the checkpoint', async () => {
    const before = { ...ingest.stats };
    const a = await connectAs(camA);
    await a.publishAsync('citywatch/plates/CP-MQ-A', read(), { qos: 1 });
    // A read whose body names another checkpoint is refused (and audited), the others taken.
    await a.publishAsync('citywatch/plates/CP-MQ-A', `[${read({ checkpointId: 'CP-MQ-B' })},${read()}]`, {
      qos: 1,
    });
    await until(() => ingest.stats.messages >= before.messages + 2);
    await ingest.idle();
    expect(ingest.stats.reads - before.reads).toBe(2);
    expect(ingest.stats.rejected - before.rejected).toBe(1);
    const audit = await t.testDb.db.kysely
      .selectFrom('audit_log')
      .select(['username', 'detail'])
      .where('action', '=', 'permission_denied')
      .where('resource', '=', 'checkpoint:CP-MQ-A')
      .execute();
    expect(audit.at(-1)).toMatchObject({
      username: 'mqtt:citywatch/plates/CP-MQ-A',
      detail: { reason: 'not_bound_checkpoint', claimed: ['CP-MQ-B'] },
    });

    // Another checkpoint's topic, or an AVL topic: the broker drops the connection, nothing arrives.
    for (const topic of [
      'citywatch/plates/CP-MQ-B',
      `citywatch/avl/${camA.id}`,
      'citywatch/plates/CP-MQ-A/x',
    ]) {
      const c = await connectAs(camA, `${camA.id}-${topic.length}`);
      const gone = closed(c);
      c.publish(topic, read(), { qos: 1 });
      await gone;
    }
    await sleep(100);
    expect(ingest.stats.messages).toBe(before.messages + 2);
    expect(broker.refusals.publish).toBeGreaterThanOrEqual(3);
  });

  it('refuses retained messages, even on the device’s own topic', async () => {
    const before = ingest.stats.messages;
    const a = await connectAs(camA, `${camA.id}-retain`);
    const gone = closed(a);
    a.publish('citywatch/plates/CP-MQ-A', read(), { qos: 1, retain: true });
    await gone;
    await sleep(100);
    expect(ingest.stats.messages).toBe(before);
    expect(broker.refusals.retain).toBe(1);
  });

  it('drops a revoked camera’s connection and refuses it afterwards', async () => {
    const cam = await issueDevice(t, { checkpointId: 'CP-MQ-A' });
    const c = await connectAs(cam);
    const gone = closed(c);
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const r = await t.as(admin, {
      method: 'POST',
      url: `/api/devices/${cam.id}/revoke`,
      payload: { reason: '被盗' },
    });
    expect(r.statusCode, r.body).toBe(200);
    await gone;
    await expect(
      mqtt.connectAsync(broker.url, {
        clientId: `${cam.id}-again`,
        username: cam.id,
        password: cam.token,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow();
  });

  it('acknowledges a message only once processed: what was not is delivered again to the session', async () => {
    const topic = 'citywatch/plates/CP-MQ-B';
    const clientId = `${connection.clientIdPrefix}-acks`;
    const handled: string[] = [];
    let release: (fail: boolean) => void = () => {};
    const blocked = new Promise<boolean>((resolve) => {
      release = resolve;
    });
    const first = await subscribeMqtt({
      connection,
      clientId,
      topic,
      onMessage: async (_topic, payload) => {
        handled.push(payload.toString());
        // The first message hangs, then fails: as if the process died while working on it.
        if (await blocked) throw new Error('crashed');
      },
    });
    const b = await connectAs(camB, `${camB.id}-acks`);
    for (const n of ['m1', 'm2']) await b.publishAsync(topic, n, { qos: 1 });
    await until(() => handled.length >= 1);
    await sleep(200);
    // One message in flight: the next waits at the broker, not in a queue here.
    expect(handled).toEqual(['m1']);
    const stopping = first.close();
    release(true);
    await stopping;
    // Published while the server is away: kept for its session.
    await b.publishAsync(topic, 'm3', { qos: 1 });

    const again: string[] = [];
    const second = await subscribeMqtt({
      connection,
      clientId,
      topic,
      onMessage: async (_topic, payload) => {
        again.push(payload.toString());
      },
    });
    await until(() => again.length >= 3);
    await second.idle();
    expect([...new Set(again)].sort()).toEqual(['m1', 'm2', 'm3']);
    await second.close();
  });

  it('names a broker without its credentials', async () => {
    expect(redactUrl('mqtts://citywatch:s3cret@broker.local:8883')).toBe('mqtts://broker.local:8883');
    const error = await subscribeMqtt({
      connection: { url: 'mqtt://citywatch:s3cret@127.0.0.1:1', password: 's3cret', clientIdPrefix: 'x' },
      clientId: 'x-test',
      topic: 'citywatch/plates/+',
      connectTimeoutMs: 1_000,
      onMessage: async () => {},
    }).catch((e: Error) => e);
    expect(String(error)).toMatch(/unreachable/);
    expect(`${String(error)} ${(error as Error).stack}`).not.toContain('s3cret');
    const refused = await subscribeMqtt({
      connection: {
        url: broker.url,
        username: server.username,
        password: 'wrong-s3cret',
        clientIdPrefix: 'x',
      },
      clientId: 'x-refused',
      topic: 'citywatch/plates/+',
      connectTimeoutMs: 2_000,
      onMessage: async () => {},
    }).catch((e: Error) => e);
    expect(String(refused)).toMatch(/not authorized|unreachable/i);
    expect(`${String(refused)} ${(refused as Error).stack}`).not.toContain('wrong-s3cret');
  });
});
