import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');
const STATIONS = ['坂田派出所', '布吉派出所', '龙城派出所', '龙岗派出所'];

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[] = [];

/** The part of the page's MapLibre map the test reads; the page exposes it as `__citywatchMap`. */
interface PageMap {
  loaded(): boolean;
  areTilesLoaded(): boolean;
  getSource(id: string): unknown;
  queryRenderedFeatures(options: { layers: string[] }): { properties: Record<string, unknown> }[];
  project(p: [number, number]): { x: number; y: number };
  unproject(p: [number, number]): { lng: number; lat: number };
  getCanvas(): HTMLCanvasElement;
}
type PageGlobals = { __citywatchMap?: PageMap };

type Band = { seconds: number; address: number; road: number };

/** The figures the page shows for each time limit (read from the rows' data attributes). */
async function bands(): Promise<Band[]> {
  const out: Band[] = [];
  for (const seconds of [60, 180, 300]) {
    const row = page.getByTestId(`coverage-band-${seconds}`);
    out.push({
      seconds,
      address: Number(await row.getAttribute('data-address-share')),
      road: Number(await row.getAttribute('data-road-share')),
    });
  }
  return out;
}

async function postCount(): Promise<number> {
  return Number(await page.getByTestId('coverage-post-count').getAttribute('data-value'));
}

/** Resolves once figures and layer are loaded and the map has drawn every visible tile. */
async function settled(): Promise<void> {
  await page.locator('[data-testid="coverage-page"][data-layer-ready="true"]').waitFor();
  await page.waitForFunction(
    () => {
      const map = (globalThis as PageGlobals).__citywatchMap;
      return (
        !!map &&
        map.loaded() &&
        map.areTilesLoaded() &&
        !!map.getSource('coverage-bands') &&
        map.queryRenderedFeatures({ layers: ['roads'] }).length > 0
      );
    },
    null,
    { timeout: 30_000, polling: 200 },
  );
}

/** The bands the coverage layer draws in the current view. */
function drawnBands(): Promise<number[]> {
  return page.evaluate(() => {
    const map = (globalThis as PageGlobals).__citywatchMap;
    const seen = new Set(
      (map?.queryRenderedFeatures({ layers: ['coverage-bands'] }) ?? []).map((f) =>
        Number(f.properties.band),
      ),
    );
    return [...seen].sort((a, b) => a - b);
  });
}

