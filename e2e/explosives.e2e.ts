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
let mineUnitId = '';
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
    mineUnitId = unit.id;
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

  it('the transport map shows the permitted road route, the vehicle’s positions and its route alarm', async () => {
    const cookieOf = async (username: string) => {
      const r = await fetch(`${server.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: PASSWORD }),
      });
      return (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    };
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const permit = await adminApi<{ id: string }>('POST', '/api/explosives/permits', {
      enterpriseId: mineUnitId,
      kind: 'transport',
      validFrom: today,
      validTo: today,
      items: [{ product: 'EDET-8M', quantity: 200 }],
      route: '龙城矿业库房 → 东部爆破点',
      vehicle: '粤B·E7788',
      escort: '押运员二名',
      routeVia: [
        [SPOT.lon, SPOT.lat],
        [114.225, 22.7],
      ],
    });
    for (const who of ['police_a', 'police_b']) {
      const r = await fetch(`${server.baseUrl}/api/explosives/permits/${permit.id}/approve`, {
        method: 'POST',
        headers: { cookie: await cookieOf(who) },
      });
      expect(r.status).toBe(200);
    }
    const vehicle = await adminApi<{ token: string }>('POST', '/api/explosives/vehicles', {
      enterpriseId: mineUnitId,
      plate: '粤B·E7788',
    });
    const view = await adminApi<{ route: [number, number][] }>(
      'GET',
      `/api/explosives/permits/${permit.id}/transport`,
    );
    // Along the first half of the road route, then ~1.3 km north of it for three minutes.
    const t0 = Date.now() - 3600_000;
    const half = view.route.slice(0, Math.ceil(view.route.length / 2));
    const step = Math.max(1, Math.floor(half.length / 8));
    const along = half.filter((_, i) => i % step === 0);
    const last = along[along.length - 1] as [number, number];
    const fixes = [
      ...along.map(([lon, lat], i) => ({ at: new Date(t0 + i * 60_000).toISOString(), lon, lat })),
      ...[1, 2, 3].map((k) => ({
        at: new Date(t0 + (along.length + k) * 60_000).toISOString(),
        lon: last[0] + 0.002 * k,
        lat: last[1] + 0.012,
      })),
    ];
    const avl = await fetch(`${server.baseUrl}/api/explosives/vehicles/avl`, {
      method: 'POST',
      headers: { authorization: `Bearer ${vehicle.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ fixes }),
    });
    const sent = (await avl.json()) as { alarms: { kind: string }[] };
    expect(sent.alarms.map((a) => a.kind)).toEqual(['route_deviation']);

    const page = await openExplosives('police_a');
    await page.getByRole('tab', { name: '运输监控' }).click();
    const panel = page.getByTestId('explosives-transport');
    await panel.getByText(`车辆定位 ${fixes.length} 个`).waitFor();
    await panel.getByText('路线告警 1 条').waitFor();
    // The map holds the route, the track and the alarm (read from MapLibre's sources).
    await expect
      .poll(() =>
        page.evaluate(() => {
          type Source = { serialize(): { data?: { features?: unknown[] } } };
          const map = (
            globalThis as {
              __citywatchMap?: { loaded(): boolean; getSource(id: string): Source | undefined };
            }
          ).__citywatchMap;
          const count = (id: string) => map?.getSource(id)?.serialize().data?.features?.length ?? 0;
          return map?.loaded()
            ? [count('explosives-route'), count('explosives-track'), count('explosives-route-alarms')]
            : null;
        }),
      )
      .toEqual([1, fixes.length + 1, 1]);
    await page.waitForTimeout(1500); // tiles settle before the picture
    await page.screenshot({ path: path.join(SHOTS, 'explosives-transport.png') });
    expect(consoles.at(-1)?.problems).toEqual([]);
  });

  it('the enterprise closes last month (月结) on the daily-close tab and sees it listed', async () => {
    const page = await openExplosives('mine_user');
    await page.getByRole('tab', { name: '日清盘点' }).click();
    const card = page.getByTestId('month-close');
    await card.getByTestId('month-close-submit').click();
    const last = new Date(Date.now() + 8 * 3600_000);
    last.setUTCDate(1);
    last.setUTCMonth(last.getUTCMonth() - 1);
    const month = last.toISOString().slice(0, 7);
    await page.getByText(`${month} 已月结`).waitFor();
    await card.locator('td').filter({ hasText: month }).first().waitFor();
    // Closed once: a second close is refused, saying why.
    await card.getByTestId('month-close-submit').click();
    await page.locator('.ant-message-error').filter({ hasText: '该月已月结' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'explosives-month-close.png') });
  });
});
