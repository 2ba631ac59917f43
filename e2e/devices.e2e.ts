import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, signInThroughPage } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[] = [];
let adminCookie = '';

async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const r = await fetch(`${server.baseUrl}${url}`, {
    method,
    headers: { cookie: adminCookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${url} → ${r.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A plate read as the camera holding `token`. */
function readAs(token: string) {
  return fetch(`${server.baseUrl}/api/perimeter/reads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      reads: [{ plate: '粤B12345', at: new Date().toISOString(), direction: 'in', confidence: 0.9 }],
    }),
  });
}

describe('device page (设备管理) against the real server', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ demo: true });
    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: server.adminPassword }),
    });
    expect(login.status).toBe(200);
    adminCookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    await api('POST', '/api/perimeter/checkpoints', {
      id: 'CP-E2E-DEV',
      name: '龙岗大道检查站',
      kind: 'station',
      lon: 114.2005,
      lat: 22.6805,
    });
    const unit = await api<{ id: string }>('POST', '/api/dispatch/units', {
      callSign: '龙城巡88',
      kind: 'patrol_car',
    });
    await api('POST', '/api/devices', { kind: 'avl', name: '龙城巡88 车载终端', unitId: unit.id });
    browser = await launchChromium();
    context = await browser.newContext({
      viewport: { width: 1500, height: 900 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    problems = collectPageErrors(page);
  }, 180_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    await page.screenshot({ path: path.join(SHOTS, 'FAILED-devices.png') }).catch(() => {});
    console.error(`server output:\n${server.output().split('\n').slice(-30).join('\n')}`);
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  }, 30_000);

  it('lists devices with their binding, issues a camera token shown once, and revokes it', async () => {
    await signInThroughPage(page, `${server.baseUrl}/admin/devices`, 'admin', server.adminPassword);
    const avlRow = page.getByTestId('device-龙城巡88 车载终端');
    await avlRow.waitFor();
    expect(await avlRow.textContent()).toContain('警力 龙城巡88');
    expect(await avlRow.textContent()).toContain('从未');

    await page.getByTestId('device-add').click();
    await page.getByTestId('device-name').fill('龙岗大道卡口相机');
    await page.getByTestId('device-checkpoint').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'CP-E2E-DEV' }).click();
    await page.getByTestId('device-submit').click();
    const tokenText = page.getByTestId('device-token');
    await tokenText.waitFor();
    const token = ((await tokenText.textContent()) ?? '').trim();
    expect(token.length).toBeGreaterThan(20);
    expect(await page.locator('.ant-modal').last().textContent()).toContain('citywatch/plates/CP-E2E-DEV');
    await page.waitForTimeout(500); // the modal's opening animation
    await page.screenshot({ path: path.join(SHOTS, 'devices-token.png') });

    // The token works for its checkpoint, then the list shows when the camera was last seen.
    expect((await readAs(token)).status).toBe(200);
    await page.getByTestId('token-close').click();
    const cameraRow = page.getByTestId('device-龙岗大道卡口相机');
    await cameraRow.waitFor();
    expect(await cameraRow.textContent()).toContain('卡口 CP-E2E-DEV');
    await page.getByRole('button', { name: /刷新/ }).click();
    await expect.poll(async () => (await cameraRow.textContent()) ?? '').not.toContain('从未');
    expect(await cameraRow.getAttribute('data-active')).toBe('true');

    await page.getByTestId('revoke-龙岗大道卡口相机').click();
    await page.getByTestId('revoke-reason').fill('设备更换');
    await page.getByTestId('revoke-submit').click();
    await expect.poll(() => cameraRow.getAttribute('data-active')).toBe('false');
    expect(await cameraRow.textContent()).toContain('已吊销');
    expect((await readAs(token)).status).toBe(401);
    await page.screenshot({ path: path.join(SHOTS, 'devices-list.png') });
    expect(problems).toEqual([]);
  });
});
