import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, signInThroughPage } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');
const PASSWORD = 'a-long-e2e-password';
// A spot in 龙城派出所's jurisdiction (the incident), one in 龙岗派出所's (the lent unit).
const SAME_SPOT = { lon: 114.1955, lat: 22.6955 };
const SIBLING_SPOT = { lon: 114.2075, lat: 22.6915 };

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const pages: Page[] = [];
const problems: string[][] = [];
let adminCookie = '';

async function api<T>(cookie: string, method: string, url: string, body?: unknown): Promise<T> {
  const r = await fetch(`${server.baseUrl}${url}`, {
    method,
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${url} → ${r.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function cookieOf(username: string, password: string): Promise<string> {
  const login = await fetch(`${server.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(login.status).toBe(200);
  return (login.headers.get('set-cookie') ?? '').split(';')[0];
}

async function openConsole(username: string): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1680, height: 1000 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  problems.push(collectPageErrors(page));
  await signInThroughPage(page, `${server.baseUrl}/dispatch`, username, PASSWORD);
  await page.getByTestId('dispatch-console').waitFor();
  pages.push(page);
  return page;
}

describe('cross-station help (跨所支援) between two station consoles', () => {
  let incidentNumber = '';
  let unitId = '';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ demo: true });
    adminCookie = await cookieOf('admin', server.adminPassword);
    const orgs = (await api<{ items: { id: string; name: string }[] }>(adminCookie, 'GET', '/api/orgs'))
      .items;
    const org = (name: string) => orgs.find((o) => o.name === name)!.id;
    for (const [username, station] of [
      ['disp.longcheng', '龙城派出所'],
      ['disp.longgang', '龙岗派出所'],
    ]) {
      await api(adminCookie, 'POST', '/api/users', {
        username,
        displayName: `${station}接警员`,
        password: PASSWORD,
        orgId: org(station),
        roles: ['dispatcher'],
      });
    }
    const unit = await api<{ id: string }>(adminCookie, 'POST', '/api/dispatch/units', {
      callSign: '龙岗巡77',
      kind: 'patrol_car',
      homeOrgId: org('龙岗派出所'),
    });
    unitId = unit.id;
    const terminal = await api<{ token: string }>(adminCookie, 'POST', '/api/devices', {
      kind: 'avl',
      name: '龙岗巡77 车载终端',
      unitId,
    });
    const avl = await fetch(`${server.baseUrl}/api/dispatch/avl`, {
      method: 'POST',
      headers: { authorization: `Bearer ${terminal.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ positions: [{ unitId, at: new Date().toISOString(), ...SIBLING_SPOT }] }),
    });
    expect(avl.status).toBe(200);
    const longcheng = await cookieOf('disp.longcheng', PASSWORD);
    const created = await api<{ incident: { number: string } }>(
      longcheng,
      'POST',
      '/api/dispatch/incidents',
      {
        category: 'dispute',
        subcategory: 'neighbour',
        priority: 'P2',
        ...SAME_SPOT,
        narrative: '多人纠纷，本所警力不足',
      },
    );
    incidentNumber = created.incident.number;
    browser = await launchChromium();
  }, 180_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    for (const [i, p] of pages.entries())
      await p.screenshot({ path: path.join(SHOTS, `FAILED-help-${i}.png`) }).catch(() => {});
    console.error(`server output:\n${server.output().split('\n').slice(-30).join('\n')}`);
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  }, 30_000);

  it("asks 龙岗派出所 for its unit from 龙城派出所's console; 龙岗 accepts and the unit is sent", async () => {
    const asking = await openConsole('disp.longcheng');
    await asking.getByTestId(`queue-item-${incidentNumber}`).click();
    await asking.getByTestId('help-unit').click();
    await asking.locator('.ant-select-item-option').filter({ hasText: '龙岗巡77' }).click();
    await asking.getByTestId('help-ask').click();
    const mine = asking.getByTestId('help-龙岗巡77');
    await mine.waitFor();
    expect(await mine.getAttribute('data-status')).toBe('pending');
    expect(await mine.textContent()).toContain('龙城派出所 → 龙岗派出所');

    const asked = await openConsole('disp.longgang');
    const theirs = asked.getByTestId('help-龙岗巡77');
    await theirs.waitFor();
    expect(await theirs.textContent()).toContain(incidentNumber);
    await asked.waitForTimeout(500);
    await asked.screenshot({ path: path.join(SHOTS, 'help-asked.png') });
    await theirs.getByTestId('help-accept').click();
    await expect.poll(() => theirs.getAttribute('data-status'), { timeout: 20_000 }).toBe('accepted');

    // The asking console sees the answer, and the unit is on the incident.
    await expect.poll(() => mine.getAttribute('data-status'), { timeout: 20_000 }).toBe('accepted');
    const units = await api<{ items: { id: string; status: string }[] }>(
      adminCookie,
      'GET',
      '/api/dispatch/units',
    );
    expect(units.items.find((u) => u.id === unitId)?.status).toBe('dispatched');
    await asking.waitForTimeout(500);
    await asking.screenshot({ path: path.join(SHOTS, 'help-accepted.png') });
    for (const p of problems) expect(p).toEqual([]);
  });
});
