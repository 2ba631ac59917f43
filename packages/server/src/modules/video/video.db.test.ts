import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

const HEADER = 'code,name,lon,lat,height_m,heading_deg,fov_deg,range_m,owner,hls_url';
const code = (n: number) => `440307000013200${String(n).padStart(5, '0')}`;

/** The camera registry: CSV import, rules with field and rule, scoping, the audited live view, the probe. */
describe(`video cameras (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  const people: Record<string, string> = {};
  let hls: Server;
  let hlsBase = '';
  let playlistUp = true;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs: Record<string, string> = {};
    for (const o of (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
    }[])
      orgs[o.name] = o.id;
    for (const [username, roles, org] of [
      ['lc.commander', ['commander'], '龙城派出所'],
      ['lc.dispatcher', ['dispatcher'], '龙城派出所'],
      ['bt.dispatcher', ['dispatcher'], '坂田派出所'],
      ['city.auditor', ['auditor'], '深圳市公安局'],
    ] as const) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: { username, displayName: username, password: 'a-long-password', orgId: orgs[org], roles },
      });
      expect(r.statusCode, r.body).toBe(201);
      people[username] = await t.login(username, 'a-long-password');
    }
    hls = createServer((req, res) => {
      if (req.url === '/live.m3u8' && playlistUp) {
        res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' });
        res.end('#EXTM3U\n#EXT-X-VERSION:3\n');
      } else if (req.url === '/slow.m3u8') {
        // never answers: the probe's timeout decides
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => hls.listen(0, '127.0.0.1', resolve));
    hlsBase = `http://127.0.0.1:${(hls.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    hls.closeAllConnections();
    await new Promise((resolve) => hls.close(resolve));
    await t.close();
  });

  it('imports the CSV: good lines kept, bad ones refused with line (header = 1), field and rule', async () => {
    const csv = [
      `${HEADER},org_code,agreement_ref`,
      `${code(1)},龙城广场东,114.1955,22.6955,6,90,60,80,police,${hlsBase}/live.m3u8,440307-01,`,
      `${code(2)},龙城广场西,114.1950,22.6955,6,270,60,80,police,${hlsBase}/slow.m3u8,440307-01,`,
      `4403070000132000003,短编码,114.19,22.69,6,90,60,80,police,,440307-01,`,
      `440307000013200000X3,字母,114.19,22.69,6,90,60,80,police,,440307-01,`,
      `44039900001320000003,无此区划,114.19,22.69,6,90,60,80,police,,440307-01,`,
      `44030700001180000003,不是摄像机,114.19,22.69,6,90,60,80,police,,440307-01,`,
      `${code(4)},视场角,114.19,22.69,6,90,0,80,police,,440307-01,`,
      `${code(5)},协议,114.19,22.69,6,90,90,80,police,ftp://x/y,440307-01,`,
      `${code(6)},坂田小区,114.2245,22.6805,4,0,360,50,community,,440307-04,坂田-2026-001`,
      `${code(7)},坂田商铺,114.2245,22.6806,4,0,120,50,enterprise,,440307-04,`,
      `${code(1)},重复,114.19,22.69,6,90,60,80,police,,440307-01,`,
    ].join('\n');
    const result = await t.ctx.video.importCsv(csv, null, null);
    expect(result.imported).toBe(4);
    expect(result.refused).toEqual([
      { line: 4, field: 'code', rule: 'length' },
      { line: 5, field: 'code', rule: 'digits' },
      { line: 6, field: 'code', rule: 'division_exists' },
      { line: 7, field: 'code', rule: 'camera_type' },
      { line: 8, field: 'fov_deg', rule: 'fov_range' },
      { line: 9, field: 'hls_url', rule: 'url_scheme' },
      { line: 12, field: 'code', rule: 'unique' },
    ]);
    // A second import of the same file: every code is taken now.
    const again = await t.ctx.video.importCsv(csv, null, null);
    expect(again.imported).toBe(0);
    expect(again.refused.filter((r) => r.rule === 'unique').map((r) => r.line)).toEqual([2, 3, 10, 11, 12]);
  });

  it('refuses a bad camera through the API naming field and rule, in Chinese or English', async () => {
    const body = {
      code: '44030700001320009999',
      name: '测试',
      lon: 114.19,
      lat: 22.69,
      headingDeg: 0,
      fovDeg: 400,
      rangeM: 50,
      owner: 'police',
      hlsUrl: 'gopher://x/y',
    };
    const zh = await t.as(people['lc.commander'], {
      method: 'POST',
      url: '/api/video/cameras',
      payload: body,
    });
    expect(zh.statusCode).toBe(400);
    expect(zh.headers['content-type']).toContain('application/problem+json');
    expect(zh.json().errors).toEqual([
      { field: 'fovDeg', rule: 'fov_range', message: '视场角须在 1–360° 之间' },
      { field: 'hlsUrl', rule: 'url_scheme', message: expect.stringContaining('http(s)') },
    ]);
    const en = await t.as(people['lc.commander'], {
      method: 'POST',
      url: '/api/video/cameras',
      payload: { ...body, fovDeg: 90, hlsUrl: null, code: '44039900001320009999' },
      headers: { 'accept-language': 'en' },
    });
    expect(en.json().errors).toEqual([
      { field: 'code', rule: 'division_exists', message: expect.stringContaining('GB/T 2260') },
    ]);
    const ok = await t.as(people['lc.commander'], {
      method: 'POST',
      url: '/api/video/cameras',
      payload: { ...body, fovDeg: 90, hlsUrl: null },
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ code: body.code, division: '龙岗区', shared: false });
  });

  it('lists cameras of one’s subtree and shared ones; stream addresses only through an audited view', async () => {
    const list = async (who: string) =>
      (await t.as(people[who], { method: 'GET', url: '/api/video/cameras' })).json().items as {
        code: string;
        id: string;
      }[];
    const lc = (await list('lc.dispatcher')).map((c) => c.code);
    expect(lc).toContain(code(1));
    expect(lc).toContain(code(6)); // shared by agreement
    expect(lc).not.toContain(code(7)); // enterprise camera without an agreement: its station's only
    const bt = (await list('bt.dispatcher')).map((c) => c.code);
    expect(bt).toEqual(expect.arrayContaining([code(6), code(7)]));
    expect(bt).not.toContain(code(1));
    const all = await list('lc.dispatcher');
    expect(JSON.stringify(all)).not.toContain('live.m3u8');
    const cam1 = all.find((c) => c.code === code(1))!;

    const noPurpose = await t.as(people['lc.dispatcher'], {
      method: 'GET',
      url: `/api/video/cameras/${cam1.id}/live`,
    });
    expect(noPurpose.statusCode).toBe(428);
    expect(noPurpose.json().errors[0]).toMatchObject({ field: 'X-Purpose', rule: 'required' });
    const sibling = await t.as(people['bt.dispatcher'], {
      method: 'GET',
      url: `/api/video/cameras/${cam1.id}/live`,
      headers: { 'x-purpose': encodeURIComponent('核查警情') },
    });
    expect(sibling.statusCode).toBe(404);
    const view = await t.as(people['lc.dispatcher'], {
      method: 'GET',
      url: `/api/video/cameras/${cam1.id}/live`,
      headers: { 'x-purpose': encodeURIComponent('核查警情 J20261123-0001') },
    });
    expect(view.statusCode, view.body).toBe(200);
    expect(view.json()).toMatchObject({ hlsUrl: `${hlsBase}/live.m3u8`, purpose: '核查警情 J20261123-0001' });
    const row = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select(['action', 'resource', 'purpose', 'username'])
      .where('resource', '=', `camera:${cam1.id}`)
      .execute();
    expect(row).toEqual([
      {
        action: 'personal_data_read',
        resource: `camera:${cam1.id}`,
        purpose: '核查警情 J20261123-0001',
        username: 'lc.dispatcher',
      },
    ]);
  });

  it('probes streams: online, offline since the first miss, fault after the set time; never waits past the timeout', async () => {
    t.ctx.video.deps.settings.probeTimeoutMs = 300;
    t.ctx.video.deps.settings.faultAfterMs = 30 * 60_000;
    const status = async (n: number) =>
      t.ctx.db.kysely
        .selectFrom('cameras')
        .select(['status', 'offline_since', 'fault_at'])
        .where('code', '=', code(n))
        .executeTakeFirstOrThrow();
    const started = Date.now();
    expect(await t.ctx.video.probeOnce()).toBe(2);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await status(1)).status).toBe('online');
    const slow = await status(2);
    expect(slow.status).toBe('offline');
    const since = new Date(slow.offline_since!).getTime();
    expect(since).toBe(t.ctx.now().getTime());
    playlistUp = false;
    t.advance(31 * 60_000);
    await t.ctx.video.probeOnce();
    expect((await status(1)).status).toBe('offline');
    const faulty = await status(2);
    expect(faulty.status).toBe('fault');
    expect(new Date(faulty.offline_since!).getTime()).toBe(since);
    playlistUp = true;
    await t.ctx.video.probeOnce();
    expect(await status(1)).toEqual({ status: 'online', offline_since: null, fault_at: null });
    // The page reads stored status: the list answers at once whatever the streams do (signed in
    // anew: the clock moved past the idle timeout).
    const list = await t.as(await t.login('lc.dispatcher', 'a-long-password'), {
      method: 'GET',
      url: '/api/video/cameras?status=fault',
    });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().items.map((c: { code: string }) => c.code)).toEqual([code(2)]);
  });
});
