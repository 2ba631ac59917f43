import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../ingest/mqtt.js';
import { createTestApp, type TestApp } from '../../test/app.js';
import { asDevice } from '../../test/devices.js';
import { deviceBrokerAuthority } from './broker.js';

/** A community sensor is a device bound to itself: its token opens its own topic and nothing else. */
describe(`community sensors as device principals (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let broker: EmbeddedBroker;
  const server = { username: 'citywatch-server', password: randomBytes(24).toString('base64url') };
  const clients: mqtt.MqttClient[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    broker = await startEmbeddedBroker(0, { authority: deviceBrokerAuthority(t.ctx.devices, server) });
  });
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => {});
    await broker.close();
    await t.close();
  });

  it('issues a sensor token bound to itself; its topic is its own id; revocation stops it', {
    timeout: 20_000,
  }, async () => {
    const org = await t.ctx.db.kysely
      .selectFrom('orgs')
      .select('id')
      .orderBy('path')
      .executeTakeFirstOrThrow();
    const a = await t.ctx.devices.issueSensor(null, 'alarm button A', org.id);
    const b = await t.ctx.devices.issueSensor(null, 'smoke B', org.id);
    expect(a.kind).toBe('sensor');
    expect(a.mqttTopic).toBe(`citywatch/sensors/${a.id}`);
    expect(a.checkpointId).toBeNull();
    expect(await t.ctx.devices.authenticate(a.token)).toMatchObject({ deviceId: a.id, kind: 'sensor' });
    // Audited naming the device.
    const audit = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select('resource')
      .where('resource', '=', `device:${a.id}`)
      .execute();
    expect(audit.length).toBe(1);

    const seen: string[] = [];
    const sub = await mqtt.connectAsync(broker.url, { ...server, clientId: 'srv-test', reconnectPeriod: 0 });
    clients.push(sub);
    sub.on('message', (topic) => seen.push(topic));
    await sub.subscribeAsync('citywatch/sensors/+', { qos: 1 });
    const c = await mqtt.connectAsync(broker.url, {
      clientId: `${a.id}-1`,
      username: a.id,
      password: a.token,
      reconnectPeriod: 0,
    });
    clients.push(c);
    await c.publishAsync(a.mqttTopic, '{"type":"heartbeat"}', { qos: 1 });
    const before = broker.refusals.publish;
    // Another sensor's topic, and a plate topic, are refused (the broker drops the connection).
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.publish(b.mqttTopic, '{"type":"heartbeat"}', { qos: 1 });
    await closed;
    for (let i = 0; i < 100 && seen.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([a.mqttTopic]);
    expect(broker.refusals.publish).toBe(before + 1);

    // A sensor token does not open a camera's route.
    const r = await asDevice(t, a.token, { method: 'POST', url: '/api/perimeter/reads', payload: [] });
    expect([401, 403, 404]).toContain(r.statusCode);

    const admin = await t.login('admin', 'correct-horse-battery');
    const revoked = await t.as(admin, {
      method: 'POST',
      url: `/api/devices/${b.id}/revoke`,
      payload: { reason: 'test revoke' },
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(await t.ctx.devices.authenticate(b.token)).toBeNull();
  });
});
