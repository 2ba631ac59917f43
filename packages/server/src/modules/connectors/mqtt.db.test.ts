import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { type EmbeddedBroker, type MqttConnection, startEmbeddedBroker } from '../../ingest/mqtt.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { deviceBrokerAuthority } from '../devices/broker.js';
import { subscribeConnector } from './mqtt.js';

const MOSQUITTO = process.env.CITYWATCH_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

/** A community-device register sent row by row as JSON messages (Chinese keys). */
const MAPPING = {
  target: 'sensors.devices',
  fields: {
    community: { column: '所属小区', type: 'string' },
    kind: { column: '设备类型', type: 'string' },
    name: { column: '设备名称', type: 'string' },
    code: { column: '设备编码', type: 'string' },
    address: { column: '安装地址', type: 'string' },
    lon: { column: '经度', type: 'number' },
    lat: { column: '纬度', type: 'number' },
  },
};
const KINDS = ['摄像机', '一键报警柱', '烟感', '门禁', '道闸', '人数统计'];

/**
 * An MQTT connector (数据融合) through the embedded broker (the default set-up) and the real
 * Mosquitto (production): JSON rows on a topic are gathered in batches, each batch one run with its
 * quality report, written through the community-device target. Devices sit at the bundled city's
 * real OpenStreetMap places (Shenzhen Longgang).
 */
