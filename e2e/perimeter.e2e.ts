import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, signInThroughPage } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');
const PASSWORD = 'a-long-commander-password';
const RING_FIXTURE = path.join(
  REPO_ROOT,
  'packages/server/src/modules/perimeter/fixtures/shenzhen-longgang-centre.geojson',
);

// Real roads of the bundled Shenzhen Longgang extract (OpenStreetMap), inside the centre ring.
const UNITS = [
  { callSign: '龙岗巡11', lon: 114.2005, lat: 22.6805, heading: 45 },
  { callSign: '龙岗巡12', lon: 114.2225, lat: 22.6955, heading: 200 },
  { callSign: '龙岗巡13', lon: 114.1955, lat: 22.6955, heading: 120 },
  { callSign: '龙岗巡14', lon: 114.2105, lat: 22.6865, heading: 300 },
];
const SCENE = { lon: 114.2075, lat: 22.6915 };
/** Roads a bureau would hold: the ones that carry traffic in and out of a district. */
const MAIN_ROADS = new Set(['motorway', 'trunk', 'primary', 'secondary', 'tertiary']);

type Crossing = {
  lon: number;
  lat: number;
  inbound: boolean;
  outbound: boolean;
  highway: string;
  name: string | null;
};
type Analysis = { crossings: number; closureRate: number; crossingList: Crossing[] };
type Console = { context: BrowserContext; page: Page; errors: string[] };

/** The map the page exposes to automated browsers (only what the test reads). */
interface PageMap {
  loaded(): boolean;
  areTilesLoaded(): boolean;
  getSource(id: string): unknown;
  querySourceFeatures(source: string): { properties: Record<string, unknown> }[];
  queryRenderedFeatures(options: { layers: string[] }): { properties: Record<string, unknown> }[];
}
type PageGlobals = { __citywatchMap?: PageMap };

let server: TestServer;
let browser: Browser;
let adminCookie = '';
let ringId = '';
const unitIds = new Map<string, string>();
/** Each unit's AVL terminal token, by unit id. */
const terminals = new Map<string, string>();
const checkpointIds: string[] = [];
const consoles: Console[] = [];

async function adminApi<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'PUT',
  url: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${server.baseUrl}${url}`, {
    method,
    headers: { cookie: adminCookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Posts fixes as a unit's AVL terminal (its device token): positions come from devices only. */
async function postFixes(
  token: string,
  positions: unknown[],
): Promise<{ accepted: number; rejected: unknown[] }> {
  const res = await fetch(`${server.baseUrl}/api/dispatch/avl`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ positions }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST /api/dispatch/avl → ${res.status}: ${text}`);
  return JSON.parse(text) as { accepted: number; rejected: unknown[] };
}

function metres(a: { lon: number; lat: number }, b: { lon: number; lat: number }): number {
  const rad = Math.PI / 180;
  const x = (b.lon - a.lon) * rad * Math.cos(((a.lat + b.lat) / 2) * rad);
  const y = (b.lat - a.lat) * rad;
  return Math.hypot(x, y) * 6_371_008.8;
}

async function openPerimeter(username: string): Promise<Console> {
  const context = await browser.newContext({
    viewport: { width: 1680, height: 1000 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(45_000);
  const errors = collectPageErrors(page);
  await signInThroughPage(page, `${server.baseUrl}/perimeter`, username, PASSWORD);
  await page.getByTestId('perimeter-page').waitFor();
  await page.locator('[data-testid="live-status"][data-live="open"]').waitFor();
  const c = { context, page, errors };
  consoles.push(c);
  return c;
}

async function mapSettled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const map = (globalThis as PageGlobals).__citywatchMap;
      return (
        !!map &&
        map.loaded() &&
        map.areTilesLoaded() &&
        !!map.getSource('perimeter-ring') &&
        map.queryRenderedFeatures({ layers: ['roads'] }).length > 0
      );
    },
    null,
    { timeout: 30_000, polling: 200 },
  );
}

/**
 * Features of one of the page's map sources, one per value of `key` (the map hands a feature out
 * once per tile it touches).
 */
