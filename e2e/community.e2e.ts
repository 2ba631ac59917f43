import { describe, expect, it } from 'vitest';
import { jpegWithExif } from '../packages/server/src/modules/community/fixtures';
import { signInThroughPage } from './browser';
import { sessionProbes, setupE2E, shot } from './fixture';

const PASSWORD = 'a-long-community-password';
// Inside 龙城派出所's jurisdiction on the bundled Longgang extract.
const SPOT = { lon: 114.1955, lat: 22.6955 };

/** The part of the report page's MapLibre map the test reads (exposed as `__citywatchMap`). */
interface PageMap {
  loaded(): boolean;
  isMoving(): boolean;
  querySourceFeatures(source: string, options: { sourceLayer: string }): unknown[];
  unproject(p: [number, number]): { lng: number; lat: number };
}
type PageGlobals = { __citywatchMap?: PageMap };

const e2e = setupE2E({
  demo: true,
  users: [
    {
      username: 'lc.dispatcher',
      displayName: '龙城调度',
      password: PASSWORD,
      org: '龙城派出所',
      roles: ['dispatcher'],
    },
    {
      username: 'lc.mediator',
      displayName: '王调解',
      password: PASSWORD,
      org: '龙城派出所',
      roles: ['mediator'],
    },
  ],
});

/** A citizen fills the public page on a phone: category, description, photo, the phone's position. */
async function reportFromPhone(
  category: string,
  description: string,
  name: string,
): Promise<{ number: string; link: string }> {
  const { page, errors, context } = await e2e.phone(SPOT);
  const probes = sessionProbes(page);
  await page.goto(`${e2e.server.baseUrl}/report`);
  const choice = page.getByRole('radio', { name: new RegExp(`^${category}`) });
  await choice.check();
  await expect(choice.isChecked()).resolves.toBe(true);
  await page.getByTestId('report-description').fill(description);
  await page.locator('input[type="file"]').setInputFiles({
    name: 'IMG_0042.JPG',
    mimeType: 'image/jpeg',
    buffer: jpegWithExif({ ...SPOT, takenAt: '2026:11:29 09:30:00' }),
  });
  await page.getByTestId('report-locate').click();
  await page.getByText('位置：手机定位').waitFor();
  await page.screenshot({ path: shot(`${name}-form`), fullPage: true });
  await page.getByTestId('report-submit').click();
  const link = await page.getByTestId('tracking-link').textContent();
  const title = await page.locator('.ant-result-title').textContent();
  await page.screenshot({ path: shot(`${name}-done`), fullPage: true });
  expect(errors).toEqual([]);
  // The public page stays outside the session: no probe of /api/auth/me (its 401 used to clear the
  // page's query cache while the categories were loading, leaving the choice empty).
  expect(probes).toEqual([]);
  await context.close();
  return { number: /R\d{8}-\d{4}/.exec(title ?? '')![0], link: link ?? '' };
}

