import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, signInThroughPage } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');
const PASSWORD = 'a-long-dispatcher-password';

// Real roads of the bundled Shenzhen Longgang extract (OpenStreetMap).
const UNITS = [
  { callSign: '龙岗巡01', lon: 114.2005, lat: 22.6805, heading: 45 },
  { callSign: '龙岗巡02', lon: 114.2225, lat: 22.6955, heading: 200 },
  { callSign: '龙岗巡03', lon: 114.1955, lat: 22.6955, heading: 120 },
];

type Console = { name: string; context: BrowserContext; page: Page; errors: string[]; sockets: () => number };

let server: TestServer;
let browser: Browser;
let adminCookie = '';
const consoles: Console[] = [];
const unitIds = new Map<string, string>();
/** Each unit's AVL terminal token, by unit id. */
const terminals = new Map<string, string>();
let firstNumber = '';
let firstCallSign = '';

/** The map a console's page exposes to automated browsers (only what the test reads). */
interface PageMap {
  loaded(): boolean;
  areTilesLoaded(): boolean;
  getSource(id: string): unknown;
  querySourceFeatures(source: string): { properties: Record<string, unknown> }[];
  queryRenderedFeatures(options: { layers: string[] }): { properties: Record<string, unknown> }[];
}
type PageGlobals = { __citywatchMap?: PageMap };

