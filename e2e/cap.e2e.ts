import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { xmllintErrors } from '@citywatch/core/cap/xsd-check';
import { describe, expect, it } from 'vitest';
import { signInThroughPage } from './browser';
import { setupE2E, shot } from './fixture';

const PASSWORD = 'a-long-notices-password';
// The Longgang Universiade Centre, inside 龙城派出所's jurisdiction on the bundled extract.
const SPOT = { lon: 114.2185, lat: 22.6975 };

/**
 * 大运中心体育场, the Universiade Centre stadium: a closed way of the bundled city (way 166214606;
 * OpenStreetMap contributors, ODbL), as [lon, lat] positions.
 */
function stadiumRing(): [number, number][] {
  const osm = readFileSync(
    path.resolve(
      path.dirname(fileURLToPath(import.meta.url)),
      '../../shared/data/roads/shenzhen-longgang/shenzhen_longgang.osm',
    ),
    'utf8',
  );
  const way = /<way id="166214606"[^>]*>([\s\S]*?)<\/way>/.exec(osm)?.[1] ?? '';
  return [...way.matchAll(/<nd ref="(\d+)"/g)].map(([, id]) => {
    const node = new RegExp(`<node id="${id}"[^>]*lat="([^"]+)" lon="([^"]+)"`).exec(osm);
    return [Number(node?.[2]), Number(node?.[1])];
  });
}
const pairsOf = (polygon: string) => polygon.trim().split(/\s+/);

const e2e = setupE2E({
  demo: true,
  serverTimeoutMs: 200_000,
  users: [
    {
      username: 'lc.cmd1',
      displayName: '龙城指挥甲',
      password: PASSWORD,
      org: '龙城派出所',
      roles: ['commander'],
    },
    {
      username: 'lc.cmd2',
      displayName: '龙城指挥乙',
      password: PASSWORD,
      org: '龙城派出所',
      roles: ['commander'],
    },
  ],
});

