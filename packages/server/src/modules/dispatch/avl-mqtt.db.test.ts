import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { type EmbeddedBroker, type MqttConnection, startEmbeddedBroker } from '../../ingest/mqtt.js';
import { createTestApp, type TestApp } from '../../test/app.js';
import { issueDevice } from '../../test/devices.js';
import { deviceBrokerAuthority } from '../devices/broker.js';
import { startAvlMqttIngest } from './avl-mqtt.js';

const MOSQUITTO = process.env.CITYWATCH_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

/** AVL over MQTT through the embedded broker (default set-up) and the real Mosquitto (production). */
describe(`AVL over MQTT (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let embedded: EmbeddedBroker;
  let unitId: string;
  let terminal: { id: string; token: string };
  const run = randomBytes(4).toString('hex');
  const server = { username: 'citywatch-server', password: randomBytes(24).toString('base64url') };
  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    unitId = (await t.ctx.dispatch.createUnit({ callSign: 'MQTT01', kind: 'patrol_car' })).id;
    terminal = await issueDevice(t, { unitId });
    embedded = await startEmbeddedBroker(0, { authority: deviceBrokerAuthority(t.ctx.devices, server) });
  });
  afterAll(async () => {
    await embedded.close();
    await t.close();
  });

  for (const broker of ['embedded', 'mosquitto'] as const) {
    it(`moves a unit from a fix published on its topic (${broker})`, async () => {
      // The embedded broker: the server by its credential, the terminal by its token, on the real
      // topic. Mosquitto (shared by parallel runs): a topic of this run's own.
      const connection: MqttConnection =
        broker === 'embedded'
          ? { url: embedded.url, ...server, clientIdPrefix: `citywatch-test-${run}` }
          : { url: MOSQUITTO, clientIdPrefix: `citywatch-test-${run}` };
      const prefix = broker === 'embedded' ? 'citywatch/avl' : `citywatch-test-${run}/avl`;
      const ingest = await startAvlMqttIngest(t.ctx, connection, () => {}, { topic: `${prefix}/+` });
      const device =
        broker === 'embedded'
          ? await mqtt.connectAsync(embedded.url, {
              clientId: `${terminal.id}-1`,
              username: terminal.id,
              password: terminal.token,
            })
          : await mqtt.connectAsync(MOSQUITTO);
      t.advance(1000);
      const at = t.ctx.now().toISOString();
      const lon = broker === 'embedded' ? 114.2005 : 114.2225;
      await device.publishAsync(`${prefix}/${unitId}`, JSON.stringify({ at, lon, lat: 22.6805 }), { qos: 1 });
      await device.publishAsync(`${prefix}/${unitId}`, 'not json', { qos: 1 });
      // The topic decides the unit: a fix naming one in its body is malformed.
      await device.publishAsync(`${prefix}/${unitId}`, JSON.stringify({ unitId, at, lon, lat: 22.6805 }), {
        qos: 1,
      });
      for (let i = 0; i < 100 && ingest.stats.messages < 3; i++) await new Promise((r) => setTimeout(r, 20));
      await ingest.subscription.idle();
      await device.endAsync();
      await ingest.subscription.close();
      if (broker === 'mosquitto') {
        const cleanup = await mqtt.connectAsync(MOSQUITTO, {
          clientId: `${connection.clientIdPrefix}-avl`,
          clean: true,
        });
        await cleanup.endAsync();
      }
      expect(ingest.stats).toMatchObject({ messages: 3, malformed: 2, accepted: 1, failed: 0 });
      const unit = await t.ctx.dispatch.unit(unitId);
      expect(unit.lon).toBe(lon);
      expect(unit.lastAt).toBe(at);
    });
  }

  it('fails clearly when the broker is unreachable', async () => {
    await expect(
      startAvlMqttIngest(t.ctx, { url: 'mqtt://127.0.0.1:1', clientIdPrefix: 'x' }, () => {}),
    ).rejects.toThrow(/unreachable/);
  });
});
