import { describe, expect, it } from 'vitest';
import { signInThroughPage } from './browser';
import { setupE2E, shot } from './fixture';

const PASSWORD = 'a-long-indicators-password';
// Inside 龙城派出所's jurisdiction on the bundled Longgang extract.
const SPOT = { lon: 114.1955, lat: 22.6955 };

const e2e = setupE2E({
  demo: true,
  // A shared, loaded machine: the demo server may take minutes to come up.
  serverTimeoutMs: 230_000,
  users: [
    {
      username: 'lc.dispatcher',
      displayName: '龙城调度',
      password: PASSWORD,
      org: '龙城派出所',
      roles: ['dispatcher'],
    },
    {
      username: 'lc.inspector',
      displayName: '龙城行业监管员',
      password: PASSWORD,
      org: '龙城派出所',
      roles: ['industry_inspector'],
    },
    {
      username: 'lc.mine',
      displayName: '龙城爆破公司保管员',
      password: PASSWORD,
      org: '龙城派出所',
      roles: ['enterprise'],
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

  it("the later modules' indicators (patrol dosage, variance-free magazine-days, school compliance) show values and open their rows", async () => {
    const inspector = await e2e.login('lc.inspector', PASSWORD);
    const commander = await e2e.login('lg.commander', PASSWORD);
    const as = (cookie: string) => ({ cookie });
    // Two schools assessed: one meets every item, the other has 2 guards for 1,200 pupils.
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() + 8 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
    const assessed = {
      population: 1200,
      guards: 3,
      closedCampus: true,
      alarmLinked: true,
      alarmTestedOn: yesterday,
      videoCoveragePct: 100,
    };
    const school = async (name: string, guards: number) => {
      const unit = await e2e.api<{ id: string }>(
        'POST',
        '/api/oversight/units',
        { industry: 'school', name, ...SPOT },
        as(inspector),
      );
      await e2e.api(
        'PUT',
        `/api/oversight/units/${unit.id}/compliance`,
        { ...assessed, guards },
        as(inspector),
      );
    };
    await school('龙城实验小学', 3);
    await school('龙城第二中学', 2);
    // A blasting company's two magazines counted today and yesterday: M1 one detonator over the book yesterday.
    const mine = await e2e.api<{ id: string }>(
      'POST',
      '/api/oversight/units',
      {
        industry: 'explosives',
        name: '龙城爆破公司',
        licenceNo: 'MB-2026-88',
        address: '龙城 8 号',
        ...SPOT,
      },
      as(inspector),
    );
    const users = await e2e.api<{ items: { id: string; username: string }[] }>('GET', '/api/users');
    const keeper = users.items.find((u) => u.username === 'lc.mine')!;
    await e2e.api('POST', `/api/oversight/units/${mine.id}/users`, { userId: keeper.id });
    await e2e.api('POST', '/api/explosives/products', {
      code: 'EDET-8M',
      name: '电子雷管',
      kind: 'itemised',
    });
    const orgs = await e2e.api<{ items: { id: string; name: string }[] }>('GET', '/api/orgs');
    const station = orgs.items.find((o) => o.name === '龙城派出所')!.id;
    for (const name of ['M1', 'M2'])
      await e2e.api(
        'POST',
        '/api/explosives/magazines',
        { enterpriseId: mine.id, name, orgId: station, capacity: [{ product: 'EDET-8M', quantity: 50 }] },
        as(inspector),
      );
    const keeperCookie = await e2e.login('lc.mine', PASSWORD);
    for (const [date, m1] of [
      [yesterday, 1],
      [today, 0],
    ] as const)
      await e2e.api(
        'POST',
        '/api/explosives/counts',
        {
          enterpriseId: mine.id,
          date,
          counts: [
            { account: 'magazine:M1', product: 'EDET-8M', counted: m1 },
            { account: 'magazine:M2', product: 'EDET-8M', counted: 0 },
          ],
        },
        as(keeperCookie),
      );
    // A patrol plan whose shift is under way: a must-patrol point at the spot, a car assigned.
    const unit = await e2e.api<{ id: string }>(
      'POST',
      '/api/dispatch/units',
      { callSign: '龙城巡88', kind: 'patrol_car' },
      as(commander),
    );
    const d = 0.01;
    await e2e.api(
      'POST',
      '/api/patrol/plans',
      {
        name: '龙城早班',
        shift: {
          start: new Date(Date.now() - 2 * 3_600_000).toISOString(),
          end: new Date(Date.now() + 3_600_000).toISOString(),
        },
        seed: 7,
        zones: [
          {
            key: 'z1',
            name: '龙城一区',
            geometry: {
              type: 'Polygon',
              coordinates: [
                [
                  [SPOT.lon - d, SPOT.lat - d],
                  [SPOT.lon + d, SPOT.lat - d],
                  [SPOT.lon + d, SPOT.lat + d],
                  [SPOT.lon - d, SPOT.lat + d],
                  [SPOT.lon - d, SPOT.lat - d],
                ],
              ],
            },
          },
        ],
        targets: [
          {
            key: 'p1',
            name: '必巡点 1',
            kind: 'point',
            geometry: { type: 'Point', coordinates: [SPOT.lon, SPOT.lat] },
            zoneKey: 'z1',
          },
        ],
        assignments: [{ unitId: unit.id, zoneKey: 'z1' }],
      },
      as(commander),
    );

    const { page, errors } = await e2e.desktop({ viewport: { width: 1600, height: 1400 } });
    await signInThroughPage(page, `${e2e.server.baseUrl}/indicators`, 'lg.commander', PASSWORD);
    await page.getByTestId('indicator-table').waitFor();
    // The page shows the API's figure of each, over the page's period (the last 7 days).
    const from = new Date(Date.now() + 8 * 3_600_000 - 6 * 86_400_000).toISOString().slice(0, 10);
    const api = await e2e.api<{ items: { id: string; value: number | null; denominator: number | null }[] }>(
      'GET',
      `/api/indicators/values?from=${from}&to=${today}&ids=patrol.dosage,explosives.variance_free_days,oversight.school_compliance_rate`,
      undefined,
      as(commander),
    );
    const shown: Record<string, string> = {};
    for (const f of api.items) {
      expect(f.value, f.id).not.toBeNull();
      const cell = page.getByTestId(`value-${f.id}`);
      await cell.scrollIntoViewIfNeeded();
      await expect
        .poll(async () => (await cell.textContent())?.trim(), { timeout: 20_000 })
        .toBe(`${((f.value ?? 0) * 100).toFixed(1)}%`);
      shown[f.id] = (await cell.textContent())!.trim();
    }
    expect(shown['oversight.school_compliance_rate']).toBe('50.0%');
    // Each row names its module in the page's language (not the module's code).
    for (const [id, module] of [
      ['patrol.dosage', '单元防控'],
      ['explosives.variance_free_days', '民爆物品'],
      ['oversight.school_compliance_rate', '行业监管'],
    ])
      expect(
        await page
          .locator('tr', { has: page.getByTestId(`value-${id}`) })
          .first()
          .textContent(),
      ).toContain(module);
    await page.screenshot({ path: shot('indicators-later-modules'), fullPage: true });
    // The school compliance figure opens the two schools it was computed from.
    await page.getByTestId('value-oversight.school_compliance_rate').click();
    const rows = page.getByTestId('rows-table');
    await rows.getByText('龙城第二中学').waitFor({ timeout: 20_000 });
    await rows.getByText('龙城实验小学').waitFor();
    expect(await page.getByTestId('rows-total').textContent()).toContain('共 2 条');
    await rows
      .getByText(/专职保安员配备达标/)
      .first()
      .waitFor();
    await page.screenshot({ path: shot('indicators-school-drilldown') });
    expect(errors).toEqual([]);
  }, 180_000);

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
