import { mkdirSync } from 'node:fs';
import path from 'node:path';
import gcoord from 'gcoord';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, signInThroughPage } from './browser';
import { REPO_ROOT, startServer, type TestServer } from './server';

const SHOTS = path.join(REPO_ROOT, 'e2e/screenshots');

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[] = [];
let adminCookie = '';

async function api(method: string, url: string, body?: unknown): Promise<Response> {
  return fetch(`${server.baseUrl}${url}`, {
    method,
    headers: { cookie: adminCookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Incidents of the last 60 days clustered on four places inside the city's box (a 110 export's columns). */
function clusteredHistory(b: { minLon: number; minLat: number; maxLon: number; maxLat: number }): string {
  const lines = ['警情编号,报警时间,警情类别,经度,纬度'];
  const spots = [
    [0.4, 0.5],
    [0.55, 0.45],
    [0.45, 0.35],
    [0.6, 0.6],
  ];
  let n = 0;
  const now = Date.now();
  spots.forEach(([fx, fy], s) => {
    for (let k = 0; k < 40 - s * 6; k++) {
      const at = new Date(now - ((k * 37) % 60) * 86_400_000 - k * 3_600_000 + 8 * 3_600_000);
      const lon = b.minLon + fx * (b.maxLon - b.minLon) + (((k * 13) % 7) - 3) * 0.0002;
      const lat = b.minLat + fy * (b.maxLat - b.minLat) + (((k * 17) % 7) - 3) * 0.0002;
      lines.push(
        `P${++n},${at.toISOString().slice(0, 16).replace('T', ' ')},盗窃,${lon.toFixed(6)},${lat.toFixed(6)}`,
      );
    }
  });
  return lines.join('\n');
}

describe('patrol plans and dosage (单元防控 巡逻计划与到位率) against the real server', () => {
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
      fileName: 'plans-history.csv',
      content: clusteredHistory(cities.items[0].bounds),
    });
    expect(imported.status, await imported.clone().text()).toBe(201);
    const units = (await (await api('GET', '/api/dispatch/units')).json()) as { items: unknown[] };
    if (units.items.length === 0) {
      const made = await api('POST', '/api/dispatch/units', { callSign: '龙城巡01', kind: 'patrol_car' });
      expect(made.status).toBe(201);
    }
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
    await page.screenshot({ path: path.join(SHOTS, 'FAILED-patrol-plans.png') }).catch(() => {});
    console.error(`server output:\n${server.output().split('\n').slice(-30).join('\n')}`);
  });

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server?.stop();
  }, 30_000);

  it('proposes a plan from the hot spots and shows its dosage table and map', async () => {
    await signInThroughPage(page, `${server.baseUrl}/patrol`, 'admin', server.adminPassword);
    await page.getByRole('tab', { name: '巡逻计划与到位率' }).click();
    await page.getByTestId('plans-panel').waitFor();
    await page.getByTestId('plans-propose').click();
    await page.locator('[data-testid="dosage-panel"][data-ready="true"]').waitFor({ timeout: 30_000 });
    const targets = await page.locator('[data-testid="plans-targets"] tbody tr.ant-table-row').count();
    expect(targets).toBeGreaterThan(0);
    const dosageRows = page.locator('[data-testid="dosage-table"] tbody tr.ant-table-row');
    expect(await dosageRows.count()).toBe(targets);
    const header = (await page.getByTestId('dosage-table').locator('thead').textContent()) ?? '';
    for (const label of ['达标次数', '计划', '实际', '缺巡', '最长间隔', '间隔达标'])
      expect(header).toContain(label);
    expect(await page.locator('[data-testid="dosage-units"] tbody tr.ant-table-row').count()).toBeGreaterThan(
      0,
    );
    expect((await page.getByTestId('plans-schedule').textContent()) ?? '').toContain('→');
    const plans = (await (await api('GET', '/api/patrol/plans')).json()) as { id: string; version: number }[];
    expect(plans).toHaveLength(1);
    expect(plans[0].version).toBe(1);
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(SHOTS, 'patrol-plans.png') });
  });

  it('edits a target and saves a new version; the old one stays readable', async () => {
    const first = page.locator('[data-testid="plans-targets"] tbody tr.ant-table-row').first();
    const visits = first.locator('input').first();
    await visits.fill('3');
    await visits.blur();
    await page.getByTestId('plans-save').click();
    await page.getByText('已保存为第 2 版').waitFor();
    const plans = (await (await api('GET', '/api/patrol/plans')).json()) as { id: string; version: number }[];
    expect(plans[0].version).toBe(2);
    const v1 = (await (await api('GET', `/api/patrol/plans/${plans[0].id}?version=1`)).json()) as {
      body: { targets: { visitsPerShift: number }[] };
    };
    expect(v1.body.targets[0].visitsPerShift).toBe(2);
    const v2 = (await (await api('GET', `/api/patrol/plans/${plans[0].id}`)).json()) as {
      body: { targets: { visitsPerShift: number }[] };
    };
    expect(v2.body.targets[0].visitsPerShift).toBe(3);

    // A must-patrol point imported from GeoJSON (60 m from the first target), saved as version 3.
    const [lon, lat] = (v2.body.targets[0] as unknown as { geometry: { coordinates: number[] } }).geometry
      .coordinates;
    await page.locator('[data-testid="plans-panel"] input[type="file"]').setInputFiles({
      name: 'targets.geojson',
      mimeType: 'application/geo+json',
      buffer: Buffer.from(
        JSON.stringify({
          type: 'FeatureCollection',
          features: [
            {
              type: 'Feature',
              properties: { name: '学校门口', visitsPerShift: 2 },
              geometry: { type: 'Point', coordinates: [lon + 0.0006, lat] },
            },
          ],
        }),
      ),
    });
    await page
      .locator('[data-testid="plans-targets"] tbody tr.ant-table-row')
      .filter({ hasText: '学校门口' })
      .waitFor();
    await page.getByTestId('plans-save').click();
    await page.getByText('已保存为第 3 版').waitFor();
    const v3 = (await (await api('GET', `/api/patrol/plans/${plans[0].id}`)).json()) as {
      version: number;
      body: { targets: { name: string }[] };
    };
    expect(v3.version).toBe(3);
    expect(v3.body.targets.map((x) => x.name)).toContain('学校门口');
    await page.locator('[data-testid="dosage-panel"][data-ready="true"]').waitFor({ timeout: 30_000 });
  });

  it("shows the dose a unit's AVL gave: a 12-minute stop at a point is a dosed visit", async () => {
    // A plan for a shift that began 3 h ago, with the proposed plan's targets and unit.
    const [first] = (await (await api('GET', '/api/patrol/plans')).json()) as { id: string }[];
    const proposed = (await (await api('GET', `/api/patrol/plans/${first.id}`)).json()) as {
      body: {
        zones: unknown[];
        targets: { key: string; geometry: { coordinates: number[] } }[];
        assignments: { unitId: string }[];
      };
    };
    const now = Date.now();
    const made = await api('POST', '/api/patrol/plans', {
      name: '早班（已执行 3 小时）',
      shift: {
        start: new Date(now - 3 * 3_600_000).toISOString(),
        end: new Date(now + 5 * 3_600_000).toISOString(),
      },
      zones: proposed.body.zones,
      targets: proposed.body.targets,
      assignments: proposed.body.assignments.slice(0, 1),
    });
    expect(made.status, await made.clone().text()).toBe(201);
    const plan = (await made.json()) as { id: string };
    const unitId = proposed.body.assignments[0].unitId;
    const target = proposed.body.targets[0];
    const [lon, lat] = target.geometry.coordinates;
    expect((await api('POST', `/api/dispatch/units/${unitId}/sign-on`)).status).toBe(200);
    // 12 minutes at the point an hour ago, a fix every 5 s with a few metres of wobble.
    const positions = Array.from({ length: 145 }, (_, i) => ({
      unitId,
      at: new Date(now - 3_600_000 + i * 5_000).toISOString(),
      lon: lon + ((i % 3) - 1) * 0.00003,
      lat: lat + ((i % 5) - 2) * 0.00002,
    }));
    const avl = await api('POST', '/api/dispatch/avl', { positions });
    expect(avl.status, await avl.clone().text()).toBeLessThan(300);
    await api('POST', `/api/dispatch/units/${unitId}/sign-off`);
    const report = (await (await api('GET', `/api/patrol/plans/${plan.id}/compliance`)).json()) as {
      targets: { key: string; dosedVisits: number }[];
    };
    expect(report.targets.find((x) => x.key === target.key)?.dosedVisits).toBe(1);

    await page.reload();
    await page.getByRole('tab', { name: '巡逻计划与到位率' }).click();
    await page.getByTestId('plans-select').click();
    await page.locator('.ant-select-item-option').filter({ hasText: '早班（已执行 3 小时）' }).click();
    await page.locator('[data-testid="dosage-panel"][data-ready="true"]').waitFor({ timeout: 30_000 });
    const row = page.locator('[data-testid="dosage-table"] tbody tr.ant-table-row').first();
    const cells = await row.locator('td').allTextContents();
    expect(cells[1]).toMatch(/^1 \/ \d+$/);
    const [received] = cells[2].split(' / ').map(Number);
    expect(received).toBeGreaterThan(11);
    expect(received).toBeLessThan(13);
    expect((await page.getByTestId('dosage-units').textContent()) ?? '').toContain('1 /');
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(SHOTS, 'patrol-plans-dosage.png') });
    expect(problems).toEqual([]);
  });

  it('takes a zone pasted as QGIS writes it: a GCJ-02 FeatureCollection with crs, a MultiPolygon, its name property', async () => {
    // A ~200 m square east of the city's box (clear of the station areas the plan's zones are),
    // drawn on an AMap base map: its corners in GCJ-02, as QGIS / ogr2ogr export a layer.
    const cities = (await (await api('GET', '/api/cities')).json()) as {
      items: { bounds: { maxLon: number; minLat: number; maxLat: number } }[];
    };
    const b = cities.items[0].bounds;
    const west = b.maxLon + 0.02;
    const south = (b.minLat + b.maxLat) / 2;
    const wgs84 = [
      [west, south],
      [west + 0.002, south],
      [west + 0.002, south + 0.0018],
      [west, south + 0.0018],
      [west, south],
    ];
    const gcj02 = wgs84.map((p) => gcoord.transform(p as [number, number], gcoord.WGS84, gcoord.GCJ02));
    const paste = page.getByTestId('zone-paste-geojson');
    await paste.waitFor();

    // Two polygons in one file: refused at once, naming the member and the rule.
    const twoFeatures = {
      type: 'FeatureCollection',
      features: [0, 1].map(() => ({
        type: 'Feature',
        properties: {},
        geometry: { type: 'Polygon', coordinates: [gcj02] },
      })),
    };
    await paste.fill(JSON.stringify(twoFeatures));
    await page.getByTestId('zone-paste-add').click();
    const refused = page.getByTestId('zone-paste-problems');
    await refused.waitFor();
    await expect(refused.textContent()).resolves.toContain('geojson.features');
    await expect(refused.textContent()).resolves.toContain('ambiguous_feature');

    // As ogr2ogr writes it: a FeatureCollection with its crs member, one MultiPolygon feature
    // (clockwise, as some tools leave it), properties kept.
    const qgis = {
      type: 'FeatureCollection',
      name: 'patrol_zone',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:OGC:1.3:CRS84' } },
      features: [
        {
          type: 'Feature',
          properties: { name: '东门广场巡区', level: 'core', fid: 7 },
          geometry: { type: 'MultiPolygon', coordinates: [[[...gcj02].reverse()]] },
        },
      ],
    };
    await paste.fill(JSON.stringify(qgis, null, 2));
    await page.getByTestId('zone-paste-datum').click();
    await page.locator('.ant-select-item-option').filter({ hasText: 'GCJ-02' }).click();
    // Replacing the zones: the station area it was added beside reaches past the city's box
    // (adding it there is refused as zones_overlap, as it should be).
    await page.getByTestId('zone-paste-replace').click();
    await page.getByTestId('zone-paste-added').waitFor();
    await expect(page.getByTestId('plans-zones').textContent()).resolves.toBe('巡区: 东门广场巡区');
    await page.screenshot({ path: path.join(SHOTS, 'patrol-plans-zone-paste.png') });
    await page.getByTestId('plans-save').click();
    // Saving schedules the plan again: generous on a loaded machine.
    await page.getByText(/已保存为第 \d+ 版/).waitFor({ timeout: 90_000 });

    // Stored as a WGS-84 Polygon, right-hand rule, where the WGS-84 square is (within 1 m).
    const list = (await (await api('GET', '/api/patrol/plans')).json()) as { id: string }[];
    const plans = await Promise.all(
      list.map(
        async (p) =>
          (await (await api('GET', `/api/patrol/plans/${p.id}`)).json()) as {
            body: {
              zones: {
                name: string;
                source: string;
                geometry: { type: string; coordinates: number[][][] };
              }[];
            };
          },
      ),
    );
    const zone = plans.flatMap((p) => p.body.zones).find((z) => z.name === '东门广场巡区');
    expect(zone?.source).toBe('imported');
    expect(zone?.geometry.type).toBe('Polygon');
    const ring = zone?.geometry.coordinates[0] ?? [];
    expect(ring).toHaveLength(5);
    const metres = (a: number[], c: number[]) =>
      Math.hypot((a[0] - c[0]) * 111_320 * Math.cos((c[1] * Math.PI) / 180), (a[1] - c[1]) * 110_574);
    for (const corner of wgs84.slice(0, 4))
      expect(Math.min(...ring.map((p) => metres(p, corner)))).toBeLessThan(1);
    // Counter-clockwise exterior (RFC 7946 right-hand rule): positive shoelace area.
    const area = ring.slice(0, -1).reduce((s, p, i) => s + p[0] * ring[i + 1][1] - ring[i + 1][0] * p[1], 0);
    expect(area).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