describe('预警发布: public notices with four-eyes approval', () => {
  it('one commander drafts, cannot approve it (told why), a second approves, the CAP XML validates', async () => {
    const first = await e2e.desktop();
    const page = first.page;
    await signInThroughPage(page, `${e2e.server.baseUrl}/notices`, 'lc.cmd1', PASSWORD);
    await page.getByTestId('notices-page').waitFor();

    await page.getByTestId('notice-compose').click();
    await page.getByTestId('notice-headline-zh').fill('大运中心周边人员密集，请绕行');
    await page.getByTestId('notice-headline-en').fill('Dense crowd around the Universiade Centre: keep away');
    await page
      .getByTestId('notice-description-zh')
      .fill('演唱会散场，大运中心周边人员密集，请市民错峰出行。');
    await page
      .getByTestId('notice-description-en')
      .fill('A concert is ending; the streets nearby are crowded.');
    await page.getByTestId('notice-area-desc').fill('大运中心');
    // Severity 严重, certainty 很可能 (the selects' options by their Chinese labels).
    await page.getByTestId('notice-severity').click();
    await page.locator('.ant-select-dropdown:visible').getByText('严重', { exact: true }).click();
    await page.getByTestId('notice-certainty').click();
    await page.locator('.ant-select-dropdown:visible').getByText('很可能', { exact: true }).click();
    // The centre from a click on the map, then typed exactly; the radius typed.
    const canvas = page.locator('.maplibregl-canvas');
    await canvas.waitFor();
    await page.waitForFunction(
      () =>
        (window as unknown as { __citywatchMap?: { loaded(): boolean } }).__citywatchMap?.loaded() === true,
    );
    await canvas.click({ position: { x: 200, y: 120 } });
    await expect.poll(async () => page.getByTestId('notice-lon').inputValue()).not.toBe('');
    await page.getByTestId('notice-lon').fill(String(SPOT.lon));
    await page.getByTestId('notice-lat').fill(String(SPOT.lat));
    await page.getByTestId('notice-radius').fill('0.8');
    await page.getByTestId('notice-area-desc').click(); // blur: the circle is drawn from the typed values
    await page.screenshot({ path: shot('cap-compose') });
    await page.getByTestId('notice-submit').click();

    const table = page.getByTestId('notices-table');
    const row = table.locator('tbody tr', { hasText: '大运中心周边人员密集' });
    await row.getByText('待审批').waitFor();
    const [notice] = (
      await e2e.api<{ items: { id: string; draftedBy: string; certainty: string }[] }>(
        'GET',
        '/api/cap/notices',
      )
    ).items;
    expect(notice.certainty).toBe('Likely');

    // The drafter holds the approving permission, and the page does not let them use it here.
    await expect(row.getByTestId(`approve-${notice.id}`).isDisabled()).resolves.toBe(true);
    await expect(row.getByTestId(`why-${notice.id}`).textContent()).resolves.toBe(
      '本人起草，须由他人审批（双人审核）',
    );
    await page.screenshot({ path: shot('cap-own-draft') });
    // Nor does the server (as the page's session would ask it).
    const cookie1 = await e2e.login('lc.cmd1', PASSWORD);
    const own = await fetch(`${e2e.server.baseUrl}/api/cap/notices/${notice.id}/approve`, {
      method: 'POST',
      headers: { cookie: cookie1, 'accept-language': 'zh-CN' },
    });
    expect(own.status).toBe(403);
    const problem = await own.json();
    expect(problem.errors[0]).toMatchObject({ field: 'id', rule: 'four_eyes' });
    expect(problem.detail).toContain('不能审批自己起草的公告');

    // The second commander approves from the page.
    const second = await e2e.desktop();
    await signInThroughPage(second.page, `${e2e.server.baseUrl}/notices`, 'lc.cmd2', PASSWORD);
    const row2 = second.page
      .getByTestId('notices-table')
      .locator('tbody tr', { hasText: '大运中心周边人员密集' });
    await row2.getByTestId(`approve-${notice.id}`).click();
    await row2.getByText('已发布').waitFor();
    await row2.getByText('龙城指挥乙').waitFor();
    const link = row2.getByTestId(`xml-${notice.id}`);
    await link.waitFor();
    await second.page.screenshot({ path: shot('cap-approved') });

    // The link serves the alert as CAP 1.2, valid against the OASIS schema.
    const href = await link.getAttribute('href');
    expect(href).toMatch(/^\/api\/cap\/alerts\/[0-9a-f-]+\.xml$/);
    const res = await fetch(`${e2e.server.baseUrl}${href}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/cap+xml');
    const xml = await res.text();
    expect(xmllintErrors(xml), xml).toEqual([]);
    expect(xml).toContain('<headline>大运中心周边人员密集，请绕行</headline>');
    expect(xml).toContain('<severity>Severe</severity>');
    expect(xml).toContain('<certainty>Likely</certainty>');
    expect(xml).toContain(`<circle>${SPOT.lat},${SPOT.lon} 0.8</circle>`);

    // The drafter's page shows it published after a refresh, with the link too.
    await page.getByTestId('notices-refresh').click();
    await row.getByText('已发布').waitFor();
    await row.getByTestId(`xml-${notice.id}`).waitFor();
    expect(first.errors).toEqual([]);
    expect(second.errors).toEqual([]);
  }, 180_000);

  it('a polygon area: corners clicked on the map, a refused text named on its field, a crowd event area taken', async () => {
    const ring = stadiumRing();
    expect(ring).toHaveLength(41);
    const orgs = await e2e.api<{ items: { id: string; name: string }[] }>('GET', '/api/orgs');
    // As sensors stores it (WGS-84 [lon, lat]).
    const area = await e2e.api<{ ring: [number, number][] }>('POST', '/api/sensors/crowd-areas', {
      name: '大运中心体育场',
      orgId: orgs.items.find((o) => o.name === '龙城派出所')!.id,
      ring,
      warnDensity: 2,
      alarmDensity: 4,
      capacity: 60_000,
    });
    const { page, errors } = await e2e.desktop();
    await signInThroughPage(page, `${e2e.server.baseUrl}/notices`, 'lc.cmd1', PASSWORD);
    await page.getByTestId('notices-page').waitFor();
    await page.getByTestId('notice-compose').click();
    await page.getByTestId('notice-headline-zh').fill('大运中心体育场散场，请勿聚集');
    await page.getByTestId('notice-headline-en').fill('Universiade stadium emptying: do not gather');
    await page.getByTestId('notice-description-zh').fill('比赛结束，体育场内人员集中离场。');
    await page
      .getByTestId('notice-description-en')
      .fill('The match is over; the crowd is leaving the stadium.');
    await page.getByTestId('notice-area-desc').fill('大运中心体育场');
    await page.getByTestId('notice-shape').getByText('多边形').click();

    // Four corners clicked on the map: closed for the user (five pairs, first = last), drawn.
    const canvas = page.locator('.maplibregl-canvas');
    await canvas.waitFor();
    await page.waitForFunction(
      () =>
        (window as unknown as { __citywatchMap?: { loaded(): boolean } }).__citywatchMap?.loaded() === true,
    );
    for (const [x, y] of [
      [150, 70],
      [300, 80],
      [290, 190],
      [160, 180],
    ])
      await canvas.click({ position: { x, y } });
    const drawn = pairsOf(await page.getByTestId('notice-polygon').inputValue());
    expect(drawn).toHaveLength(5);
    expect(drawn[0]).toBe(drawn[4]);
    await page.screenshot({ path: shot('cap-polygon-drawn') });

    // A text not closed: refused by the server, named on the polygon field with the pair.
    await page.getByTestId('notice-polygon').fill(drawn.slice(0, 4).join(' '));
    await page.getByTestId('notice-submit').click();
    const fieldError = page.locator('.ant-form-item-explain-error', { hasText: '未闭合' });
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toContain('#4');
    await page.screenshot({ path: shot('cap-polygon-refused') });

    // The stadium taken from the crowd event areas, and sent.
    await page.getByTestId('notice-from-area').click();
    await page.locator('.ant-select-dropdown:visible').getByText('大运中心体育场', { exact: true }).click();
    const taken = pairsOf(await page.getByTestId('notice-polygon').inputValue());
    expect(taken).toHaveLength(area.ring.length);
    expect(taken[0]).toBe(taken.at(-1));
    await page.getByTestId('notice-area-desc').click();
    await page.screenshot({ path: shot('cap-polygon-area') });
    await page.getByTestId('notice-submit').click();
    const row = page.getByTestId('notices-table').locator('tbody tr', { hasText: '大运中心体育场散场' });
    await row.getByText('待审批').waitFor();
    await row.getByText(`多边形 ${area.ring.length - 1} 个顶点`).waitFor();

    // Approved by the second commander; the XML's polygon is the stadium's, valid CAP 1.2.
    const notice = (
      await e2e.api<{ items: { id: string; headlineZh: string; polygon: string | null }[] }>(
        'GET',
        '/api/cap/notices',
      )
    ).items.find((n) => n.headlineZh === '大运中心体育场散场，请勿聚集')!;
    expect(pairsOf(notice.polygon ?? '')).toEqual(
      area.ring.map(([lon, lat]) => `${Number(lat.toFixed(6))},${Number(lon.toFixed(6))}`),
    );
    const cookie2 = await e2e.login('lc.cmd2', PASSWORD);
    const approved = await e2e.api<{ alertUrl: string }>(
      'POST',
      `/api/cap/notices/${notice.id}/approve`,
      undefined,
      { cookie: cookie2 },
    );
    const xml = await (await fetch(`${e2e.server.baseUrl}${new URL(approved.alertUrl).pathname}`)).text();
    expect(xmllintErrors(xml), xml).toEqual([]);
    expect(xml).toContain(`<polygon>${notice.polygon}</polygon>`);
    expect(xml).not.toContain('<circle>');
    await page.getByTestId('notices-refresh').click();
    await row.getByText('已发布').waitFor();
    await page.screenshot({ path: shot('cap-polygon-published') });
    expect(errors).toEqual([]);
  }, 180_000);
});
