/**
 * Coverage's indicators: the share of the default city's addresses and of its road length within
 * 3 minutes' drive of a post (the "3" of 1-3-5). City-wide whatever the org asked for: a
 * neighbouring station's post covers one's roads as well. The drill-down lists the posts of the
 * asked org's subtree that count in it.
 */
import type { IndicatorContext, IndicatorDeclaration, IndicatorRows } from '../indicators/indicator.js';
import { figure } from '../indicators/indicator.js';
import type { CoverageService } from './service.js';

const THRESHOLD_S = 180;

export function coverageIndicators(_deps: unknown, coverage: CoverageService): IndicatorDeclaration[] {
  const figures = (ctx: IndicatorContext) =>
    ctx.memo('coverage.figures', async () => {
      const city = await coverage.city(undefined).catch(() => null);
      return city ? coverage.coverage(city, [THRESHOLD_S]) : null;
    });
  const rows = async (ctx: IndicatorContext, limit: number): Promise<IndicatorRows> => {
    const city = await coverage.city(undefined).catch(() => null);
    const posts = city ? await coverage.listPosts(city, ctx.scope) : [];
    return {
      columns: [
        { key: 'name', zh: '岗点', en: 'Post' },
        { key: 'kind', zh: '类型', en: 'Kind' },
        { key: 'lon', zh: '经度', en: 'Longitude' },
        { key: 'lat', zh: '纬度', en: 'Latitude' },
      ],
      total: posts.length,
      rows: posts
        .slice(0, limit)
        .map((p) => ({ id: p.id, name: p.name, kind: p.kind, lon: p.lon, lat: p.lat })),
    };
  };
  const share = (pick: 'addressShare' | 'roadLengthShare') => async (ctx: IndicatorContext) => {
    const f = await figures(ctx);
    const band = f?.thresholds.find((t) => t.seconds === THRESHOLD_S);
    return band
      ? { ...figure(band[pick]), denominator: pick === 'addressShare' ? f!.addresses : f!.totalRoadLengthM }
      : figure(null);
  };
  return [
    {
      id: 'coverage.addresses_3min',
      name: { zh: '3分钟覆盖地址比例', en: 'Addresses within 3 min of a post' },
      unit: 'share',
      target: 0.9,
      higherIsBetter: true,
      ruleVersion: 1,
      cityWide: true,
      compute: share('addressShare'),
      rows,
    },
    {
      id: 'coverage.road_length_3min',
      name: { zh: '3分钟覆盖道路长度比例', en: 'Road length within 3 min of a post' },
      unit: 'share',
      target: 0.8,
      higherIsBetter: true,
      ruleVersion: 1,
      cityWide: true,
      compute: share('roadLengthShare'),
      rows,
    },
  ];
}