describe(`connectors over MQTT (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let embedded: EmbeddedBroker;
  let communityId = '';
  let places: { label: string; lon: number; lat: number }[] = [];
  const run = randomBytes(4).toString('hex');
  const server = { username: 'citywatch-server', password: randomBytes(24).toString('base64url') };
  const get = (url: string) => t.as(admin, { method: 'GET', url });
  const post = (url: string, payload: unknown) =>
    t.as(admin, { method: 'POST', url, payload: payload as Record<string, unknown> });

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await get('/api/orgs')).json().items as { id: string; name: string }[];
    const c = await post('/api/sensors/communities', {
      name: '龙城花园',
      orgId: orgs.find((o) => o.name === '龙城派出所')!.id,
    });
    expect(c.statusCode, c.body).toBe(201);
    communityId = c.json().id;
    const city = await t.ctx.places.city(undefined);
    const rows = await t.ctx.db.kysely
      .selectFrom('gazetteer')
      .select(['label', 'lon', 'lat'])
      .where('city_id', '=', city.id)
      .where('kind', 'in', ['place', 'address'])
      .orderBy('id')
      .execute();
    const seen = new Set<string>();
    places = rows.filter((r) => r.label.length <= 60 && !seen.has(r.label) && seen.add(r.label));
    // The Mosquitto case publishes places 13–24.
    expect(places.length).toBeGreaterThanOrEqual(25);
    embedded = await startEmbeddedBroker(0, { authority: deviceBrokerAuthority(t.ctx.devices, server) });
  }, 240_000);
  afterAll(async () => {
    await embedded?.close();
    await t?.close();
  });

  const row = (
    p: { label: string; lon: number; lat: number },
    i: number,
    kind = KINDS[i % KINDS.length],
  ) => ({
    所属小区: '龙城花园',
    设备类型: kind,
    设备名称: `${p.label} ${kind}`,
    设备编码: `MQ-${String(i + 1).padStart(4, '0')}`,
    安装地址: p.label,
    经度: p.lon,
    纬度: p.lat,
  });

  for (const broker of ['embedded', 'mosquitto'] as const) {
    it(`registers devices from JSON rows on a topic, one run per batch (${broker})`, async () => {
      // On the embedded broker only a device publishes, and only on its own topic: the register is
      // sent by a gateway registered as a community device, on that device's topic. Mosquitto
      // (shared by parallel runs): a topic of this run's own.
      let topic = `citywatch-test-${run}/connectors/devices`;
      let publisher: mqtt.MqttClient;
      const connection: MqttConnection =
        broker === 'embedded'
          ? { url: embedded.url, ...server, clientIdPrefix: `citywatch-test-${run}` }
          : { url: MOSQUITTO, clientIdPrefix: `citywatch-test-${run}` };
      if (broker === 'embedded') {
        const gateway = await post('/api/sensors/devices', {
          communityId,
          kind: 'gate',
          name: '数据网关',
          address: places[0].label,
          lon: places[0].lon,
          lat: places[0].lat,
        });
        expect(gateway.statusCode, gateway.body).toBe(201);
        topic = gateway.json().mqttTopic;
        publisher = await mqtt.connectAsync(embedded.url, {
          clientId: `${gateway.json().id}-1`,
          username: gateway.json().id,
          password: gateway.json().token,
        });
      } else publisher = await mqtt.connectAsync(MOSQUITTO);
      const c = await post('/api/connectors', {
        name: `MQTT 设备台账 ${broker}`,
        source: { kind: 'mqtt', topic },
        mapping: MAPPING,
        batchSize: 100,
      });
      expect(c.statusCode, c.body).toBe(201);
      const connector = await t.ctx.db.kysely
        .selectFrom('connectors')
        .selectAll()
        .where('id', '=', c.json().id)
        .executeTakeFirstOrThrow();
      const errors: unknown[] = [];
      const sub = await subscribeConnector(t.ctx.connectors, connector, connection, (e) => errors.push(e), {
        batchDelayMs: 500,
        batchIdleMs: 200,
      });

      // Twelve devices: six messages of one row, one message of six rows; a message that is not
      // rows; a row of an unknown kind; a row sent again.
      const base = broker === 'embedded' ? 1 : 13;
      const mine = places.slice(base, base + 12);
      const rows = mine.map((p, i) => row(p, base + i));
      for (const r of rows.slice(0, 6)) await publisher.publishAsync(topic, JSON.stringify(r), { qos: 1 });
      await publisher.publishAsync(topic, JSON.stringify(rows.slice(6)), { qos: 1 });
      await publisher.publishAsync(topic, 'not json', { qos: 1 });
      await publisher.publishAsync(topic, JSON.stringify(row(mine[0], 900, '水表')), { qos: 1 });
      await publisher.publishAsync(topic, JSON.stringify(rows[2]), { qos: 1 });

      const runsOf = async () =>
        (await get(`/api/connectors/runs?connector=${connector.id}`)).json().items as {
          trigger: string;
          status: string;
          written: number;
          report: { read: number; duplicates: number; rejected: Record<string, number> };
        }[];
      let runs = await runsOf();
      for (let i = 0; i < 300 && runs.reduce((n, r) => n + (r.report?.read ?? 0), 0) < 14; i++) {
        await new Promise((r) => setTimeout(r, 100));
        runs = await runsOf();
      }
      await sub.idle();
      await sub.close();
      await publisher.endAsync();
      if (broker === 'mosquitto') {
        // The persistent session of this connector's client id, ended.
        const cleanup = await mqtt.connectAsync(MOSQUITTO, {
          clientId: `${connection.clientIdPrefix}-connector-${connector.id}`,
          clean: true,
        });
        await cleanup.endAsync();
      }
      expect(errors).toEqual([]);
      expect(sub.unreadable()).toBe(1);
      expect(runs.length).toBeGreaterThanOrEqual(1);
      expect(runs.every((r) => r.trigger === 'mqtt' && r.status === 'succeeded')).toBe(true);
      const sum = (f: (r: (typeof runs)[number]) => number) => runs.reduce((n, r) => n + f(r), 0);
      expect(sum((r) => r.report.read)).toBe(14);
      expect(sum((r) => r.written)).toBe(12);
      expect(sum((r) => r.report.rejected.unknown_kind ?? 0)).toBe(1);
      expect(sum((r) => r.report.duplicates)).toBe(1);
      // In the registry at their places.
      const listed = (await get(`/api/sensors/devices?communityId=${communityId}`)).json().items as {
        name: string;
        lon: number;
        lat: number;
        address: string;
      }[];
      for (const [i, p] of mine.entries()) {
        const d = listed.find((x) => x.name === `${rows[i].设备名称}（${rows[i].设备编码}）`);
        expect(d, p.label).toBeDefined();
        expect([d!.lon, d!.lat, d!.address]).toEqual([p.lon, p.lat, p.label]);
      }
    }, 120_000);
  }
});
