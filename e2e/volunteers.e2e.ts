import { describe, expect, it } from 'vitest';
import { signInThroughPage } from './browser';
import { sessionProbes, setupE2E, shot } from './fixture';

const PASSWORD = 'a-long-volunteer-password';
const SPOT = { lon: 114.1955, lat: 22.6955 };

const e2e = setupE2E({
  users: [
    {
      username: 'lc.community',
      displayName: '龙城社区民警',
      password: PASSWORD,
      org: '龙城派出所',
      roles: ['community_officer'],
    },
  ],
});

describe('community: volunteers, shifts and check-in in the browser', () => {
  it('a community officer builds a team and a shift; a member signs up and checks in from their link', async () => {
    const { page, errors } = await e2e.desktop({ viewport: { width: 1500, height: 1000 } });
    await signInThroughPage(page, `${e2e.server.baseUrl}/community`, 'lc.community', PASSWORD);
    await page.getByRole('tab', { name: '志愿者与排班' }).click();
    await page.getByTestId('team-name').fill('龙城红袖标巡逻队');
    await page.getByRole('button', { name: '新建队伍' }).click();
    await page.locator('tr', { hasText: '龙城红袖标巡逻队' }).waitFor();

    // A member with a phone: the link code is shown once.
    await page.getByTestId('member-name').fill('陈阿姨');
    await page.getByPlaceholder('手机（可选）').fill('13800000011');
    await page.getByRole('button', { name: '添加队员' }).click();
    const link = (await page.getByTestId('member-token').textContent())?.trim() ?? '';
    expect(link).toMatch(/\/volunteer\?t=\S{20,}$/);
    await page.getByRole('button', { name: /知道了|OK/ }).click();

    // A shift starting in 10 minutes, two hours long.
    const start = new Date(Date.now() + 10 * 60_000);
    const end = new Date(start.getTime() + 2 * 3_600_000);
    await page.getByTestId('shift-title').fill('放学时段校门值守');
    await page.getByTestId('shift-start').fill(start.toISOString());
    await page.getByTestId('shift-end').fill(end.toISOString());
    await page.getByRole('button', { name: '新建班次' }).click();
    await page.locator('tr', { hasText: '放学时段校门值守' }).waitFor();

    // The member's phone opens the link, signs up and checks in at the school gate (about 100 m off).
    const phone = await e2e.phone({ lon: SPOT.lon + 0.001, lat: SPOT.lat });
    const mobile = phone.page;
    const probes = sessionProbes(mobile);
    const loaded = mobile.waitForResponse((r) => r.url().includes('/api/community/volunteer/me'));
    await mobile.goto(link);
    await loaded;
    const card = mobile.getByTestId('shift-放学时段校门值守');
    await card.getByRole('button', { name: /^报\s*名$/ }).click();
    await card.getByRole('button', { name: '到岗签到' }).click();
    await card.getByText('已签到').waitFor();
    await mobile.screenshot({ path: shot('volunteers-phone'), fullPage: true });
    expect(phone.errors).toEqual([]);
    // The public page stays outside the session: no probe of /api/auth/me (its 401 used to clear
    // the query cache and abort the page's own request).
    expect(probes).toEqual([]);
    await phone.context.close();

    await page.reload();
    await page.getByRole('tab', { name: '志愿者与排班' }).click();
    await page.getByTestId('volunteer-teams').locator('tr', { hasText: '龙城红袖标巡逻队' }).click();
    await page.getByText('陈阿姨 · 已签到').waitFor();

    // Her phone only after a purpose.
    await page.getByRole('button', { name: '查看手机' }).click();
    const purpose = page.getByTestId('phone-purpose');
    await purpose.fill('通知排班变更');
    expect(await purpose.inputValue()).toBe('通知排班变更');
    const read = page.waitForResponse((r) => r.url().includes('/phone'));
    await page
      .locator('.ant-modal-confirm-btns')
      .getByRole('button', { name: /确\s*定|OK/ })
      .click();
    expect((await read).status()).toBe(200);
    await page.getByText('13800000011').waitFor();
    await page.waitForTimeout(1500);
    await page.screenshot({ path: shot('volunteers'), fullPage: true });

    const audit = await e2e.api<{ items: { action: string; resource: string; purpose: string | null }[] }>(
      'GET',
      '/api/audit?action=personal_data_read',
    );
    expect(
      audit.items.some((a) => a.resource.startsWith('volunteer-member:') && a.purpose === '通知排班变更'),
    ).toBe(true);
    expect(errors).toEqual([]);
  }, 240_000);
});
