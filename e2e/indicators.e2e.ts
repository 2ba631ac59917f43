import { describe, expect, it } from 'vitest';
import { signInThroughPage } from './browser';
import { setupE2E, shot } from './fixture';

const PASSWORD = 'a-long-indicators-password';
// Inside 龙城派出所's jurisdiction on the bundled Longgang extract.
const SPOT = { lon: 114.1955, lat: 22.6955 };

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
      username: 'lg.commander',
      displayName: '龙岗分局指挥长',
      password: PASSWORD,
      org: '龙岗分局',
      roles: ['commander'],
    },
  ],
});

/** A 110 call taken by the station's dispatcher (the API, as the console sends it). */
async function call(cookie: string, priority: 'P1' | 'P3', category: string, narrative: string) {
  const body = await e2e.api<{ incident: { id: string; number: string } }>(
    'POST',
    '/api/dispatch/incidents',
    { category, priority, ...SPOT, narrative },
    { cookie },
  );
  return body.incident;
}

describe('indicators (评价指标) and the command wall in the browser', () => {
  it("the bureau's commander opens the 110 validity rate and sees the calls it was computed from", async () => {
    const dispatcher = await e2e.login('lc.dispatcher', PASSWORD);
    const police = await call(dispatcher, 'P1', 'criminal', '商场门口有人抢包后向东逃跑');
    const other = await call(dispatcher, 'P3', 'non_police', '咨询户籍办理时间');
    const { page, errors } = await e2e.desktop({ viewport: { width: 1600, height: 1000 } });
    await signInThroughPage(page, `${e2e.server.baseUrl}/indicators`, 'lg.commander', PASSWORD);
    await page.getByTestId('indicator-table').waitFor();
    const value = page.getByTestId('value-dispatch.validity_rate');
    await expect.poll(async () => (await value.textContent())?.trim(), { timeout: 20_000 }).toMatch(/%$/);
    await page.screenshot({ path: shot('indicators-page') });
    await value.click();
    const rows = page.getByTestId('rows-table');
    await rows.getByText(police.number).waitFor({ timeout: 20_000 });
    await rows.getByText(other.number).waitFor();
    const total = await page.getByTestId('rows-total').textContent();
    expect(total).toMatch(/共 \d+ 条/);
    // The figure is the share of police matters among the rows listed behind it.
    const api = await e2e.api<{ total: number; rows: { police: boolean }[] }>(
      'GET',
      '/api/indicators/dispatch.validity_rate/rows?limit=1000',
      undefined,
      { cookie: await e2e.login('lg.commander', PASSWORD) },
    );
    const share = api.rows.filter((r) => r.police).length / api.total;
    expect((await value.textContent())?.trim()).toBe(`${(share * 100).toFixed(1)}%`);
    expect(total).toContain(`共 ${api.total} 条`);
    await page.screenshot({ path: shot('indicators-drilldown') });
    expect(errors).toEqual([]);
  }, 120_000);

  it('the wall at 1920×1080 shows a new incident live, without reloading', async () => {
    const { page, errors } = await e2e.desktop({ viewport: { width: 1920, height: 1080 } });
    await signInThroughPage(page, `${e2e.server.baseUrl}/wall`, 'lg.commander', PASSWORD);
    await page.getByTestId('wall').waitFor();
    await expect
      .poll(async () => page.getByTestId('wall-live').textContent(), { timeout: 20_000 })
      .toContain('实时连接');
    await page.getByTestId('wall-figure-dispatch.validity_rate').waitFor({ timeout: 20_000 });
    // A mark on the window: a reload would drop it.
    await page.evaluate(() => {
      (window as unknown as { wallMark: number }).wallMark = 42;
    });
    const openBefore = Number(await page.getByTestId('wall-open').textContent());
    const dispatcher = await e2e.login('lc.dispatcher', PASSWORD);
    const fresh = await call(dispatcher, 'P1', 'criminal', '龙城广场有人持刀斗殴');
    await page.getByTestId(`wall-alarm-${fresh.number}`).waitFor({ timeout: 20_000 });
    // And on the map, where it happened.
    await page.locator(`[data-marker="i:${fresh.id}"]`).waitFor({ timeout: 20_000 });
    await expect
      .poll(async () => Number(await page.getByTestId('wall-open').textContent()))
      .toBeGreaterThan(openBefore);
    expect(await page.evaluate(() => (window as unknown as { wallMark?: number }).wallMark)).toBe(42);
    // Readable at 1920×1080: the title, figures and alarms fit the screen without scrolling.
    const scroll = await page.evaluate(() => ({
      w: document.documentElement.scrollWidth,
      h: document.documentElement.scrollHeight,
    }));
    expect(scroll.w).toBeLessThanOrEqual(1920);
    expect(scroll.h).toBeLessThanOrEqual(1080);
    const titleSize = await page
      .getByText('社会治安防控指挥大屏')
      .evaluate((el) => Number.parseFloat(getComputedStyle(el).fontSize));
    expect(titleSize).toBeGreaterThanOrEqual(28);
    await page.waitForFunction(
      () => {
        const map = (
          window as unknown as { __citywatchMap?: { loaded(): boolean; areTilesLoaded(): boolean } }
        ).__citywatchMap;
        return !!map && map.loaded() && map.areTilesLoaded();
      },
      null,
      { timeout: 30_000, polling: 250 },
    );
    await page.screenshot({ path: shot('wall-1920') });
    expect(errors).toEqual([]);
  }, 120_000);

  it('the wall at 3840×2160 scales up and stays on one screen', async () => {
    const { page, errors } = await e2e.desktop({ viewport: { width: 3840, height: 2160 } });
    await signInThroughPage(page, `${e2e.server.baseUrl}/wall`, 'lg.commander', PASSWORD);
    await page.getByTestId('wall-figure-dispatch.validity_rate').waitFor({ timeout: 20_000 });
    const titleSize = await page
      .getByText('社会治安防控指挥大屏')
      .evaluate((el) => Number.parseFloat(getComputedStyle(el).fontSize));
    expect(titleSize).toBeGreaterThanOrEqual(60);
    const scroll = await page.evaluate(() => document.documentElement.scrollHeight);
    expect(scroll).toBeLessThanOrEqual(2160);
    await page.screenshot({ path: shot('wall-3840') });
    expect(errors).toEqual([]);
  }, 120_000);
});