describe('community: citizen reports and mediation in the browser', () => {
  it('a citizen taps the map to place the pin, and the report is stored there', async () => {
    const { page, errors, context } = await e2e.phone(SPOT);
    const probes = sessionProbes(page);
    // Tiles are fetched by MapLibre's worker: watched on the context, which sees those too.
    const tileUrls: string[] = [];
    context.on('request', (r) => {
      if (r.url().includes('.pbf')) tileUrls.push(r.url());
    });
    await page.goto(`${e2e.server.baseUrl}/report`);
    await page.getByRole('radio', { name: /^市政设施/ }).check();
    await page.getByTestId('report-description').fill('井盖缺失，路口有坑，夜里看不清');
    await page.getByTestId('report-locate').click();
    await page.getByText('位置：手机定位').waitFor();
    // The map has drawn its base-map tiles around the phone's fix before the citizen taps it.
    await page.waitForFunction(() => {
      const map = (globalThis as PageGlobals).__citywatchMap;
      return (
        !!map &&
        map.loaded() &&
        !map.isMoving() &&
        map.querySourceFeatures('city', { sourceLayer: 'roads' }).length > 0
      );
    });
    const box = (await page.getByTestId('report-map').boundingBox())!;
    const tap = { x: Math.round(box.width * 0.7), y: Math.round(box.height * 0.3) };
    await page.getByTestId('report-map').click({ position: tap });
    await page.getByText('位置：地图选点').waitFor();
    const expected = await page.evaluate(
      ([x, y]) => {
        const at = (globalThis as PageGlobals).__citywatchMap!.unproject([x, y]);
        return { lon: at.lng, lat: at.lat };
      },
      [tap.x, tap.y],
    );
    // The public map never asks for the signed-in tiles (which carry station areas).
    expect(tileUrls.length).toBeGreaterThan(0);
    expect(tileUrls.every((u) => u.includes('/api/public/tiles/'))).toBe(true);
    await page.screenshot({ path: shot('community-report-pin'), fullPage: true });
    await page.getByTestId('report-submit').click();
    const title = await page.locator('.ant-result-title').textContent();
    const number = /R\d{8}-\d{4}/.exec(title ?? '')![0];
    expect(errors).toEqual([]);
    expect(probes).toEqual([]);

    // Read back as the station's dispatcher: the report went to the station whose area holds the pin.
    const dispatcherCookie = await e2e.login('lc.dispatcher', PASSWORD);
    const reports = await e2e.api<{
      items: { number: string; lon: number | null; lat: number | null; positionSource: string | null }[];
    }>('GET', '/api/community/reports', undefined, { cookie: dispatcherCookie });
    const stored = reports.items.find((r) => r.number === number)!;
    expect(stored.positionSource).toBe('pin');
    const metres = (a: { lon: number; lat: number }, b: { lon: number; lat: number }) =>
      Math.hypot((a.lon - b.lon) * 111_320 * Math.cos((a.lat * Math.PI) / 180), (a.lat - b.lat) * 110_540);
    expect(metres({ lon: stored.lon!, lat: stored.lat! }, expected)).toBeLessThan(3);
    // Not the phone's fix: the tap was well off the map's centre.
    expect(metres({ lon: stored.lon!, lat: stored.lat! }, SPOT)).toBeGreaterThan(20);
  });

  it('a citizen report from a phone becomes a 110 incident, and the reporter sees it', async () => {
    const { number, link } = await reportFromPhone(
      '可疑情况',
      '小区车库有人逐个拉车门，已持续十分钟',
      'community-report',
    );
    expect(link).toContain('/report?t=');

    const { page, errors } = await e2e.desktop();
    await signInThroughPage(page, `${e2e.server.baseUrl}/community`, 'lc.dispatcher', PASSWORD);
    const row = page.locator('tr', { hasText: number });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('龙城派出所');
    await page.screenshot({ path: shot('community-intake') });
    await page.getByTestId(`decide-${number}`).getByRole('button', { name: '转 110 警情' }).click();
    await page.getByText('已处理：已转 110 警情').waitFor();

    // The incident is in the dispatch queue, with the report's words.
    const incidents = await e2e.api<{ items: { number: string; narrative: string; category: string }[] }>(
      'GET',
      '/api/dispatch/incidents',
    );
    const incident = incidents.items.find((i) => i.narrative.includes(number));
    expect(incident).toMatchObject({ category: 'public_order' });

    // The reporter's link shows who handles it.
    const { page: track, errors: trackErrors } = await e2e.phone();
    const probes = sessionProbes(track);
    await track.goto(link);
    const tracking = track.getByTestId('report-tracking');
    await tracking.waitFor();
    await expect(tracking.getAttribute('data-status')).resolves.toBe('incident');
    await expect(tracking.textContent()).resolves.toContain(incident!.number);
    await track.screenshot({ path: shot('community-tracking'), fullPage: true });
    expect(trackErrors).toEqual([]);
    expect(probes).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('a dispute goes from intake to a mediation case and a written agreement', async () => {
    const { number } = await reportFromPhone(
      '矛盾纠纷',
      '楼上漏水三个月不修，邻居拒绝协商，希望调解',
      'community-dispute',
    );
    const dispatcher = await e2e.desktop();
    const dp = dispatcher.page;
    await signInThroughPage(dp, `${e2e.server.baseUrl}/community`, 'lc.dispatcher', PASSWORD);
    await dp.getByTestId(`decide-${number}`).getByRole('button', { name: '转矛盾调解' }).click();
    await dp.getByText('已处理：已转矛盾调解').waitFor();
    await dispatcher.context.close();

    const { page, errors } = await e2e.desktop();
    await signInThroughPage(page, `${e2e.server.baseUrl}/community`, 'lc.mediator', PASSWORD);
    await page.getByRole('tab', { name: '矛盾纠纷调解' }).click();
    const row = page.locator('tr', { hasText: '楼上漏水三个月不修' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('剩 30 天');
    await page.screenshot({ path: shot('community-board') });
    await row.click();
    const drawer = page.getByTestId('case-drawer');
    await drawer.getByRole('button', { name: '由我调解' }).click();
    await drawer.locator('.ant-descriptions').getByText('王调解').waitFor();
    await drawer.getByPlaceholder('调解室').fill('第一调解室');
    await drawer.getByRole('button', { name: '设置调解室' }).click();
    await drawer.getByTestId('session-notes').fill('双方到场，查看漏水现场，同意修复');
    await drawer.getByRole('button', { name: '记录一次调解' }).click();
    const form = drawer.getByTestId('agreement-form');
    await form.waitFor();
    await form.getByLabel('纠纷事实').fill('楼上卫生间防水层老化，漏水损坏楼下天花板三个月');
    await form.getByLabel('各方责任').fill('楼上住户承担修复费用并修复防水层');
    await form.getByLabel('履行方式').fill('一次性支付修复费 3000 元');
    await form.getByLabel('履行期限').fill('2026-12-20');
    // Enter in the date field takes the date and submits the form, as the button would.
    await form.getByLabel('履行期限').press('Enter');
    const agreement = drawer.getByTestId('agreement');
    await agreement.waitFor();
    await expect(agreement.textContent()).resolves.toContain('3000 元');
    await expect(drawer.locator('.ant-drawer-title').textContent()).resolves.toContain('已达成协议');
    const download = page.waitForEvent('download');
    await drawer.getByRole('button', { name: '下载协议书 PDF' }).click();
    const pdf = await download;
    expect(pdf.suggestedFilename()).toMatch(/^agreement-T\d{8}-\d{4}\.pdf$/);
    await page.screenshot({ path: shot('community-agreement') });
    expect(errors).toEqual([]);
  });
});
