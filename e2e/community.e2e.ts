import { describe, expect, it } from 'vitest';
import { jpegWithExif } from '../packages/server/src/modules/community/fixtures';
import { signInThroughPage } from './browser';
import { sessionProbes, setupE2E, shot } from './fixture';

const PASSWORD = 'a-long-community-password';
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
  await page.getByText('已定位').waitFor();
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
