import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config.js';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { importCity } from '../roads/city-import.js';

/** Beijing Haidian, Zhongguancun (OpenStreetMap contributors, ODbL; see its SOURCE.md). */
const ZHONGGUANCUN = path.resolve(
  REPO_ROOT,
  '../shared/data/roads/beijing-haidian-zhongguancun/beijing_haidian_zhongguancun.osm',
);

/** A register export with Chinese headers, mapped onto places' standard-address target. */
const MAPPING = {
  target: 'places.addresses',
  fields: {
    province: { column: '省', type: 'string' },
    city: { column: '市', type: 'string' },
    district: { column: '区', type: 'string' },
    street: { column: '街路巷', type: 'string' },
    housenumber: { column: '门牌号', type: 'string' },
    postcode: { column: '邮编', type: 'string' },
    name: { column: '名称', type: 'string' },
    lon: { column: '经度', type: 'number' },
    lat: { column: '纬度', type: 'number' },
  },
};

const cell = (v: string | null) => (v ?? '').replaceAll(',', ' ');

/**
 * The standard-address target of 数据融合: a city's real OSM addresses (Beijing Zhongguancun, beside
 * the bundled Shenzhen Longgang) are taken out of the gazetteer and handed back as a bureau
 * register would send them; they return searchable, in the station area that holds them, and a
 * station's admin writes only into its own station's areas.
 */
