import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, signInThroughPage } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');
const PASSWORD = 'a-long-commander-password';
const PLATE = '粤B7R5K2';
const CHECKPOINT = 'CP-TEST-01';

type Console = { context: BrowserContext; page: Page; errors: string[] };

let server: TestServer;
let browser: Browser;
let adminCookie = '';
const consoles: Console[] = [];

async function adminApi<T>(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.baseUrl}${url}`, {
    method,
    headers: { cookie: adminCookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function openPerimeter(username: string): Promise<Console> {
  const context = await browser.newContext({
    viewport: { width: 1680, height: 1000 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const errors = collectPageErrors(page);
  await signInThroughPage(page, `${server.baseUrl}/perimeter`, username, PASSWORD);
  await page.getByTestId('perimeter-page').waitFor();
  const c = { context, page, errors };
  consoles.push(c);
  return c;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(600); // antd motion
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

function poll<T>(fn: () => T | Promise<T>) {
  return expect.poll(fn, { timeout: 20_000, interval: 100 });
}

type OfficerConsole = { page: Page; frames: string[]; socketClosed: () => boolean };
let officer: OfficerConsole;

/** The patrol officer signed in on the app, with the frames its live socket receives. */
async function openOfficerConsole(): Promise<OfficerConsole> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const frames: string[] = [];
  let open = 0;
  let closed = 0;
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).pathname !== '/api/live') return;
    open++;
    ws.on('framereceived', (f) => frames.push(String(f.payload)));
    ws.on('close', () => {
      closed++;
    });
  });
  await signInThroughPage(page, `${server.baseUrl}/dispatch`, 'officer_p', PASSWORD);
  await poll(() => open).toBeGreaterThan(0);
  consoles.push({ context, page, errors: collectPageErrors(page) });
  return { page, frames, socketClosed: () => open > 0 && closed >= open };
}

const okButton = (page: Page, title: string) =>
  page
    .locator('.ant-modal')
    .filter({ hasText: title })
    .getByRole('button', { name: /确\s*定|OK/ });

describe('perimeter hotlist: four eyes, a live hit, its action and the day report', () => {
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
    const orgs = await adminApi<{ items: { id: string; parentId: string | null }[] }>('GET', '/api/orgs');
    const root = orgs.items.find((o) => o.parentId === null) ?? orgs.items[0];
    for (const [username, displayName] of [
      ['cmd_a', '指挥长甲'],
      ['cmd_b', '指挥长乙'],
    ]) {
      await adminApi('POST', '/api/users', {
        username,
        displayName,
        password: PASSWORD,
        orgId: root.id,
        roles: ['commander'],
      });
    }
    // A patrol officer of the same city: on the live feed, but without the permission for hits.
    await adminApi('POST', '/api/users', {
      username: 'officer_p',
      displayName: '巡逻民警丙',
      password: PASSWORD,
      orgId: root.id,
      roles: ['patrol_officer'],
    });
    await adminApi('PUT', `/api/perimeter/checkpoints/${CHECKPOINT}`, {
      name: '龙岗测试检查站',
      kind: 'station',
      lon: 114.2005,
      lat: 22.6805,
    });
    browser = await launchChromium();
  }, 180_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    for (const [i, c] of consoles.entries()) {
      await c.page.screenshot({ path: path.join(SHOTS, `FAILED-hotlist-${i}.png`) }).catch(() => {});
    }
    console.error(`server output:\n${server.output().split('\n').slice(-30).join('\n')}`);
  });

  afterAll(async () => {
    for (const c of consoles) await c.context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  }, 30_000);

  it('commander A lists a plate; it waits for approval and A cannot approve it', async () => {
    const { page } = await openPerimeter('cmd_a');
    await page.getByRole('tab', { name: '布控名单' }).click();
    await page.getByTestId('hotlist-create').click();
    const modal = page.locator('.ant-modal').filter({ hasText: '新建布控' });
    await modal.waitFor();
    // The legal basis is required.
    await page.getByTestId('hotlist-value').fill(PLATE);
    await okButton(page, '新建布控').click();
    await modal.getByText('请填写法律依据').waitFor();
    await modal.locator('.ant-select').first().click();
    await page.locator('.ant-select-item-option').filter({ hasText: '涉案车辆' }).click();
    await page.getByTestId('hotlist-legal-basis').fill('深公（龙）立字〔2026〕1187号 立案决定书');
    await okButton(page, '新建布控').click();
    await modal.waitFor({ state: 'hidden' });

    const row = page.getByTestId(`hotlist-row-${PLATE}`);
    await row.waitFor();
    expect(await row.getByTestId('hotlist-status').textContent()).toBe('待审批');
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('涉案车辆');
    expect(text).toContain('立案决定书');
    expect(text).toContain('本人');
    expect(text).toMatch(/剩 (29|30) 天/);

    // Four eyes: the creator's own approval is refused with the server's message.
    await row.getByTestId('hotlist-approve').click();
    await poll(() => page.getByTestId('hotlist-error').textContent()).toContain(
      '布控条目须由创建人以外的人审批',
    );
    expect(await row.getByTestId('hotlist-status').textContent()).toBe('待审批');
  });

  it('commander B approves; a read of the plate pops up live in B’s hits, and B records the action', async () => {
    const { page } = await openPerimeter('cmd_b');
    await page.getByRole('tab', { name: '布控名单' }).click();
    const row = page.getByTestId(`hotlist-row-${PLATE}`);
    await row.getByTestId('hotlist-approve').click();
    await poll(() => row.getByTestId('hotlist-status').textContent()).toBe('生效');
    // A's screen follows on the live feed.
    const rowA = consoles[0].page.getByTestId(`hotlist-row-${PLATE}`);
    await poll(() => rowA.getByTestId('hotlist-status').textContent()).toBe('生效');
    await shot(page, 'hotlist');

    await page.getByRole('tab', { name: '比中预警' }).click();
    await page.locator('[data-testid="hits-live"][data-live="open"]').waitFor();
    // The patrol officer's console, open meanwhile: its live socket's frames are kept.
    officer = await openOfficerConsole();
    // The checkpoint's camera posts the reads with its device token (an admin issues it, once).
    const camera = await adminApi<{ token: string }>('POST', '/api/devices', {
      kind: 'camera',
      name: `${CHECKPOINT} 卡口相机`,
      checkpointId: CHECKPOINT,
    });
    const res = await fetch(`${server.baseUrl}/api/perimeter/reads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${camera.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        reads: [
          {
            plate: PLATE,
            at: new Date().toISOString(),
            checkpointId: CHECKPOINT,
            direction: 'in',
            confidence: 0.95,
          },
          // A non-hit: only counted.
          {
            plate: '粤B12345',
            at: new Date().toISOString(),
            checkpointId: CHECKPOINT,
            direction: 'out',
            confidence: 0.9,
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ hits: 1 });

    const hit = page.getByTestId(`hit-${PLATE}`);
    await hit.waitFor();
    const text = (await hit.textContent()) ?? '';
    expect(text).toContain('龙岗测试检查站');
    expect(text).toContain('涉案车辆');
    expect(text).toContain('95%');
    expect(text).toContain('入城');
    await page
      .locator('.ant-notification-notice')
      .filter({ hasText: `比中预警：${PLATE}` })
      .waitFor();
    expect(await page.getByTestId('hits-table').textContent()).not.toContain('粤B12345');
    // The officer's socket is live (the demo's units move on it) but carries no hit and no plate.
    await poll(() => officer.frames.length).toBeGreaterThan(0);
    await page.waitForTimeout(1000);
    // (Its subscription's acknowledgement names the types it asked for; an event names its own type.)
    expect(officer.frames.filter((f) => f.includes('"type":"perimeter.hotlist_hit"'))).toEqual([]);
    expect(officer.frames.filter((f) => f.includes(PLATE))).toEqual([]);

    await hit.getByTestId('hit-handle').click();
    await page.getByTestId('hit-action').fill('已派龙岗巡11在卡口拦截，车辆及驾驶人已控制');
    await okButton(page, `处置比中：${PLATE}`).click();
    await poll(() => hit.getAttribute('data-handled')).toBe('true');
    expect(await hit.getByTestId('hit-handled').textContent()).toBe('已处置');
    await shot(page, 'hotlist-hits');
  });

  it('signing out closes the patrol officer’s live socket', async () => {
    expect(officer.socketClosed()).toBe(false);
    await officer.page.getByTestId('logout').click();
    await officer.page
      .locator('.ant-popconfirm')
      .getByRole('button', { name: /确\s*定|OK/ })
      .click();
    await officer.page.waitForURL('**/login');
    await poll(() => officer.socketClosed()).toBe(true);
  });

  it('the day report counts the hit and its action', async () => {
    const page = consoles[1].page;
    await page.getByRole('tab', { name: '卡口报表' }).click();
    await page.getByTestId('report-title').waitFor();
    expect(await page.getByTestId('report-title').textContent()).toContain('日报告');
    const row = page.getByTestId(`report-row-${CHECKPOINT}`);
    await poll(() => row.locator('[data-col="hits"]').textContent()).toBe('1');
    expect(await row.locator('[data-col="actionsTaken"]').textContent()).toBe('1');
    expect(await page.getByTestId('report-total-hits').textContent()).toBe('1');
    expect(await page.getByTestId('report-total-actions').textContent()).toBe('1');
    const rowText = (await row.textContent()) ?? '';
    expect(rowText).toContain('龙岗测试检查站');

    // The export is the same report as .xlsx.
    const href = (await page.getByTestId('report-export').getAttribute('href')) ?? '';
    expect(href).toContain('format=xlsx');
    const xlsx = await page.evaluate(async (url) => {
      const res = await fetch(url);
      return {
        status: res.status,
        type: res.headers.get('content-type'),
        size: (await res.arrayBuffer()).byteLength,
      };
    }, href);
    expect(xlsx.status).toBe(200);
    expect(xlsx.type).toContain('spreadsheetml');
    expect(xlsx.size).toBeGreaterThan(1000);
    await shot(page, 'hotlist-report');
    for (const c of consoles) expect(c.errors).toEqual([]);
  });
});
