import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { collectPageErrors, launchChromium } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

export const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');

/** Where a screenshot named `name` goes (e2e/screenshots/<name>.png, not committed). */
export const shot = (name: string): string => path.join(SHOTS, `${name}.png`);

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** A user the fixture makes at a named org before the tests (password login, no first-password step). */
export interface UserSpec {
  username: string;
  displayName: string;
  password: string;
  /** The org's name, e.g. 龙城派出所. */
  org: string;
  roles: string[];
}

/** A browser window opened through the fixture: its page, the page's own errors and a log. */
export interface Opened {
  context: BrowserContext;
  page: Page;
  /** Script errors and console errors/warnings of the app (see collectPageErrors). */
  errors: string[];
  /** Console lines, API answers and failed requests, with times: kept when a test fails. */
  log: string[];
}

export interface E2E {
  readonly server: TestServer;
  readonly browser: Browser;
  /** The first admin's session cookie. */
  readonly adminCookie: string;
  /**
   * A JSON call to the server, as the admin unless `headers` names another cookie or a bearer
   * token; throws with the status and body when the answer is not 2xx.
   */
  api<T = unknown>(method: Method, url: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  /** Signs in through the API and returns the session cookie. */
  login(username: string, password: string): Promise<string>;
  /** A desktop window (1500×900 unless told), zh-CN. */
  desktop(options?: BrowserContextOptions): Promise<Opened>;
  /** A phone (390×844, touch), zh-CN; with `at`, the phone's position is granted and set there. */
  phone(at?: { lon: number; lat: number }, options?: BrowserContextOptions): Promise<Opened>;
}

/**
 * One server and one browser for a test file: registers the hooks that start them (and make the
 * given users), close every window a test opened, and stop both at the end. When a test fails,
 * each window it left open is photographed and its log written beside it
 * (e2e/screenshots/failed-<test>-<n>.png and .log), so a failure in CI says what the page showed.
 * `serverTimeoutMs`: how long the server may take to answer its health check (90 s). The set-up's
 * own limit is that plus 90 s for the browser and the users, so a slow start fails with the
 * server's log, not a hook timeout that would leave the server running.
 */
export function setupE2E(opts: { demo?: boolean; users?: UserSpec[]; serverTimeoutMs?: number } = {}): E2E {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let adminCookie = '';
  let opened: Opened[] = [];

  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started: use the fixture inside a test`);
    return value;
  };

  async function api<T>(
    method: Method,
    url: string,
    body?: unknown,
    headers: Record<string, string> = { cookie: adminCookie },
  ): Promise<T> {
    const res = await fetch(`${need(server, 'the server').baseUrl}${url}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url} → ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async function login(username: string, password: string): Promise<string> {
    const res = await fetch(`${need(server, 'the server').baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return (res.headers.get('set-cookie') ?? '').split(';')[0];
  }

  async function open(options: BrowserContextOptions): Promise<Opened> {
    const context = await need(browser, 'the browser').newContext({ locale: 'zh-CN', ...options });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    const log: string[] = [];
    const started = Date.now();
    const note = (line: string) => log.push(`${String(Date.now() - started).padStart(6)} ms ${line}`);
    page.on('console', (m) => note(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => note(`pageerror: ${e.message}`));
    page.on('framenavigated', (f) => f === page.mainFrame() && note(`navigated: ${f.url()}`));
    page.on(
      'response',
      (r) => r.url().includes('/api/') && note(`${r.status()} ${r.request().method()} ${r.url()}`),
    );
    page.on('requestfailed', (r) => note(`failed ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
    const window = { context, page, errors, log };
    opened.push(window);
    context.on('close', () => {
      opened = opened.filter((o) => o !== window);
    });
    return window;
  }

  // Kept so afterAll can stop a server whose start outlived the set-up (it is assigned only once up).
  let starting: Promise<TestServer> | undefined;
  beforeAll(
    async () => {
      mkdirSync(SHOTS, { recursive: true });
      starting = startServer({ demo: opts.demo, timeoutMs: opts.serverTimeoutMs });
      server = await starting;
      browser = await launchChromium();
      adminCookie = await login('admin', server.adminPassword);
      if (opts.users?.length) {
        const orgs = await api<{ items: { id: string; name: string }[] }>('GET', '/api/orgs');
        for (const { org, ...user } of opts.users) {
          const orgId = orgs.items.find((o) => o.name === org)?.id;
          if (!orgId) throw new Error(`no org named ${org}`);
          await api('POST', '/api/users', { ...user, orgId });
        }
      }
    },
    (opts.serverTimeoutMs ?? 90_000) + 90_000,
  );

  afterEach(async (ctx) => {
    const windows = opened;
    opened = [];
    if (ctx.task.result?.state === 'fail') {
      const name = ctx.task.name.replace(/[^\p{L}\p{N}]+/gu, '-').slice(0, 60);
      for (const [n, w] of windows.entries()) {
        const base = path.join(SHOTS, `failed-${name}-${n}`);
        await w.page.screenshot({ path: `${base}.png`, fullPage: true }).catch(() => undefined);
        writeFileSync(`${base}.log`, `${w.page.url()}\n${w.log.join('\n')}\n`);
      }
    }
    for (const w of windows) await w.context.close().catch(() => undefined);
  });

  afterAll(async () => {
    await browser?.close();
    await (server ?? (await starting?.catch(() => undefined)))?.stop();
  });

  return {
    get server() {
      return need(server, 'the server');
    },
    get browser() {
      return need(browser, 'the browser');
    },
    get adminCookie() {
      return adminCookie;
    },
    api,
    login,
    desktop: (options = {}) => open({ viewport: { width: 1500, height: 900 }, ...options }),
    phone: (at, options = {}) =>
      open({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
        ...(at
          ? {
              geolocation: { longitude: at.lon, latitude: at.lat, accuracy: 10 },
              permissions: ['geolocation'],
            }
          : {}),
        ...options,
      }),
  };
}

/** The session probes a page made: a public page (no login) must make none. */
export function sessionProbes(page: Page): string[] {
  const probes: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/auth/me') probes.push(r.url());
  });
  return probes;
}
