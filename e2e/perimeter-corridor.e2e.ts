import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, signInThroughPage } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');
const shot = (name: string) => path.join(SHOTS, `${name}.png`);

const PASSWORD = 'a-long-perimeter-password';
// The Longgang centre ring on the bundled Longgang extract (45 inbound crossing roads).
const RING_FIXTURE = path.join(
  REPO_ROOT,
  'packages/server/src/modules/perimeter/fixtures/shenzhen-longgang-centre.geojson',
);

interface PageMap {
  loaded(): boolean;
  getSource(id: string): unknown;
  querySourceFeatures(source: string): { properties: Record<string, unknown> }[];
}
type PageGlobals = { __citywatchMap?: PageMap };

interface MinimumCut {
  segments: number;
  corridorBandM: number | null;
  cut: { fromOsmNode: number; toOsmNode: number }[];
}

let server: TestServer;
let browser: Browser;
let adminCookie = '';
const contexts: BrowserContext[] = [];

async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.baseUrl}${url}`, {
    method,
    headers: { cookie: adminCookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // The shared machine is often loaded: the demo city import may take longer than the usual 90 s.
  server = await startServer({ demo: true, timeoutMs: 240_000 });
  const login = await fetch(`${server.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: server.adminPassword }),
  });
  expect(login.status).toBe(200);
  adminCookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  const orgs = await api<{ items: { id: string; parentId: string | null }[] }>('GET', '/api/orgs');
  const root = orgs.items.find((o) => o.parentId === null) ?? orgs.items[0];
  await api('POST', '/api/users', {
    username: 'cmd_corridor',
    displayName: '指挥长周',
    password: PASSWORD,
    orgId: root.id,
    roles: ['commander'],
  });
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close().catch(() => {});
  await server?.stop();
}, 30_000);

/** Features of a map source, one per value of `key` (a feature comes once per tile it touches). */
async function sourceFeatures(page: Page, source: string, key: string): Promise<Record<string, unknown>[]> {
  const all = await page.evaluate(
    (s) => (globalThis as PageGlobals).__citywatchMap?.querySourceFeatures(s).map((f) => f.properties) ?? [],
    source,
  );
  const byKey = new Map<string, Record<string, unknown>>();
  for (const f of all) byKey.set(String(f[key]), f);
  return [...byKey.values()];
}

async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const until = Date.now() + 30_000;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`${what}: last ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function setCorridor(page: Page, metres: number): Promise<void> {
  // antd puts the test id on the <input> itself or on its wrapper, by version.
  const input = page
    .locator('input[data-testid="corridor-band"], [data-testid="corridor-band"] input')
    .first();
  await input.fill(String(metres));
  await input.press('Enter');
}

describe('perimeter page: the minimum checkpoint set in a corridor', () => {
  it('computes the cut in a 300 m corridor by default, far below the crossings; 0 m gives the crossings; a too narrow band names the road', async () => {
    const ring = await api<{ id: string }>('POST', '/api/perimeter/rings', {
      name: '龙岗中心区走廊',
      level: 'district',
      geometry: JSON.parse(readFileSync(RING_FIXTURE, 'utf8')),
    });
    const expected = await api<{ crossings: number; minimumCut: MinimumCut }>(
      'GET',
      `/api/perimeter/rings/${ring.id}/analysis?corridorBandM=300`,
    );
    expect(expected.minimumCut.segments).toBeLessThan(expected.crossings / 2);

    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1500, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await signInThroughPage(page, `${server.baseUrl}/perimeter`, 'cmd_corridor', PASSWORD);
    await page.getByTestId('perimeter-page').waitFor();
    await page.getByTestId(`ring-${ring.id}`).click();

    // Default: a 300 m corridor, the same cut as the API's.
    const count = page.locator('[data-testid="mincut-count"][data-corridor="300"]');
    await count.waitFor({ timeout: 60_000 });
    expect(Number(await count.getAttribute('data-count'))).toBe(expected.minimumCut.segments);
    expect(Number(await count.getAttribute('data-crossings'))).toBe(expected.crossings);
    expect(await count.textContent()).toBe(
      `${expected.minimumCut.segments} 处（替代 ${expected.crossings} 条穿越道路）`,
    );

    // Switched on, the map shows the corridor's two edges and exactly the cut's segments.
    await page.getByTestId('mincut-toggle').click();
    await page.waitForFunction(
      () => !!(globalThis as PageGlobals).__citywatchMap?.getSource('perimeter-corridor'),
    );
    const cut = await waitFor(
      () => sourceFeatures(page, 'perimeter-cut', 'key'),
      (f) => f.length === expected.minimumCut.segments,
      'cut segments drawn',
    );
    expect(cut.map((f) => f.key).sort()).toEqual(
      expected.minimumCut.cut.map((s) => `${s.fromOsmNode}-${s.toOsmNode}`).sort(),
    );
    const edges = await waitFor(
      () => sourceFeatures(page, 'perimeter-corridor', 'edge'),
      (f) => f.length === 2,
      'corridor edges drawn',
    );
    expect(edges.map((f) => f.edge).sort()).toEqual(['inner', 'outer']);
    await page.waitForTimeout(800);
    await page.screenshot({ path: shot('perimeter-corridor-300') });

    // 0 m: no corridor, the cut is the crossings themselves.
    await setCorridor(page, 0);
    const plain = page.locator('[data-testid="mincut-count"][data-corridor="0"]');
    await plain.waitFor();
    expect(Number(await plain.getAttribute('data-count'))).toBe(expected.crossings);
    await waitFor(
      () => sourceFeatures(page, 'perimeter-corridor', 'edge'),
      (f) => f.length === 0,
      'corridor cleared',
    );

    // 150 m: a road jumps the whole band here; the page says which instead of a number.
    await setCorridor(page, 150);
    const error = page.getByTestId('mincut-error');
    await error.waitFor({ timeout: 60_000 });
    expect(await error.textContent()).toMatch(/segment \d+→\d+/);
    await page.screenshot({ path: shot('perimeter-corridor-150-error') });

    // Back to a wider band: a number again.
    await setCorridor(page, 500);
    const wide = page.locator('[data-testid="mincut-count"][data-corridor="500"]');
    await wide.waitFor({ timeout: 60_000 });
    expect(Number(await wide.getAttribute('data-count'))).toBeLessThanOrEqual(expected.minimumCut.segments);
  }, 240_000);
});