describe(`connectors: standard addresses (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let people: Awaited<ReturnType<TestApp['users']>>;
  let csv = '';
  type Taken = { id: string; label: string; lon: number; lat: number; jurisdiction_id: string | null };
  let taken: Taken[] = [];
  let longgang: Taken[] = [];
  let longgangCsv = '';
  const post = (url: string, payload: unknown, cookie = admin) =>
    t.as(cookie, { method: 'POST', url, payload: payload as Record<string, unknown> });
  const get = (url: string, cookie = admin) => t.as(cookie, { method: 'GET', url });
  const db = () => t.ctx.db.kysely;
  /** Takes these addresses out of a city's gazetteer (by label: a run writes them with new ids). */
  const takeOut = async (cityName: string, rows: Taken[]) => {
    const city = await t.ctx.places.city(cityName);
    await db()
      .deleteFrom('gazetteer')
      .where('city_id', '=', city.id)
      .where('kind', '=', 'address')
      .where(
        'label',
        'in',
        rows.map((a) => a.label),
      )
      .execute();
  };
  /** A city's addresses with a street, one per label, as a register export (Chinese headers). */
  const register = async (cityName: string) => {
    const city = await t.ctx.places.city(cityName);
    const all = await db()
      .selectFrom('gazetteer')
      .select(['id', 'label', 'lon', 'lat', 'jurisdiction_id', 'province', 'city', 'district', 'street'])
      .select(['housenumber', 'postcode', 'name'])
      .where('city_id', '=', city.id)
      .where('kind', '=', 'address')
      .where('street', 'is not', null)
      .orderBy('id')
      .execute();
    const labels = new Map<string, number>();
    for (const a of all) labels.set(a.label, (labels.get(a.label) ?? 0) + 1);
    const rows = all.filter((a) => labels.get(a.label) === 1);
    const lines = ['省,市,区,街路巷,门牌号,邮编,名称,经度,纬度'];
    for (const a of rows)
      lines.push(
        [a.province, a.city, a.district, a.street, a.housenumber, a.postcode, a.name]
          .map(cell)
          .concat([a.lon.toFixed(7), a.lat.toFixed(7)])
          .join(','),
      );
    return { rows, lines };
  };

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    people = await t.users(admin, [
      ['lc.admin', ['admin'], '龙城派出所'],
      ['lc.disp', ['dispatcher'], '龙城派出所'],
    ]);
    await importCity(db(), { file: ZHONGGUANCUN, name: 'zhongguancun' }, t.ctx.now());
    const beijing = await register('zhongguancun');
    taken = beijing.rows;
    expect(taken.length).toBeGreaterThan(15);
    const rows = beijing.lines;
    rows.push(rows[1]); // sent twice
    rows.push(',广东省,深圳市,龙翔大道,2001号,,,114.25,22.72'); // Shenzhen: outside_city
    rows.push(',,,,12号,,无名,116.3165,39.9835'); // no street: not_an_address
    rows.push('北京市,北京市,海淀区,中关村大街,27,,,东经,39.98'); // not_a_number
    csv = rows.join('\n');
    const lg = await register('shenzhen-longgang');
    longgang = lg.rows;
    longgangCsv = lg.lines.join('\n');
    await takeOut('zhongguancun', taken);
  }, 240_000);
  afterAll(async () => {
    await t?.close();
  });

  it('writes a register export back into the gazetteer: searchable, in its station area', async () => {
    const n = taken.length;
    const c = await post('/api/connectors', {
      name: '标准地址库',
      source: { kind: 'file' },
      mapping: MAPPING,
      city: 'zhongguancun',
      batchSize: 10,
    });
    expect(c.statusCode, c.body).toBe(201);
    const run = (await post(`/api/connectors/${c.json().id}/runs`, { content: csv })).json();
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(run.written).toBe(n);
    expect(run.report).toMatchObject({
      read: n + 4,
      accepted: n,
      duplicates: 1,
      rejected: { not_a_number: 1, outside_city: 1, not_an_address: 1 },
    });

    const back = await db()
      .selectFrom('gazetteer')
      .innerJoin('cities', 'cities.id', 'gazetteer.city_id')
      .select(['label', 'jurisdiction_id', 'road_edge', 'h3'])
      .where('cities.name', '=', 'zhongguancun')
      .where('kind', '=', 'address')
      .where(
        'label',
        'in',
        taken.map((a) => a.label),
      )
      .execute();
    expect(back).toHaveLength(n);
    const byLabel = new Map(back.map((b) => [b.label, b]));
    const city = await t.ctx.places.city('zhongguancun');
    for (const a of taken) {
      // The same normalised label as the OSM import gave it, in the station area that holds it.
      expect(byLabel.get(a.label)?.jurisdiction_id).toBe(city.jurisdictionAt(a.lon, a.lat)?.id ?? null);
      expect(byLabel.get(a.label)?.h3).toMatch(/^89/);
    }
    expect(back.filter((b) => b.road_edge !== null).length).toBeGreaterThan(n / 2);
    expect(back.some((b) => b.jurisdiction_id !== null)).toBe(true);
    const q = encodeURIComponent(taken[3].label);
    const hit = (await get(`/api/places/search?q=${q}&city=zhongguancun`)).json().items[0];
    expect(hit.label).toBe(taken[3].label);

    // Run again: every address is already there (duplicates), nothing written twice.
    const again = (await post(`/api/connectors/${c.json().id}/runs`, { content: csv })).json();
    expect(again.written).toBe(0);
    expect(again.report.duplicates).toBe(n + 1);
  });

  it("a station's admin writes only into its own station's areas; a dispatcher may not", async () => {
    const lc = people['lc.admin'].cookie;
    const create = (city: string, cookie = lc) =>
      post(
        '/api/connectors',
        { name: `地址 ${city}`, source: { kind: 'file' }, mapping: MAPPING, city, batchSize: 100 },
        cookie,
      );
    // No area of Beijing is 龙城's.
    await takeOut('zhongguancun', taken);
    const beijing = await create('zhongguancun');
    expect(beijing.statusCode, beijing.body).toBe(201);
    const far = (await post(`/api/connectors/${beijing.json().id}/runs`, { content: csv }, lc)).json();
    expect(far.written).toBe(0);
    expect(far.report.rejected.outside_scope).toBe(taken.length + 1); // the row sent twice, twice

    // In Longgang, a station's own area only: the station whose area holds the first address.
    expect(longgang.length).toBeGreaterThan(0);
    await takeOut('shenzhen-longgang', longgang);
    const station = await db()
      .selectFrom('jurisdictions')
      .innerJoin('orgs', 'orgs.id', 'jurisdictions.org_id')
      .select(['jurisdictions.id', 'orgs.name'])
      .where('jurisdictions.id', '=', longgang.find((a) => a.jurisdiction_id)?.jurisdiction_id ?? '')
      .executeTakeFirstOrThrow();
    const own = (await t.users(admin, [['own.admin', ['admin'], station.name]]))['own.admin'].cookie;
    const inStation = longgang.filter((a) => a.jurisdiction_id === station.id).length;
    expect(inStation).toBeGreaterThan(0);
    const home = await create('shenzhen-longgang', own);
    const run = (await post(`/api/connectors/${home.json().id}/runs`, { content: longgangCsv }, own)).json();
    expect(run.written).toBe(inStation);
    expect(run.report.rejected.outside_scope ?? 0).toBe(longgang.length - inStation);

    const refused = await create('shenzhen-longgang', people['lc.disp'].cookie);
    expect(refused.statusCode).toBe(403);
  });
});
