import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

const DAY = 86_400_000;
const HOT = { lon: 114.1955, lat: 22.6955 };

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

describe(`巡逻成效评估: planned hot spots against the rest, before and after (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let start: Date;

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    const now = t.ctx.now().getTime();
    start = new Date(now - 28 * DAY);
    const rnd = random(3);
    const rows = ['警情编号,报警时间,警情类别,经度,纬度'];
    let n = 0;
    const add = (lon: number, lat: number, at: number) =>
      rows.push(`E${++n},${new Date(at).toISOString()},盗窃,${lon.toFixed(6)},${lat.toFixed(6)}`);
    // 16 weeks of background; the hot spot: 12 a week until the start, 4 a week after it.
    for (let i = 0; i < 1500; i++) add(114.18 + rnd() * 0.04, 22.67 + rnd() * 0.04, now - rnd() * 112 * DAY);
    for (let d = 112; d > 0; d -= 7) {
      const at = now - d * DAY;
      for (let k = 0; k < (at < start.getTime() ? 12 : 4); k++)
        add(HOT.lon + (rnd() - 0.5) * 0.0005, HOT.lat, at + k * 3_600_000);
    }
    const imported = await t.as(admin, {
      method: 'POST',
      url: '/api/patrol/imports',
      payload: { fileName: 'history.csv', content: rows.join('\n') },
    });
    expect(imported.statusCode, imported.body).toBe(201);
  });
  afterAll(() => t.close());

  const url = (path: string, extra = '') =>
    `${path}?start=${encodeURIComponent(start.toISOString())}&weeksBefore=6&weeksAfter=4&coverage=0.02${extra}`;

  it('counts week by week inside and outside the hot spots selected for the start, and reads the drop', async () => {
    const r = await t.as(admin, { method: 'GET', url: url('/api/patrol/outcomes') });
    expect(r.statusCode, r.body).toBe(200);
    const o = r.json();
    expect(o.source).toMatchObject({ kind: 'hotspots', planId: null, coverage: 0.02 });
    expect(o.dosageMeasured).toBe(false);
    expect(o.cells).toBeGreaterThan(0);
    expect(o.weeks.map((w: { week: number }) => w.week)).toEqual([-6, -5, -4, -3, -2, -1, 0, 1, 2, 3]);
    expect(o.summary.weeksAfterComplete).toBe(4);
    // The hot spot fell from 12 to 4 a week; the rest stayed about the same.
    expect(o.summary.relativeChange).toBeLessThan(0.7);
    const hot = o.dosage.find((d: { beforePerWeek: number }) => d.beforePerWeek >= 11);
    expect(hot).toBeDefined();
    expect(hot.afterPerWeek).toBeLessThan(6);
    expect(hot.doseMinutesPerWeek).toBeNull();
  });

  it('exports the same as an .xlsx book', async () => {
    const r = await t.as(admin, { method: 'GET', url: url('/api/patrol/outcomes.xlsx') });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('spreadsheetml');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    expect(book.worksheets.map((w) => w.name)).toEqual(['汇总 Summary', '每周 Weeks', '剂量与成效 Dosage']);
    const weeks = book.getWorksheet('每周 Weeks')!;
    expect(weeks.rowCount).toBe(11);
    const json = (await t.as(admin, { method: 'GET', url: url('/api/patrol/outcomes') })).json();
    expect(weeks.getRow(2).getCell(4).value).toBe(json.weeks[0].inside);
  });

  it('takes a patrol plan’s targets as the planned places, its shift start as the start, and its dose', async () => {
    const unit = await t.as(admin, {
      method: 'POST',
      url: '/api/dispatch/units',
      payload: { callSign: '评估巡01', kind: 'patrol_car' },
    });
    const d = 0.01;
    const plan = await t.as(admin, {
      method: 'POST',
      url: '/api/patrol/plans',
      payload: {
        name: '龙城热点夜巡',
        city: 'shenzhen-longgang',
        shift: { start: start.toISOString(), end: new Date(start.getTime() + 8 * 3_600_000).toISOString() },
        zones: [
          {
            key: 'z1',
            name: '龙城一区',
            geometry: {
              type: 'Polygon',
              coordinates: [
                [
                  [HOT.lon - d, HOT.lat - d],
                  [HOT.lon + d, HOT.lat - d],
                  [HOT.lon + d, HOT.lat + d],
                  [HOT.lon - d, HOT.lat + d],
                  [HOT.lon - d, HOT.lat - d],
                ],
              ],
            },
          },
        ],
        targets: [
          {
            key: 'hot',
            name: '龙城热点',
            kind: 'point',
            geometry: { type: 'Point', coordinates: [HOT.lon, HOT.lat] },
            zoneKey: 'z1',
          },
        ],
        assignments: [{ unitId: unit.json().id, zoneKey: 'z1' }],
      },
    });
    expect(plan.statusCode, plan.body).toBe(201);
    const r = await t.as(admin, {
      method: 'GET',
      url: `/api/patrol/outcomes?planId=${plan.json().id}&weeksBefore=6&weeksAfter=4`,
    });
    expect(r.statusCode, r.body).toBe(200);
    const o = r.json();
    expect(o.source).toMatchObject({ kind: 'plan', planId: plan.json().id, planName: '龙城热点夜巡' });
    expect(o.start).toBe(start.toISOString());
    expect(o.cells).toBe(1);
    expect(o.dosageMeasured).toBe(true);
    // No AVL from the unit in that shift: measured, and nothing received.
    expect(o.dosage[0]).toMatchObject({ name: '龙城热点', doseMinutesPerWeek: 0 });
    expect(o.dosage[0].beforePerWeek).toBeGreaterThanOrEqual(11);
    expect(o.summary.relativeChange).toBeLessThan(0.7);
  });

  it('refuses a start in the future, naming the rule', async () => {
    const future = new Date(t.ctx.now().getTime() + DAY).toISOString();
    const r = await t.as(admin, {
      method: 'GET',
      url: `/api/patrol/outcomes?start=${encodeURIComponent(future)}`,
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors[0]).toMatchObject({ field: 'start', rule: 'not_in_future' });
  });
});
