import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, signInThroughPage } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');
const H = 3_600_000;
const DAY = 24 * H;
// On roads of the bundled Longgang extract.
const SPOT = { lon: 114.1955, lat: 22.6955 };
const NEAR = { lon: 114.1985, lat: 22.6905 };

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[] = [];
let adminCookie = '';

async function api<T>(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const r = await fetch(`${server.baseUrl}${url}`, {
    method,
    headers: {
      ...(headers.authorization ? {} : { cookie: adminCookie }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

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

describe('smart adjustment and the patrol evaluation on the 单元防控 page', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startServer({ demo: true });
    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: server.adminPassword }),
    });
    adminCookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    // Twelve weeks of background, a hot spot that fell by two thirds four weeks ago, and five calls
    // at one place in the last four hours.
    const now = Date.now();
    const rnd = random(9);
    const rows = ['警情编号,报警时间,警情类别,经度,纬度'];
    let n = 0;
    const add = (lon: number, lat: number, at: number) =>
      rows.push(`E${++n},${new Date(at).toISOString()},盗窃,${lon.toFixed(6)},${lat.toFixed(6)}`);
    for (let i = 0; i < 1200; i++)
      add(114.18 + rnd() * 0.04, 22.67 + rnd() * 0.04, now - H - rnd() * 84 * DAY);
    for (let d = 84; d > 0; d -= 7)
      for (let k = 0; k < (d > 28 ? 12 : 4); k++)
        add(114.205 + (rnd() - 0.5) * 0.0005, 22.685, now - d * DAY + k * H);
    for (let k = 0; k < 5; k++) add(SPOT.lon + k * 0.0001, SPOT.lat, now - (0.2 + 0.7 * k) * H);
    const report = await api<{ imported: number }>('POST', '/api/patrol/imports', {
      fileName: 'longgang-110.csv',
      content: rows.join('\n'),
    });
    expect(report.imported).toBeGreaterThan(1000);
    // A patrol car near the cluster, reporting through its AVL terminal.
    const unit = await api<{ id: string }>('POST', '/api/dispatch/units', {
      callSign: '龙城巡07',
      kind: 'patrol_car',
    });
    const terminal = await api<{ token: string }>('POST', '/api/devices', {
      kind: 'avl',
      name: 'AVL 龙城巡07',
      unitId: unit.id,
    });
    await api(
      'POST',
      '/api/dispatch/avl',
      { positions: [{ unitId: unit.id, at: new Date().toISOString(), ...NEAR }] },
      { authorization: `Bearer ${terminal.token}` },
    );
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
    await page.screenshot({ path: path.join(SHOTS, 'FAILED-patrol-adjust.png') }).catch(() => {});
    console.error(`server output:\n${server.output().split('\n').slice(-30).join('\n')}`);
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  }, 30_000);

  it('finds the cluster, names the nearest patrol unit, and records the commander’s acceptance', async () => {
    await signInThroughPage(page, `${server.baseUrl}/patrol`, 'admin', server.adminPassword);
    const panel = page.getByTestId('adjust-panel');
    await panel.waitFor();
    await page.getByTestId('adjust-scan').click();
    await page.getByTestId('adjust-scan-result').waitFor();
    expect(await page.getByTestId('adjust-scan-result').textContent()).toContain('1 处显著聚集');
    const item = page.locator('[data-testid="adjust-item"][data-status="proposed"]');
    await item.waitFor();
    expect(await item.count()).toBe(1);
    expect(await item.getByTestId('adjust-unit').textContent()).toContain('龙城巡07');
    expect(await item.textContent()).toMatch(/近 6 小时 5 起，预期 0\.\d\d 起，p < 0\.001/);
    await item.getByTestId('adjust-accept').click();
    await page.locator('[data-testid="adjust-item"][data-status="accepted"]').waitFor();
    const accepted = await page.locator('[data-testid="adjust-item"]').first().textContent();
    expect(accepted).toContain('已采纳');
    expect(accepted).toContain('本班次无可调整的巡逻计划');
    await page.getByTestId('adjust-panel').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'patrol-adjust.png') });
  });

  it('shows incidents in the hot spots against the rest, week by week, and exports the book', async () => {
    const outcomes = page.locator('[data-testid="outcomes"][data-ready="true"]');
    await outcomes.waitFor({ timeout: 30_000 });
    await outcomes.scrollIntoViewIfNeeded();
    const summary = (await page.getByTestId('outcomes-summary').textContent()) ?? '';
    expect(summary).toMatch(/热点内 \d+ → \d+ 起，其余 \d+ → \d+ 起/);
    const relative = Number(/相对变化 ([\d.]+)/.exec(summary)?.[1]);
    // The hot spot fell by two thirds while the rest stayed: well under 1.
    expect(relative).toBeLessThan(0.8);
    expect(await page.locator('[data-testid="outcomes-chart"] canvas').count()).toBeGreaterThan(0);
    const href = await page.getByTestId('outcomes-export').getAttribute('href');
    expect(href).toContain('/api/patrol/outcomes.xlsx');
    const file = await page.evaluate(async (url) => {
      const r = await fetch(url!);
      return {
        status: r.status,
        type: r.headers.get('content-type'),
        size: (await r.arrayBuffer()).byteLength,
      };
    }, href);
    expect(file.status).toBe(200);
    expect(file.type).toContain('spreadsheetml');
    expect(file.size).toBeGreaterThan(3000);
    await page.waitForTimeout(600);
    await page.screenshot({ path: path.join(SHOTS, 'patrol-adjust-outcomes.png') });
  });

  it('evaluates against a patrol plan: its targets are the planned places, its dose measured', async () => {
    const now = Date.now();
    const d = 0.01;
    const ring = [
      [114.205 - d, 22.685 - d],
      [114.205 + d, 22.685 - d],
      [114.205 + d, 22.685 + d],
      [114.205 - d, 22.685 + d],
      [114.205 - d, 22.685 - d],
    ];
    const units = await api<{ items: { id: string; callSign: string }[] }>('GET', '/api/dispatch/units');
    await api('POST', '/api/patrol/plans', {
      name: '龙翔大道白班',
      city: 'shenzhen-longgang',
      shift: { start: new Date(now - H).toISOString(), end: new Date(now + 7 * H).toISOString() },
      zones: [{ key: 'z1', name: '龙翔一区', geometry: { type: 'Polygon', coordinates: [ring] } }],
      targets: [
        {
          key: 'p1',
          name: '龙翔大道热点',
          kind: 'point',
          geometry: { type: 'Point', coordinates: [114.205, 22.685] },
          zoneKey: 'z1',
        },
      ],
      assignments: [{ unitId: units.items.find((u) => u.callSign === '龙城巡07')!.id, zoneKey: 'z1' }],
    });
    await page.reload();
    await page.locator('[data-testid="outcomes"][data-ready="true"]').waitFor({ timeout: 30_000 });
    await page.getByTestId('outcomes-plan').click();
    await page.locator('.ant-select-item-option').filter({ hasText: '龙翔大道白班' }).click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="outcomes"]')?.textContent?.includes('巡逻计划“龙翔大道白班”'),
    );
    expect(await page.getByTestId('outcomes-dosage').textContent()).toContain('龙翔大道热点');
    await page.getByTestId('outcomes').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'patrol-outcomes-plan.png') });
    expect(problems).toEqual([]);
  });
});