async function sourceFeatures(page: Page, source: string, key: string): Promise<Record<string, unknown>[]> {
  const all = await page.evaluate((s) => {
    const map = (globalThis as PageGlobals).__citywatchMap;
    return map?.querySourceFeatures(s).map((f) => f.properties) ?? [];
  }, source);
  const byKey = new Map<string, Record<string, unknown>>();
  for (const f of all) byKey.set(String(f[key]), f);
  return [...byKey.values()];
}

/**
 * The line features a map source holds, whole (querySourceFeatures gives only what lies in the
 * tiles in view, cut at tile edges): their properties and vertex counts.
 */
async function sourceLines(
  page: Page,
  source: string,
): Promise<{ properties: Record<string, unknown>; vertices: number }[]> {
  return page.evaluate(async (s) => {
    const map = (globalThis as PageGlobals).__citywatchMap;
    const src = map?.getSource(s) as { getData(): Promise<unknown> } | undefined;
    const data = (await src?.getData()) as
      | { features: { properties: Record<string, unknown>; geometry: { coordinates: unknown[] } }[] }
      | undefined;
    return (data?.features ?? []).map((f) => ({
      properties: f.properties,
      vertices: f.geometry.coordinates.length,
    }));
  }, source);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(600); // antd motion, map fades
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

function poll<T>(fn: () => T | Promise<T>) {
  return expect.poll(fn, { timeout: 45_000, interval: 100 });
}

describe('perimeter control: a commander activates a closure plan', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // A loaded machine (two cores, several suites) can take minutes to import the bundled city.
    server = await startServer({ demo: true, timeoutMs: 240_000 });
    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: server.adminPassword }),
    });
    expect(login.status).toBe(200);
    adminCookie = (login.headers.get('set-cookie') ?? '').split(';')[0];

    const orgs = await adminApi<{ items: { id: string; parentId: string | null }[] }>('GET', '/api/orgs');
    const root = orgs.items.find((o) => o.parentId === null) ?? orgs.items[0];
    for (const [username, displayName, role] of [
      ['cmd_zhang', '指挥长张', 'commander'],
      ['disp_li', '接警员李', 'dispatcher'],
    ]) {
      await adminApi('POST', '/api/users', {
        username,
        displayName,
        password: PASSWORD,
        orgId: root.id,
        roles: [role],
      });
    }
    for (const u of UNITS) {
      const unit = await adminApi<{ id: string }>('POST', '/api/dispatch/units', {
        callSign: u.callSign,
        kind: 'patrol_car',
      });
      unitIds.set(u.callSign, unit.id);
      const terminal = await adminApi<{ token: string }>('POST', '/api/devices', {
        kind: 'avl',
        name: `${u.callSign} 车载终端`,
        unitId: unit.id,
      });
      terminals.set(unit.id, terminal.token);
    }
    for (const u of UNITS) {
      const unitId = unitIds.get(u.callSign)!;
      const avl = await postFixes(terminals.get(unitId)!, [
        { unitId, at: new Date().toISOString(), lon: u.lon, lat: u.lat, heading: u.heading },
      ]);
      expect(avl).toMatchObject({ accepted: 1, rejected: [] });
    }

    // The Longgang centre ring, and checkpoints on three of its main crossing roads, 500 m apart.
    const ring = await adminApi<{ id: string }>('POST', '/api/perimeter/rings', {
      name: '龙岗中心区圈层',
      level: 'district',
      geometry: JSON.parse(readFileSync(RING_FIXTURE, 'utf8')),
    });
    ringId = ring.id;
    const analysis = await adminApi<Analysis>('GET', `/api/perimeter/rings/${ringId}/analysis`);
    expect(analysis.crossings).toBeGreaterThan(3);
    // Two-way roads first (a unit from inside reaches them directly), then named ones.
    const rank = (c: Crossing) => (c.outbound ? 0 : 2) + (c.name ? 0 : 1);
    const candidates = analysis.crossingList
      .filter((c) => c.inbound && MAIN_ROADS.has(c.highway))
      .sort((a, b) => rank(a) - rank(b));
    const chosen: Crossing[] = [];
    for (const c of candidates) {
      if (chosen.length === 3) break;
      if (chosen.every((o) => metres(o, c) > 500)) chosen.push(c);
    }
    expect(chosen, JSON.stringify(analysis.crossingList.slice(0, 20))).toHaveLength(3);
    for (const [k, c] of chosen.entries()) {
      const id = `LG-JCZ-0${k + 1}`;
      await adminApi('PUT', `/api/perimeter/checkpoints/${id}`, {
        name: `${c.name ?? `龙岗${k + 1}号`}检查站`,
        kind: k === 2 ? 'post' : 'station',
        ringId,
        lon: c.lon,
        lat: c.lat,
        directions: 'both',
        equipment: ['plate_camera', 'barrier'],
        staffing: 4,
      });
      checkpointIds.push(id);
    }

    browser = await launchChromium();
  }, 360_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    for (const [i, c] of consoles.entries()) {
      await c.page.screenshot({ path: path.join(SHOTS, `FAILED-perimeter-${i}.png`) }).catch(() => {});
    }
    console.error(`server output:\n${server.output().split('\n').slice(-30).join('\n')}`);
  });

  afterAll(async () => {
    for (const c of consoles) await c.context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  }, 30_000);

  it('shows the commander the ring, its closure rate below the standard, checkpoints and the minimum cut', async () => {
    const { page } = await openPerimeter('cmd_zhang');
    await page.getByTestId(`ring-${ringId}`).click();
    await poll(() => page.getByTestId('ring-summary-name').textContent()).toBe('龙岗中心区圈层');
    const rate = page.getByTestId('ring-summary').getByTestId('closure-rate');
    await rate.waitFor();
    const value = Number(await rate.getAttribute('data-rate'));
    expect(value).toBeGreaterThan(0);
    expect(value).toBeLessThan(1);
    expect(await rate.textContent()).toContain('未达标');
    expect(await page.getByTestId(`ring-${ringId}`).textContent()).toMatch(/围闭度\d+(\.\d)?%/);

    for (const id of checkpointIds) await page.getByTestId(`checkpoint-${id}`).waitFor();
    expect(await page.getByTestId('checkpoint-list').textContent()).toContain('公安检查站');

    await mapSettled(page);
    await poll(async () => (await sourceFeatures(page, 'perimeter-checkpoints', 'id')).length).toBe(3);
    const crossings = await sourceFeatures(page, 'perimeter-crossings', 'key');
    expect(crossings.some((c) => c.covered === true)).toBe(true);
    expect(crossings.some((c) => c.covered === false)).toBe(true);

    // 最小卡口集: its count against the crossings, drawn when switched on.
    expect(await page.getByTestId('mincut-count').textContent()).toMatch(/^\d+ 处（替代 \d+ 条穿越道路）$/);
    await page.getByTestId('mincut-toggle').click();
    await poll(async () => (await sourceFeatures(page, 'perimeter-cut', 'key')).length).toBeGreaterThan(0);
    await page.getByTestId('mincut-toggle').click();
    await poll(async () => (await sourceFeatures(page, 'perimeter-cut', 'key')).length).toBe(0);
  });

  it('activates the closure plan with a reason and shows assignments, ETAs and the units on the map', async () => {
    const page = consoles[0].page;
    expect(await page.getByTestId('plan-panel').getAttribute('data-plan-status')).toBe('none');
    await page.getByTestId('plan-activate').click();
    const modal = page.locator('.ant-modal').filter({ hasText: '启动封控：龙岗中心区圈层' });
    await modal.waitFor();
    // The reason is required.
    await modal.getByRole('button', { name: '启动封控' }).click();
    await modal.getByText('请填写启动事由').waitFor();
    await page.getByTestId('plan-reason').fill('抢劫案嫌疑车辆逃逸，封控龙岗中心区');
    await page.getByTestId('plan-duration').fill('60');
    await modal.getByRole('button', { name: '启动封控' }).click();

    await poll(() => page.getByTestId('plan-panel').getAttribute('data-plan-status')).toBe('active');
    expect(await page.getByTestId('plan-status').textContent()).toBe('执行中');
    const rows = page.locator('[data-testid="plan-assignments"] tbody tr[data-testid^="assignment-"]');
    await poll(() => rows.count()).toBe(3);
    const callSigns = await page.getByTestId('assignment-unit').allTextContents();
    expect(callSigns).toHaveLength(3);
    expect(new Set(callSigns).size).toBe(3);
    for (const cs of callSigns) expect(UNITS.map((u) => u.callSign)).toContain(cs);
    const etas = await page.getByTestId('assignment-eta').allTextContents();
    expect(etas).toHaveLength(3);
    for (const eta of etas) expect(eta).toMatch(/^\d+:\d{2}$/);
    for (const state of await page.getByTestId('assignment-state').allTextContents()) {
      expect(['在途', '无法10分钟内到位']).toContain(state);
    }
    expect(await page.getByTestId('plan-full-closure').textContent()).toMatch(/全部到位预计\d+:\d{2} 分钟/);

    // On the map: a line from each unit to its checkpoint, and the ETA next to the checkpoint.
    await mapSettled(page);
    await poll(async () => (await sourceFeatures(page, 'perimeter-routes', 'checkpointId')).length).toBe(3);
    const routes = await sourceFeatures(page, 'perimeter-routes', 'checkpointId');
    expect(new Set(routes.map((r) => r.callSign))).toEqual(new Set(callSigns));
    // Drawn along the roads the server routed each unit on (turn-restricted, the ETA's search), not
    // as a straight line: as many vertices as the plan's route, many more than two.
    const active = await adminApi<{ items: { id: string }[] }>(
      'GET',
      `/api/perimeter/plans?ringId=${ringId}&active=true`,
    );
    const served = await adminApi<{
      assignments: { checkpointId: string; route: { geometry: { coordinates: number[][] } } | null }[];
    }>('GET', `/api/perimeter/plans/${active.items[0].id}`);
    const drawn = await sourceLines(page, 'perimeter-routes');
    expect(drawn).toHaveLength(3);
    for (const { properties: r, vertices } of drawn) {
      const route = served.assignments.find((a) => a.checkpointId === r.checkpointId)?.route;
      expect(route, String(r.checkpointId)).toBeTruthy();
      expect(r.road).toBe(true);
      expect(vertices).toBe(route!.geometry.coordinates.length);
    }
    // Road routes, not straight lines: the units start 0.5-2 km away, the longest has tens of vertices
    // (one next to its checkpoint on the same street may be a 2-point road route).
    expect(Math.max(...drawn.map((d) => d.vertices))).toBeGreaterThan(20);
    const labels = page.getByTestId('eta-label');
    await poll(() => labels.count()).toBe(3);
    for (const text of await labels.allTextContents()) expect(text).toMatch(/^龙岗巡1\d \d+:\d{2}$/);
    await poll(async () => (await sourceFeatures(page, 'perimeter-units', 'unitId')).length).toBe(3);

    // The server agrees: one active plan, units taken.
    const plans = await adminApi<{ items: { status: string }[] }>(
      'GET',
      `/api/perimeter/plans?ringId=${ringId}&active=true`,
    );
    expect(plans.items).toHaveLength(1);
    await shot(page, 'perimeter-plan');
  });

  it('marks a unit in position live when its AVL fix reaches the checkpoint', async () => {
    const page = consoles[0].page;
    const firstRow = page
      .locator('[data-testid="plan-assignments"] tbody tr[data-testid^="assignment-"]')
      .first();
    const checkpointId = ((await firstRow.getAttribute('data-testid')) ?? '').replace('assignment-', '');
    const callSign = (await firstRow.getByTestId('assignment-unit').textContent()) ?? '';
    const checkpoint = await adminApi<{ lon: number; lat: number }>(
      'GET',
      `/api/perimeter/checkpoints/${checkpointId}`,
    );
    const unitId = unitIds.get(callSign)!;
    await postFixes(terminals.get(unitId)!, [
      { unitId, at: new Date().toISOString(), lon: checkpoint.lon, lat: checkpoint.lat },
    ]);
    const row = page.getByTestId(`assignment-${checkpointId}`);
    await poll(() => row.getAttribute('data-state')).toBe('arrived');
    expect(await row.getByTestId('assignment-state').textContent()).toBe('已到位');
    expect(await page.getByTestId('plan-arrived').textContent()).toContain('1 / 3');
    await poll(async () => (await sourceFeatures(page, 'perimeter-routes', 'checkpointId')).length).toBe(2);
    await poll(() =>
      page.locator(`[data-testid="eta-label"][data-checkpoint="${checkpointId}"]`).textContent(),
    ).toBe(`${callSign} 已到位`);
  });

  it('does not let a dispatcher activate a plan', async () => {
    const { page } = await openPerimeter('disp_li');
    await page.getByTestId(`ring-${ringId}`).click();
    await poll(() => page.getByTestId('ring-summary-name').textContent()).toBe('龙岗中心区圈层');
    // The dispatcher sees the commander's plan, live, but cannot start or end one.
    await poll(() => page.getByTestId('plan-panel').getAttribute('data-plan-status')).toBe('active');
    expect(await page.getByTestId('plan-activate').isDisabled()).toBe(true);
    expect(await page.getByTestId('plan-end').count()).toBe(0);
    expect(await page.getByTestId('plan-commander-only').textContent()).toContain('仅指挥长可启动封控');
    expect(await page.getByTestId('ring-create').count()).toBe(0);
    expect(await page.getByTestId('checkpoint-add').count()).toBe(0);
    // And the server refuses it anyway.
    const status = await page.evaluate(
      async ([id]) =>
        (
          await fetch(`/api/perimeter/rings/${id}/activate`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ reason: '越权尝试封控', durationMinutes: 10 }),
          })
        ).status,
      [ringId],
    );
    expect(status).toBe(403);
    await mapSettled(page);
    await shot(page, 'perimeter-dispatcher');
  });

  it('ends the plan: every screen follows, the units are free again', async () => {
    const page = consoles[0].page;
    await page.getByTestId('plan-end').click();
    await page
      .locator('.ant-popconfirm')
      .getByRole('button', { name: /确\s*定|OK/ })
      .click();
    await poll(() => page.getByTestId('plan-panel').getAttribute('data-plan-status')).toBe('ended');
    expect(await page.getByTestId('plan-status').textContent()).toBe('已结束');
    await poll(async () => (await sourceFeatures(page, 'perimeter-routes', 'checkpointId')).length).toBe(0);
    await poll(() => page.getByTestId('eta-label').count()).toBe(0);
    expect(await page.getByTestId('plan-activate').isDisabled()).toBe(false);

    // The dispatcher's screen follows the live feed.
    await poll(() => consoles[1].page.getByTestId('plan-panel').getAttribute('data-plan-status')).toBe(
      'ended',
    );
    const units = await adminApi<{ items: { callSign: string; status: string }[] }>(
      'GET',
      '/api/dispatch/units',
    );
    for (const u of units.items.filter((x) => x.callSign.startsWith('龙岗巡1'))) {
      expect(u.status, u.callSign).toBe('available');
    }
  });

  it('advises which checkpoints to activate against a vehicle fleeing a scene', async () => {
    const page = consoles[0].page;
    await page.getByRole('tab', { name: '拦截建议' }).click();
    await page.getByTestId('intercept-pick').click();
    // By 龙翔大道 2001号, inside the ring.
    const spot = await page.evaluate(
      ([lon, lat]) => {
        const map = (globalThis as PageGlobals).__citywatchMap as unknown as {
          project(p: [number, number]): { x: number; y: number };
          getCanvas(): HTMLCanvasElement;
        };
        const p = map.project([lon, lat]);
        const box = map.getCanvas().getBoundingClientRect();
        return { x: box.left + p.x, y: box.top + p.y };
      },
      [SCENE.lon, SCENE.lat],
    );
    await page.mouse.click(spot.x, spot.y);
    await poll(() => page.getByTestId('intercept-panel').textContent()).toContain('114.20');
    await page.getByTestId('intercept-minutes').fill('2');
    await page.getByTestId('intercept-run').click();
    await page.getByText('车辆可能到达范围（2 分钟）').waitFor();
    await poll(async () => (await sourceFeatures(page, 'perimeter-isochrone', 'minutes')).length).toBe(1);
    const answer = await adminApi<{
      activateNow: {
        checkpointId: string;
        name: string;
        unitBeatsVehicle: boolean;
        nearestUnit: { route: { geometry: { coordinates: number[][] } } | null } | null;
      }[];
    }>('GET', `/api/perimeter/intercept?lon=${SCENE.lon}&lat=${SCENE.lat}&minutes=2&ringId=${ringId}`);
    // Each checkpoint's nearest unit drawn along its road there, not a straight line.
    const withRoute = answer.activateNow.filter((c) => c.nearestUnit?.route);
    expect(withRoute.length).toBeGreaterThan(0);
    await poll(async () => (await sourceLines(page, 'perimeter-intercept-routes')).length).toBe(
      withRoute.length,
    );
    const lines = await sourceLines(page, 'perimeter-intercept-routes');
    for (const { properties: r, vertices } of lines) {
      const c = withRoute.find((x) => x.checkpointId === r.checkpointId)!;
      expect(vertices).toBe(c.nearestUnit!.route!.geometry.coordinates.length);
    }
    expect(Math.max(...lines.map((d) => d.vertices))).toBeGreaterThan(10);
    const rows = page.locator('[data-testid="intercept-list"] tbody tr.ant-table-row');
    await poll(() => rows.count()).toBe(answer.activateNow.length);
    for (const [i, r] of answer.activateNow.entries()) {
      const text = (await rows.nth(i).textContent()) ?? '';
      expect(text).toContain(r.name);
      expect(text).toContain(r.unitBeatsVehicle ? '可先于车辆到达' : '车辆可能先到');
    }
    await mapSettled(page);
    await shot(page, 'perimeter-intercept');
  });

  it('creates a ring drawn on the map and adds a checkpoint by a click on a crossing road', async () => {
    const page = consoles[0].page;
    /** Where a WGS-84 point is on the page. */
    const onScreen = (lon: number, lat: number) =>
      page.evaluate(
        ([x, y]) => {
          const map = (globalThis as PageGlobals).__citywatchMap as unknown as {
            project(p: [number, number]): { x: number; y: number };
            getCanvas(): HTMLCanvasElement;
          };
          const p = map.project([x, y]);
          const box = map.getCanvas().getBoundingClientRect();
          return { x: box.left + p.x, y: box.top + p.y };
        },
        [lon, lat],
      );

    await page.getByTestId('ring-create').click();
    const modal = page.locator('.ant-modal').filter({ hasText: '新建圈层' });
    await modal.waitFor();
    await page.getByTestId('ring-name').fill('龙岗核心区圈层');
    await modal.locator('.ant-select').first().click();
    await page.locator('.ant-select-item-option').filter({ hasText: '核心区圈层' }).click();
    await modal.getByText('在地图上绘制').click();
    await modal.getByRole('button', { name: '开始绘制' }).click();
    await modal.waitFor({ state: 'hidden' });
    const corners: [number, number][] = [
      [114.203, 22.684],
      [114.215, 22.684],
      [114.215, 22.694],
      [114.203, 22.694],
    ];
    for (const [lon, lat] of corners) {
      const p = await onScreen(lon, lat);
      await page.mouse.click(p.x, p.y);
    }
    await page.getByText('已选 4 个点').waitFor();
    await page.getByRole('button', { name: '完成' }).click();
    await modal.getByText('已绘制 4 个顶点').waitFor();
    await modal.getByRole('button', { name: /确\s*定|OK/ }).click();
    await modal.waitFor({ state: 'hidden' });

    const rings = await adminApi<{ items: { id: string; name: string; level: string }[] }>(
      'GET',
      '/api/perimeter/rings',
    );
    const drawn = rings.items.find((r) => r.name === '龙岗核心区圈层');
    expect(drawn?.level).toBe('core');
    const item = page.getByTestId(`ring-${drawn?.id}`);
    await poll(() => item.getAttribute('aria-pressed')).toBe('true');
    await poll(() =>
      page.getByTestId('ring-summary').getByTestId('closure-rate').getAttribute('data-rate'),
    ).toBe('0');

    // A checkpoint where a crossing road is: the server snaps the click to that road.
    const analysis = await adminApi<Analysis>('GET', `/api/perimeter/rings/${drawn?.id}/analysis`);
    const target = analysis.crossingList.find((c) => c.inbound && c.outbound) ?? analysis.crossingList[0];
    await page.getByTestId('checkpoint-add').click();
    await mapSettled(page);
    const p = await onScreen(target.lon, target.lat);
    await page.mouse.click(p.x, p.y);
    const cpModal = page.locator('.ant-modal').filter({ hasText: '添加查控点' });
    await cpModal.waitFor();
    await page.getByTestId('checkpoint-name').fill('核心区一号卡口');
    await cpModal.getByRole('button', { name: /确\s*定|OK/ }).click();
    await page.getByTestId('checkpoint-CP-0001').waitFor();
    await poll(async () =>
      Number(await page.getByTestId('ring-summary').getByTestId('closure-rate').getAttribute('data-rate')),
    ).toBeGreaterThan(0);
    await mapSettled(page);
    await shot(page, 'perimeter-drawn-ring');
    for (const c of consoles) expect(c.errors).toEqual([]);
  });
  it('takes a ring pasted as QGIS / ogr2ogr save it (FeatureCollection, crs, MultiPolygon) in GCJ-02, name and level from the file', async () => {
    const page = consoles[0].page;
    // The Longgang box as read off an AMap basemap (GCJ-02: about 500 m from WGS-84 here).
    const gcj = [
      [114.1999222, 22.6732064],
      [114.2178812, 22.6731794],
      [114.2178824, 22.6911837],
      [114.1999233, 22.6912107],
      [114.1999222, 22.6732064],
    ];
    const file = {
      type: 'FeatureCollection',
      name: 'ring',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:OGC:1.3:CRS84' } },
      features: [
        {
          type: 'Feature',
          properties: { fid: 1, name: '高德底图画的圈', level: 'district' },
          geometry: { type: 'MultiPolygon', coordinates: [[gcj]] },
        },
      ],
    };
    await page.getByTestId('ring-create').click();
    const modal = page.locator('.ant-modal').filter({ hasText: '新建圈层' });
    await modal.waitFor();
    await page.getByTestId('ring-datum').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'GCJ-02' }).click();
    await page.getByTestId('ring-geojson').fill(JSON.stringify(file, null, 1));
    // The name comes from the file's properties.
    await poll(() => page.getByTestId('ring-name').inputValue()).toBe('高德底图画的圈');
    await shot(page, 'perimeter-paste-ring');
    await modal.getByRole('button', { name: /确\s*定|OK/ }).click();
    await modal.waitFor({ state: 'hidden' });
    const rings = await adminApi<{
      items: { name: string; level: string; geometry: { coordinates: number[][][][] } }[];
    }>('GET', '/api/perimeter/rings');
    const pasted = rings.items.find((r) => r.name === '高德底图画的圈');
    expect(pasted?.level).toBe('district');
    // Stored in WGS-84 (the box 114.195–114.213, 22.676–22.694), not where the GCJ-02 numbers say.
    const shell = pasted?.geometry.coordinates[0][0] ?? [];
    const lons = shell.map((p) => p[0]);
    const lats = shell.map((p) => p[1]);
    expect(Math.min(...lons)).toBeCloseTo(114.195, 5);
    expect(Math.max(...lats)).toBeCloseTo(22.694, 5);
    for (const c of consoles) expect(c.errors).toEqual([]);
  });
});
