import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, signInThroughPage } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');
const PASSWORD = 'e2e-oversight-pass';
/** A 1×1 PNG as the enterprise's evidence photo. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

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

async function openOversight(username: string) {
  const context = await browser.newContext({
    viewport: { width: 1500, height: 900 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems = collectPageErrors(page);
  await signInThroughPage(page, `${server.baseUrl}/oversight`, username, PASSWORD);
  consoles.push({ context, page, problems });
  return page;
}

describe('oversight page (要素管控): an inspector’s case from finding to closure', () => {
  let unitId = '';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer();
    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: server.adminPassword }),
    });
    expect(login.status).toBe(200);
    adminCookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const orgs = await adminApi<{ items: { id: string; name: string }[] }>('GET', '/api/orgs');
    const station = orgs.items.find((o) => o.name === '龙城派出所')?.id;
    expect(station).toBeDefined();
    const ids: Record<string, string> = {};
    for (const [username, displayName, roles] of [
      ['inspector_li', '治安民警李', ['industry_inspector']],
      ['hotel_wang', '龙城宾馆王经理', ['enterprise']],
    ] as const) {
      const u = await adminApi<{ id: string }>('POST', '/api/users', {
        username,
        displayName,
        password: PASSWORD,
        orgId: station,
        roles,
      });
      ids[username] = u.id;
    }
    const unit = await adminApi<{ id: string }>('POST', '/api/oversight/units', {
      industry: 'hotel',
      name: '龙城宾馆',
      licenceNo: 'TH-E2E-001',
      licenceValidUntil: '2027-06-30',
      orgId: station,
      responsibleName: '王经理',
      responsiblePhone: '13800138000',
      cameras: [{ name: '大堂', streamUrl: 'rtsp://10.0.0.8/lobby' }],
    });
    unitId = unit.id;
    await adminApi('POST', `/api/oversight/units/${unitId}/users`, { userId: ids.hotel_wang });
    await adminApi('POST', '/api/oversight/units', {
      industry: 'school',
      name: '龙城小学',
      orgId: station,
    });
    browser = await launchChromium();
  }, 180_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    for (const [i, c] of consoles.entries()) {
      await c.page.screenshot({ path: path.join(SHOTS, `FAILED-oversight-${i}.png`) }).catch(() => {});
    }
    console.error(`server output:\n${server.output().split('\n').slice(-30).join('\n')}`);
  });

  afterAll(async () => {
    for (const c of consoles) await c.context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  }, 30_000);

  let inspector: Page;
  let caseRow = '';

  it('the inspector files a serious finding: a rectification order with its deadline', async () => {
    inspector = await openOversight('inspector_li');
    const row = inspector.getByTestId(`unit-row-${unitId}`);
    await row.waitFor();
    expect(await row.textContent()).toContain('TH-E2E-001');
    await row.getByTestId('inspect').click();
    await inspector.getByTestId('finding').fill('3 名旅客未实名登记入住');
    await inspector.getByTestId('severity-serious').click();
    await inspector.getByTestId('inspect-submit').click();
    await inspector.getByText('检查已录入').waitFor();
    await inspector.getByRole('tab', { name: '整改案件' }).click();
    const c = inspector.locator('[data-testid^="case-row-"]').filter({ hasText: '龙城宾馆' }).first();
    await c.waitFor();
    caseRow = (await c.getAttribute('data-testid')) ?? '';
    expect(await c.textContent()).toContain('责令整改');
    expect(await c.getByTestId('case-status').textContent()).toBe('待整改');
    expect(await c.textContent()).toContain('剩 15 天');
    // The order as PDF, generated for the case.
    const href = await c.getByTestId('case-document').getAttribute('href');
    const pdf = await inspector.request.get(`${server.baseUrl}${href}`);
    expect(pdf.status()).toBe(200);
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    await inspector.screenshot({ path: path.join(SHOTS, 'oversight-1-order.png') });
    // The risk board counts the serious finding.
    await inspector.getByRole('tab', { name: '风险看板' }).click();
    await inspector.getByRole('cell', { name: '6', exact: true }).first().waitFor();
  });

  it('the enterprise sees only its own unit and reports the fix with a photo', async () => {
    const hotel = await openOversight('hotel_wang');
    await hotel.getByTestId('own-unit').waitFor();
    expect(await hotel.getByTestId('own-unit').textContent()).toContain('龙城宾馆');
    expect(await hotel.getByText('龙城小学').count()).toBe(0);
    const row = hotel.getByTestId(caseRow);
    await row.getByTestId('case-report').click();
    await hotel.getByTestId('report-text').fill('已补录全部旅客信息，前台加强核验');
    await hotel.getByTestId('report-evidence').setInputFiles({
      name: '登记表.png',
      mimeType: 'image/png',
      buffer: PNG,
    });
    await hotel.getByTestId('report-submit').click();
    await hotel.getByText('已报告整改').waitFor();
    await expect.poll(() => row.getByTestId('case-status').textContent()).toBe('待复查');
    await hotel.screenshot({ path: path.join(SHOTS, 'oversight-2-enterprise-reported.png') });
  });

  it('the inspector verifies the fix and the case is closed', async () => {
    await inspector.getByRole('tab', { name: '整改案件' }).click();
    await inspector.reload();
    await inspector.getByRole('tab', { name: '整改案件' }).click();
    const row = inspector.getByTestId(caseRow);
    await expect.poll(() => row.getByTestId('case-status').textContent()).toBe('待复查');
    await row.getByTestId('case-verify').click();
    await inspector.getByText('登记表.png').waitFor();
    await inspector.getByTestId('verify-note').fill('现场复查，登记完整');
    await inspector.getByTestId('verify-accept').click();
    await inspector.getByText('复查结果已保存').waitFor();
    await expect.poll(() => row.getByTestId('case-status').textContent()).toBe('已销案');
    await inspector.getByRole('tab', { name: '检查日历' }).click();
    await inspector.getByRole('tab', { name: '内保达标' }).click();
    await inspector.getByRole('tab', { name: '整改案件' }).click();
    await inspector.screenshot({ path: path.join(SHOTS, 'oversight-3-closed.png') });
  });

  it('the inspector imports units from CSV; bad rows are counted by reason', async () => {
    await inspector.getByRole('tab', { name: '监管单位' }).click();
    const csv = [
      '行业,名称,许可证号,有效期止',
      '废旧金属收购,龙城回收站,FJ-E2E-1,2027-01-31',
      '印章刻制,龙城刻章社,YZ-E2E-1,',
      '赌场,不存在的行业,X-1,',
    ].join('\n');
    await inspector.getByTestId('import-file').setInputFiles({
      name: 'units.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv, 'utf8'),
    });
    const result = inspector.getByTestId('import-result');
    await result.waitFor();
    expect(await result.textContent()).toContain('unknown_industry: 1');
    await inspector.locator('text=已导入 2 家单位 >> visible=true').first().waitFor();
    await inspector.waitForTimeout(500); // the dialog's opening animation, for the screenshot
    await inspector.screenshot({ path: path.join(SHOTS, 'oversight-4-import.png') });
    await inspector.getByRole('button', { name: /知道了|OK/ }).click();
    await inspector.getByRole('cell', { name: '龙城刻章社' }).waitFor();
  });

  it('the inspector reads the responsible person only after stating a purpose', async () => {
    const row = inspector.getByTestId(`unit-row-${unitId}`);
    expect(await row.textContent()).not.toContain('13800138000');
    await row.getByRole('button', { name: '人员' }).click();
    await inspector.getByPlaceholder('例如：日常检查核对负责人').fill('日常检查核对负责人');
    await inspector
      .getByRole('button', { name: /确\s*定|OK/ })
      .last()
      .click();
    await inspector.locator('text=王经理 13800138000 >> visible=true').first().waitFor();
    await inspector.waitForTimeout(500); // the dialog's opening animation, for the screenshot
    await inspector.screenshot({ path: path.join(SHOTS, 'oversight-5-people.png') });
    for (const c of consoles) expect(c.problems).toEqual([]);
  });
});