async function shot(name: string): Promise<void> {
  await page.waitForTimeout(500); // antd motion, map fades
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

function poll<T>(fn: () => T | Promise<T>) {
  return expect.poll(fn, { timeout: 20_000, interval: 100 });
}

describe('coverage page (1-3-5 minute circles) against the real server', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ demo: true });
    browser = await launchChromium();
    context = await browser.newContext({
      viewport: { width: 1680, height: 1000 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    problems = collectPageErrors(page);
  }, 180_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    await page.screenshot({ path: path.join(SHOTS, 'FAILED-coverage.png') }).catch(() => {});
    console.error(`server output:\n${server.output().split('\n').slice(-30).join('\n')}`);
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  }, 30_000);

  it('signs in and shows the four stations, monotone 1/3/5-minute figures and the banded roads', async () => {
    await page.goto(`${server.baseUrl}/coverage`);
    await page.waitForURL('**/login');
    await page.locator('input[autocomplete="username"]').fill('admin');
    await page.locator('input[autocomplete="current-password"]').fill(server.adminPassword);
    await page.locator('input[autocomplete="current-password"]').press('Enter');
    await page.waitForURL('**/coverage');
    await page.getByTestId('coverage-page').waitFor();
    await settled();

    // The seeded police stations, read-only, in the list and on the map.
    const rows = page.locator('[data-testid="post-row"]');
    await poll(() => rows.count()).toBe(4);
    expect(await page.locator('[data-testid="post-row"][data-source="org"]').count()).toBe(4);
    expect((await page.getByTestId('post-name').allTextContents()).sort()).toEqual([...STATIONS].sort());
    expect(await page.locator('[data-testid="post-row"] [data-testid="post-delete"]').count()).toBe(0);
    const markers = page.locator('[data-testid="post-marker"]');
    expect(await markers.count()).toBe(4);
    for (const kind of await markers.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.kind)))
      expect(kind).toBe('police_station');

    // Figures: four posts, and shares that grow with the time limit.
    expect(await postCount()).toBe(4);
    const figures = await bands();
    for (let i = 0; i < figures.length; i++) {
      for (const share of [figures[i].address, figures[i].road]) {
        expect(share).toBeGreaterThanOrEqual(0);
        expect(share).toBeLessThanOrEqual(1);
      }
      if (i > 0) {
        expect(figures[i].address).toBeGreaterThanOrEqual(figures[i - 1].address);
        expect(figures[i].road).toBeGreaterThanOrEqual(figures[i - 1].road);
      }
    }
    expect(figures[0].road).toBeGreaterThan(0);
    expect(figures[2].road).toBeGreaterThan(figures[0].road);
    const panel = (await page.getByTestId('coverage-figures').textContent()) ?? '';
    for (const text of ['1 分钟', '3 分钟', '5 分钟', '地址覆盖率', '道路覆盖率', '计算耗时'])
      expect(panel).toContain(text);
    // The bar chart drew onto its canvas.
    expect(await page.locator('[data-testid="coverage-chart"] canvas').count()).toBeGreaterThan(0);

    // The layer: road pieces in all three bands are drawn over the basemap.
    await poll(drawnBands).toEqual([60, 180, 300]);
    expect(await page.getByTestId('coverage-legend').textContent()).toContain('1 分钟');
  });

  it('advises two new posts, adds the first, and the 3-minute address share does not fall', async () => {
    const before = await bands();
    const k = page.getByTestId('advisor-k');
    await k.fill('2');
    await k.press('Tab');
    await page.getByTestId('advisor-run').click();
    const picks = page.locator('[data-testid="advisor-picks"] tbody tr[data-testid^="pick-"]');
    await poll(() => picks.count()).toBe(2);
    // Gains and cumulative coverage, greedy: the cumulative share grows pick by pick.
    const cumulative = (await page
      .getByTestId('pick-cumulative')
      .evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.value)))) as number[];
    const baseline = Number(await page.getByTestId('advisor-baseline').getAttribute('data-value'));
    expect(cumulative).toHaveLength(2);
    expect(cumulative[0]).toBeGreaterThan(baseline);
    expect(cumulative[1]).toBeGreaterThanOrEqual(cumulative[0]);
    for (const text of await page.getByTestId('pick-gain').allTextContents()) expect(text).toMatch(/^\+/);
    // Numbered markers for the picks.
    for (const n of [1, 2]) await page.getByTestId(`pick-marker-${n}`).waitFor();
    expect(await page.getByTestId('pick-marker-1').textContent()).toBe('1');

    // Add the first pick as a post: the dialog comes filled in.
    await page.getByTestId('pick-1').getByTestId('pick-add').click();
    const dialog = page.locator('.ant-modal');
    await dialog.waitFor();
    expect(await page.getByTestId('post-new-name').inputValue()).toBe('建议点位 1');
    expect(await dialog.textContent()).toContain('警务站');
    await dialog.getByRole('button', { name: '新增' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await poll(postCount).toBe(5);
    await settled();
    await poll(() => page.locator('[data-testid="post-row"][data-source="post"]').count()).toBe(1);
    expect(await page.locator('[data-testid="post-marker"][data-source="post"]').count()).toBe(1);
    expect(await page.getByTestId('pick-1').textContent()).toContain('已添加');
    const after = await bands();
    expect(after[1].address).toBeGreaterThanOrEqual(before[1].address);
    expect(after[1].road).toBeGreaterThanOrEqual(before[1].road);
    for (let i = 0; i < 3; i++) expect(after[i].road).toBeGreaterThanOrEqual(before[i].road);
    await poll(drawnBands).toEqual([60, 180, 300]);
    await shot('coverage');
  });

  it('adds a post by a click on the map and deletes it again', async () => {
    // An empty spot away from the posts: a quarter in from the map's top-right corner.
    const canvas = page.locator('[data-testid="city-map"] canvas');
    const box = await canvas.boundingBox();
    if (!box) throw new Error('map canvas not laid out');
    await page.mouse.click(box.x + box.width * 0.7, box.y + box.height * 0.7);
    const dialog = page.locator('.ant-modal');
    await dialog.waitFor();
    await page.getByTestId('post-new-name').fill('测试平安驿站');
    await page.getByTestId('post-kind').click();
    await page.locator('.ant-select-item-option').filter({ hasText: '平安驿站' }).click();
    await dialog.getByRole('button', { name: '新增' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await poll(postCount).toBe(6);
    const marker = page.locator('[data-testid="post-marker"][data-kind="safety_station"]');
    await marker.waitFor();

    // Drag it 60 px to the left: the server stores the new place and the figures are computed again.
    const from = await marker.boundingBox();
    if (!from) throw new Error('marker not laid out');
    const start = { x: from.x + from.width / 2, y: from.y + from.height / 2 };
    const moved = page.waitForResponse(
      (r) => r.url().includes('/api/coverage/posts/') && r.request().method() === 'PATCH',
    );
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    await page.mouse.move(start.x - 30, start.y, { steps: 5 });
    await page.mouse.move(start.x - 60, start.y, { steps: 5 });
    await page.mouse.up();
    expect((await moved).status()).toBe(200);
    await page.locator('.ant-message').getByText('已移动点位「测试平安驿站」').waitFor();
    await settled();
    const to = await marker.boundingBox();
    expect(Math.abs((to?.x ?? 0) - (from.x - 60))).toBeLessThan(6);

    const row = page.locator('[data-testid="post-row"][data-kind="safety_station"]');
    await row.getByTestId('post-delete').click();
    await page
      .locator('.ant-popconfirm')
      .getByRole('button', { name: /确\s*定|OK/ })
      .click();
    await poll(postCount).toBe(5);
    await poll(() => marker.count()).toBe(0);
    await settled();
    expect(problems).toEqual([]);
  });
});
