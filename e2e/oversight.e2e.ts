import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { signInThroughPage } from './browser';
import { type Opened, setupE2E, shot } from './fixture';

const PASSWORD = 'e2e-oversight-pass';
/** A 1×1 PNG as the enterprise's evidence photo and the inspector's site photo. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
/** Where the inspector's browser says it stands (WGS-84), beside the hotel registered below. */
const SITE = { lon: 114.19562, lat: 22.69541 };

const e = setupE2E({
  serverTimeoutMs: 200_000,
  users: [
    {
      username: 'inspector_li',
      displayName: '治安民警李',
      password: PASSWORD,
      org: '龙城派出所',
      roles: ['industry_inspector'],
    },
    {
      username: 'hotel_wang',
      displayName: '龙城宾馆王经理',
      password: PASSWORD,
      org: '龙城派出所',
      roles: ['enterprise'],
    },
  ],
});

const opened: Opened[] = [];
async function openOversight(username: string, options: Parameters<E2EDesktop>[0] = {}) {
  const w = await e.desktop({ timezoneId: 'Asia/Shanghai', ...options });
  w.page.setDefaultTimeout(20_000);
  await signInThroughPage(w.page, `${e.server.baseUrl}/oversight`, username, PASSWORD);
  opened.push(w);
  return w.page;
}
type E2EDesktop = typeof e.desktop;

