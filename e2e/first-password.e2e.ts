import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');

/** The first admin's password is generated and printed: its first sign-in asks for a new one. */
describe('first sign-in with a generated password', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ generatedAdminPassword: true });
    browser = await launchChromium();
    page = await (
      await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 } })
    ).newPage();
    page.setDefaultTimeout(15_000);
    errors = collectPageErrors(page);
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('asks for a new password before anything else, then opens the app with it', async () => {
    await page.goto(`${server.baseUrl}/`);
    await page.waitForURL('**/login');
    await page.locator('input[autocomplete="username"]').fill('admin');
    await page.locator('input[autocomplete="current-password"]').fill(server.adminPassword);
    await page.locator('input[autocomplete="current-password"]').press('Enter');
    const card = page.getByTestId('change-password');
    await card.waitFor();
    await expect(card.textContent()).resolves.toContain('设置新密码');
    await page.screenshot({ path: path.join(SHOTS, 'first-password.png') });

    const fields = card.locator('input[type="password"]');
    await fields.nth(0).fill(server.adminPassword);
    await fields.nth(1).fill('my-own-admin-password');
    await fields.nth(2).fill('my-own-admin-password');
    await page.getByTestId('change-password-submit').click();
    await card.waitFor({ state: 'detached' });
    // The app itself: the menu is there, and the old password no longer signs in.
    await page.locator('.ant-menu').first().waitFor();
    const old = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: server.adminPassword }),
    });
    expect(old.status).toBe(401);
    expect(errors).toEqual([]);
  }, 120_000);
});
