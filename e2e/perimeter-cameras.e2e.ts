import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jpegWithExif } from '../packages/server/src/modules/community/fixtures';
import { collectPageErrors, launchChromium, signInThroughPage } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');
const PASSWORD = 'a-long-commander-password';
const RING_FIXTURE = path.join(
  REPO_ROOT,
  'packages/server/src/modules/perimeter/fixtures/shenzhen-longgang-centre.geojson',
);
// A checkpoint on the bundled Longgang roads (OpenStreetMap), and two cameras near it.
const SPOT = { lon: 114.1955, lat: 22.6955 };

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[] = [];
let adminCookie = '';

async function adminApi<T>(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.baseUrl}${url}`, {
    method,
    headers: { cookie: adminCookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

describe('perimeter: the cameras at a checkpoint, opened in the video panel', () => {
  let coveringId = '';
  let reportNumber = '';

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
    await adminApi('POST', '/api/users', {
      username: 'cmd_wang',
      displayName: '指挥长王',
      password: PASSWORD,
      orgId: root.id,
      roles: ['commander'],
    });
    const ring = await adminApi<{ id: string }>('POST', '/api/perimeter/rings', {
      name: '龙岗中心区圈层',
      level: 'district',
      geometry: JSON.parse(readFileSync(RING_FIXTURE, 'utf8')),
    });
    // Perimeter places the checkpoint on the road; the cameras are set around where it landed.
    const at = await adminApi<{ lon: number; lat: number }>('PUT', '/api/perimeter/checkpoints/LG-JCZ-09', {
      name: '龙城广场检查站',
      kind: 'station',
      ringId: ring.id,
      ...SPOT,
      directions: 'both',
    });
    // One camera looks at the checkpoint (80 m east, facing west); one is near but looks away.
    coveringId = (
      await adminApi<{ id: string }>('POST', '/api/video/cameras', {
        code: '44030700001320000011',
        name: '龙城广场东杆',
        lon: at.lon + 0.0008,
        lat: at.lat,
        heightM: 6,
        headingDeg: 270,
        fovDeg: 70,
        rangeM: 150,
        owner: 'police',
        hlsUrl: 'http://127.0.0.1:9/live.m3u8',
      })
    ).id;
    await adminApi('POST', '/api/video/cameras', {
      code: '44030700001320000012',
      name: '龙城小区北门',
      lon: at.lon - 0.001,
      lat: at.lat + 0.0006,
      headingDeg: 0,
      fovDeg: 60,
      rangeM: 50,
      owner: 'community',
      agreementRef: '龙城-共享-2026-009',
      hlsUrl: 'http://127.0.0.1:9/other.m3u8',
    });
    // A citizen's photo 30 m from the checkpoint, sent from the public report page's route.
    const form = new FormData();
    form.set('category', 'suspicious');
    form.set('description', '检查站旁有人翻越护栏');
    form.set('fingerprint', 'perimeter-cameras-phone-0001');
    form.set('lon', String(at.lon + 0.0003));
    form.set('lat', String(at.lat));
    const photo = jpegWithExif({ lon: at.lon + 0.0003, lat: at.lat, takenAt: '2026:11:29 09:30:00' });
    form.set('media', new Blob([new Uint8Array(photo)], { type: 'image/jpeg' }), 'photo.jpg');
    const sent = await fetch(`${server.baseUrl}/api/community/public/reports`, {
      method: 'POST',
      body: form,
    });
    const sentBody = await sent.text();
    expect(sent.status, sentBody).toBe(201);
    reportNumber = (JSON.parse(sentBody) as { number: string }).number;
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
    await page?.screenshot({ path: path.join(SHOTS, 'FAILED-perimeter-cameras.png') }).catch(() => {});
    console.error(`server output:\n${server?.output().split('\n').slice(-30).join('\n')}`);
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  }, 30_000);

  it('lists the camera covering the picked checkpoint first and opens its live view with an audited purpose', async () => {
    await signInThroughPage(page, `${server.baseUrl}/perimeter`, 'cmd_wang', PASSWORD);
    await page.getByTestId('perimeter-page').waitFor();
    await page.getByTestId('checkpoint-LG-JCZ-09').click();
    await page.getByRole('tab', { name: '周边视频' }).click();
    const panel = page.getByTestId('checkpoint-cameras').getByTestId('camera-panel');
    await panel.getByTestId('camera-item').first().waitFor();
    const items = await panel.getByTestId('camera-item').allTextContents();
    expect(items[0]).toContain('龙城广场东杆');
    expect(items[0]).toContain('视域覆盖');
    expect(items.join('\n')).toContain('龙城小区北门');
    expect(items.slice(1).join('\n')).not.toContain('视域覆盖');
    // The citizen's photo near the checkpoint is listed beside the cameras.
    const media = panel.getByTestId('citizen-media-item');
    await media.first().waitFor();
    expect(await media.allTextContents()).toEqual([expect.stringContaining(reportNumber)]);
    await panel.getByTestId('camera-item').first().getByTestId('camera-view').click();
    const purpose = '查控点 龙城广场检查站 周边核查';
    await expect.poll(() => panel.getByTestId('camera-purpose-input').inputValue()).toBe(purpose);
    await panel.getByRole('button', { name: '打开' }).click();
    await panel.getByTestId('camera-video').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'perimeter-cameras.png') });
    const audit = await adminApi<{
      items: { action: string; resource: string; purpose: string | null; username: string | null }[];
    }>('GET', '/api/audit?action=personal_data_read&limit=50');
    expect(audit.items).toContainEqual(
      expect.objectContaining({ resource: `camera:${coveringId}`, purpose, username: 'cmd_wang' }),
    );
    expect(problems).toEqual([]);
  }, 120_000);
});
