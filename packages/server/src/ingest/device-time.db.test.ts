import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../demo.js';
import { deviceBrokerAuthority } from '../modules/devices/broker.js';
import { startAvlMqttIngest } from '../modules/dispatch/avl-mqtt.js';
import { startSensorsMqttIngest } from '../modules/sensors/mqtt.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../test/app.js';
import { asDevice, issueDevice } from '../test/devices.js';
import { DEFAULT_FUTURE_TOLERANCE_S, parseFutureToleranceMs } from './device-time.js';
import { DeviceDrops, DROP_LOG_EVERY_MS } from './drops.js';
import { type EmbeddedBroker, startEmbeddedBroker } from './mqtt.js';

/** One counter's value as /metrics serves it (0 when the series is not there yet). */
async function dropped(t: TestApp, source: string, reason: string): Promise<number> {
  const r = await t.app.inject({ method: 'GET', url: '/metrics' });
  expect(r.statusCode).toBe(200);
  const line = r.body
    .split('\n')
    .find((l) =>
      l.startsWith(`citywatch_device_messages_dropped_total{source="${source}",reason="${reason}"}`),
    );
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('device time tolerance and the drop counter (no database)', () => {
  it('defaults to 5 s; takes seconds from the environment; refuses nonsense', () => {
    expect(DEFAULT_FUTURE_TOLERANCE_S).toBe(5);
    expect(parseFutureToleranceMs(undefined)).toBe(5_000);
    expect(parseFutureToleranceMs('2.5')).toBe(2_500);
    expect(() => parseFutureToleranceMs('-1')).toThrow(/CITYWATCH_DEVICE_FUTURE_TOLERANCE_S/);
    expect(() => parseFutureToleranceMs('soon')).toThrow(/CITYWATCH_DEVICE_FUTURE_TOLERANCE_S/);
  });

  it('logs a flood of drops once per interval, with how many were dropped since', async () => {
    let now = 0;
    const drops = new DeviceDrops(() => now);
    const lines: { obj: Record<string, unknown>; msg: string }[] = [];
    drops.useLog({ warn: (obj, msg) => lines.push({ obj: obj as Record<string, unknown>, msg }) });
    for (let i = 0; i < 1000; i++) drops.count('sensors', 'malformed');
    drops.count('avl', 'in_the_future');
    expect(lines.map((l) => l.obj)).toEqual([
      { source: 'sensors', reason: 'malformed', dropped: 1 },
      { source: 'avl', reason: 'in_the_future', dropped: 1 },
    ]);
    now += DROP_LOG_EVERY_MS;
    drops.count('sensors', 'malformed');
    expect(lines.at(-1)?.obj).toEqual({ source: 'sensors', reason: 'malformed', dropped: 1000 });
    expect(await drops.total('sensors', 'malformed')).toBe(1001);
  });
});

describe(`device time and drops (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let broker: EmbeddedBroker;
  const server = { username: 'citywatch-server', password: randomBytes(24).toString('base64url') };
  const clientIdPrefix = `cw-time-${randomBytes(3).toString('hex')}`;
  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    broker = await startEmbeddedBroker(0, { authority: deviceBrokerAuthority(t.ctx.devices, server) });
  });
  afterAll(async () => {
    await broker.close();
    await t.close();
  });

  it('a fix stamped 60 s ahead is refused and counted: it does not pin the unit against genuine fixes', async () => {
    const unit = await t.ctx.dispatch.createUnit({ callSign: 'TIME01', kind: 'patrol_car' });
    const terminal = await issueDevice(t, { unitId: unit.id });
    const post = (positions: unknown[]) =>
      asDevice(t, terminal.token, { method: 'POST', url: '/api/dispatch/avl', payload: { positions } });
    const before = await dropped(t, 'avl', 'in_the_future');
    const at = (offsetMs: number) => new Date(t.ctx.now().getTime() + offsetMs).toISOString();
    const ahead = await post([{ unitId: unit.id, at: at(60_000), lon: 114.2225, lat: 22.6955 }]);
    expect(ahead.json()).toMatchObject({ accepted: 0, rejected: [{ index: 0, reason: 'in_the_future' }] });
    // A genuine fix 10 s later moves the unit (a pinned one would stay at the future fix).
    t.advance(10_000);
    const genuine = await post([{ unitId: unit.id, at: at(0), lon: 114.2005, lat: 22.6805 }]);
    expect(genuine.json()).toMatchObject({ accepted: 1, outOfOrder: 0, rejected: [] });
    expect(await t.ctx.dispatch.unit(unit.id)).toMatchObject({ lon: 114.2005, lat: 22.6805 });
    // Within the tolerance (a clock 3 s ahead) is taken.
    const close = await post([{ unitId: unit.id, at: at(3_000), lon: 114.1955, lat: 22.6955 }]);
    expect(close.json()).toMatchObject({ accepted: 1, rejected: [] });
    expect(await dropped(t, 'avl', 'in_the_future')).toBe(before + 1);
  });

  it('malformed MQTT messages (sensor and AVL) show on /metrics by source and reason', async () => {
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgId = (
      await t.ctx.db.kysely
        .selectFrom('users')
        .select('org_id')
        .where('username', '=', 'admin')
        .executeTakeFirstOrThrow()
    ).org_id;
    const community = (
      await t.as(admin, {
        method: 'POST',
        url: '/api/sensors/communities',
        payload: { name: '时钟小区', orgId },
      })
    ).json();
    const door = (
      await t.as(admin, {
        method: 'POST',
        url: '/api/sensors/devices',
        payload: {
          communityId: community.id,
          kind: 'door',
          name: '1号门禁',
          address: '时钟小区1号门',
          lon: 114.2005,
          lat: 22.6805,
        },
      })
    ).json();
    const unit = await t.ctx.dispatch.createUnit({ callSign: 'TIME02', kind: 'patrol_car' });
    const terminal = await issueDevice(t, { unitId: unit.id });
    const connection = { url: broker.url, ...server, clientIdPrefix };
    const sensors = await startSensorsMqttIngest(t.ctx.sensors, connection, () => {});
    const avl = await startAvlMqttIngest(t.ctx, connection, () => {});
    const before = {
      sensors: await dropped(t, 'sensors', 'malformed'),
      avl: await dropped(t, 'avl', 'malformed'),
    };
    const doorClient = await mqtt.connectAsync(broker.url, {
      clientId: `${door.id}-1`,
      username: door.id,
      password: door.token,
      reconnectPeriod: 0,
    });
    const avlClient = await mqtt.connectAsync(broker.url, {
      clientId: `${terminal.id}-1`,
      username: terminal.id,
      password: terminal.token,
      reconnectPeriod: 0,
    });
    try {
      await doorClient.publishAsync(door.mqttTopic, '{"type":"heartbeat"', { qos: 1 });
      await doorClient.publishAsync(door.mqttTopic, '{"type":"selfie"}', { qos: 1 });
      await doorClient.publishAsync(door.mqttTopic, '{"type":"heartbeat"}', { qos: 1 });
      await avlClient.publishAsync(`citywatch/avl/${unit.id}`, 'not json', { qos: 1 });
      for (let i = 0; i < 200 && (avl.stats.messages < 1 || t.ctx.sensors.stats.heartbeats < 1); i++)
        await new Promise((r) => setTimeout(r, 20));
      await sensors.idle();
      await avl.subscription.idle();
    } finally {
      await doorClient.endAsync(true);
      await avlClient.endAsync(true);
      await sensors.close();
      await avl.subscription.close();
    }
    expect(await dropped(t, 'sensors', 'malformed')).toBe(before.sensors + 2);
    expect(await dropped(t, 'avl', 'malformed')).toBe(before.avl + 1);
    // The good heartbeat was written with its batch before it was acknowledged.
    const row = await t.ctx.db.kysely
      .selectFrom('sensor_devices')
      .select(['online', 'last_seen_at'])
      .where('id', '=', door.id)
      .executeTakeFirstOrThrow();
    expect(row.online).toBe(true);
    expect(row.last_seen_at).not.toBeNull();
  });
});
