import { readFileSync } from 'node:fs';
import path from 'node:path';
import { xmllintErrors } from '@citywatch/core/cap/xsd-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

/**
 * A closed way of the bundled city as a CAP polygon ("lat,lon …"): 大运中心体育场, the
 * Universiade Centre stadium (way 166214606; OpenStreetMap contributors, ODbL).
 */
function stadium(): string {
  const osm = readFileSync(
    path.resolve(REPO_ROOT, '../shared/data/roads/shenzhen-longgang/shenzhen_longgang.osm'),
    'utf8',
  );
  const way = /<way id="166214606"[^>]*>([\s\S]*?)<\/way>/.exec(osm)?.[1] ?? '';
  return [...way.matchAll(/<nd ref="(\d+)"/g)]
    .map(([, id]) => {
      const node = new RegExp(`<node id="${id}"[^>]*lat="([^"]+)" lon="([^"]+)"`).exec(osm);
      return `${Number(node?.[1])},${Number(node?.[2])}`;
    })
    .join(' ');
}

/** A crowd alarm at the Universiade Centre (Longgang), as an officer would draft it. */
const draft = (expiresAt: string) => ({
  kind: 'crowd',
  headlineZh: '大运中心周边人员密集，请绕行',
  headlineEn: 'Dense crowd around the Universiade Centre: keep away',
  descriptionZh: '演唱会散场，大运中心周边人员密集，请市民错峰出行。',
  descriptionEn: 'A concert is ending; the streets around the Universiade Centre are crowded.',
  areaDesc: '大运中心 Universiade Centre',
  lat: 22.6975,
  lon: 114.2185,
  radiusKm: 0.8,
  urgency: 'Immediate',
  certainty: 'Likely',
  expiresAt,
});

