import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

const SPOT = { lon: 114.1955, lat: 22.6955 };
const LOBBY = 'http://10.0.0.7/hotel/lobby.m3u8';

/**
 * A video patrol finding at regulated premises: the tour camera whose stream URL is one of a
 * regulated unit's cameras files an oversight inspection (kind video) with the finding, which
 * opens a notice case; only with oversight's write permission, only for units in scope.
 */
describe(`video tour findings as oversight inspections (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let inspector: string;
  let dispatcher: string;
  let unitId = '';
  let tourId = '';

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
    }[];
    const lc = orgs.find((o) => o.name === '龙城派出所')!.id;
    for (const [username, roles] of [
      ['lc.vinsp', ['dispatcher', 'industry_inspector']],
      ['lc.vdisp', ['dispatcher']],
      ['lc.vboss', ['commander']],
    ] as const) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: { username, displayName: username, password: 'a-long-password', orgId: lc, roles },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    inspector = await t.login('lc.vinsp', 'a-long-password');
    dispatcher = await t.login('lc.vdisp', 'a-long-password');
    const boss = await t.login('lc.vboss', 'a-long-password');
    const unit = await t.as(inspector, {
      method: 'POST',
      url: '/api/oversight/units',
      payload: {
        industry: 'hotel',
        name: '龙城视频宾馆',
        licenceNo: 'TH-2026-777',
        licenceValidFrom: '2024-01-01',
        licenceValidUntil: '2030-01-01',
        address: '龙城大道 7 号',
        ...SPOT,
        cameras: [{ name: '大堂', streamUrl: LOBBY }],
      },
    });
    expect(unit.statusCode, unit.body).toBe(201);
    unitId = unit.json().id;
    const cams: string[] = [];
    for (const [i, hlsUrl] of [LOBBY, 'http://10.0.0.8/street.m3u8'].entries()) {
      const r = await t.as(boss, {
        method: 'POST',
        url: '/api/video/cameras',
        payload: {
          code: `4403070000132000007${i}`,
          name: i === 0 ? '宾馆大堂' : '路口',
          lon: SPOT.lon + i * 0.0005,
          lat: SPOT.lat,
          headingDeg: 0,
          fovDeg: 90,
          rangeM: 80,
          owner: i === 0 ? 'enterprise' : 'police',
          agreementRef: i === 0 ? '龙城-共享-2026-077' : null,
          hlsUrl,
        },
      });
      expect(r.statusCode, r.body).toBe(201);
      cams.push(r.json().id);
    }
    const tour = await t.as(boss, {
      method: 'POST',
      url: '/api/video/tours',
      payload: { name: '场所巡查', cameraIds: cams, dwellSeconds: 20, shifts: ['day', 'night'] },
    });
    expect(tour.statusCode, tour.body).toBe(201);
    tourId = tour.json().id;
  }, 300_000);
  afterAll(() => t.close());

  it('files the finding at the linked unit as a video inspection that opens a case', async () => {
    const run = (await t.as(inspector, { method: 'POST', url: `/api/video/tours/${tourId}/runs` })).json();
    const step = (body: Record<string, unknown>) =>
      t.as(inspector, { method: 'POST', url: `/api/video/runs/${run.id}/steps`, payload: body });
    // The street camera is linked to no unit.
    const unlinked = await step({
      position: 1,
      result: 'finding',
      note: '路口无异常以外',
      action: 'inspection',
    });
    expect(unlinked.statusCode, unlinked.body).toBe(400);
    expect(unlinked.json().errors[0]).toMatchObject({ field: 'position', rule: 'camera_not_linked' });
    const filed = await step({
      position: 0,
      result: 'finding',
      note: '大堂未按规定登记住客身份',
      action: 'inspection',
      severity: 'serious',
    });
    expect(filed.statusCode, filed.body).toBe(200);
    const s = filed.json().steps.find((x: { position: number }) => x.position === 0);
    expect(s.inspectionId).toEqual(expect.any(String));
    expect(s.incidentId).toBeNull();
    const list = await t.as(inspector, { method: 'GET', url: `/api/oversight/inspections?unitId=${unitId}` });
    expect(list.statusCode, list.body).toBe(200);
    const inspections = list.json().items as { id: string; kind: string; caseIds: string[] }[];
    const mine = inspections.find((i) => i.id === s.inspectionId)!;
    expect(mine).toMatchObject({ kind: 'video' });
    expect(mine.caseIds).toHaveLength(1);
    const c = (
      await t.as(inspector, { method: 'GET', url: `/api/oversight/cases/${mine.caseIds[0]}` })
    ).json();
    expect(c).toMatchObject({ unitId, severity: 'serious', kind: 'order' });
    expect(c.description).toContain('大堂未按规定登记住客身份');
    expect(c.description).toContain('宾馆大堂');
    // The step is audited naming the run, and the inspection it filed by its own row.
    const audit = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['action', 'resource', 'username'])
      .where('resource', 'in', [`run:${run.id}`, `inspection:${s.inspectionId}`])
      .orderBy('seq')
      .execute();
    expect(audit).toEqual([
      { action: 'write', resource: `inspection:${s.inspectionId}`, username: 'lc.vinsp' },
      { action: 'write', resource: `run:${run.id}`, username: 'lc.vinsp' },
    ]);
  });

  it('refuses a video inspection to someone without oversight’s write permission', async () => {
    const run = (await t.as(dispatcher, { method: 'POST', url: `/api/video/tours/${tourId}/runs` })).json();
    const r = await t.as(dispatcher, {
      method: 'POST',
      url: `/api/video/runs/${run.id}/steps`,
      payload: { position: 0, result: 'finding', note: '大堂有人吵闹', action: 'inspection' },
    });
    expect(r.statusCode, r.body).toBe(403);
    const list = (
      await t.as(inspector, { method: 'GET', url: `/api/oversight/inspections?unitId=${unitId}` })
    ).json();
    expect(list.items).toHaveLength(1);
  });
});
