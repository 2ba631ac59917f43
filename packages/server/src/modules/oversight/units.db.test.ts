import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

// 龙城派出所's spot on the bundled Longgang extract (as the need-to-know walk uses it).
const SPOT = { lon: 114.1955, lat: 22.6955 };
// One in 龙岗派出所's (as the cross-station help test uses it).
const SIBLING_SPOT = { lon: 114.2075, lat: 22.6915 };

/** 要素管控 registry: units by jurisdiction, people with a purpose, CSV import, enterprise users. */
describe(`oversight units (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  const orgs: Record<string, string> = {};
  const cookie: Record<string, string> = {};
  const userId: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
    for (const o of (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
    }[])
      orgs[o.name] = o.id;
    for (const [username, roles, org] of [
      ['insp.lc', ['industry_inspector'], '龙城派出所'],
      ['insp.lg', ['industry_inspector'], '龙岗派出所'],
      ['hotel.user', ['enterprise'], '龙城派出所'],
    ] as const) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: { username, displayName: username, password: 'a-long-password', orgId: orgs[org], roles },
      });
      expect(r.statusCode, r.body).toBe(201);
      userId[username] = r.json().id;
      cookie[username] = await t.login(username, 'a-long-password');
    }
  }, 300_000);
  afterAll(() => t.close());

  const today = () => new Date(t.ctx.now().getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  const inDays = (n: number) =>
    new Date(t.ctx.now().getTime() + 8 * 3600_000 + n * 86_400_000).toISOString().slice(0, 10);

  let hotel = '';
  it('registers a unit in the jurisdiction its location lies in, with licence warnings', async () => {
    const r = await t.as(cookie['insp.lc'], {
      method: 'POST',
      url: '/api/oversight/units',
      payload: {
        industry: 'hotel',
        name: '龙城宾馆',
        licenceNo: 'TH-2026-001',
        licenceValidFrom: '2024-01-01',
        licenceValidUntil: inDays(10),
        address: '龙城大道 1 号',
        ...SPOT,
        responsibleName: '张三',
        responsiblePhone: '13800138000',
        staff: [{ name: '李四', post: '前台', phone: '13900139000' }],
        cameras: [{ name: '大堂', streamUrl: 'rtsp://10.0.0.1/lobby' }],
      },
    });
    expect(r.statusCode, r.body).toBe(201);
    const unit = r.json();
    hotel = unit.id;
    expect(unit.orgId).toBe(orgs['龙城派出所']);
    expect(unit.licenceStatus).toBe('expiring');
    expect(unit.cameras).toEqual([
      { id: expect.any(String), name: '大堂', streamUrl: 'rtsp://10.0.0.1/lobby' },
    ]);
    // No personal data in the listing.
    expect(r.body).not.toContain('13800138000');
    expect(r.body).not.toContain('张三');
    // The audit row is written as the response goes out: poll for it.
    const audited = async () =>
      (
        await t.ctx.db.kysely
          .selectFrom('audit_log')
          .select('resource')
          .where('resource', '=', `unit:${hotel}`)
          .execute()
      ).length;
    await expect.poll(audited).toBe(1);
  });

  it('refuses a bad unit naming the field and the rule, in Chinese or English', async () => {
    const r = await t.as(cookie['insp.lc'], {
      method: 'POST',
      url: '/api/oversight/units',
      headers: { 'accept-language': 'en' },
      payload: { industry: 'casino', name: '' },
    });
    expect(r.statusCode).toBe(400);
    const fields = (r.json().errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['industry', 'name']));
    const dup = await t.as(cookie['insp.lc'], {
      method: 'POST',
      url: '/api/oversight/units',
      payload: { industry: 'hotel', name: '另一家', licenceNo: 'TH-2026-001', ...SPOT },
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().errors[0]).toMatchObject({ field: 'licenceNo', rule: 'unique' });
    expect(dup.json().detail).toContain('许可证号');
  });

  it('keeps a unit from another station: 404 and absent from lists', async () => {
    const get = await t.as(cookie['insp.lg'], { method: 'GET', url: `/api/oversight/units/${hotel}` });
    expect(get.statusCode).toBe(404);
    const list = await t.as(cookie['insp.lg'], { method: 'GET', url: '/api/oversight/units' });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(hotel);
    const own = await t.as(cookie['insp.lc'], {
      method: 'GET',
      url: '/api/oversight/units?licence=expiring',
    });
    expect(own.json().items.map((u: { id: string }) => u.id)).toEqual([hotel]);
  });

  it('reads the people only with a purpose, audited', async () => {
    const url = `/api/oversight/units/${hotel}/people`;
    expect((await t.as(cookie['insp.lc'], { method: 'GET', url })).statusCode).toBe(428);
    const r = await t.as(cookie['insp.lc'], {
      method: 'GET',
      url,
      headers: { 'x-purpose': encodeURIComponent('日常检查核对负责人') },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ responsibleName: '张三', staff: [{ name: '李四', post: '前台' }] });
    const rows = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['action', 'purpose'])
      .where('resource', '=', `oversight_unit:${hotel}:people`)
      .execute();
    expect(rows).toEqual([{ action: 'personal_data_read', purpose: '日常检查核对负责人' }]);
    // Outside the subtree: 404 before any purpose is asked.
    const other = await t.as(cookie['insp.lg'], { method: 'GET', url, headers: { 'x-purpose': 'x-check' } });
    expect(other.statusCode).toBe(404);
  });

  it('corrects a unit: fields changed audited by name, scope and rules kept, a move re-decides the org', async () => {
    const url = `/api/oversight/units/${hotel}`;
    const r = await t.as(cookie['insp.lc'], {
      method: 'PATCH',
      url,
      payload: { licenceValidUntil: inDays(200), responsiblePhone: '13700137000', riskLevel: 'medium' },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({
      id: hotel,
      licenceStatus: 'valid',
      riskLevel: 'medium',
      name: '龙城宾馆',
    });
    expect(r.body).not.toContain('13700137000');
    const audit = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['action', 'username', 'detail'])
      .where('resource', '=', `oversight_unit:${hotel}`)
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'write', username: 'insp.lc' });
    expect(audit[0].detail).toMatchObject({
      changed: ['licenceValidUntil', 'responsiblePhone', 'riskLevel'],
    });
    expect(JSON.stringify(audit[0].detail)).not.toContain('13700137000');
    const people = await t.as(cookie['insp.lc'], {
      method: 'GET',
      url: `${url}/people`,
      headers: { 'x-purpose': encodeURIComponent('核对负责人电话更正') },
    });
    expect(people.json().responsiblePhone).toBe('13700137000');

    // Rules, in the user's language, and nothing written.
    const bad = async (payload: object, lang = 'zh-CN') =>
      t.as(cookie['insp.lc'], { method: 'PATCH', url, headers: { 'accept-language': lang }, payload });
    const order = await bad({ licenceValidFrom: inDays(300) });
    expect(order.statusCode).toBe(400);
    expect(order.json().errors[0]).toMatchObject({
      field: 'licenceValidFrom',
      rule: 'after_valid_from',
      message: '有效期止不能早于有效期起',
    });
    expect((await bad({}, 'en')).json().errors[0]).toMatchObject({
      rule: 'empty_patch',
      message: 'Change at least one field',
    });
    expect((await bad({ lon: 114.2 })).json().errors[0]).toMatchObject({ field: 'lat', rule: 'lon_and_lat' });
    expect((await bad({ name: '改名', owner: 'x' })).statusCode).toBe(400);

    // Another station's inspector and an enterprise user may not; moving out of one's subtree neither.
    expect(
      (await t.as(cookie['insp.lg'], { method: 'PATCH', url, payload: { name: '外所改名' } })).statusCode,
    ).toBe(404);
    expect(
      (await t.as(cookie['hotel.user'], { method: 'PATCH', url, payload: { name: '自改' } })).statusCode,
    ).toBe(403);
    const away = await bad({ ...SIBLING_SPOT });
    expect(away.statusCode, away.body).toBe(400);
    expect(away.json().errors[0]).toMatchObject({ field: 'lon', rule: 'org_in_scope' });
    const unchanged = (await t.as(cookie['insp.lc'], { method: 'GET', url })).json();
    expect(unchanged).toMatchObject({
      orgId: orgs['龙城派出所'],
      lon: SPOT.lon,
      lat: SPOT.lat,
      licenceStatus: 'valid',
    });

    // The city moves it across: the jurisdiction decides the org, and back again.
    const moved = await t.as(admin, { method: 'PATCH', url, payload: { ...SIBLING_SPOT } });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().orgId).toBe(orgs['龙岗派出所']);
    expect((await t.as(cookie['insp.lc'], { method: 'GET', url })).statusCode).toBe(404);
    const back = await t.as(admin, { method: 'PATCH', url, payload: { ...SPOT, name: '龙城宾馆' } });
    expect(back.json().orgId).toBe(orgs['龙城派出所']);
    const moves = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select('detail')
      .where('resource', '=', `oversight_unit:${hotel}`)
      .where('username', '=', 'admin')
      .execute();
    expect(moves.map((m) => (m.detail as { toOrgId?: string }).toOrgId)).toEqual([
      orgs['龙岗派出所'],
      orgs['龙城派出所'],
    ]);
  });

  it('imports a CSV: good rows written, bad rows counted per reason', async () => {
    const csv = [
      '行业,名称,许可证号,有效期起,有效期止,地址,经度,纬度,负责人,负责人电话',
      `废旧金属收购,龙城回收站,FJ-001,2025-01-01,2027-01-01,,${SPOT.lon},${SPOT.lat},王五,13700137000`,
      `印章刻制,龙城刻章,YZ-001,,${today()},,${SPOT.lon},${SPOT.lat},,`,
      `赌场,不存在的行业,X-1,,,,${SPOT.lon},${SPOT.lat},,`,
      `旅馆业,坏日期,TH-9,2025-13-40,,,${SPOT.lon},${SPOT.lat},,`,
      `旅馆业,,TH-10,,,,${SPOT.lon},${SPOT.lat},,`,
      `废旧金属收购,重复许可证,FJ-001,,,,${SPOT.lon},${SPOT.lat},,`,
      `旅馆业,已登记的许可证,TH-2026-001,,,,${SPOT.lon},${SPOT.lat},,`,
      `旅馆业,列数不对`,
      `旅馆业,坏电话,TH-11,,,,${SPOT.lon},${SPOT.lat},某人,abc`,
    ].join('\n');
    const r = await t.as(cookie['insp.lc'], {
      method: 'POST',
      url: '/api/oversight/unit-imports',
      payload: { content: csv },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({
      imported: 2,
      bad: 7,
      reasons: {
        unknown_industry: 1,
        invalid_licenceValidFrom: 1,
        missing_name: 1,
        duplicate_licence: 2,
        column_count: 1,
        invalid_responsiblePhone: 1,
      },
    });
    const list = (await t.as(cookie['insp.lc'], { method: 'GET', url: '/api/oversight/units' })).json().items;
    const byName = Object.fromEntries(list.map((u: { name: string }) => [u.name, u]));
    expect(byName['龙城回收站']).toMatchObject({ industry: 'scrap_metal', orgId: orgs['龙城派出所'] });
    expect(byName['龙城刻章'].licenceStatus).toBe('expiring');
    // One audit row, written with the units, names each unit created (not only the route).
    const audit = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['username', 'resource', 'detail'])
      .where('resource', '=', 'POST /api/oversight/unit-imports')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0].username).toBe('insp.lc');
    expect(audit[0].detail).toMatchObject({ event: 'oversight_units_imported', imported: 2, bad: 7 });
    expect([...(audit[0].detail as { unitIds: string[] }).unitIds].sort()).toEqual(
      [byName['龙城回收站'].id, byName['龙城刻章'].id].sort(),
    );
    // A station's inspector importing rows that lie in another station's area: refused per row.
    const foreign = await t.as(cookie['insp.lg'], {
      method: 'POST',
      url: '/api/oversight/unit-imports',
      payload: { content: `industry,name,lon,lat\nhotel,越界宾馆,${SPOT.lon},${SPOT.lat}` },
    });
    expect(foreign.json()).toMatchObject({ imported: 0, reasons: { org_in_scope: 1 } });
    // The refused import is audited too, naming no unit; the route writes no second row.
    const rows = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['username', 'detail'])
      .where('resource', '=', 'POST /api/oversight/unit-imports')
      .orderBy('seq')
      .execute();
    expect(rows.map((x) => [x.username, (x.detail as { unitIds: string[] }).unitIds.length])).toEqual([
      ['insp.lc', 2],
      ['insp.lg', 0],
    ]);
  });

  it('keeps an enterprise user to their own unit and away from staff data', async () => {
    const unbound = await t.as(cookie['hotel.user'], { method: 'GET', url: '/api/oversight/units' });
    expect(unbound.json().items).toEqual([]);
    const bind = await t.as(admin, {
      method: 'POST',
      url: `/api/oversight/units/${hotel}/users`,
      payload: { userId: userId['hotel.user'] },
    });
    expect(bind.statusCode, bind.body).toBe(204);
    const notEnterprise = await t.as(admin, {
      method: 'POST',
      url: `/api/oversight/units/${hotel}/users`,
      payload: { userId: userId['insp.lc'] },
    });
    expect(notEnterprise.json().errors[0]).toMatchObject({ field: 'userId', rule: 'enterprise_role' });
    const own = await t.as(cookie['hotel.user'], { method: 'GET', url: '/api/oversight/units' });
    expect(own.json().items.map((u: { id: string }) => u.id)).toEqual([hotel]);
    const others = (await t.as(cookie['insp.lc'], { method: 'GET', url: '/api/oversight/units' })).json()
      .items;
    const other = others.find((u: { id: string }) => u.id !== hotel);
    expect(
      (await t.as(cookie['hotel.user'], { method: 'GET', url: `/api/oversight/units/${other.id}` }))
        .statusCode,
    ).toBe(404);
    for (const url of ['/api/orgs', '/api/places/search?q=龙城', '/api/coverage', '/api/dispatch/incidents'])
      expect((await t.as(cookie['hotel.user'], { method: 'GET', url })).statusCode, url).toBe(403);
    expect((await t.as(cookie['hotel.user'], { method: 'GET', url: '/api/auth/me' })).statusCode).toBe(200);
    // Writing the registry is staff work.
    const write = await t.as(cookie['hotel.user'], {
      method: 'POST',
      url: '/api/oversight/units',
      payload: { industry: 'hotel', name: '自建', ...SPOT },
    });
    expect(write.statusCode).toBe(403);
    expect(await t.ctx.oversight.enterpriseUnitOf(userId['hotel.user'])).toBe(hotel);
  });
});
