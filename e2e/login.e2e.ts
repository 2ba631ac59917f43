import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
const consoleProblems: string[] = [];

async function shot(name: string): Promise<void> {
  await page.waitForTimeout(350); // let antd's motion settle
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** The antd Form.Item holding the control with this id (form name + field, e.g. `user_password`). */
function formItem(id: string) {
  return page.locator('.ant-form-item').filter({ has: page.locator(`#${id}`) });
}

/** The open antd popup (Select / TreeSelect dropdown). */
function openDropdown() {
  return page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)').last();
}

describe('web shell against the real server', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer();
    browser = await launchChromium();
    context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      // 401/400 answers the test provokes show up as failed resource loads; anything else is a bug.
      if (
        (msg.type() === 'error' || msg.type() === 'warning') &&
        !msg.text().startsWith('Failed to load resource')
      ) {
        consoleProblems.push(`${msg.type()}: ${msg.text()}`);
      }
    });
  }, 150_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail' || !page) return;
    const name = ctx.task.name.replace(/[^\w\u4e00-\u9fff-]+/g, '-').slice(0, 60);
    await page.screenshot({ path: path.join(SHOTS, `FAILED-${name}.png`), fullPage: true }).catch(() => {});
    console.error(
      `failed at ${page.url()}; server output:\n${server.output().split('\n').slice(-30).join('\n')}`,
    );
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  }, 30_000);

  it('sends an anonymous visitor to the login page', async () => {
    await page.goto(`${server.baseUrl}/admin/users`);
    await page.waitForURL('**/login');
    await page.getByRole('button', { name: '登录' }).waitFor();
    expect(await page.locator('#root').textContent()).toContain('citywatch 社会治安防控平台');
    await shot('01-login');
  });

  it('shows the Chinese error on a wrong password', async () => {
    await page.locator('input[autocomplete="username"]').fill('admin');
    await page.locator('input[autocomplete="current-password"]').fill('not-the-password');
    await page.locator('input[autocomplete="current-password"]').press('Enter');
    const error = page.getByTestId('login-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('用户名或密码错误');
    await shot('02-login-wrong-password');
  });

  it('lands on the app frame after a correct login, and back where it was sent from', async () => {
    await page.locator('input[autocomplete="username"]').fill('admin');
    await page.locator('input[autocomplete="current-password"]').fill(server.adminPassword);
    await page.locator('input[autocomplete="current-password"]').press('Enter');
    await page.waitForURL('**/admin/users');
    const menu = page.getByTestId('main-menu');
    await menu.getByText('指挥调度').waitFor();
    for (const label of [
      '覆盖分析',
      '圈层查控',
      '单元防控',
      '要素管控',
      '基础防控',
      '评价指标',
      '系统管理',
      '审计日志',
    ]) {
      expect(await menu.getByText(label, { exact: true }).count()).toBe(1);
    }
    expect(await page.getByTestId('header-user').textContent()).toBe('系统管理员');
    expect((await page.getByTestId('header-org').textContent())?.length).toBeGreaterThan(0);
    await menu.getByText('指挥调度').click();
    await page.waitForURL('**/dispatch');
    await page.getByTestId('dispatch-console').waitFor();
    await shot('03-app-frame');
  });

  it('lists the admin on the users page', async () => {
    const menu = page.getByTestId('main-menu');
    const usersItem = menu.getByText('用户管理');
    if (!(await usersItem.isVisible())) await menu.getByText('系统管理').click();
    await usersItem.click();
    await page.waitForURL('**/admin/users');
    const row = page.getByTestId('users-table').locator('tbody tr').filter({ hasText: 'admin' });
    await row.first().waitFor();
    expect(await row.first().textContent()).toContain('系统管理员');
    await shot('04-users');
  });

  it('creates an org under a branch bureau', async () => {
    await page.getByTestId('main-menu').getByText('组织机构').click();
    await page.waitForURL('**/admin/orgs');
    const table = page.getByTestId('orgs-table');
    const branch = table.locator('tbody tr').filter({ hasText: '分局' }).first();
    await branch.waitFor();
    await branch.getByRole('button', { name: '添加下级' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await formItem('org_kind').textContent()).toContain('派出所');
    await page.locator('#org_name').fill('平湖派出所');
    await page.locator('#org_code').fill('440307-99');
    await shot('05-org-create');
    await dialog.getByRole('button', { name: '保存' }).click();
    await table.locator('tbody tr').filter({ hasText: '平湖派出所' }).waitFor();
    await dialog.waitFor({ state: 'hidden' });
    await shot('06-orgs');
  });

  it('shows the server field error next to the field, then creates the user', async () => {
    await page.getByTestId('main-menu').getByText('用户管理').click();
    await page.waitForURL('**/admin/users');
    await page.getByRole('button', { name: '新建用户' }).click();
    await page.locator('#user_username').waitFor();
    await page.locator('#user_username').fill('zhang.wei');
    await page.locator('#user_displayName').fill('张伟');
    await page.locator('#user_password').fill('short');
    await formItem('user_orgId').locator('.ant-select').click();
    await openDropdown().getByText('平湖派出所', { exact: true }).click();
    // The tree dropdown closes with an animation; on a busy machine it can still cover the next field.
    await page
      .locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)')
      .waitFor({ state: 'detached' })
      .catch(() => page.keyboard.press('Escape'));
    await expect
      .poll(() => page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)').count(), {
        timeout: 10_000,
      })
      .toBe(0);
    await formItem('user_roles').locator('.ant-select').click();
    await openDropdown().getByText('接处警员', { exact: true }).click();
    await openDropdown().getByText('巡逻民警', { exact: true }).click();
    await page.keyboard.press('Escape');
    await page.getByTestId('user-save').click();

    const passwordError = formItem('user_password').locator('.ant-form-item-explain-error');
    await passwordError.waitFor();
    expect(await passwordError.textContent()).toMatch(/10/);
    await shot('07-user-field-error');

    await page.locator('#user_password').fill('Zhangwei-2026-secret');
    await page.getByTestId('user-save').click();
    const row = page.getByTestId('users-table').locator('tbody tr').filter({ hasText: 'zhang.wei' });
    await row.waitFor();
    const text = await row.textContent();
    expect(text).toContain('张伟');
    expect(text).toContain('平湖派出所');
    expect(text).toContain('接处警员');
    expect(text).toContain('巡逻民警');
    await shot('08-user-created');

    await row.getByRole('button', { name: '强制下线' }).click();
    await page.locator('.ant-popconfirm').getByRole('button', { name: '确定' }).click();
    await page.locator('.ant-message').getByText('已强制「张伟」下线').waitFor();
  });

  it('edits, deactivates and re-activates a user', async () => {
    const row = () => page.getByTestId('users-table').locator('tbody tr').filter({ hasText: 'zhang.wei' });
    await row().getByRole('button', { name: '编辑' }).click();
    await expect.poll(() => page.locator('#user_displayName').inputValue()).toBe('张伟');
    expect(await page.locator('#user_username').isDisabled()).toBe(true);
    await formItem('user_roles').locator('.ant-select').click();
    await openDropdown().getByText('调解员', { exact: true }).click();
    await page.keyboard.press('Escape');
    await page.getByTestId('user-save').click();
    await row().getByText('调解员').waitFor();

    await row().getByRole('button', { name: '停用' }).click();
    await page.locator('.ant-popconfirm').getByRole('button', { name: '确定' }).click();
    await row()
      .getByText('已停用')
      .or(row().locator('.ant-tag', { hasText: /^停用$/ }))
      .waitFor();
    await row().getByRole('button', { name: '启用' }).click();
    await page.locator('.ant-popconfirm').getByRole('button', { name: '确定' }).click();
    await row()
      .locator('.ant-tag', { hasText: /^启用$/ })
      .waitFor();
  });

  it('lists the logins in the audit log and verifies the chain', async () => {
    await page.getByTestId('main-menu').getByText('审计日志').click();
    await page.waitForURL('**/audit');
    const table = page.getByTestId('audit-table');
    await table.locator('tbody tr').filter({ hasText: '登录失败' }).first().waitFor();
    const login = table
      .locator('tbody tr')
      .filter({ hasText: 'admin' })
      .filter({ has: page.getByText('登录', { exact: true }) });
    expect(await login.count()).toBeGreaterThan(0);
    await page.getByTestId('audit-verify').click();
    const result = page.getByTestId('audit-verify-result');
    await result.waitFor();
    expect(await result.textContent()).toContain('哈希链完整');
    await shot('09-audit');

    // Filter by action: only failed sign-ins remain.
    await page.locator('.ant-form-inline .ant-select').first().click();
    await openDropdown().getByText('登录失败', { exact: true }).click();
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/audit?') && r.url().includes('action=login_failed')),
      page.getByRole('button', { name: '查询' }).click(),
    ]);
    await expect
      .poll(async () => new Set(await table.locator('tbody tr .ant-tag').allTextContents()))
      .toEqual(new Set(['登录失败']));
  });

  it('switches to English, and remembers it', async () => {
    await page.getByTestId('lang-switch').click();
    await page.getByRole('menuitem', { name: 'English' }).click();
    const menu = page.getByTestId('main-menu');
    await menu.getByText('Dispatch', { exact: true }).waitFor();
    expect(await menu.getByText('指挥调度').count()).toBe(0);
    await page.getByText('Audit log', { exact: true }).first().waitFor();
    await page.reload();
    await menu.getByText('Dispatch', { exact: true }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await shot('10-english');
  });

  it('signs out back to the login page', async () => {
    await page.getByTestId('logout').click();
    await page.locator('.ant-popconfirm').getByRole('button', { name: 'OK' }).click();
    await page.waitForURL('**/login');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await shot('11-logged-out');
    // The session is really gone: the frame sends us back to the login page.
    await page.goto(`${server.baseUrl}/audit`);
    await page.waitForURL('**/login');
    const me = await page.evaluate(async () => (await fetch('/api/auth/me')).status);
    expect(me).toBe(401);
  });

  it('shows the lock-out message from the server after five failures (back in Chinese)', async () => {
    await page.locator('.ant-segmented').getByText('中文').click();
    await page.getByRole('button', { name: '登录' }).waitFor();
    const error = page.getByTestId('login-error');
    const attempt = async (password: string) => {
      await page.locator('input[autocomplete="username"]').fill('zhang.wei');
      await page.locator('input[autocomplete="current-password"]').fill(password);
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/auth/login')),
        page.locator('input[autocomplete="current-password"]').press('Enter'),
      ]);
      await error.waitFor();
      return res.status();
    };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await attempt(`wrong-password-${i}`));
    // The right password no longer helps: the account is locked.
    statuses.push(await attempt('Zhangwei-2026-secret'));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 423]);
    const text = await error.textContent();
    expect(text).toContain('锁定');
    expect(text).toContain('10 分钟');
    await shot('12-locked');
    expect(pageErrors).toEqual([]);
    expect(consoleProblems).toEqual([]);
  });
});
