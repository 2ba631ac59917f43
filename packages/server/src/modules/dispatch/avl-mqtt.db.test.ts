import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../ingest/mqtt.js';
import { createTestApp, type TestApp } from '../../test/app.js';
import { startAvlMqttIngest } from './avl-mqtt.js';

const MOSQUITTO = process.env.CITYWATCH_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

/** AVL over MQTT through the embedded broker (default set-up) and the real Mosquitto (production). */
describe(`AVL over MQTT (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let embedded: EmbeddedBroker;
  let unitId: string;
  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    unitId = (await t.ctx.dispatch.createUnit({ callSign: 'MQTT01', kind: 'patrol_car' })).id;
    embedded = await startEmbeddedBroker(0);
  });
  afterAll(async () => {
    await embedded.close();
    await t.close();
  });

  for (const broker of ['embedded', 'mosquitto'] as const) {
    it(`moves a unit from a fix published on citywatch/avl/<unitId> (${broker})`, async () => {
      const url = broker === 'embedded' ? embedded.url : MOSQUITTO;
      // A topic of this run's own, so parallel runs on the shared Mosquitto do not see each other.
      const prefix = `citywatch-test-${process.pid}-${broker}/avl`;
      const ingest = await startAvlMqttIngest(t.ctx, url, () => {}, `${prefix}/+`);
      const device = await mqtt.connectAsync(url);
      t.advance(1000);
      const at = t.ctx.now().toISOString();
      const lon = broker === 'embedded' ? 114.2005 : 114.2225;
      await device.publishAsync(`${prefix}/${unitId}`, JSON.stringify({ at, lon, lat: 22.6805 }), { qos: 1 });
      await device.publishAsync(`${prefix}/${unitId}`, 'not json', { qos: 1 });
      await device.publishAsync(`${prefix}/not-a-unit`, JSON.stringify({ at, lon, lat: 22.6805 }), {
        qos: 1,
      });
      for (let i = 0; i < 100 && ingest.stats.messages < 3; i++) await new Promise((r) => setTimeout(r, 20));
      await ingest.subscription.idle();
      await device.endAsync();
      await ingest.subscription.close();
      expect(ingest.stats).toMatchObject({ messages: 3, malformed: 2, accepted: 1, failed: 0 });
      const unit = await t.ctx.dispatch.unit(unitId);
      expect(unit.lon).toBe(lon);
      expect(unit.lastAt).toBe(at);
    });
  }

  it('fails clearly when the broker is unreachable', async () => {
    await expect(startAvlMqttIngest(t.ctx, 'mqtt://127.0.0.1:1', () => {})).rejects.toThrow(/unreachable/);
  });
});