describe('oversight page (要素管控): an inspector’s case from finding to closure', () => {
  let unitId = '';
  let station = '';

  beforeAll(async () => {
    const orgs = await e.api<{ items: { id: string; name: string }[] }>('GET', '/api/orgs');
    station = orgs.items.find((o) => o.name === '龙城派出所')?.id ?? '';
    expect(station).not.toBe('');
    const users = await e.api<{ items: { id: string; username: string }[] }>('GET', '/api/users');
    const hotelUser = users.items.find((u) => u.username === 'hotel_wang')?.id;
    const unit = await e.api<{ id: string }>('POST', '/api/oversight/units', {
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
    await e.api('POST', `/api/oversight/units/${unitId}/users`, { userId: hotelUser });
    await e.api('POST', '/api/oversight/units', { industry: 'school', name: '龙城小学', orgId: station });
  }, 60_000);

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
    const pdf = await inspector.request.get(`${e.server.baseUrl}${href}`);
    expect(pdf.status()).toBe(200);
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    await inspector.screenshot({ path: shot('oversight-1-order') });
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
    await hotel.screenshot({ path: shot('oversight-2-enterprise-reported') });
  });

  it('the inspector verifies the fix and the case is closed', async () => {
    inspector = await openOversight('inspector_li');
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
    await inspector.screenshot({ path: shot('oversight-3-closed') });
  });

  it('the inspector imports units from CSV; bad rows are counted by reason', async () => {
    inspector = await openOversight('inspector_li');
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
    await inspector.screenshot({ path: shot('oversight-4-import') });
    await inspector.getByRole('button', { name: /知道了|OK/ }).click();
    await inspector.getByRole('cell', { name: '龙城刻章社' }).waitFor();
  });

  it('the inspector reads the responsible person only after stating a purpose', async () => {
    inspector = await openOversight('inspector_li');
    const row = inspector.getByTestId(`unit-row-${unitId}`);
    await row.waitFor();
    expect(await row.textContent()).not.toContain('13800138000');
    await row.getByRole('button', { name: '人员' }).click();
    await inspector.getByPlaceholder('例如：日常检查核对负责人').fill('日常检查核对负责人');
    await inspector
      .getByRole('button', { name: /确\s*定|OK/ })
      .last()
      .click();
    await inspector.locator('text=王经理 13800138000 >> visible=true').first().waitFor();
    await inspector.waitForTimeout(500); // the dialog's opening animation, for the screenshot
    await inspector.screenshot({ path: shot('oversight-5-people') });
    for (const w of opened) expect(w.errors).toEqual([]);
  });
  let formUnit = '';
  it('the inspector registers a unit through the form (licence, validity, point, risk, camera)', async () => {
    const page = await openOversight('inspector_li');
    await page.getByTestId('unit-create').click();
    await page.getByTestId('unit-industry').click();
    await page.getByTitle('娱乐场所').click();
    await page.getByTestId('unit-name').fill('龙城KTV');
    await page.getByTestId('unit-licence').fill('YL-E2E-FORM-1');
    await page.getByTestId('unit-valid-from').click();
    await page.getByTestId('unit-valid-from').fill('2026-01-01');
    await page.keyboard.press('Enter');
    await page.getByTestId('unit-valid-until').click();
    await page.getByTestId('unit-valid-until').fill('2028-12-31');
    await page.keyboard.press('Enter');
    await page.getByTestId('unit-address').fill('龙城街道龙城大道 88 号');
    await page.getByTestId('unit-lon').fill('114.1956');
    await page.getByTestId('unit-lat').fill('22.6954');
    await page.getByText('高风险', { exact: true }).click();
    await page.getByTestId('camera-add').click();
    await page.getByTestId('camera-name-0').fill('包厢走廊');
    // A stream URL that is not one is refused on the field before anything is sent.
    await page.getByTestId('camera-url-0').fill('10.0.0.9/corridor');
    await page.getByTestId('unit-submit').click();
    await page.getByText('须为 rtsp://、rtmp:// 或 http(s):// 地址').waitFor();
    await page.getByTestId('camera-url-0').fill('rtsp://10.0.0.9/corridor');
    await page.getByText('须为 rtsp://、rtmp:// 或 http(s):// 地址').waitFor({ state: 'hidden' });
    await page.screenshot({ path: shot('oversight-6-unit-form') });
    await page.getByTestId('unit-submit').click();
    await page.getByText('已登记：龙城KTV').waitFor();
    const units = await e.api<{ items: { id: string; name: string }[] }>('GET', '/api/oversight/units?q=KTV');
    formUnit = units.items[0]?.id ?? '';
    expect(await e.api('GET', `/api/oversight/units/${formUnit}`)).toMatchObject({
      industry: 'entertainment',
      name: '龙城KTV',
      licenceNo: 'YL-E2E-FORM-1',
      licenceValidFrom: '2026-01-01',
      licenceValidUntil: '2028-12-31',
      address: '龙城街道龙城大道 88 号',
      lon: 114.1956,
      lat: 22.6954,
      riskLevel: 'high',
      orgId: station,
      cameras: [{ name: '包厢走廊', streamUrl: 'rtsp://10.0.0.9/corridor' }],
    });
    await page.getByTestId(`unit-row-${formUnit}`).waitFor();
  });

  it('the inspector corrects a unit: only what changed is sent, and the audit names the fields', async () => {
    const page = await openOversight('inspector_li');
    await page.getByTestId(`unit-row-${formUnit}`).getByTestId('unit-edit').click();
    await page.getByText('修改监管单位：龙城KTV').waitFor();
    // The form opens with the unit as registered; the industry is fixed.
    expect(await page.getByTestId('unit-licence').inputValue()).toBe('YL-E2E-FORM-1');
    await page.getByTestId('unit-valid-until').click();
    await page.getByTestId('unit-valid-until').fill('2029-06-30');
    await page.keyboard.press('Enter');
    await page.getByText('中风险', { exact: true }).click();
    await page.getByTestId('unit-phone').fill('13900001111');
    await page.screenshot({ path: shot('oversight-6b-unit-edit') });
    await page.getByTestId('unit-submit').click();
    await page.getByText('已保存：龙城KTV').waitFor();
    expect(await e.api('GET', `/api/oversight/units/${formUnit}`)).toMatchObject({
      name: '龙城KTV',
      licenceValidFrom: '2026-01-01',
      licenceValidUntil: '2029-06-30',
      riskLevel: 'medium',
      lon: 114.1956,
      cameras: [{ name: '包厢走廊' }],
    });
    const audit = await e.api<{ items: { resource: string; detail: { changed?: string[] } }[] }>(
      'GET',
      '/api/audit?username=inspector_li&action=write',
    );
    const edits = audit.items.filter((a) => a.resource === `oversight_unit:${formUnit}`);
    expect(edits.map((a) => a.detail.changed)).toEqual([
      ['licenceValidUntil', 'responsiblePhone', 'riskLevel'],
    ]);
  });

  it('the inspector files an on-site check with a photo, the browser’s position and time', async () => {
    const before = Date.now();
    const page = await openOversight('inspector_li', {
      geolocation: { longitude: SITE.lon, latitude: SITE.lat, accuracy: 8 },
      permissions: ['geolocation'],
    });
    const row = page.getByTestId(`unit-row-${formUnit}`);
    await row.getByTestId('inspect').click();
    await page.getByTestId('kind-onsite').click();
    const where = page.getByTestId('inspect-position');
    await expect.poll(() => where.textContent()).toContain(`${SITE.lon.toFixed(5)}, ${SITE.lat.toFixed(5)}`);
    expect(await where.textContent()).toContain('±8 米');
    await page.getByTestId('inspect-photos').setInputFiles({
      name: '包厢消防通道.png',
      mimeType: 'image/png',
      buffer: PNG,
    });
    await page.getByTestId('check-licence').getByText('合格', { exact: true }).click();
    await page.getByTestId('check-fire').getByText('不合格', { exact: true }).click();
    await page.getByTestId('finding').fill('消防通道堆放杂物');
    await page.waitForTimeout(300); // the dialog settled, for the screenshot
    await page.screenshot({ path: shot('oversight-7-onsite') });
    await page.getByTestId('inspect-submit').click();
    await page.getByText('检查已录入').waitFor();
    const { items } = await e.api<{
      items: {
        kind: string;
        lon: number;
        lat: number;
        at: string;
        photoIds: string[];
        results: unknown[];
        caseIds: string[];
      }[];
    }>('GET', `/api/oversight/inspections?unitId=${formUnit}`);
    expect(items).toHaveLength(1);
    const [check] = items;
    expect(check).toMatchObject({
      kind: 'onsite',
      lon: SITE.lon,
      lat: SITE.lat,
      results: [
        { item: 'licence', ok: true },
        { item: 'fire', ok: false },
      ],
    });
    expect(check.photoIds).toHaveLength(1);
    expect(check.caseIds).toHaveLength(1);
    expect(Date.parse(check.at)).toBeGreaterThanOrEqual(before - 60_000);
    expect(Date.parse(check.at)).toBeLessThanOrEqual(Date.now());
    // The photo is stored as sent.
    const photo = await fetch(`${e.server.baseUrl}/api/oversight/attachments/${check.photoIds[0]}`, {
      headers: { cookie: e.adminCookie },
    });
    expect(photo.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await photo.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('the inspector assesses a school’s internal security: failing items become cases', async () => {
    const page = await openOversight('inspector_li');
    const school = page.locator('[data-testid^="unit-row-"]').filter({ hasText: '龙城小学' });
    await school.getByTestId('assess').click();
    await page.getByTestId('assess-population').fill('1200');
    await page.getByTestId('assess-guards').fill('2');
    await page.getByTestId('assess-closed').check();
    await page.getByTestId('assess-alarm').check();
    await page.getByTestId('assess-video').fill('100');
    await page.screenshot({ path: shot('oversight-8-assess') });
    await page.getByTestId('assess-submit').click();
    // 1200 pupils need 3 guards; the alarm was never tested.
    await page.locator('text=评估完成：未达标，已生成 2 件整改案件 >> visible=true').first().waitFor();
    const cases = await e.api<{ items: { unitName: string; source: string }[] }>(
      'GET',
      '/api/oversight/cases',
    );
    expect(cases.items.filter((c) => c.unitName === '龙城小学' && c.source === 'compliance')).toHaveLength(2);
    await page.getByRole('button', { name: /知道了|OK/ }).click();
    await page.getByRole('tab', { name: '内保达标' }).click();
    await page.getByRole('cell', { name: '0.0%' }).first().waitFor();
  });

  it('the calendar shows the month with each unit on its due day', async () => {
    const page = await openOversight('inspector_li');
    await page.getByRole('tab', { name: '检查日历' }).click();
    const { items } = await e.api<{ items: { unitName: string; due: string }[] }>(
      'GET',
      '/api/oversight/calendar',
    );
    const thisMonth = items.filter(
      (i) => i.due.slice(0, 7) === items.find((x) => x.unitName === '龙城小学')?.due.slice(0, 7),
    );
    expect(thisMonth.length).toBeGreaterThan(0);
    for (const i of thisMonth) {
      await expect.poll(() => page.getByTestId(`due-${i.due}`).textContent()).toContain(i.unitName);
    }
    await page.screenshot({ path: shot('oversight-9-calendar'), fullPage: true });
    for (const w of opened) expect(w.errors).toEqual([]);
  });
});
