import { type ChildProcess, spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, signInThroughPage } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');
// 龙城派出所's spot on the bundled Longgang roads.
const SPOT = { lon: 114.1955, lat: 22.6955 };

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[] = [];
let adminCookie = '';
let ffmpeg: ChildProcess | undefined;
let media: Server | undefined;
let mediaDir = '';

async function api<T>(method: string, url: string, body?: unknown, cookie = adminCookie): Promise<T> {
  const r = await fetch(`${server.baseUrl}${url}`, {
    method,
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * A live HLS stream made here: ffmpeg encodes its test pattern (H.264 baseline in MPEG-TS
 * segments of one second, a sliding playlist of six) in real time into a temp dir, and a static
 * server on loopback serves it with CORS (the page's origin is the platform's).
 */
async function startStream(): Promise<string> {
  mediaDir = mkdtempSync(path.join(tmpdir(), 'citywatch-hls-'));
  ffmpeg = spawn(
    '/usr/bin/ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=320x240:rate=25',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-profile:v',
      'baseline',
      '-pix_fmt',
      'yuv420p',
      '-g',
      '25',
      '-f',
      'hls',
      '-hls_time',
      '1',
      '-hls_list_size',
      '6',
      '-hls_flags',
      'delete_segments',
      path.join(mediaDir, 'live.m3u8'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  media = createServer((req, res) => {
    const name = path.basename((req.url ?? '').split('?')[0]);
    const file = path.join(mediaDir, name);
    if (!/^[\w.-]+$/.test(name) || !existsSync(file)) {
      res.writeHead(404, { 'access-control-allow-origin': '*' }).end();
      return;
    }
    res.writeHead(200, {
      'access-control-allow-origin': '*',
      'cache-control': 'no-cache',
      'content-type': name.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => media!.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(media.address() as AddressInfo).port}/live.m3u8`;
  // Wait for three segments in the playlist.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const playlist = path.join(mediaDir, 'live.m3u8');
    if (existsSync(playlist) && (readFileSync(playlist, 'utf8').match(/\.ts/g) ?? []).length >= 3) return url;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('ffmpeg made no HLS stream within 30 s');
}

describe('video: live view in the dispatch console, and a video patrol tour', () => {
  let cameraId = '';
  let secondCameraId = '';
  let userCookie = '';
  let incidentNumber = '';
  let liveUrl = '';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const streamUrl = startStream();
    server = await startServer({ demo: true });
    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: server.adminPassword }),
    });
    expect(login.status).toBe(200);
    adminCookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    const orgs = await api<{ items: { id: string; name: string }[] }>('GET', '/api/orgs');
    const station = orgs.items.find((o) => o.name === '龙城派出所')!;
    await api('POST', '/api/users', {
      username: 'video.zhang',
      displayName: '张值班员',
      password: 'video-Passw0rd-1',
      orgId: station.id,
      roles: ['dispatcher', 'commander'],
    });
    const userLogin = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'video.zhang', password: 'video-Passw0rd-1' }),
    });
    const cookie = (userLogin.headers.get('set-cookie') ?? '').split(';')[0];
    userCookie = cookie;
    liveUrl = await streamUrl;
    const camera = await api<{ id: string }>(
      'POST',
      '/api/video/cameras',
      {
        code: '44030700001320000001',
        name: '龙城广场东路口',
        lon: SPOT.lon + 0.0008,
        lat: SPOT.lat,
        heightM: 6,
        headingDeg: 270,
        fovDeg: 70,
        rangeM: 150,
        owner: 'police',
        hlsUrl: liveUrl,
        playbackTemplate: 'rtsp://127.0.0.1:9/playback?channel={code}&start={from_compact}&end={to_compact}',
      },
      cookie,
    );
    cameraId = camera.id;
    secondCameraId = (
      await api<{ id: string }>(
        'POST',
        '/api/video/cameras',
        {
          code: '44030700001320000002',
          name: '龙城小区南门',
          lon: SPOT.lon - 0.001,
          lat: SPOT.lat + 0.0006,
          headingDeg: 180,
          fovDeg: 90,
          rangeM: 60,
          owner: 'community',
          agreementRef: '龙城-共享-2026-003',
          hlsUrl: 'http://127.0.0.1:9/none.m3u8',
        },
        cookie,
      )
    ).id;
    const { incident } = await api<{ incident: { number: string } }>(
      'POST',
      '/api/dispatch/incidents',
      {
        category: 'criminal',
        subcategory: 'theft',
        priority: 'P2',
        ...SPOT,
        narrative: '路口有人撬电动车锁',
      },
      cookie,
    );
    incidentNumber = incident.number;
    browser = await launchChromium();
    context = await browser.newContext({
      viewport: { width: 1600, height: 1000 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    problems = collectPageErrors(page);
  }, 240_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    await page?.screenshot({ path: path.join(SHOTS, 'FAILED-video.png') }).catch(() => {});
    console.error(`server output:\n${server?.output().split('\n').slice(-30).join('\n')}`);
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
    ffmpeg?.kill('SIGKILL');
    media?.closeAllConnections();
    await new Promise((r) => (media ? media.close(r) : r(undefined)));
    if (mediaDir) rmSync(mediaDir, { recursive: true, force: true });
  }, 30_000);

  it('plays the camera covering the incident live in the console’s camera panel, and audits the view with its purpose', async () => {
    await signInThroughPage(page, `${server.baseUrl}/dispatch`, 'video.zhang', 'video-Passw0rd-1');
    await page.getByTestId(`queue-item-${incidentNumber}`).click();
    const panel = page.getByTestId('camera-panel');
    await panel.getByTestId('camera-item').first().waitFor();
    const items = await panel.getByTestId('camera-item').allTextContents();
    expect(items[0]).toContain('龙城广场东路口');
    expect(items[0]).toContain('视域覆盖');
    expect(items.join('\n')).toContain('龙城小区南门');
    await panel.getByTestId('camera-item').first().getByTestId('camera-view').click();
    const purpose = `核查警情 ${incidentNumber}`;
    await panel.getByTestId('camera-purpose-input').fill(purpose);
    await panel.getByRole('button', { name: '打开' }).click();
    const video = panel.getByTestId('camera-video');
    await video.waitFor();
    // The picture moves: currentTime advances while the test watches.
    await page.waitForFunction(
      () =>
        ((document.querySelector('[data-testid="camera-video"]') as HTMLVideoElement | null)?.currentTime ??
          0) > 0.5,
      undefined,
      { timeout: 30_000 },
    );
    const t0 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
    await page.waitForTimeout(2_500);
    const t1 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
    expect(t1 - t0).toBeGreaterThan(1);
    await page.screenshot({ path: path.join(SHOTS, 'video-console-live.png') });
    const audit = await api<{
      items: { action: string; resource: string; purpose: string | null; username: string | null }[];
    }>('GET', '/api/audit?action=personal_data_read&limit=50');
    expect(audit.items).toContainEqual(
      expect.objectContaining({
        action: 'personal_data_read',
        resource: `camera:${cameraId}`,
        purpose,
        username: 'video.zhang',
      }),
    );
    expect(problems).toEqual([]);
  }, 120_000);

  it('walks a video patrol tour and files a finding that becomes an incident', async () => {
    await api(
      'POST',
      '/api/video/tours',
      {
        name: '龙城路口巡查',
        cameraIds: [cameraId, secondCameraId],
        dwellSeconds: 5,
        shifts: ['day', 'night'],
      },
      userCookie,
    );
    await page.goto(`${server.baseUrl}/video`);
    await page.getByTestId('video-page').waitFor();
    await page.getByTestId('tour-item').first().waitFor();
    // Coverage of the station's cameras over the city's roads, and the advisor's picks.
    await page.waitForFunction(() =>
      /\d%/.test(document.querySelector('[data-testid="coverage-roads"]')?.textContent ?? ''),
    );
    await page.getByTestId('coverage-advise').click();
    await page.getByText('绿色标记').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'video-page.png') });
    await page.getByTestId('tour-start').first().click();
    const runner = page.getByTestId('tour-runner');
    await runner.waitFor();
    expect(await runner.getByTestId('tour-camera').textContent()).toContain('龙城广场东路口');
    // The first camera plays live; its timer counts down.
    await page.waitForFunction(
      () =>
        ((document.querySelector('[data-testid="camera-video"]') as HTMLVideoElement | null)?.currentTime ??
          0) > 0.3,
      undefined,
      { timeout: 30_000 },
    );
    const timer0 = await runner.getByTestId('tour-timer').textContent();
    await page.waitForTimeout(1_500);
    expect(await runner.getByTestId('tour-timer').textContent()).not.toBe(timer0);
    await page.screenshot({ path: path.join(SHOTS, 'video-tour-step.png') });
    await runner.getByTestId('tour-nothing').click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="tour-camera"]')?.textContent?.includes('龙城小区南门'),
    );
    await runner.getByTestId('tour-finding-open').click();
    await runner.getByTestId('tour-note').fill('小区南门有两人持棍对峙');
    await runner.getByTestId('tour-file-finding').click();
    const finished = page.getByTestId('tour-finished');
    await finished.waitFor();
    expect(await finished.getByTestId('tour-finding').textContent()).toContain('已生成警情');
    await page.screenshot({ path: path.join(SHOTS, 'video-tour-finished.png') });
    // The finding is an incident in the dispatch queue, at the camera's place.
    const incidents = await api<{
      items: { narrative: string; lon: number; lat: number; category: string }[];
    }>('GET', '/api/dispatch/incidents', undefined, userCookie);
    const made = incidents.items.find((i) => i.narrative.includes('小区南门有两人持棍对峙'));
    expect(made).toMatchObject({ category: 'public_order' });
    expect(made!.lon).toBeCloseTo(SPOT.lon - 0.001, 6);
    // The report view: this shift of the tour (made today: no earlier shift was due) is done, with
    // its one finding.
    await finished.getByTestId('tour-close').click();
    const report = page.getByTestId('tour-report');
    const row = report.getByTestId('tour-report-table').locator('tr', { hasText: '龙城路口巡查' });
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('[data-testid="tour-report-table"] tr')).some(
        (tr) => tr.textContent?.includes('龙城路口巡查') && tr.querySelectorAll('td')[2]?.textContent === '1',
      ),
    );
    expect(await row.locator('td').allTextContents()).toEqual(['龙城路口巡查', '1', '1', '0', '0', '1']);
    await report.getByTestId('tour-report-by-operator').click();
    const mine = report.getByTestId('tour-report-table').locator('tr', { hasText: 'video.zhang' });
    expect(await mine.locator('td').allTextContents()).toEqual(['video.zhang', '1', '1', '0', '1']);
    await report.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'video-tour-report.png') });
    expect(problems).toEqual([]);
  }, 120_000);

  it('files a tour finding at a regulated hotel as an inspection finding: the case is in oversight', async () => {
    const orgs = await api<{ items: { id: string; name: string }[] }>('GET', '/api/orgs');
    await api('POST', '/api/users', {
      username: 'video.wang',
      displayName: '王检查员',
      password: 'video-Passw0rd-3',
      orgId: orgs.items.find((o) => o.name === '龙城派出所')!.id,
      roles: ['dispatcher', 'industry_inspector'],
    });
    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'video.wang', password: 'video-Passw0rd-3' }),
    });
    const wang = (login.headers.get('set-cookie') ?? '').split(';')[0];
    // The hotel lists the crossing camera's live stream among its own cameras: the link.
    const unit = await api<{ id: string }>(
      'POST',
      '/api/oversight/units',
      {
        industry: 'hotel',
        name: '龙城广场宾馆',
        licenceNo: 'TH-2026-318',
        licenceValidFrom: '2024-01-01',
        licenceValidUntil: '2030-01-01',
        address: '龙城广场东路 8 号',
        lon: SPOT.lon + 0.0009,
        lat: SPOT.lat + 0.0001,
        cameras: [{ name: '大堂', streamUrl: liveUrl }],
      },
      wang,
    );
    await api(
      'POST',
      '/api/video/tours',
      { name: '宾馆视频检查', cameraIds: [cameraId], dwellSeconds: 5, shifts: ['day', 'night'] },
      userCookie,
    );
    const own = await browser.newContext({
      viewport: { width: 1600, height: 1000 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    try {
      const inspector = await own.newPage();
      inspector.setDefaultTimeout(20_000);
      const errors = collectPageErrors(inspector);
      await signInThroughPage(inspector, `${server.baseUrl}/video`, 'video.wang', 'video-Passw0rd-3');
      await inspector
        .getByTestId('tour-item')
        .filter({ hasText: '宾馆视频检查' })
        .getByTestId('tour-start')
        .click();
      const runner = inspector.getByTestId('tour-runner');
      await runner.waitFor();
      expect(await runner.getByTestId('tour-camera').textContent()).toContain('龙城广场东路口');
      await inspector.waitForFunction(
        () =>
          ((document.querySelector('[data-testid="camera-video"]') as HTMLVideoElement | null)?.currentTime ??
            0) > 0.3,
        undefined,
        { timeout: 30_000 },
      );
      await runner.getByTestId('tour-finding-open').click();
      await runner.getByTestId('tour-note').fill('大堂消防通道被杂物堵塞');
      await runner.getByTestId('tour-as-inspection').click();
      await runner.getByText('严重（责令整改）').click();
      await runner.getByTestId('tour-file-finding').click();
      const finished = inspector.getByTestId('tour-finished');
      await finished.waitFor();
      expect(await finished.getByTestId('tour-finding').textContent()).toContain('已填报监管检查');
      await inspector.screenshot({ path: path.join(SHOTS, 'video-tour-inspection.png') });

      // In oversight: a video inspection of the hotel with the finding, and the order case it opened.
      await inspector.goto(`${server.baseUrl}/oversight`);
      await inspector.getByRole('tab', { name: '整改案件' }).click();
      const caseRow = inspector
        .locator('[data-testid^="case-row-"]')
        .filter({ hasText: '龙城广场宾馆' })
        .first();
      await caseRow.waitFor();
      expect(await caseRow.textContent()).toContain('大堂消防通道被杂物堵塞');
      expect(await caseRow.textContent()).toContain('视频巡查 宾馆视频检查');
      await inspector.screenshot({ path: path.join(SHOTS, 'video-tour-inspection-case.png') });
      const inspections = await api<{ items: { id: string; kind: string; caseIds: string[] }[] }>(
        'GET',
        `/api/oversight/inspections?unitId=${unit.id}`,
        undefined,
        wang,
      );
      expect(inspections.items).toEqual([
        expect.objectContaining({ kind: 'video', caseIds: [expect.any(String)] }),
      ]);
      const filed = await api<{
        inspectionId: string;
        kind: string;
        severity: string;
        description: string;
      }>('GET', `/api/oversight/cases/${inspections.items[0].caseIds[0]}`, undefined, wang);
      expect(filed).toMatchObject({
        inspectionId: inspections.items[0].id,
        kind: 'order',
        severity: 'serious',
      });
      expect(filed.description).toContain('大堂消防通道被杂物堵塞');
      expect(errors).toEqual([]);
    } finally {
      await own.close();
    }
  }, 120_000);

  it('requests a playback window on the page; a second person approves; the NVR address opens', async () => {
    const orgs = await api<{ items: { id: string; name: string }[] }>('GET', '/api/orgs');
    await api('POST', '/api/users', {
      username: 'video.li',
      displayName: '李所长',
      password: 'video-Passw0rd-2',
      orgId: orgs.items.find((o) => o.name === '龙城派出所')!.id,
      roles: ['commander'],
    });
    await page.goto(`${server.baseUrl}/video`);
    const panel = page.getByTestId('playback-panel');
    await panel.waitFor();
    await panel.getByTestId('playback-camera').click();
    await page.getByTitle('龙城广场东路口').click();
    // Shanghai wall-clock text for datetime-local: 2 h and 1.5 h ago.
    const local = (ms: number) => new Date(Date.now() - ms + 8 * 3_600_000).toISOString().slice(0, 16);
    await panel.getByTestId('playback-from').fill(local(2 * 3_600_000));
    await panel.getByTestId('playback-to').fill(local(1.5 * 3_600_000));
    await panel.getByTestId('playback-purpose').fill('核实报警人所述经过');
    await panel.getByTestId('playback-ask').click();
    await panel.getByText('待审批').waitFor();
    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'video.li', password: 'video-Passw0rd-2' }),
    });
    const second = (login.headers.get('set-cookie') ?? '').split(';')[0];
    const requests = await api<{ items: { id: string }[] }>('GET', '/api/video/playbacks', undefined, second);
    await api('POST', `/api/video/playbacks/${requests.items[0].id}/decision`, { approve: true }, second);
    await page.reload();
    await panel.getByTestId('playback-open').click();
    const url = await panel.getByTestId('playback-url').textContent();
    expect(url).toContain('channel=44030700001320000001');
    await page.screenshot({ path: path.join(SHOTS, 'video-playback.png') });
    const audit = await api<{ items: { resource: string; purpose: string | null }[] }>(
      'GET',
      '/api/audit?action=personal_data_read&limit=50',
    );
    expect(audit.items).toContainEqual(
      expect.objectContaining({
        resource: `playback:${requests.items[0].id}`,
        purpose: '核实报警人所述经过',
      }),
    );
    expect(problems).toEqual([]);
  }, 120_000);
});
