/**
 * The 到达时间预测误差 (ETA accuracy) panel of the coverage page against
 * GET /api/dispatch/eta-accuracy, on the bundled Longgang city: three units are sent to three
 * incidents through the API (each sending stores its predicted ETA), each then reports en route
 * and on scene (its real arrival, seconds later), and the panel shows the API's figures: the count,
 * median error, mean absolute error and mean relative error of the summary, and the road-class
 * table row by row. Screenshot: e2e/screenshots/eta-accuracy.png.
 */
import { describe, expect, it } from 'vitest';
import { signInThroughPage } from './browser';
import { setupE2E, shot } from './fixture';

const SPOTS = [
  { lon: 114.2005, lat: 22.6805 },
  { lon: 114.2225, lat: 22.6955 },
  { lon: 114.1955, lat: 22.6955 },
];
const SCENES = [
  { lon: 114.2075, lat: 22.6915 },
  { lon: 114.2105, lat: 22.6865 },
  { lon: 114.2035, lat: 22.6935 },
];

interface Stats {
  count: number;
  medianErrorS: number | null;
  maeS: number | null;
  mape: number | null;
}
interface Accuracy {
  all: Stats;
  awaitingArrival: number;
  byRoadClass: (Stats & { roadClass: string })[];
}

describe('ETA accuracy panel (browser)', () => {
  const e2e = setupE2E({ demo: true, serverTimeoutMs: 240_000 });

  it('shows the figures of GET /api/dispatch/eta-accuracy after real sendings and arrivals', async () => {
    const { api, server } = e2e;
    const orgs = await api<{ items: { id: string; name: string }[] }>('GET', '/api/orgs');
    const home = orgs.items.find((o) => o.name === '龙岗派出所')!.id;
    for (const [i, spot] of SPOTS.entries()) {
      const unit = await api<{ id: string }>('POST', '/api/dispatch/units', {
        callSign: `误差测试${i + 1}`,
        kind: 'patrol_car',
        homeOrgId: home,
      });
      const terminal = await api<{ token: string }>('POST', '/api/devices', {
        kind: 'avl',
        name: `误差测试${i + 1} 车载终端`,
        unitId: unit.id,
      });
      const avl = await fetch(`${server.baseUrl}/api/dispatch/avl`, {
        method: 'POST',
        headers: { authorization: `Bearer ${terminal.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ positions: [{ unitId: unit.id, at: new Date().toISOString(), ...spot }] }),
      });
      expect(avl.status, await avl.text()).toBe(200);
      const created = await api<{ incident: { id: string } }>('POST', '/api/dispatch/incidents', {
        category: 'criminal',
        subcategory: 'theft',
        priority: 'P2',
        ...SCENES[i],
        narrative: `电动车被偷 ${i + 1}`,
      });
      const recs = await api<{ items: { unitId: string; etaSeconds: number }[] }>(
        'GET',
        `/api/dispatch/incidents/${created.incident.id}/recommendations`,
      );
      expect(recs.items.some((r) => r.unitId === unit.id)).toBe(true);
      await api('POST', `/api/dispatch/incidents/${created.incident.id}/dispatch`, { unitId: unit.id });
      // Arrives now: the real time from sending to the on-scene report.
      for (const status of ['en_route', 'on_scene'])
        await api('POST', `/api/dispatch/units/${unit.id}/status`, { status });
    }

    const to = new Date(Date.now() + 60_000);
    const from = new Date(to.getTime() - 7 * 86_400_000);
    const truth = await api<Accuracy>(
      'GET',
      `/api/dispatch/eta-accuracy?from=${from.toISOString()}&to=${to.toISOString()}`,
    );
    expect(truth.all.count).toBe(3);
    expect(truth.awaitingArrival).toBe(0);
    // Arrived seconds after sending, predicted minutes: the error is negative.
    expect(truth.all.medianErrorS).toBeLessThan(0);

    const { page, errors } = await e2e.desktop();
    await signInThroughPage(page, `${server.baseUrl}/coverage`, 'admin', server.adminPassword);
    const panel = page.locator('[data-testid="eta-accuracy"][data-count="3"]');
    await panel.waitFor({ timeout: 45_000 });
    await panel.scrollIntoViewIfNeeded();
    await page.getByTestId('eta-accuracy-chart').waitFor();

    const secs = (v: number | null) => (v === null ? '—' : `${Math.round(v)}`);
    const summary = (await page.getByTestId('eta-accuracy-summary').textContent()) ?? '';
    expect(summary).toContain(`已到场 ${truth.all.count} 起`);
    expect(summary).toContain(`误差中位数 ${secs(truth.all.medianErrorS)} 秒`);
    expect(summary).toContain(`平均绝对误差 ${secs(truth.all.maeS)} 秒`);
    expect(summary).toContain(
      `平均相对误差 ${truth.all.mape === null ? '—' : `${Math.round(truth.all.mape * 100)}%`}`,
    );
    expect(summary).toContain(`${truth.awaitingArrival} 起等待到场`);

    // The road-class table: one row per class, in the API's order, with its figures.
    const rows = page.locator('[data-testid="eta-accuracy-classes"] tbody tr.ant-table-row');
    await expect.poll(() => rows.count()).toBe(truth.byRoadClass.length);
    for (const [i, c] of truth.byRoadClass.entries()) {
      const cells = (await rows.nth(i).locator('td').allTextContents()).map((s) => s.trim());
      expect(cells).toEqual([c.roadClass, String(c.count), secs(c.medianErrorS), secs(c.maeS)]);
    }
    expect(truth.byRoadClass.reduce((n, c) => n + c.count, 0)).toBe(3);

    await panel.screenshot({ path: shot('eta-accuracy') });
    await page.screenshot({ path: shot('eta-accuracy-page'), fullPage: true });
    expect(errors).toEqual([]);
  }, 600_000);
});
