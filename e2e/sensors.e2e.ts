import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, signInThroughPage } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');
// 龙城派出所's area on the bundled Longgang extract (a road spot).
const SPOT = { lon: 114.1955, lat: 22.6955 };

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[] = [];
let adminCookie = '';
let commanderCookie = '';

async function call(cookie: string, method: string, url: string, body?: unknown): Promise<Response> {
  return fetch(`${server.baseUrl}${url}`, {
    method,
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
async function login(username: string, password: string): Promise<string> {
  const r = await fetch(`${server.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(r.status).toBe(200);
  return (r.headers.get('set-cookie') ?? '').split(';')[0];
}
/** A device speaks with its own token, never a session. */
function asDevice(token: string, body: unknown): Promise<Response> {
  return fetch(`${server.baseUrl}/api/sensors/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('smart-community devices (智慧安防) against the real server', () => {
  let communityId = '';
  let button = { id: '', token: '' };
  let counter = { id: '', token: '' };
  let areaId = '';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ demo: true });
    adminCookie = await login('admin', server.adminPassword);
    const orgs = (await (await call(adminCookie, 'GET', '/api/orgs')).json()) as {
      items: { id: string; name: string }[];
    };
    const station = orgs.items.find((o) => o.name === '龙城派出所')!;
    const user = await call(adminCookie, 'POST', '/api/users', {
      username: 'e2e.commander',
      displayName: '龙城指挥员',
      password: 'e2e-commander-password',
      orgId: station.id,
      roles: ['commander'],
    });
    expect(user.status, await user.text()).toBe(201);
    commanderCookie = await login('e2e.commander', 'e2e-commander-password');
    const community = await call(commanderCookie, 'POST', '/api/sensors/communities', {
      name: '龙城花园',
      orgId: station.id,
    });
    expect(community.status, await community.clone().text()).toBe(201);
    communityId = ((await community.json()) as { id: string }).id;
    const register = async (kind: string, name: string, at = SPOT) => {
      const r = await call(commanderCookie, 'POST', '/api/sensors/devices', {
        communityId,
        kind,
        name,
        address: `龙城街道龙城花园 ${name}`,
        ...at,
      });
      expect(r.status, await r.clone().text()).toBe(201);
      return (await r.json()) as { id: string; token: string };
    };
    button = await register('alarm_button', '3栋一键报警柱');
    const door = await register('door', '北门门禁', { lon: SPOT.lon + 0.001, lat: SPOT.lat + 0.0005 });
    await register('camera', '南门摄像机', { lon: SPOT.lon - 0.001, lat: SPOT.lat - 0.0005 });
    counter = await register('crowd_counter', '广场人数统计', {
      lon: SPOT.lon + 0.0005,
      lat: SPOT.lat - 0.001,
    });
    for (const d of [button, door, counter])
      expect((await asDevice(d.token, { type: 'heartbeat' })).status).toBe(200);
    expect((await asDevice(door.token, { type: 'event', event: 'open', count: 12 })).status).toBe(200);
    // A crowd area drawn for the day around the square, and a rising count from its counter.
    const [dx, dy] = [0.0012, 0.0009];
    const ring = [
      [SPOT.lon - dx, SPOT.lat - dy - 0.001],
      [SPOT.lon + dx, SPOT.lat - dy - 0.001],
      [SPOT.lon + dx, SPOT.lat + dy - 0.001],
      [SPOT.lon - dx, SPOT.lat + dy - 0.001],
      [SPOT.lon - dx, SPOT.lat - dy - 0.001],
    ];
    const area = await call(commanderCookie, 'POST', '/api/sensors/crowd-areas', {
      name: '龙城广场灯会',
      orgId: station.id,
      ring,
      warnDensity: 1,
      alarmDensity: 2,
      capacity: 200_000,
    });
    expect(area.status, await area.clone().text()).toBe(201);
    areaId = ((await area.json()) as { id: string }).id;
    for (const count of [8_000, 12_000, 19_000, 26_000]) {
      expect((await asDevice(counter.token, { type: 'count', areaId, count, source: 'drone' })).status).toBe(
        200,
      );
    }
    browser = await launchChromium();
    context = await browser.newContext({
      viewport: { width: 1680, height: 1000 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    problems = collectPageErrors(page);
  }, 240_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    await page.screenshot({ path: path.join(SHOTS, 'FAILED-sensors.png') }).catch(() => {});
    console.error(`server output:\n${server.output().split('\n').slice(-30).join('\n')}`);
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  }, 30_000);

  it('an alarm-button press (the device with its own token) becomes an incident in the console', async () => {
    await signInThroughPage(page, `${server.baseUrl}/dispatch`, 'e2e.commander', 'e2e-commander-password');
    await page.getByTestId('queue').waitFor();
    // The press comes from the device, over HTTP with its token, while the console is open.
    expect((await asDevice(button.token, { type: 'event', event: 'press' })).status).toBe(200);
    const alarms = (await (await call(commanderCookie, 'GET', '/api/sensors/alarms')).json()) as {
      items: { deviceId: string; type: string; incidentId: string | null }[];
    };
    const alarm = alarms.items.find((a) => a.deviceId === button.id && a.type === 'alarm_button');
    expect(alarm?.incidentId).toBeTruthy();
    const incident = (await (
      await call(commanderCookie, 'GET', `/api/dispatch/incidents/${alarm!.incidentId}`)
    ).json()) as {
      number: string;
      priority: string;
      addressLabel: string;
    };
    expect(incident).toMatchObject({ priority: 'P1', addressLabel: '龙城街道龙城花园 3栋一键报警柱' });
    // Live: the queue shows it without a reload.
    const item = page.getByTestId(`queue-item-${incident.number}`);
    await item.waitFor({ timeout: 15_000 });
    expect(await item.textContent()).toContain('3栋一键报警柱');
    await item.click();
    await page.getByTestId('detail-number').waitFor();
    expect(await page.getByTestId('detail-number').textContent()).toBe(incident.number);
    await page.screenshot({ path: path.join(SHOTS, 'sensors-console-incident.png') });
  });

  it('the devices page shows devices by state, the alarm with acknowledge and clear, online rate and crowd areas', async () => {
    await page.goto(`${server.baseUrl}/sensors`);
    await page.getByTestId('sensors-page').waitFor();
    expect(await page.locator('.ant-menu-item-selected').textContent()).toContain('智慧安防');
    const alarms = page.getByTestId('sensors-alarms');
    await alarms.getByText('一键报警', { exact: true }).waitFor();
    expect(await alarms.textContent()).toContain('已生成警情');
    expect(await alarms.textContent()).toContain('3栋一键报警柱');
    // Online rate: three of four devices spoke (the camera never did).
    await page
      .getByTestId('sensors-communities')
      .getByText(/在线 3\/4/)
      .waitFor();
    // The crowd area with its latest count (about 26,000 people on about 49,000 m²) and its trend.
    const crowd = page.getByTestId('sensors-crowd');
    await crowd.getByText('龙城广场灯会').waitFor();
    expect(await crowd.textContent()).toContain('26000 人');
    await page.getByTestId('sensors-trend').locator('canvas').waitFor();
    // The map has drawn the devices.
    await page.waitForFunction(() => document.querySelectorAll('canvas.maplibregl-canvas').length > 0);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(SHOTS, 'sensors-page.png') });

    // Acknowledge, then clear: the alarm leaves the list of uncleared alarms.
    const row = alarms.locator('[data-testid^="alarm-"]').filter({ hasText: '3栋一键报警柱' });
    await row.getByRole('button', { name: '确认' }).click();
    await row.getByText('已确认', { exact: true }).waitFor();
    await row.getByRole('button', { name: '清除' }).click();
    await alarms.getByText('3栋一键报警柱').waitFor({ state: 'detached' });
    await page.screenshot({ path: path.join(SHOTS, 'sensors-cleared.png') });
    const all = (await (await call(commanderCookie, 'GET', '/api/sensors/alarms?active=false')).json()) as {
      items: { deviceId: string; status: string; acknowledgedBy: string | null; clearedBy: string | null }[];
    };
    expect(all.items.find((a) => a.deviceId === button.id)).toMatchObject({
      status: 'cleared_ack',
      acknowledgedBy: 'e2e.commander',
      clearedBy: 'e2e.commander',
    });
    expect(problems).toEqual([]);
  });

  it('a camera that goes silent opens a fault ticket, listed on the 故障工单 tab and closed with a note', async () => {
    const r = await call(commanderCookie, 'POST', '/api/sensors/devices', {
      communityId,
      kind: 'camera',
      name: '东门摄像机',
      address: '龙城街道龙城花园 东门',
      streamUrl: 'https://video.example/east.m3u8',
      inactivityS: 10,
      lon: SPOT.lon + 0.0015,
      lat: SPOT.lat,
    });
    expect(r.status, await r.clone().text()).toBe(201);
    const camera = (await r.json()) as { id: string; token: string };
    expect((await asDevice(camera.token, { type: 'heartbeat' })).status).toBe(200);
    // Then silent past its 10 s timeout: the offline sweep marks it offline and opens the ticket.
    type T = {
      id: string;
      deviceId: string;
      state: string;
      closedBy: string | null;
      closeNote: string | null;
    };
    const ticketOf = async (open: boolean) =>
      (
        (await (await call(commanderCookie, 'GET', `/api/sensors/tickets?open=${open}`)).json()) as {
          items: T[];
        }
      ).items.find((k) => k.deviceId === camera.id);
    const deadline = Date.now() + 60_000;
    while (!(await ticketOf(true)) && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 1_000));
    const ticket = await ticketOf(true);
    expect(ticket).toMatchObject({ state: 'open' });

    await page.goto(`${server.baseUrl}/sensors`);
    await page.getByTestId('sensors-page').waitFor();
    await page.getByRole('tab', { name: /故障工单/ }).click();
    const list = page.getByTestId('sensors-tickets');
    const row = list.getByTestId(`ticket-${ticket!.id}`);
    await row.waitFor();
    expect(await row.textContent()).toContain('东门摄像机');
    expect(await row.textContent()).toContain('摄像机离线');
    expect(await row.textContent()).toContain('待处理');
    await page.screenshot({ path: path.join(SHOTS, 'sensors-tickets.png') });

    // Closing asks for what was done: the OK button waits for a note.
    await row.getByRole('button', { name: '关闭工单' }).click();
    const ok = page.getByTestId('ticket-note-ok');
    await ok.waitFor();
    expect(await ok.isDisabled()).toBe(true);
    await page.getByTestId('ticket-note').fill('更换电源适配器，已恢复供电');
    await page.screenshot({ path: path.join(SHOTS, 'sensors-ticket-close.png') });
    await ok.click();
    await row.waitFor({ state: 'detached' });
    // Kept under 全部 with who closed it and the note.
    await list.getByText('全部', { exact: true }).click();
    const closed = list.getByTestId(`ticket-${ticket!.id}`);
    await closed.getByText('已关闭', { exact: true }).waitFor();
    expect(await closed.textContent()).toContain('更换电源适配器，已恢复供电');
    expect(await closed.textContent()).toContain('e2e.commander');
    await page.screenshot({ path: path.join(SHOTS, 'sensors-ticket-closed.png') });
    expect(await ticketOf(false)).toMatchObject({
      state: 'closed',
      closedBy: 'e2e.commander',
      closeNote: '更换电源适配器，已恢复供电',
    });
    expect(problems).toEqual([]);
  }, 120_000);
});
