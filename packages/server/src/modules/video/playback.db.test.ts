import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

const HOUR = 3_600_000;

/** Playback requests: window rules, second-person approval, the NVR URL from the template, audited. */
describe(`video playback requests (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  const as: Record<string, string> = {};
  let cameraId = '';
  let bareCamera = '';

  beforeAll(async () => {
    t = await createTestApp();
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
    }[];
    const org = (name: string) => orgs.find((o) => o.name === name)!.id;
    for (const [username, roles, station] of [
      ['lc.disp', ['dispatcher'], '龙城派出所'],
      ['lc.cmd', ['commander'], '龙城派出所'],
      ['bt.cmd', ['commander'], '坂田派出所'],
    ] as const) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: { username, displayName: username, password: 'a-long-password', orgId: org(station), roles },
      });
      expect(r.statusCode, r.body).toBe(201);
      as[username] = await t.login(username, 'a-long-password');
    }
    const make = async (code: string, playbackTemplate: string | null) => {
      const r = await t.as(as['lc.cmd'], {
        method: 'POST',
        url: '/api/video/cameras',
        payload: {
          code,
          name: `摄像机 ${code.slice(-2)}`,
          lon: 114.1955,
          lat: 22.6955,
          headingDeg: 0,
          fovDeg: 90,
          rangeM: 80,
          owner: 'police',
          playbackTemplate,
        },
      });
      expect(r.statusCode, r.body).toBe(201);
      return r.json().id as string;
    };
    cameraId = await make(
      '44030700001320000011',
      'rtsp://nvr.local/playback?channel={code}&start={from_compact}&end={to_compact}',
    );
    bareCamera = await make('44030700001320000012', null);
  });
  afterAll(() => t.close());

  const ask = (who: string, body: Record<string, unknown>, lang?: string) =>
    t.as(as[who], {
      method: 'POST',
      url: '/api/video/playbacks',
      payload: body,
      headers: lang ? { 'accept-language': lang } : {},
    });
  const window = (endsAgoMs: number, lengthMs: number) => {
    const to = t.ctx.now().getTime() - endsAgoMs;
    return { from: new Date(to - lengthMs).toISOString(), to: new Date(to).toISOString() };
  };

  it('refuses a window in the future, longer than the maximum, or reversed, naming field and rule', async () => {
    const future = await ask('lc.disp', { cameraId, ...window(-HOUR, HOUR), purpose: '核实报警' });
    expect(future.statusCode).toBe(400);
    expect(future.json().errors).toEqual([
      { field: 'to', rule: 'not_future', message: '调阅时段不能在未来' },
    ]);
    const long = await ask('lc.disp', { cameraId, ...window(HOUR, 25 * HOUR), purpose: '核实报警' }, 'en');
    expect(long.json().errors).toEqual([
      { field: 'to', rule: 'max_window', message: 'The window is longer than allowed' },
    ]);
    const w = window(HOUR, HOUR);
    const reversed = await ask('lc.disp', { cameraId, from: w.to, to: w.from, purpose: '核实报警' });
    expect(reversed.json().errors[0]).toMatchObject({ field: 'to', rule: 'after_from' });
    const bare = await ask('lc.disp', { cameraId: bareCamera, ...w, purpose: '核实报警' });
    expect(bare.json().errors[0]).toMatchObject({ field: 'cameraId', rule: 'no_playback' });
    const noPurpose = await ask('lc.disp', { cameraId, ...w, purpose: '' });
    expect(noPurpose.statusCode).toBe(400);
    expect(noPurpose.json().errors[0].field).toBe('purpose');
    // Another station's camera is as good as missing.
    const theirs = await ask('bt.cmd', { cameraId, ...w, purpose: '核实报警' });
    expect(theirs.json().errors[0]).toMatchObject({ field: 'cameraId', rule: 'not_found' });
  });

  it('is approved by a second person, then opens the NVR URL from the template, audited', async () => {
    const w = window(2 * HOUR, 30 * 60_000);
    const created = await ask('lc.cmd', {
      cameraId,
      ...w,
      purpose: '核实警情经过',
      caseRef: '龙公(刑)立字〔2026〕101号',
    });
    expect(created.statusCode, created.body).toBe(201);
    const req = created.json();
    expect(req).toMatchObject({
      status: 'pending',
      requestedBy: 'lc.cmd',
      caseRef: '龙公(刑)立字〔2026〕101号',
    });
    const early = await t.as(as['lc.cmd'], {
      method: 'GET',
      url: `/api/video/playbacks/${req.id}/url`,
      headers: { 'x-purpose': encodeURIComponent('核实警情经过') },
    });
    expect(early.statusCode).toBe(409);
    // Not by the requester.
    const self = await t.as(as['lc.cmd'], {
      method: 'POST',
      url: `/api/video/playbacks/${req.id}/decision`,
      payload: { approve: true },
    });
    expect(self.statusCode).toBe(403);
    expect(self.json().errors[0]).toMatchObject({ field: 'approve', rule: 'second_person' });
    // Not by another station.
    const sibling = await t.as(as['bt.cmd'], {
      method: 'POST',
      url: `/api/video/playbacks/${req.id}/decision`,
      payload: { approve: true },
    });
    expect(sibling.statusCode).toBe(404);
    // A second commander of the station: make one and approve.
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
    }[];
    await t.as(admin, {
      method: 'POST',
      url: '/api/users',
      payload: {
        username: 'lc.cmd2',
        displayName: 'lc.cmd2',
        password: 'a-long-password',
        orgId: orgs.find((o) => o.name === '龙城派出所')!.id,
        roles: ['commander'],
      },
    });
    const second = await t.login('lc.cmd2', 'a-long-password');
    const approved = await t.as(second, {
      method: 'POST',
      url: `/api/video/playbacks/${req.id}/decision`,
      payload: { approve: true, note: '同意' },
    });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', decidedBy: 'lc.cmd2' });
    const opened = await t.as(as['lc.cmd'], {
      method: 'GET',
      url: `/api/video/playbacks/${req.id}/url`,
      headers: { 'x-purpose': encodeURIComponent('核实警情经过') },
    });
    expect(opened.statusCode, opened.body).toBe(200);
    const compact = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
    expect(opened.json().url).toBe(
      `rtsp://nvr.local/playback?channel=44030700001320000011&start=${compact(w.from)}&end=${compact(w.to)}`,
    );
    const rows = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['action', 'resource', 'purpose', 'username'])
      .where('resource', '=', `playback:${req.id}`)
      .orderBy('seq')
      .execute();
    expect(rows).toEqual([
      { action: 'write', resource: `playback:${req.id}`, purpose: null, username: 'lc.cmd' },
      { action: 'write', resource: `playback:${req.id}`, purpose: null, username: 'lc.cmd2' },
      {
        action: 'personal_data_read',
        resource: `playback:${req.id}`,
        purpose: '核实警情经过',
        username: 'lc.cmd',
      },
    ]);
    // The sibling station does not see the request.
    const list = await t.as(as['bt.cmd'], { method: 'GET', url: '/api/video/playbacks' });
    expect(list.body).not.toContain(req.id);
  });
});
