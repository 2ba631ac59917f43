import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, signInThroughPage } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');
const PASSWORD = 'e2e-explosives-pass';
// 龙城派出所's spot on the bundled Longgang extract.
const SPOT = { lon: 114.1955, lat: 22.6955 };

let server: TestServer;
let browser: Browser;
let adminCookie = '';
const consoles: { context: BrowserContext; page: Page; problems: string[] }[] = [];

async function adminApi<T>(method: string, url: string, body?: unknown): Promise<T> {
  const r = await fetch(`${server.baseUrl}${url}`, {
    method,
    headers: { cookie: adminCookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  expect(r.status, `${method} ${url}: ${text}`).toBeLessThan(300);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function openExplosives(username: string) {
  const context = await browser.newContext({
    viewport: { width: 1500, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems = collectPageErrors(page);
  await signInThroughPage(page, `${server.baseUrl}/explosives`, username, PASSWORD);
  consoles.push({ context, page, problems });
  return page;
}

describe('explosives page (民爆物品): an enterprise permit from application to approval by two officers', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ demo: true });
    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: server.adminPassword }),
    });
    expect(login.status).toBe(200);
    adminCookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const orgs = await adminApi<{ items: { id: string; name: string }[] }>('GET', '/api/orgs');
    const org = (name: string) => orgs.items.find((o) => o.name === name)?.id;
    const ids: Record<string, string> = {};
    for (const [username, displayName, roles, orgName] of [
      ['mine_user', '龙城矿业安全员', ['enterprise'], '龙城派出所'],
      ['police_a', '民警甲', ['commander'], '龙城派出所'],
      ['police_b', '民警乙', ['commander'], '龙城派出所'],
    ] as const) {
      const u = await adminApi<{ id: string }>('POST', '/api/users', {
        username,
        displayName,
        password: PASSWORD,
        orgId: org(orgName),
        roles,
      });
      ids[username] = u.id;
    }
    const unit = await adminApi<{ id: string }>('POST', '/api/oversight/units', {
      industry: 'explosives',
      name: '龙城矿业有限公司',
      licenceNo: 'MB-E2E-001',
      address: '龙城大道 1 号',
      ...SPOT,
    });
    await adminApi('POST', `/api/oversight/units/${unit.id}/users`, { userId: ids.mine_user });
    await adminApi('POST', '/api/explosives/products', {
      code: 'EDET-8M',
      name: '电子雷管',
      kind: 'itemised',
    });
    await adminApi('POST', '/api/explosives/products', { code: 'EMUL-32', name: '乳化炸药', kind: 'bulk' });
    browser = await launchChromium();
  }, 180_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    for (const [i, c] of consoles.entries()) {
      await c.page.screenshot({ path: path.join(SHOTS, `FAILED-explosives-${i}.png`) }).catch(() => {});
    }
    console.error(`server output:\n${server.output().split('\n').slice(-30).join('\n')}`);
  });

  afterAll(async () => {
    for (const c of consoles) await c.context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  }, 30_000);

  let permitRow = '';

  it('the enterprise applies for a purchase permit on the page', async () => {
    const page = await openExplosives('mine_user');
    await page.getByText('许可审批').first().waitFor();
    await page.getByTestId('permit-product').click();
    await page.locator('.ant-select-item-option').filter({ hasText: '电子雷管' }).click();
    await page
      .locator('input[data-testid="permit-quantity"], [data-testid="permit-quantity"] input')
      .first()
      .fill('2000');
    await page.getByTestId('permit-submit').click();
    await page.getByText('已提交申请').waitFor();
    const row = page.locator('[data-testid^="permit-row-"]').first();
    await row.waitFor();
    permitRow = (await row.getAttribute('data-testid')) ?? '';
    expect(await row.getByTestId('permit-status').textContent()).toBe('待审批');
    expect(await row.textContent()).toContain('EDET-8M 余 2000 / 2000');
    expect(await row.getByTestId('permit-approve').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'explosives-applied.png') });
  });

  it('officer A approves once; a second approval by A is refused (four eyes)', async () => {
    const page = await openExplosives('police_a');
    const row = page.getByTestId(permitRow);
    await row.getByTestId('permit-approve').click();
    await expect.poll(() => row.getByTestId('permit-approvals').textContent()).toContain('1/2');
    await row.getByTestId('permit-approve').click();
    await page.locator('.ant-message-error').waitFor();
    expect(await page.locator('.ant-message-error').textContent()).toContain('approver');
    expect(await row.getByTestId('permit-status').textContent()).toBe('待审批');
  });

  it('officer B gives the second approval; the enterprise sees its permit approved', async () => {
    const page = await openExplosives('police_b');
    const row = page.getByTestId(permitRow);
    await row.getByTestId('permit-approve').click();
    await expect.poll(() => row.getByTestId('permit-status').textContent()).toBe('已批准');
    expect(await row.getByTestId('permit-approvals').textContent()).toContain('2/2');
    await page.screenshot({ path: path.join(SHOTS, 'explosives-approved.png') });
    const mine = consoles[0]?.page as Page;
    await mine.reload();
    await expect
      .poll(() => mine.getByTestId(permitRow).getByTestId('permit-status').textContent())
      .toBe('已批准');
    // The app frame opens the live feed for every user; an enterprise user holds no live.subscribe
    // (staff only), so the shell's socket is refused for it — the frame's matter, not this page's.
    const shellLive = /WebSocket connection to .*\/api\/live' failed: .* 403/;
    expect(consoles[0]?.problems.filter((p) => !shellLive.test(p))).toEqual([]);
    for (const c of consoles.slice(1)) expect(c.problems).toEqual([]);
  });
});