async function adminApi<T>(method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown): Promise<T> {
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

async function openConsole(name: string, username: string): Promise<Console> {
  const context = await browser.newContext({
    viewport: { width: 1680, height: 1000 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  let sockets = 0;
  page.on('websocket', (ws) => {
    // A reconnect names its resume point (/api/live?stream=…&after=…).
    if (new URL(ws.url()).pathname === '/api/live') sockets++;
  });
  const errors = collectPageErrors(page);
  await signInThroughPage(page, `${server.baseUrl}/dispatch`, username, PASSWORD);
  await page.getByTestId('dispatch-console').waitFor();
  await page.locator('[data-testid="live-status"][data-live="open"]').waitFor();
  await mapSettled(page);
  return { name, context, page, errors, sockets: () => sockets };
}

async function mapSettled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const map = (globalThis as PageGlobals).__citywatchMap;
      return (
        !!map &&
        map.loaded() &&
        map.areTilesLoaded() &&
        !!map.getSource('dispatch-units') &&
        map.queryRenderedFeatures({ layers: ['roads'] }).length > 0
      );
    },
    null,
    { timeout: 30_000, polling: 200 },
  );
}

/** The status the map's unit layer draws for a unit (its dot's colour follows it). */
function mapUnitStatus(page: Page, callSign: string): Promise<string | null> {
  return page.evaluate((cs) => {
    const map = (globalThis as PageGlobals).__citywatchMap;
    const f = map?.querySourceFeatures('dispatch-units').find((x) => x.properties.callSign === cs);
    return typeof f?.properties.status === 'string' ? f.properties.status : null;
  }, callSign);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(500); // antd motion, map fades
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** Polls until the assertion holds; the server shares the machine with other work, so be patient. */
function poll<T>(fn: () => T | Promise<T>) {
  return expect.poll(fn, { timeout: 20_000, interval: 100 });
}

const A = () => consoles[0].page;
const B = () => consoles[1].page;

describe('dispatch console: two dispatchers against the real server', () => {
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

    const orgs = await adminApi<{ items: { id: string; parentId: string | null }[] }>('GET', '/api/orgs');
    const root = orgs.items.find((o) => o.parentId === null) ?? orgs.items[0];
    for (const [username, displayName] of [
      ['disp_a', '接警员甲'],
      ['disp_b', '接警员乙'],
    ]) {
      await adminApi('POST', '/api/users', {
        username,
        displayName,
        password: PASSWORD,
        orgId: root.id,
        roles: ['dispatcher'],
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
    const at = new Date().toISOString();
    for (const u of UNITS) {
      const unitId = unitIds.get(u.callSign)!;
      const avl = await postFixes(terminals.get(unitId)!, [
        { unitId, at, lon: u.lon, lat: u.lat, heading: u.heading, speed: 12 },
      ]);
      expect(avl).toMatchObject({ accepted: 1, rejected: [] });
    }

    browser = await launchChromium();
    consoles.push(await openConsole('A', 'disp_a'));
    consoles.push(await openConsole('B', 'disp_b'));
  }, 180_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    for (const c of consoles) {
      await c.page.screenshot({ path: path.join(SHOTS, `FAILED-dispatch-${c.name}.png`) }).catch(() => {});
    }
    console.error(`server output:\n${server.output().split('\n').slice(-30).join('\n')}`);
  });

  afterAll(async () => {
    for (const c of consoles) await c.context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  }, 30_000);

  it('shows both dispatchers the units on the map, all available', async () => {
    for (const page of [A(), B()]) {
      for (const u of UNITS) {
        const row = page.getByTestId(`unit-${u.callSign}`);
        await row.waitFor();
        expect(await row.getAttribute('data-status')).toBe('available');
        expect(await row.textContent()).toContain('空闲');
      }
      await poll(() => mapUnitStatus(page, UNITS[0].callSign)).toBe('available');
    }
  });

  it('lets dispatcher A take a call by address, keyboard first, and see recommendations with ETAs', async () => {
    const page = A();
    // The address box has the focus: type, and Enter takes the first hit.
    const address = page.getByPlaceholder('输入地址搜索，回车选第一项；或点击地图定位');
    await poll(() => address.evaluate((el) => el === document.activeElement)).toBe(true);
    // Typed and Enter at once, without waiting for the list: the first hit is taken when it comes.
    await page.keyboard.type('龙翔大道2001');
    await page.keyboard.press('Enter');
    await page.getByTestId('intake-location').waitFor();
    expect(await address.inputValue()).toContain('龙翔大道');

    // Category by typing into the cascader's search.
    await page.locator('.ant-cascader').click();
    await page.keyboard.type('打架');
    const option = page.locator('.ant-cascader-menu-item').filter({ hasText: '打架斗殴' }).first();
    await option.waitFor();
    await option.click();
    expect(await page.locator('.ant-cascader').textContent()).toContain('治安案件');

    await page.getByTestId('intake-phone').fill('13800138000');
    const narrative = page.getByTestId('intake-narrative');
    await narrative.fill('两伙人在路口打架，有人受伤');
    // Alt+1 sets P1 from inside the text box; Ctrl+Enter registers the call.
    await narrative.press('Alt+Digit1');
    expect(
      await page.locator('[data-testid="intake-priority"] .ant-radio-button-wrapper-checked').textContent(),
    ).toContain('P1');
    await narrative.press('Control+Enter');

    const number = page.getByTestId('detail-number');
    await poll(() => number.textContent()).toMatch(/^J\d{8}-\d{4}$/);
    firstNumber = (await number.textContent()) ?? '';
    expect(await page.getByTestId('detail-triage').textContent()).toContain('建议：警务');
    expect(await page.getByTestId('detail-status').textContent()).toBe('待派警');
    const detail = await page.getByTestId('detail').textContent();
    expect(detail).toContain('治安案件 / 打架斗殴');
    expect(detail).toMatch(/派出所/); // jurisdiction
    expect(detail).toContain('已隐藏'); // the caller's number is not shown by default
    expect(detail).not.toContain('13800138000');

    const etas = page.getByTestId('rec-eta');
    await poll(() => etas.count()).toBe(3);
    for (const text of await etas.allTextContents()) expect(text).toMatch(/^\d+:\d{2} 分钟$/);
    const firstRow = page.locator('[data-testid="recommendations"] tbody tr').first();
    firstCallSign = (await firstRow.locator('strong').first().textContent()) ?? '';
    expect(UNITS.map((u) => u.callSign)).toContain(firstCallSign);
    // The first recommended unit's road route (GET /api/roads/route) is drawn on the map.
    await poll(() =>
      page.evaluate(
        () =>
          (globalThis as PageGlobals).__citywatchMap?.querySourceFeatures('dispatch-recommended-route')
            .length ?? 0,
      ),
    ).toBeGreaterThan(0);
    await shot(page, 'dispatch-recommended-route');
    // The units are driving (12 m/s): the route is asked for with the unit's heading, so it starts
    // the way the unit drives, as its ETA was timed.
    const routeRequests = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .map((e) => e.name)
        .filter((name) => name.includes('/api/roads/route')),
    );
    expect(routeRequests.some((url) => /[?&]heading=\d+/.test(url) && /[?&]speed=12\b/.test(url))).toBe(true);

    // Dispatcher B sees the new call in the queue without reloading.
    const item = B().getByTestId(`queue-item-${firstNumber}`);
    await item.waitFor();
    expect(await item.getAttribute('data-status')).toBe('received');
    expect(await item.textContent()).toContain('待派警');
  });

  it('dispatches with one click, and B sees the incident and the unit change live', async () => {
    const page = A();
    await page
      .locator('[data-testid="recommendations"] tbody tr')
      .first()
      .getByTestId('rec-dispatch')
      .click();
    await poll(() => page.getByTestId('detail-status').textContent()).toBe('已派警');
    await poll(() => page.getByTestId('timeline').textContent()).toContain(`警力 ${firstCallSign}`);

    const b = B();
    const item = b.getByTestId(`queue-item-${firstNumber}`);
    await poll(() => item.getAttribute('data-status')).toBe('dispatched');
    expect(await item.textContent()).toContain('已派警');
    await poll(() => item.textContent()).toContain(firstCallSign);
    const unit = b.getByTestId(`unit-${firstCallSign}`);
    await poll(() => unit.getAttribute('data-status')).toBe('dispatched');
    expect(await unit.textContent()).toContain('已派出');
    await poll(() => mapUnitStatus(b, firstCallSign)).toBe('dispatched');

    // B opens it: same status, the dispatch in the timeline, the unit no longer recommended.
    await item.click();
    await poll(() => b.getByTestId('detail-number').textContent()).toBe(firstNumber);
    await poll(() => b.getByTestId('detail-status').textContent()).toBe('已派警');
    await poll(() => b.getByTestId('timeline').textContent()).toContain('disp_a');
    await poll(() => b.getByTestId('rec-eta').count()).toBe(2);

    await mapSettled(page);
    await mapSettled(b);
    await shot(page, 'dispatch-a');
    await shot(b, 'dispatch-b');
  });

  it("shows the caller's number only after a stated purpose", async () => {
    const b = B();
    await b.getByTestId('detail-caller-show').click();
    const purpose = b.getByTestId('caller-purpose');
    await purpose.waitFor();
    await purpose.fill('回拨核实');
    await purpose.press('Enter');
    await poll(() => b.getByTestId('detail-caller-phone').textContent()).toContain('13800138000');
    const audit = await adminApi<{ items: { action: string; purpose: string | null }[] }>(
      'GET',
      '/api/audit?action=personal_data_read',
    ).catch(() => null);
    if (audit) expect(audit.items.some((e) => e.purpose === '回拨核实')).toBe(true);
  });

  it('takes a second call by a click on the map and merges it into the first as a duplicate', async () => {
    const page = A();
    // About 100 m east of the first incident (zoomed in, so that is clear of its circle): a click on
    // empty map sets the call's location.
    type ClickMap = {
      querySourceFeatures(s: string): { geometry: { coordinates: [number, number] } }[];
      project(p: [number, number]): { x: number; y: number };
      jumpTo(o: { center: [number, number]; zoom: number }): void;
      getCanvas(): HTMLCanvasElement;
    };
    await page.evaluate(() => {
      const map = (globalThis as PageGlobals).__citywatchMap as unknown as ClickMap;
      const [lon, lat] = map.querySourceFeatures('dispatch-incidents')[0].geometry.coordinates;
      map.jumpTo({ center: [lon, lat], zoom: 16 });
    });
    await mapSettled(page);
    const spot = await page.evaluate(() => {
      const map = (globalThis as PageGlobals).__citywatchMap as unknown as ClickMap;
      const [lon, lat] = map.querySourceFeatures('dispatch-incidents')[0].geometry.coordinates;
      const p = map.project([lon + 0.001, lat]);
      const box = map.getCanvas().getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y };
    });
    await page.mouse.click(spot.x, spot.y);
    await page.getByTestId('intake-location').waitFor();
    await poll(() =>
      page.getByPlaceholder('输入地址搜索，回车选第一项；或点击地图定位').inputValue(),
    ).not.toBe('');

    await page.locator('.ant-cascader').click();
    await page.keyboard.type('打架');
    await page.locator('.ant-cascader-menu-item').filter({ hasText: '打架斗殴' }).first().click();
    await page.getByTestId('intake-narrative').fill('路口有人打架，和刚才是同一起');
    // A plain digit picks the priority when the focus is not in a text box.
    await page.getByTestId('intake-submit').focus();
    await page.keyboard.press('2');
    expect(
      await page.locator('[data-testid="intake-priority"] .ant-radio-button-wrapper-checked').textContent(),
    ).toContain('P2');
    await page.getByTestId('intake-submit').press('Control+Enter');

    await poll(() => page.getByTestId('detail-number').textContent()).not.toBe(firstNumber);
    const second = (await page.getByTestId('detail-number').textContent()) ?? '';
    const duplicates = page.getByTestId('detail-duplicates');
    await duplicates.waitFor();
    expect(await duplicates.textContent()).toContain(firstNumber);
    await B().getByTestId(`queue-item-${second}`).waitFor();
    await shot(page, 'dispatch-duplicate');

    await duplicates.getByRole('button', { name: '合并' }).click();
    await page
      .locator('.ant-popconfirm')
      .getByRole('button', { name: /确\s*定|OK/ })
      .click();
    await poll(() => page.getByTestId('detail-status').textContent()).toBe('已合并');
    // Merged calls leave the queue on both screens.
    await poll(() => B().getByTestId(`queue-item-${second}`).count()).toBe(0);
    await poll(() => page.getByTestId(`queue-item-${second}`).count()).toBe(0);
  });

  it('reconnects to the live feed when the server asks, and stays live', async () => {
    const b = B();
    const before = consoles[1].sockets();
    const users = await adminApi<{ items: { id: string; username: string }[] }>('GET', '/api/users');
    const id = users.items.find((u) => u.username === 'disp_b')?.id;
    // A changed user: the gateway closes the socket with 1012 and the console comes back.
    await adminApi('PATCH', `/api/users/${id}`, { displayName: '接警员乙（夜班）' });
    await poll(() => consoles[1].sockets()).toBeGreaterThan(before);
    await b.locator('[data-testid="live-status"][data-live="open"]').waitFor();
    const { incident } = await adminApi<{ incident: { number: string } }>('POST', '/api/dispatch/incidents', {
      category: 'dispute',
      subcategory: 'neighbour',
      priority: 'P3',
      lon: 114.205,
      lat: 22.685,
      narrative: '楼上楼下因漏水争吵',
    });
    await b.getByTestId(`queue-item-${incident.number}`).waitFor();
  });

  it('lets exactly one of two dispatchers clicking together send the same unit; the other sees 409', async () => {
    // Two calls elsewhere, one open on each console.
    const make = (lon: number, lat: number, narrative: string) =>
      adminApi<{ incident: { id: string; number: string } }>('POST', '/api/dispatch/incidents', {
        category: 'criminal',
        subcategory: 'theft',
        priority: 'P2',
        lon,
        lat,
        narrative,
      });
    const one = await make(114.2, 22.69, '电动车被偷');
    const two = await make(114.215, 22.688, '店里手机被盗');
    const rowsFor = async (page: Page, number: string) => {
      const item = page.getByTestId(`queue-item-${number}`);
      await item.waitFor();
      await item.click();
      await poll(() => page.getByTestId('detail-number').textContent()).toBe(number);
      await poll(() => page.getByTestId('rec-eta').count()).toBe(2);
    };
    await rowsFor(A(), one.incident.number);
    await rowsFor(B(), two.incident.number);
    const free = UNITS.map((u) => u.callSign).find((cs) => cs !== firstCallSign) ?? '';
    const buttonA = A().getByTestId(`rec-${free}`).getByTestId('rec-dispatch');
    const buttonB = B().getByTestId(`rec-${free}`).getByTestId('rec-dispatch');
    await buttonA.waitFor();
    await buttonB.waitFor();

    const answers: number[] = [];
    // Both requests are held in the browsers until both are sent, then released together: on a
    // busy machine the first answer's live update could otherwise remove B's button before B clicks.
    const held: Route[] = [];
    const holdUntilBoth = async (route: Route) => {
      held.push(route);
      if (held.length === 2) await Promise.all(held.map((r) => r.continue()));
    };
    const dispatchUrl = '**/api/dispatch/incidents/*/dispatch';
    await A().route(dispatchUrl, holdUntilBoth);
    await B().route(dispatchUrl, holdUntilBoth);
    const watch = (page: Page) =>
      page.waitForResponse((r) => r.url().endsWith('/dispatch') && r.request().method() === 'POST');
    const [ra, rb] = await Promise.all([watch(A()), watch(B()), buttonA.click(), buttonB.click()]);
    await A().unroute(dispatchUrl);
    await B().unroute(dispatchUrl);
    answers.push(ra.status(), rb.status());
    expect(answers.sort()).toEqual([200, 409]);

    const loser = ra.status() === 409 ? A() : B();
    const winner = loser === A() ? B() : A();
    await expect
      .poll(() => loser.getByTestId('detail-error').textContent())
      .toContain('该警力已被派出或不在岗');
    await poll(() => winner.getByTestId('detail-status').textContent()).toBe('已派警');
    await poll(() => loser.getByTestId('detail-status').textContent()).toBe('待派警');
    // The loser's recommendations drop the unit that is gone.
    await poll(() => loser.getByTestId(`rec-${free}`).count()).toBe(0);
    await shot(loser, 'dispatch-409');
  });

  it('walks the first incident to the scene and closes it; both screens follow', async () => {
    const b = B();
    await b.getByTestId(`queue-item-${firstNumber}`).click();
    await poll(() => b.getByTestId('detail-number').textContent()).toBe(firstNumber);
    await b.getByTestId('transition-on_scene').click();
    await poll(() => b.getByTestId('detail-status').textContent()).toBe('到场');
    const item = A().getByTestId(`queue-item-${firstNumber}`);
    await poll(() => item.getAttribute('data-status')).toBe('on_scene');
    await poll(() => A().getByTestId(`unit-${firstCallSign}`).getAttribute('data-status')).toBe('on_scene');
    expect(await A().getByTestId(`unit-${firstCallSign}`).textContent()).toContain('到场处置');

    await b.getByTestId('transition-cleared').click();
    await poll(() => b.getByTestId('detail-status').textContent()).toBe('已处置');
    await poll(() => item.count()).toBe(0);
    await poll(() => A().getByTestId(`unit-${firstCallSign}`).getAttribute('data-status')).toBe('available');
    await b.getByTestId('transition-closed').click();
    await poll(() => b.getByTestId('detail-status').textContent()).toBe('已结案');
    // The timeline is its own request, refetched after the status: it may land a moment later.
    await poll(async () => (await b.getByTestId('timeline').textContent()) ?? '').toContain('已结案');
    const timeline = (await b.getByTestId('timeline').textContent()) ?? '';
    for (const step of ['已派警', '到场', '已处置', '已结案']) expect(timeline).toContain(step);

    for (const c of consoles) expect(c.errors, c.name).toEqual([]);
  });
});
