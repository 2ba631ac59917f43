import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * Debian's Chromium, headless, as this machine runs it: without the background-networking flags it
 * tries hosts the closed network refuses. Never a downloaded browser build.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Chromium's notes about its software GL (e.g. "GPU stall due to ReadPixels"), not the app's. */
export const GL_DRIVER_NOTE = /GL Driver Message|WebGL.*(performance|ReadPixels)/i;

/**
 * Collects the page's own errors and warnings: script errors and console errors/warnings, leaving
 * out the GL driver's notes and failed resource loads (the session probe's 401, refusals a test
 * provokes on purpose).
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    const text = msg.text();
    const expected = GL_DRIVER_NOTE.test(text) || text.startsWith('Failed to load resource');
    if ((msg.type() === 'error' || msg.type() === 'warning') && !expected)
      errors.push(`${msg.type()}: ${text}`);
  });
  return errors;
}

/** Opens `path`, is sent to the login page, signs in there and lands back on `path`. */
export async function signInThroughPage(
  page: Page,
  url: string,
  username: string,
  password: string,
): Promise<void> {
  const path = new URL(url).pathname;
  await page.goto(url);
  await page.waitForURL('**/login');
  await page.locator('input[autocomplete="username"]').fill(username);
  await page.locator('input[autocomplete="current-password"]').fill(password);
  await page.locator('input[autocomplete="current-password"]').press('Enter');
  await page.waitForURL(`**${path}`);
}
