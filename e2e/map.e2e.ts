import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GL_DRIVER_NOTE, launchChromium } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');
// No GL flag is needed: with --disable-gpu, Chromium still gives WebGL through SwiftShader.

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
const consoleProblems: string[] = [];
const foreignRequests: string[] = [];
const tileResponses: { status: number; type: string | undefined }[] = [];

/** The part of the page's MapLibre map the test reads; the page exposes it as `__citywatchMap`. */
interface PageMap {
  loaded(): boolean;
  areTilesLoaded(): boolean;
  getZoom(): number;
  getCenter(): { lng: number; lat: number };
  queryRenderedFeatures(options: { layers: string[] }): { properties: Record<string, unknown> }[];
}
// (These run in the page, where globalThis is window; the cast only names the exposed map.)
type PageGlobals = { __citywatchMap?: PageMap };

type MapProbe = {
  roads: number;
  buildings: number;
  isochrones: number[];
  zoom: number;
  lon: number;
  lat: number;
};

/** What the page's map shows now (read through the map the page exposes to automated browsers). */
function probe(): Promise<MapProbe> {
  return page.evaluate(() => {
    const map = (globalThis as PageGlobals).__citywatchMap;
    if (!map) throw new Error('no map on the page');
    const minutes = map
      .queryRenderedFeatures({ layers: ['isochrones-fill'] })
      .map((f) => Number(f.properties.minutes));
    const center = map.getCenter();
    return {
      roads: map.queryRenderedFeatures({ layers: ['roads'] }).length,
      buildings: map.queryRenderedFeatures({ layers: ['buildings'] }).length,
      isochrones: [...new Set(minutes)].sort((a, b) => a - b),
      zoom: map.getZoom(),
      lon: center.lng,
      lat: center.lat,
    };
  });
}

/** Resolves once the map has its style, every visible tile and at least one road drawn. */
async function mapSettled(): Promise<void> {
  await page.waitForFunction(
    () => {
      const map = (globalThis as PageGlobals).__citywatchMap;
      return (
        !!map &&
        map.loaded() &&
        map.areTilesLoaded() &&
        map.queryRenderedFeatures({ layers: ['roads'] }).length > 0
      );
    },
    null,
    { timeout: 30_000, polling: 200 },
  );
}

async function shot(name: string): Promise<void> {
  await page.waitForTimeout(400); // fades and antd motion
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

describe('city map against the real server', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // The demo imports the bundled Shenzhen Longgang extract on first start.
    server = await startServer({ demo: true });
    browser = await launchChromium();
    context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      const text = msg.text();
      // The session probe before signing in answers 401, which Chromium logs as a failed load; tile
      // answers are checked on their own below.
      const expected = GL_DRIVER_NOTE.test(text) || text.startsWith('Failed to load resource');
      if ((msg.type() === 'error' || msg.type() === 'warning') && !expected) {
        consoleProblems.push(`${msg.type()}: ${text}`);
      }
    });
    // Offline means offline: nothing but our own server (and in-page data/blob URLs) is asked.
    context.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(server.baseUrl) && !url.startsWith('data:') && !url.startsWith('blob:')) {
        foreignRequests.push(url);
      }
    });
    context.on('response', (response) => {
      if (response.url().includes('/api/tiles/')) {
        tileResponses.push({ status: response.status(), type: response.headers()['content-type'] });
      }
    });
  }, 150_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  }, 30_000);

  it('signs in and draws the city from its own tiles', async () => {
    await page.goto(`${server.baseUrl}/places`);
    await page.waitForURL('**/login');
    await page.locator('input[autocomplete="username"]').fill('admin');
    await page.locator('input[autocomplete="current-password"]').fill(server.adminPassword);
    await page.locator('input[autocomplete="current-password"]').press('Enter');
    await page.waitForURL('**/places');
    await mapSettled();
    await shot('map');

    const view = await probe();
    expect(view.roads).toBeGreaterThan(50);
    // Fitted to the Longgang extract (lon 114.19–114.23, lat 22.67–22.70).
    expect(view.lon).toBeGreaterThan(114.18);
    expect(view.lon).toBeLessThan(114.24);
    expect(view.lat).toBeGreaterThan(22.67);
    expect(view.lat).toBeLessThan(22.71);
    expect(tileResponses.some((r) => r.status === 200 && r.type === 'application/x-protobuf')).toBe(true);
    expect(await page.locator('.maplibregl-ctrl-attrib').textContent()).toContain(
      'OpenStreetMap contributors',
    );
  });

  it('tells the road, address and jurisdiction at a clicked point', async () => {
    const canvas = page.locator('[data-testid="city-map"] canvas');
    const box = await canvas.boundingBox();
    if (!box) throw new Error('map canvas not laid out');
    await page.mouse.click(box.x + box.width * 0.55, box.y + box.height * 0.5);
    const card = page.getByTestId('point-card');
    await card.waitFor();
    await page.getByTestId('point-jurisdiction').waitFor();
    const text = await card.textContent();
    for (const label of ['道路', '地址', '辖区']) expect(text).toContain(label);
    expect((await page.getByTestId('point-road').textContent())?.length).toBeGreaterThan(0);
    expect(await page.getByTestId('point-jurisdiction').textContent()).toMatch(/派出所/);
  });

  it('draws the 1, 3 and 5 minute areas around the point', async () => {
    await page.getByTestId('isochrone-switch').click();
    await page.getByTestId('isochrone-legend').waitFor();
    await page.waitForFunction(
      () =>
        ((globalThis as PageGlobals).__citywatchMap?.queryRenderedFeatures({ layers: ['isochrones-fill'] })
          .length ?? 0) > 0,
      null,
      { timeout: 30_000 },
    );
    await mapSettled();
    await shot('map-isochrones');
    expect((await probe()).isochrones).toEqual([1, 3, 5]);
  });

  it('finds a street and flies there', async () => {
    const input = page.getByPlaceholder('搜索地址、地点或道路');
    await input.fill('龙翔大道');
    const option = page.locator('.ant-select-item-option').filter({ hasText: '龙翔大道' }).first();
    await option.waitFor();
    await option.click();
    await page.waitForFunction(
      () => ((globalThis as PageGlobals).__citywatchMap?.getZoom() ?? 0) >= 15.9,
      null,
      { timeout: 15_000 },
    );
    await mapSettled();
    await expect.poll(async () => page.getByTestId('point-road').textContent()).toContain('龙翔大道');
    await shot('map-search');
    const view = await probe();
    expect(view.roads).toBeGreaterThan(0);

    expect(pageErrors).toEqual([]);
    expect(consoleProblems).toEqual([]);
    expect(foreignRequests).toEqual([]);
    expect(tileResponses.filter((r) => ![200, 204, 304].includes(r.status))).toEqual([]);
  });
});
