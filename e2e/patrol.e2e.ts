import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, signInThroughPage } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');
const DAY = 86_400_000;

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[] = [];
let adminCookie = '';

/** The part of the page's MapLibre map the test reads; the page exposes it as `__citywatchMap`. */
interface PageMap {
  loaded(): boolean;
  areTilesLoaded(): boolean;
  queryRenderedFeatures(options: { layers: string[] }): { properties: Record<string, unknown> }[];
}
type PageGlobals = { __citywatchMap?: PageMap };

/** mulberry32: the same history every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function api(method: string, url: string, body?: unknown): Promise<Response> {
  return fetch(`${server.baseUrl}${url}`, {
    method,
    headers: { cookie: adminCookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/**
 * A small history for the demo city: 120 days up to now, three hot spots near the middle of the
 * city's box and background incidents over it, in the shape of a Chinese 110 export.
 */
function historyCsv(bounds: { minLon: number; minLat: number; maxLon: number; maxLat: number }): string {
  const rnd = random(11);
  const now = Date.now();
  const w = bounds.maxLon - bounds.minLon;
  const h = bounds.maxLat - bounds.minLat;
  const hot = [
    [bounds.minLon + 0.35 * w, bounds.minLat + 0.45 * h, 80],
    [bounds.minLon + 0.6 * w, bounds.minLat + 0.6 * h, 50],
    [bounds.minLon + 0.5 * w, bounds.minLat + 0.3 * h, 30],
  ];
  const rows = ['警情编号,报警时间,警情类别,经度,纬度'];
  let n = 0;
  const add = (lon: number, lat: number) => {
    const at = new Date(now - rnd() * 120 * DAY + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
    rows.push(`E${++n},${at},${rnd() < 0.7 ? '盗窃' : '打架斗殴'},${lon.toFixed(6)},${lat.toFixed(6)}`);
  };
  for (const [lon, lat, count] of hot)
    for (let k = 0; k < count; k++) add(lon + (rnd() - 0.5) * 0.0015, lat + (rnd() - 0.5) * 0.0015);
  for (let k = 0; k < 200; k++) add(bounds.minLon + rnd() * w, bounds.minLat + rnd() * h);
  return rows.join('\n');
}

/** Resolves once the hot spots are fetched and drawn, and the map has drawn them. */
async function settled(layer: string): Promise<void> {
  await page.locator('[data-testid="patrol-page"][data-ready="true"]').waitFor({ timeout: 30_000 });
  await page.waitForFunction(
    (id) => {
      const map = (globalThis as PageGlobals).__citywatchMap;
      return (
        !!map &&
        map.loaded() &&
        map.areTilesLoaded() &&
        map.queryRenderedFeatures({ layers: [id] }).length > 0
      );
    },
    layer,
    { timeout: 30_000, polling: 200 },
  );
}

function drawnRanks(layer: string): Promise<number[]> {
  return page.evaluate((id) => {
    const map = (globalThis as PageGlobals).__citywatchMap;
    return [
      ...new Set((map?.queryRenderedFeatures({ layers: [id] }) ?? []).map((f) => Number(f.properties.rank))),
    ];
  }, layer);
}

describe('patrol page (单元防控 热点研判) against the real server', () => {
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
    const cities = (await (await api('GET', '/api/cities')).json()) as {
      items: { bounds: { minLon: number; minLat: number; maxLon: number; maxLat: number } }[];
    };
    const imported = await api('POST', '/api/patrol/imports', {
      fileName: 'longgang-110-history.csv',
      content: historyCsv(cities.items[0].bounds),
    });
    const report = await imported.json();
    expect(imported.status, JSON.stringify(report)).toBe(201);
    expect(report.imported).toBeGreaterThan(300);
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
    await page.screenshot({ path: path.join(SHOTS, 'FAILED-patrol.png') }).catch(() => {});
    console.error(`server output:\n${server.output().split('\n').slice(-30).join('\n')}`);
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  }, 30_000);

  it('draws the hot spots on H3 cells coloured by rank, with the ranking beside the map', async () => {
    await signInThroughPage(page, `${server.baseUrl}/patrol`, 'admin', server.adminPassword);
    await settled('patrol-hotspots-fill');
    expect(await page.locator('.ant-menu-item-selected').textContent()).toContain('单元防控');

    const rows = page.locator('[data-testid="hotspot-row"]');
    expect(await rows.count()).toBeGreaterThan(10);
    expect(await rows.first().getAttribute('data-rank')).toBe('1');
    // Ranked by expected incidents: the first rows expect the most.
    const expected = (await rows.evaluateAll((els) =>
      els.slice(0, 10).map((e) => Number((e as HTMLElement).dataset.expected)),
    )) as number[];
    for (let i = 1; i < expected.length; i++) expect(expected[i]).toBeLessThanOrEqual(expected[i - 1] + 1e-9);
    expect(await page.locator('[data-testid="hotspot-row"][data-flagged="true"]').count()).toBeGreaterThan(0);
    // The top ranks are on the map.
    expect(await drawnRanks('patrol-hotspots-fill')).toContain(1);
    const summary = (await page.getByTestId('patrol-summary').textContent()) ?? '';
    for (const text of ['历史警情', '训练', '标记']) expect(summary).toContain(text);
    expect(await page.getByTestId('patrol-legend').textContent()).toContain('热点排名');
  });

  it('runs the evaluation and shows every model beside prior counts', async () => {
    const evaluation = page.getByTestId('evaluation');
    expect(await evaluation.getAttribute('data-ready')).toBe('false');
    await page.getByTestId('evaluation-run').click();
    await page.locator('[data-testid="evaluation"][data-ready="true"]').waitFor({ timeout: 60_000 });
    const table = page.getByTestId('evaluation-table');
    const text = (await table.textContent()) ?? '';
    for (const label of ['计数（基线）', '核密度', '近期加权', '命中率', 'PAI', 'PEI'])
      expect(text).toContain(label);
    for (const model of ['prior_counts', 'kde', 'recent']) {
      for (const metric of ['hit', 'pai', 'pei']) {
        for (const c of ['0.01', '0.05', '0.10']) {
          await page.getByTestId(`eval-${model}-${metric}-${c}`).waitFor();
        }
      }
      const pai = Number(await page.getByTestId(`eval-${model}-pai-0.05`).getAttribute('data-value'));
      // Three hot spots hold most incidents: 5 % of the area catches far more than 5 %.
      expect(pai).toBeGreaterThan(1.5);
    }
    expect(await page.locator('[data-testid="evaluation-chart"] canvas').count()).toBeGreaterThan(0);
    expect((await page.getByTestId('evaluation-meta').textContent()) ?? '').toContain('检验警情');
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(SHOTS, 'patrol.png') });
  });

  it('switches to street segments and the network model', async () => {
    await page.getByTestId('patrol-unit').getByText('街道路段').click();
    await settled('patrol-hotspots-line');
    await page.getByTestId('patrol-model').click();
    await page.locator('.ant-select-item-option').filter({ hasText: '路网核密度' }).click();
    await settled('patrol-hotspots-line');
    expect(await drawnRanks('patrol-hotspots-line')).toContain(1);
    const first = page.locator('[data-testid="hotspot-row"]').first();
    expect(await first.getAttribute('data-rank')).toBe('1');
    // No evaluation for segments yet: the panel offers to run one.
    await page.locator('[data-testid="evaluation"][data-ready="false"]').waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(SHOTS, 'patrol-segments.png') });
    expect(problems).toEqual([]);
  });
});