describe(`public notices with four-eyes approval (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let u: Record<string, { cookie: string; id: string }>;
  const expires = new Date(Date.now() + 4 * 3_600_000).toISOString();

  beforeAll(async () => {
    t = await createTestApp();
    const admin = await t.login('admin', ADMIN_PASSWORD);
    u = await t.users(admin, [
      ['lg.head1', ['commander'], '龙岗派出所'],
      ['lg.head2', ['commander'], '龙岗派出所'],
      ['lg.desk', ['dispatcher'], '龙岗派出所'],
      ['lc.head', ['commander'], '龙城派出所'],
    ]);
  }, 180_000);
  afterAll(async () => {
    await t.close();
  });

  const post = (who: string, url: string, payload?: object) =>
    t.as(u[who].cookie, { method: 'POST', url, ...(payload ? { payload } : {}) });
  const feed = async () => (await t.app.inject({ method: 'GET', url: '/api/cap/feed.atom' })).body;
  const xmlOf = async (alertUrl: string) =>
    (await t.app.inject({ method: 'GET', url: new URL(alertUrl).pathname })).body;

  it('publishes only after a second person approves; the drafter cannot; Update and Cancel follow', async () => {
    const made = await post('lg.head1', '/api/cap/notices', draft(expires));
    expect(made.statusCode, made.body).toBe(201);
    const notice = made.json();
    expect(notice).toMatchObject({
      status: 'pending',
      msgType: 'Alert',
      draftedBy: u['lg.head1'].id,
      alertUrl: null,
    });
    expect(await feed()).not.toContain('大运中心');

    // The drafter holds the approving permission, and still may not approve their own draft.
    const own = await post('lg.head1', `/api/cap/notices/${notice.id}/approve`);
    expect(own.statusCode).toBe(403);
    expect(own.json().errors[0]).toMatchObject({ field: 'id', rule: 'four_eyes' });
    // A dispatcher may draft but not approve; a neighbouring station does not see it at all.
    expect((await post('lg.desk', `/api/cap/notices/${notice.id}/approve`)).statusCode).toBe(403);
    expect((await post('lc.head', `/api/cap/notices/${notice.id}/approve`)).statusCode).toBe(404);
    expect(await feed()).not.toContain('大运中心');

    const ok = await post('lg.head2', `/api/cap/notices/${notice.id}/approve`);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({
      status: 'published',
      draftedBy: u['lg.head1'].id,
      decidedBy: u['lg.head2'].id,
    });
    expect((await post('lg.head2', `/api/cap/notices/${notice.id}/approve`)).statusCode).toBe(409);
    const alertXml = await xmlOf(ok.json().alertUrl);
    expect(xmllintErrors(alertXml), alertXml).toEqual([]);
    expect(alertXml).toContain('<msgType>Alert</msgType>');
    expect(alertXml).toContain('<circle>22.6975,114.2185 0.8</circle>');
    expect(alertXml).toContain('<certainty>Likely</certainty>');
    expect(await feed()).toContain('大运中心周边人员密集，请绕行');
    const identifier = /<identifier>([^<]+)<\/identifier>/.exec(alertXml)?.[1];

    // Both persons are in the audit trail, each with their own write.
    const audit = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['username', 'detail'])
      .where('resource', '=', `notice:${notice.id}`)
      .where('action', '=', 'write')
      .orderBy('seq')
      .execute();
    expect(audit.map((a) => [a.username, a.detail.route])).toEqual([
      ['lg.head1', 'POST /api/cap/notices'],
      ['lg.head2', 'POST /api/cap/notices/:id/approve'],
    ]);

    // An Update needs the notice it answers; then a Cancel, approved by the other commander.
    const bad = await post('lg.desk', '/api/cap/notices', { ...draft(expires), msgType: 'Update' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: 'answers' });
    const cancel = await post('lg.desk', '/api/cap/notices', {
      ...draft(expires),
      msgType: 'Cancel',
      answers: notice.id,
      headlineZh: '大运中心周边人员聚集已解除',
      headlineEn: 'Crowd around the Universiade Centre has dispersed',
    });
    expect(cancel.statusCode, cancel.body).toBe(201);
    const done = await post('lg.head1', `/api/cap/notices/${cancel.json().id}/approve`);
    expect(done.statusCode, done.body).toBe(200);
    const cancelXml = await xmlOf(done.json().alertUrl);
    expect(xmllintErrors(cancelXml), cancelXml).toEqual([]);
    expect(cancelXml).toContain('<msgType>Cancel</msgType>');
    expect(cancelXml).toContain('<certainty>Observed</certainty>'); // the all-clear is known
    expect(cancelXml).toContain(`<references>cap@`);
    expect(cancelXml).toContain(`,${identifier},`);
    expect(await feed()).toContain('大运中心周边人员聚集已解除');
  }, 120_000);

  it('a rejected notice never reaches the feed', async () => {
    const made = await post('lg.desk', '/api/cap/notices', { ...draft(expires), headlineZh: '驳回的公告' });
    expect(made.statusCode).toBe(201);
    const r = await post('lg.head2', `/api/cap/notices/${made.json().id}/reject`);
    expect(r.json()).toMatchObject({ status: 'rejected', decidedBy: u['lg.head2'].id, alertUrl: null });
    expect(await feed()).not.toContain('驳回的公告');
    const past = await post('lg.desk', '/api/cap/notices', { ...draft('2020-01-01T00:00:00Z') });
    expect(past.json().errors[0]).toMatchObject({ field: 'expiresAt', rule: 'in_future' });
  }, 60_000);

  it('a polygon area (the stadium outline): stored, issued as CAP <polygon>, refused naming the pair', async () => {
    const polygon = stadium();
    const pairs = polygon.split(' ');
    expect(pairs).toHaveLength(41);
    const { lat: _a, lon: _b, radiusKm: _c, ...rest } = draft(expires);
    const made = await post('lg.head1', '/api/cap/notices', {
      ...rest,
      areaDesc: '大运中心体育场 Universiade Centre stadium',
      polygon,
    });
    expect(made.statusCode, made.body).toBe(201);
    const notice = made.json();
    expect(notice.radiusKm).toBeNull();
    expect(notice.polygon.split(' ')).toHaveLength(41);
    // Its centre: the mean of the corners, inside the stadium's extent.
    const lats = pairs.map((p) => Number(p.split(',')[0]));
    expect(notice.lat).toBeGreaterThan(Math.min(...lats));
    expect(notice.lat).toBeLessThan(Math.max(...lats));
    const ok = await post('lg.head2', `/api/cap/notices/${notice.id}/approve`);
    expect(ok.statusCode, ok.body).toBe(200);
    const xml = await xmlOf(ok.json().alertUrl);
    expect(xmllintErrors(xml), xml).toEqual([]);
    const written = [...xml.matchAll(/<polygon>([^<]+)<\/polygon>/g)].map((m) => m[1]);
    expect(written).toHaveLength(2); // zh-CN and en-US
    expect(written[0]).toBe(notice.polygon);
    expect(written[0].split(' ')[0]).toBe(written[0].split(' ').at(-1));
    expect(xml).not.toContain('<circle>');

    // Refused, naming the field and the rule (and the pair where there is one); nothing stored.
    const refuse = async (payload: object) => {
      const r = await post('lg.head1', '/api/cap/notices', { ...rest, ...payload });
      expect(r.statusCode).toBe(400);
      return r.json().errors.map((e: { field: string; rule: string }) => `${e.field}:${e.rule}`);
    };
    expect(await refuse({ polygon: pairs.slice(0, 10).join(' ') })).toEqual(['polygon.9:not_closed']);
    expect(await refuse({ polygon: [pairs[0], pairs[1], pairs[0]].join(' ') })).toEqual([
      'polygon:too_few_positions',
    ]);
    const swapped = pairs.map((p) => p.split(',').reverse().join(',')).join(' '); // lon,lat: lat 114
    expect(await refuse({ polygon: swapped })).toEqual(['polygon.0:invalid_position']);
    expect(await refuse({ polygon, radiusKm: 1 })).toEqual(['radiusKm:circle_or_polygon']);
    expect(await refuse({})).toEqual(['lat:required', 'lon:required', 'radiusKm:required']);
    const zh = await t.as(u['lg.head1'].cookie, {
      method: 'POST',
      url: '/api/cap/notices',
      payload: { ...rest, polygon: pairs.slice(0, 10).join(' ') },
      headers: { 'accept-language': 'zh-CN' },
    });
    expect(zh.json().errors[0].message).toContain('未闭合');
  }, 60_000);
});
