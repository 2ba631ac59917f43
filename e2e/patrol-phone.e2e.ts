import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, signInThroughPage } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');

// On roads of the bundled Longgang extract: where the officer starts, where they drive to, and
// the call they are sent to.
const START = { longitude: 114.1955, latitude: 22.6955 };
const MOVED = { longitude: 114.1985, latitude: 22.6905 };
const CALL = { lon: 114.2005, lat: 22.6805 };
const POINT = { lon: 114.2005, lat: 22.6875 };

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[] = [];
let adminCookie = '';
let unitId = '';

async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const r = await fetch(`${server.baseUrl}${url}`, {
    method,
    headers: { cookie: adminCookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

interface UnitRow {
  id: string;
  status: string;
  incidentId: string | null;
  lon: number | null;
  lat: number | null;
  lastAt: string | null;
}
const unitNow = async () =>
  (await api<{ items: UnitRow[] }>('GET', '/api/dispatch/units')).items.find((u) => u.id === unitId)!;

async function until<T>(
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T = await read();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
    last = await read();
  }
  return last;
}

describe('the patrol officer’s phone (巡逻终端) at 390 × 844 against the real server', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ demo: true });
    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: server.adminPassword }),
    });
    expect(login.status).toBe(200);
    adminCookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    const orgs = await api<{ items: { id: string }[] }>('GET', '/api/orgs');
    await api('POST', '/api/users', {
      username: 'officer.li',
      displayName: '李警官',
      password: 'phone-Passw0rd-1',
      orgId: orgs.items[0].id,
      roles: ['patrol_officer'],
    });
    unitId = (
      await api<{ id: string }>('POST', '/api/dispatch/units', { callSign: '龙城巡01', kind: 'patrol_car' })
    ).id;
    browser = await launchChromium();
    context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      geolocation: { ...START, accuracy: 8 },
      permissions: ['geolocation'],
    });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    problems = collectPageErrors(page);
  }, 180_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    await page.screenshot({ path: path.join(SHOTS, 'FAILED-patrol-phone.png') }).catch(() => {});
    console.error(`server output:\n${server.output().split('\n').slice(-30).join('\n')}`);
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  }, 30_000);

  it('is an installable app: manifest linked, service worker registered for its scope', async () => {
    await signInThroughPage(page, `${server.baseUrl}/patrol-phone`, 'officer.li', 'phone-Passw0rd-1');
    await page.getByTestId('phone-sign-on').waitFor();
    const manifest = await page.evaluate(async () => {
      const link = document.querySelector<HTMLLinkElement>('link[rel="manifest"]');
      return link ? ((await (await fetch(link.href)).json()) as Record<string, unknown>) : null;
    });
    expect(manifest).toMatchObject({ start_url: '/patrol-phone', display: 'standalone' });
    const icons = (manifest?.icons ?? []) as { sizes: string }[];
    expect(icons.map((i) => i.sizes)).toEqual(['192x192', '512x512']);
    const scope = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration('/patrol-phone');
      await navigator.serviceWorker.ready;
      return reg?.scope ?? null;
    });
    expect(scope).toBe(`${server.baseUrl}/patrol-phone`);
    // The page covers the desktop frame: nothing of the menu shows at this width.
    const box = await page.getByTestId('phone-page').boundingBox();
    expect(box).toMatchObject({ x: 0, y: 0, width: 390, height: 844 });
    await page.screenshot({ path: path.join(SHOTS, 'patrol-phone-sign-on.png') });
  });

  it('signs on to a unit and sends the phone’s positions as that unit’s AVL', async () => {
    await page.getByTestId('phone-unit-select').click();
    await page.locator('.ant-select-item-option').filter({ hasText: '龙城巡01' }).click();
    await page.getByTestId('phone-sign-on-submit').click();
    await page.locator('[data-testid="phone-page"][data-signed-on="true"]').waitFor();
    expect(await page.getByTestId('phone-unit').textContent()).toBe('龙城巡01');

    const first = await until(unitNow, (u) => u.lastAt !== null, 'the first fix');
    expect(first.lon).toBeCloseTo(START.longitude, 5);
    expect(first.lat).toBeCloseTo(START.latitude, 5);

    await context.setGeolocation({ ...MOVED, accuracy: 8 });
    const moved = await until(
      unitNow,
      (u) => u.lat !== null && Math.abs(u.lat - MOVED.latitude) < 1e-6,
      'the moved fix',
    );
    expect(moved.lon).toBeCloseTo(MOVED.longitude, 5);
    expect(Date.parse(moved.lastAt!)).toBeGreaterThan(Date.parse(first.lastAt!));
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="phone-page"]')?.getAttribute('data-sent')) >= 2,
    );
    expect(await page.getByTestId('phone-gps').textContent()).toContain('已上报');
  });

  it('shows today’s plan with the road route to the next visit, and checks in there', async () => {
    const now = Date.now();
    const d = 0.01;
    const zone = {
      type: 'Polygon',
      coordinates: [
        [
          [POINT.lon - d, POINT.lat - d],
          [POINT.lon + d, POINT.lat - d],
          [POINT.lon + d, POINT.lat + d],
          [POINT.lon - d, POINT.lat + d],
          [POINT.lon - d, POINT.lat - d],
        ],
      ],
    };
    await api('POST', '/api/patrol/plans', {
      name: '龙城白班',
      city: 'shenzhen-longgang',
      shift: {
        start: new Date(now - 3_600_000).toISOString(),
        end: new Date(now + 7 * 3_600_000).toISOString(),
      },
      zones: [{ key: 'z1', name: '龙城一区', geometry: zone }],
      targets: [
        {
          key: 'p1',
          name: '龙城广场必巡点',
          kind: 'point',
          geometry: { type: 'Point', coordinates: [POINT.lon, POINT.lat] },
          zoneKey: 'z1',
          visitsPerShift: 1,
        },
      ],
      assignments: [{ unitId, zoneKey: 'z1' }],
    });
    // The phone asks for its plan every minute; a reload shows it at once.
    await page.reload();
    await page.locator('[data-testid="phone-next-visit"][data-target="p1"]').waitFor();
    expect(await page.getByTestId('phone-next-visit').textContent()).toContain('龙城广场必巡点');
    await page.locator('[data-testid="phone-page"][data-route="true"]').waitFor();
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(SHOTS, 'patrol-phone-plan.png') });

    await context.setGeolocation({ longitude: POINT.lon, latitude: POINT.lat, accuracy: 8 });
    await until(unitNow, (u) => u.lat !== null && Math.abs(u.lat - POINT.lat) < 1e-6, 'the fix at the point');
    expect(await page.getByTestId('phone-plan').getAttribute('data-done')).toBe('0');
    await page.getByTestId('phone-check-in').click();
    // The plan schedules the point again within the shift (revisit ≤ 2 h); the server decides
    // which scheduled visits one check-in answers.
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="phone-plan"]')?.getAttribute('data-done')) > 0,
    );
    expect(await page.locator('[data-testid="phone-visit"][data-checked="true"]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SHOTS, 'patrol-phone-checked-in.png') });
  });

  it('receives a dispatch live, shows the road route to the scene, and accepts it', async () => {
    const { incident } = await api<{ incident: { id: string; number: string } }>(
      'POST',
      '/api/dispatch/incidents',
      {
        category: 'criminal',
        subcategory: 'theft',
        priority: 'P2',
        ...CALL,
        narrative: '便利店内手机被盗，嫌疑人已离开',
      },
    );
    await api('POST', `/api/dispatch/incidents/${incident.id}/dispatch`, { unitId });
    // Live: no reload of the page.
    await page.locator(`[data-testid="phone-dispatch"][data-incident="${incident.id}"]`).waitFor();
    await page.locator('[data-testid="phone-status"][data-status="dispatched"]').waitFor();
    await page.locator('[data-testid="phone-page"][data-route="true"]').waitFor();
    expect(await page.getByTestId('phone-eta').textContent()).toMatch(/约 \d+ 分钟，\d+\.\d 公里/);
    const drawn = await page.waitForFunction(
      () => {
        const map = (
          globalThis as { __citywatchMap?: { queryRenderedFeatures(o: { layers: string[] }): unknown[] } }
        ).__citywatchMap;
        return (map?.queryRenderedFeatures({ layers: ['patrol-phone-route'] }).length ?? 0) > 0;
      },
      undefined,
      { timeout: 30_000, polling: 250 },
    );
    expect(await drawn.jsonValue()).toBe(true);
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(SHOTS, 'patrol-phone-dispatch.png') });

    await page.getByTestId('phone-accept').click();
    await page.locator('[data-testid="phone-status"][data-status="en_route"]').waitFor();
    expect((await unitNow()).status).toBe('en_route');
    const seen = await api<{ status: string }>('GET', `/api/dispatch/incidents/${incident.id}`);
    expect(seen.status).toBe('en_route');

    await page.getByTestId('phone-onScene').click();
    await page.locator('[data-testid="phone-status"][data-status="on_scene"]').waitFor();
    await page.getByTestId('phone-clear').click();
    await page.locator('[data-testid="phone-status"][data-status="available"]').waitFor();
    await page.locator('[data-testid="phone-dispatch"][data-incident=""]').waitFor();
    expect((await unitNow()).status).toBe('available');
  });

  it('changes the unit’s status and signs off', async () => {
    await page.getByTestId('phone-to-out_of_service').click();
    await page.locator('[data-testid="phone-status"][data-status="out_of_service"]').waitFor();
    expect((await unitNow()).status).toBe('out_of_service');
    await page.getByTestId('phone-to-available').click();
    await page.locator('[data-testid="phone-status"][data-status="available"]').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'patrol-phone-status.png') });
    await page.getByTestId('phone-sign-off').click();
    await page.locator('.ant-popconfirm .ant-btn-primary').click();
    await page.locator('[data-testid="phone-page"][data-signed-on="false"]').waitFor();
    expect(problems).toEqual([]);
  });
});
