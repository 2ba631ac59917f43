import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { signInThroughPage } from './browser';
import { setupE2E, shot } from './fixture';
import { REPO_ROOT } from './server';

const PASSWORD = 'a-long-dispatcher-password';
// NENA's own sample (NENA911/EIDO-JSON, tag NENA-STA-021.1b; source noted beside it): a call
// transfer that locates the call by a US civic address only, no coordinates.
const SAMPLE_FILE = path.join(
  REPO_ROOT,
  'packages/server/src/modules/dispatch/eido/nena/Samples/Sample call transfer EIDO.json',
);
// Inside 龙城派出所's jurisdiction on the bundled Longgang extract (OpenStreetMap).
const SPOT = { lon: 114.1955, lat: 22.6955 };

type ClickMap = {
  loaded(): boolean;
  isMoving(): boolean;
  areTilesLoaded(): boolean;
  project(p: [number, number]): { x: number; y: number };
  jumpTo(o: { center: [number, number]; zoom: number }): void;
  getCanvas(): HTMLCanvasElement;
};
type PageGlobals = { __citywatchMap?: ClickMap };

const e2e = setupE2E({
  demo: true,
  users: [
    {
      username: 'lc.eido',
      displayName: '龙城调度',
      password: PASSWORD,
      org: '龙城派出所',
      roles: ['dispatcher'],
    },
  ],
});

const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 200 });

describe('dispatch console: an EIDO transferred from a neighbouring centre', () => {
  it("imports NENA's sample: asks for a position (civic address only), takes a click on the map, opens the incident there", async () => {
    const { page, errors } = await e2e.desktop({ viewport: { width: 1680, height: 1000 } });
    await signInThroughPage(page, `${e2e.server.baseUrl}/dispatch`, 'lc.eido', PASSWORD);
    await page.getByTestId('dispatch-console').waitFor();

    await page.getByTestId('eido-open').click();
    // Not JSON: said on the page, nothing sent.
    await page.getByTestId('eido-text').fill('EIDO: incident at 42 W Cellular Street');
    await page.getByTestId('eido-submit').click();
    await page.getByText('内容不是 JSON 对象，请粘贴完整的 EIDO').waitFor();

    // NENA's sample, uploaded as a file.
    await page.getByTestId('eido-file').setInputFiles({
      name: 'Sample call transfer EIDO.json',
      mimeType: 'application/json',
      buffer: readFileSync(SAMPLE_FILE),
    });
    await poll(() => page.getByTestId('eido-text').inputValue()).toContain('urn:emergency:uid:incidentid');
    await page.getByTestId('eido-submit').click();
    const prompt = page.getByTestId('eido-needs-place');
    // The server compiles NENA's schema on its first EIDO: generous on a loaded machine.
    await prompt.waitFor({ timeout: 120_000 });
    await expect(prompt.textContent()).resolves.toContain('该 EIDO 没有经纬度');
    await expect(prompt.textContent()).resolves.toContain('42 W Cellular Street, Wilmington, DE, US');
    await expect(prompt.textContent()).resolves.toContain('请在地图上点击来电位置');
    // Without a position the import cannot be sent again.
    await expect(page.getByTestId('eido-submit').isDisabled()).resolves.toBe(true);
    await page.screenshot({ path: shot('eido-import-needs-place') });

    // The dispatcher clicks the call's position on the map.
    await page.evaluate(
      ({ lon, lat }) => (globalThis as PageGlobals).__citywatchMap?.jumpTo({ center: [lon, lat], zoom: 16 }),
      SPOT,
    );
    await poll(() =>
      page.evaluate(() => {
        const map = (globalThis as PageGlobals).__citywatchMap;
        return !!map && map.loaded() && !map.isMoving();
      }),
    ).toBe(true);
    const spot = await page.evaluate(({ lon, lat }) => {
      const map = (globalThis as PageGlobals).__citywatchMap as ClickMap;
      const p = map.project([lon, lat]);
      const box = map.getCanvas().getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y };
    }, SPOT);
    await page.mouse.click(spot.x, spot.y);
    await poll(async () =>
      Number(
        await page
          .locator('input[data-testid="eido-lon"], [data-testid="eido-lon"] input')
          .first()
          .inputValue(),
      ),
    ).toBeCloseTo(SPOT.lon, 3);
    await poll(async () =>
      Number(
        await page
          .locator('input[data-testid="eido-lat"], [data-testid="eido-lat"] input')
          .first()
          .inputValue(),
      ),
    ).toBeCloseTo(SPOT.lat, 3);
    await page.getByTestId('eido-submit').click();
    await page.getByText(/已转入 EIDO，登记警情 /).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: shot('eido-import-done') });

    // The incident is stored where the dispatcher clicked (a pixel at zoom 16 is ~2.2 m here),
    // with the EIDO's civic address and the sending agency.
    const { items } = await e2e.api<{
      items: { id: string; lon: number; lat: number; addressLabel: string | null; narrative: string }[];
    }>('GET', '/api/dispatch/incidents');
    const made = items.find((i) => i.addressLabel === '42 W Cellular Street, Wilmington, DE, US');
    expect(made).toBeDefined();
    const m = 111_320;
    const dx = (made!.lon - SPOT.lon) * m * Math.cos((SPOT.lat * Math.PI) / 180);
    const dy = (made!.lat - SPOT.lat) * m;
    expect(Math.hypot(dx, dy)).toBeLessThan(10);
    expect(made!.narrative).toContain('state.pa.us');
    // The panel closed and the console opened the new incident.
    await page.getByTestId('eido-open').waitFor();
    await poll(() => page.getByText('42 W Cellular Street, Wilmington, DE, US').count()).toBeGreaterThan(0);

    // The same EIDO again: refused as already imported, said with the reason.
    await page.getByTestId('eido-open').click();
    await page.getByTestId('eido-file').setInputFiles({
      name: 'again.json',
      mimeType: 'application/json',
      buffer: readFileSync(SAMPLE_FILE),
    });
    await poll(() => page.getByTestId('eido-text').inputValue()).toContain('urn:emergency:uid:incidentid');
    await page.getByTestId('eido-submit').click();
    // Refused before any position is asked for: the EIDO's $id was imported already.
    const refused = page.getByTestId('eido-error');
    await refused.waitFor({ timeout: 60_000 });
    await expect(refused.textContent()).resolves.toContain('该 EIDO 已转入');
    expect(errors).toEqual([]);
  }, 400_000);
});
