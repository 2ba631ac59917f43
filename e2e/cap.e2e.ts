import { xmllintErrors } from '@citywatch/core/cap/xsd-check';
import { describe, expect, it } from 'vitest';
import { signInThroughPage } from './browser';
import { setupE2E, shot } from './fixture';

const PASSWORD = 'a-long-notices-password';
// The Longgang Universiade Centre, inside 龙城派出所's jurisdiction on the bundled extract.
const SPOT = { lon: 114.2185, lat: 22.6975 };

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
});
