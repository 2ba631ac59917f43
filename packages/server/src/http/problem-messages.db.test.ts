import { readFileSync } from 'node:fs';
import path from 'node:path';
import gcoord from 'gcoord';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../test/app.js';
import { localiseFieldErrors } from './problem.js';

// A ~100 m square on real roads of the bundled Longgang extract (OpenStreetMap).
const SQUARE = [
  [114.2, 22.68],
  [114.201, 22.68],
  [114.201, 22.681],
  [114.2, 22.681],
  [114.2, 22.68],
];
const BOW_TIE = [SQUARE[0], SQUARE[2], SQUARE[1], SQUARE[3], SQUARE[0]];
const polygon = (ring: number[][]) => ({ type: 'Polygon', coordinates: [ring] });
const TWO_FEATURES = {
  type: 'FeatureCollection',
  features: [0, 1].map(() => ({ type: 'Feature', properties: {}, geometry: polygon(SQUARE) })),
};
const PROJECTED = {
  type: 'FeatureCollection',
  crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::3857' } },
  features: [{ type: 'Feature', properties: {}, geometry: polygon(SQUARE) }],
};
const HOLE_OUTSIDE = {
  type: 'Polygon',
  coordinates: [
    SQUARE,
    [
      [114.203, 22.683],
      [114.2032, 22.683],
      [114.2032, 22.6832],
      [114.203, 22.683],
    ],
  ],
};
const TWO_PARTS = { type: 'MultiPolygon', coordinates: [[SQUARE], [SQUARE.map(([x, y]) => [x + 0.01, y])]] };
const SHORT = polygon(SQUARE.slice(0, 2).concat([SQUARE[0]]));

/** The rules core's GeoJSON area readers name (rings, patrol zones, crowd areas, station areas). */
function areaRules(): string[] {
  const root = path.resolve(import.meta.dirname, '../../../core/src');
  const text = ['geo/geojson.ts', 'perimeter/ring.ts']
    .map((f) => readFileSync(path.join(root, f), 'utf8'))
    .join('\n');
  return [...new Set([...text.matchAll(/rule: '([a-z_]+)'/g)].map((m) => m[1]))].sort();
}

describe('problem responses name every refusal in words, in zh-CN and in English', () => {
  let t: TestApp;
  let admin: string;
  let orgId: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.login('admin', ADMIN_PASSWORD);
    orgId = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items[0].id;
  }, 400_000);
  afterAll(() => t?.close());

  it('has words for every rule of the GeoJSON area readers in both languages (never the bare rule)', () => {
    const rules = areaRules();
    expect(rules).toEqual(
      expect.arrayContaining(['ambiguous_feature', 'self_intersecting', 'unsupported_crs']),
    );
    for (const lang of ['zh-CN', 'en'] as const) {
      const worded = localiseFieldErrors(
        rules.map((rule) => ({ field: 'geometry', rule, message: '' })),
        lang,
      );
      const bare = (worded ?? []).filter((e) => !e.message || e.message === e.rule).map((e) => e.rule);
      expect(bare, lang).toEqual([]);
    }
  });

  it('words the refusals of new patrol zones and crowd areas: a title, each field error with its rule and a message', async () => {
    const shift = { start: '2026-11-23T08:00:00Z', end: '2026-11-23T16:00:00Z' };
    const zone = (geometry: unknown, extra: Record<string, unknown> = {}) => ({
      url: '/api/patrol/plans',
      payload: {
        name: '巡逻计划',
        shift,
        zones: [{ key: 'a', name: '巡区', geometry, ...extra }],
        targets: [],
        assignments: [],
      },
    });
    const crowd = (extra: Record<string, unknown>) => ({
      url: '/api/sensors/crowd-areas',
      payload: { name: '灯会广场', orgId, warnDensity: 1, alarmDensity: 2, capacity: 1000, ...extra },
    });
    const gcj = SQUARE.map(
      (p) => gcoord.transform(p as [number, number], gcoord.WGS84, gcoord.GCJ02) as number[],
    );
    const cases: [{ url: string; payload: unknown }, string][] = [
      [zone(TWO_FEATURES), 'ambiguous_feature'],
      [zone(polygon(BOW_TIE), { datum: 'wgs84' }), 'self_intersecting'],
      [zone(PROJECTED), 'unsupported_crs'],
      [zone(polygon(gcj), { datum: 'bd11' }), 'unsupported_datum'],
      [zone(TWO_PARTS), 'too_many_polygons'],
      [zone(HOLE_OUTSIDE, { datum: 'wgs84' }), 'hole_outside_shell'],
      [zone(SHORT, { datum: 'wgs84' }), 'too_few_positions'],
      [crowd({ ring: BOW_TIE }), 'self_intersecting'],
      [crowd({ area: TWO_FEATURES }), 'ambiguous_feature'],
      [crowd({ area: PROJECTED }), 'unsupported_crs'],
    ];
    const empty: string[] = [];
    for (const lang of ['zh-CN', 'en']) {
      for (const [request, rule] of cases) {
        const res = await t.as(admin, {
          method: 'POST',
          url: request.url,
          payload: request.payload as object,
          headers: { 'accept-language': lang },
        });
        const what = `${lang} ${request.url} ${rule}`;
        expect(res.statusCode, `${what}: ${res.body}`).toBe(400);
        const body = res.json() as {
          title: string;
          detail?: string;
          errors?: { field: string; rule: string; message: string }[];
        };
        if (!body.title?.trim()) empty.push(`${what}: title`);
        if (body.detail !== undefined && !body.detail.trim()) empty.push(`${what}: detail`);
        expect(
          body.errors?.map((e) => e.rule),
          `${what}: ${res.body}`,
        ).toContain(rule);
        for (const e of body.errors ?? []) {
          if (!e.message?.trim() || e.message === e.rule)
            empty.push(`${what}: ${e.field} ${e.rule} "${e.message}"`);
          if (lang === 'zh-CN' && !/[\u4e00-\u9fff]/.test(e.message))
            empty.push(`${what}: ${e.rule} not in Chinese`);
        }
      }
    }
    expect(empty).toEqual([]);
  });
});
