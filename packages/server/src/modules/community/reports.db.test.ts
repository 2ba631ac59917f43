import { readFileSync } from 'node:fs';
import path from 'node:path';
import exifr from 'exifr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { jpegWithExif, multipart } from './fixtures.js';

// Inside 龙城派出所's jurisdiction on the bundled Longgang extract.
const SPOT = { lon: 114.1955, lat: 22.6955 };

describe(`citizen reports and Open311 (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let station: string;
  let sibling: string;
  let fp = 0;
  const fingerprint = () => `device-fingerprint-${++fp}`;

  const submit = (
    fields: Record<string, string>,
    file?: Parameters<typeof multipart>[1],
    ip = '203.0.113.7',
  ) => {
    const { payload, headers } = multipart(fields, file);
    return t.app.inject({
      method: 'POST',
      url: '/api/community/public/reports',
      payload,
      headers,
      remoteAddress: ip,
    });
  };

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
    }[];
    const user = async (username: string, org: string, role: string) => {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: {
          username,
          displayName: username,
          password: 'a-long-password',
          orgId: orgs.find((o) => o.name === org)!.id,
          roles: [role],
        },
      });
      expect(r.statusCode, r.body).toBe(201);
      return t.login(username, 'a-long-password');
    };
    station = await user('rep.station', '龙城派出所', 'dispatcher');
    sibling = await user('rep.sibling', '龙岗派出所', 'dispatcher');
  }, 600_000);
  afterAll(() => t.close());

  it('takes a photo report without a position from its EXIF, strips the EXIF, and queues it at the station', async () => {
    const photo = jpegWithExif({ ...SPOT, takenAt: '2026:11:23 07:30:00' });
    expect((await exifr.gps(photo)).latitude).toBeCloseTo(SPOT.lat, 4);
    const r = await submit(
      { category: 'suspicious', description: '小区门口有人撬电动车锁', fingerprint: fingerprint() },
      { name: 'IMG_0001.JPG', type: 'image/jpeg', bytes: photo },
    );
    expect(r.statusCode, r.body).toBe(201);
    const made = r.json() as { id: string; number: string; token: string; expectedAt: string };
    expect(made.number).toMatch(/^R\d{8}-\d{4}$/);
    // 可疑情况: a decision within 4 hours.
    expect(made.expectedAt).toBe('2026-11-23T12:00:00.000Z');

    const queue = (
      await t.as(station, { method: 'GET', url: '/api/community/reports?status=received' })
    ).json().items;
    const mine = queue.find((x: { id: string }) => x.id === made.id);
    expect(mine).toMatchObject({
      positionSource: 'exif',
      org: { name: '龙城派出所' },
      media: { type: 'image/jpeg' },
    });
    expect(mine.lat).toBeCloseTo(SPOT.lat, 4);
    // 07:30 on the phone's (the city's) clock.
    expect(mine.media.takenAt).toBe('2026-11-22T23:30:00.000Z');
    // The sibling station neither lists nor reads it.
    const other = (await t.as(sibling, { method: 'GET', url: '/api/community/reports' })).json().items;
    expect(other.map((x: { id: string }) => x.id)).not.toContain(made.id);
    expect(
      (await t.as(sibling, { method: 'GET', url: `/api/community/reports/${made.id}` })).statusCode,
    ).toBe(404);

    // The stored file has no EXIF left; staff get it, the public does not.
    const stored = readFileSync(path.join(t.ctx.community.reports.mediaDir, `${made.id}.jpg`));
    expect(stored.includes(Buffer.from('Exif'))).toBe(false);
    expect(await exifr.gps(stored).catch(() => undefined)).toBeUndefined();
    // The photo is personal data: no purpose, no bytes (and no audit row); with one, the read is audited.
    const reads = () =>
      t.ctx.db.kysely
        .selectFrom('audit_log')
        .select(['action', 'username', 'purpose', 'detail'])
        .where('resource', '=', `report:${made.id}`)
        .where('action', '=', 'personal_data_read')
        .execute();
    for (const headers of [{}, { 'x-purpose': ' ' }]) {
      const bare = await t.as(station, {
        method: 'GET',
        url: `/api/community/reports/${made.id}/media`,
        headers: { 'accept-language': 'en', ...headers },
      });
      expect(bare.statusCode, bare.body).toBe(428);
      expect(bare.headers['content-type']).toContain('application/problem+json');
      expect(bare.json()).toMatchObject({
        status: 428,
        title: 'A purpose is required to read personal data',
        errors: [{ field: 'X-Purpose', rule: 'required' }],
      });
    }
    expect(await reads()).toEqual([]);
    const media = await t.as(station, {
      method: 'GET',
      url: `/api/community/reports/${made.id}/media`,
      headers: { 'x-purpose': encodeURIComponent('核实群众举报现场') },
    });
    expect(media.statusCode).toBe(200);
    expect(media.headers['content-type']).toBe('image/jpeg');
    expect(Buffer.compare(media.rawPayload, stored)).toBe(0);
    expect(await reads()).toEqual([
      {
        action: 'personal_data_read',
        username: 'rep.station',
        purpose: '核实群众举报现场',
        detail: { fields: ['media'], mediaType: 'image/jpeg' },
      },
    ]);
    // The sibling station gets 404 even with a purpose, and nothing is audited for it.
    const theirs = await t.as(sibling, {
      method: 'GET',
      url: `/api/community/reports/${made.id}/media`,
      headers: { 'x-purpose': encodeURIComponent('核实群众举报现场') },
    });
    expect(theirs.statusCode).toBe(404);
    expect(await reads()).toHaveLength(1);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/community/reports/${made.id}/media` })).statusCode,
    ).toBe(401);

    // The reporter follows it with the token.
    const track = await t.app.inject({
      method: 'POST',
      url: '/api/community/public/track',
      payload: { token: made.token },
    });
    expect(track.json()).toMatchObject({ number: made.number, status: 'received', agency: '龙城派出所' });
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/community/public/track',
      payload: { token: 'x'.repeat(32) },
    });
    expect(wrong.statusCode).toBe(404);
  });

  it('refuses uploads by their content: a forged extension, a declared type that lies, a script, too large', async () => {
    const fields = () => ({
      category: 'public_order',
      description: '楼下有人聚众赌博',
      fingerprint: fingerprint(),
      ...{ lon: String(SPOT.lon), lat: String(SPOT.lat) },
    });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    const jpeg = jpegWithExif({ ...SPOT, takenAt: '2026:11:23 07:30:00' });
    const cases: [string, { name: string; type: string; bytes: Buffer }, number, string][] = [
      ['png named .jpg', { name: 'photo.jpg', type: 'image/jpeg', bytes: png }, 415, 'media_forged'],
      ['jpeg declared as video', { name: 'photo', type: 'video/mp4', bytes: jpeg }, 415, 'media_forged'],
      [
        'a script named .jpg',
        { name: 'evil.jpg', type: 'image/jpeg', bytes: Buffer.from('#!/bin/sh\nrm -rf /\n') },
        415,
        'media_type',
      ],
      [
        'a 9 MB photo',
        {
          name: 'big.jpg',
          type: 'image/jpeg',
          bytes: Buffer.concat([jpeg.subarray(0, jpeg.length - 2), Buffer.alloc(9 * 1024 * 1024)]),
        },
        413,
        'too_big',
      ],
    ];
    for (const [what, file, status, rule] of cases) {
      const r = await submit(fields(), file);
      expect(r.statusCode, what).toBe(status);
      expect(r.json().errors[0], what).toMatchObject({ field: 'media', rule });
    }
    // A form cut off in the middle of the file: refused as malformed, not a server fault.
    const { payload, headers } = multipart(fields(), { name: 'a.jpg', type: 'image/jpeg', bytes: jpeg });
    const cut = await t.app.inject({
      method: 'POST',
      url: '/api/community/public/reports',
      payload: payload.subarray(0, payload.length - 60),
      headers,
    });
    expect(cut.statusCode).toBe(400);
    expect(cut.json().errors[0]).toMatchObject({ field: '(body)', rule: 'multipart' });
    // JSON is not what the page sends.
    const json = await t.app.inject({
      method: 'POST',
      url: '/api/community/public/reports',
      payload: fields(),
    });
    expect(json.statusCode).toBe(415);
    // Without a position anywhere: the field is named.
    const nowhere = await submit({
      category: 'public_order',
      description: '楼下有人聚众赌博',
      fingerprint: fingerprint(),
    });
    expect(nowhere.statusCode).toBe(400);
    expect(nowhere.json().errors.map((e: { field: string }) => e.field)).toEqual(['lon', 'lat']);
  });

  it('rate-limits per device fingerprint and per client address, and forgets after an hour', async () => {
    const device = fingerprint();
    const report = (ip: string, fpr = device) =>
      submit(
        {
          category: 'noise',
          description: '夜间工地施工噪音',
          fingerprint: fpr,
          lon: String(SPOT.lon),
          lat: String(SPOT.lat),
        },
        undefined,
        ip,
      );
    for (let i = 0; i < 5; i++) expect((await report(`198.51.100.${i + 1}`)).statusCode).toBe(201);
    const sixth = await report('198.51.100.99');
    expect(sixth.statusCode).toBe(429);
    expect(sixth.headers['retry-after']).toBe('3600');
    // One address with fresh fingerprints each time: 20 an hour.
    for (let i = 0; i < 20; i++) expect((await report('192.0.2.50', fingerprint())).statusCode).toBe(201);
    expect((await report('192.0.2.50', fingerprint())).statusCode).toBe(429);
    t.advance(3_600_001);
    expect((await report('192.0.2.50', fingerprint())).statusCode).toBe(201);
    expect((await report('198.51.100.99')).statusCode).toBe(201);
    // Sessions lapsed meanwhile.
    station = await t.login('rep.station', 'a-long-password');
    sibling = await t.login('rep.sibling', 'a-long-password');
  });

  it('a dispatcher turns a report into a 110 incident, hands one to 12345, rejects one with a reason', async () => {
    const make = async (category: string, description: string) => {
      const r = await submit({
        category,
        description,
        fingerprint: fingerprint(),
        lon: String(SPOT.lon),
        lat: String(SPOT.lat),
        positionSource: 'pin',
        address: '龙城街道某小区',
      });
      expect(r.statusCode, r.body).toBe(201);
      return r.json() as { id: string; token: string };
    };
    const a = await make('suspicious', '有人在车库里逐个拉车门');
    // Not the sibling station's to decide.
    const refused = await t.as(sibling, {
      method: 'POST',
      url: `/api/community/reports/${a.id}/decide`,
      payload: { action: 'incident' },
    });
    expect(refused.statusCode).toBe(404);
    const decided = await t.as(station, {
      method: 'POST',
      url: `/api/community/reports/${a.id}/decide`,
      payload: { action: 'incident', priority: 'P2' },
    });
    expect(decided.statusCode, decided.body).toBe(200);
    expect(decided.json()).toMatchObject({ status: 'incident', incidentId: expect.any(String) });
    const incident = await t.ctx.dispatch.incident(decided.json().incidentId, null);
    expect(incident).toMatchObject({
      category: 'public_order',
      priority: 'P2',
      status: 'received',
      addressLabel: '龙城街道某小区',
    });
    expect(incident.narrative).toContain('有人在车库里逐个拉车门');
    // Decided once only.
    const again = await t.as(station, {
      method: 'POST',
      url: `/api/community/reports/${a.id}/decide`,
      payload: { action: 'reject', reason: '重复' },
    });
    expect(again.statusCode).toBe(409);
    // The reporter sees who handles it; Open311 says open with the incident number.
    const track = await t.app.inject({
      method: 'POST',
      url: '/api/community/public/track',
      payload: { token: a.token },
    });
    expect(track.json()).toMatchObject({
      status: 'incident',
      statusNotes: expect.stringContaining(incident.number),
    });
    // Closing the incident closes the report.
    const cancel = await t.as(station, {
      method: 'POST',
      url: `/api/dispatch/incidents/${incident.id}/transition`,
      payload: { to: 'cancelled', note: '测试' },
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    await waitFor(async () => {
      const o = (await t.app.inject({ method: 'GET', url: `/open311/v2/requests/${a.id}.json` })).json();
      return o[0].status === 'closed';
    });

    const b = await make('municipal', '路灯坏了一周');
    const handed = await t.as(station, {
      method: 'POST',
      url: `/api/community/reports/${b.id}/decide`,
      payload: { action: 'hotline' },
    });
    expect(handed.statusCode, handed.body).toBe(200);
    const diversions = (await t.as(station, { method: 'GET', url: '/api/dispatch/diversions' })).json()
      .items as { incidentId: string }[];
    expect(diversions.map((d) => d.incidentId)).toContain(handed.json().incidentId);
    const o311 = (await t.app.inject({ method: 'GET', url: `/open311/v2/requests/${b.id}.json` })).json()[0];
    expect(o311).toMatchObject({ status: 'closed', agency_responsible: '12345 政务服务便民热线' });

    const c = await make('public_order', '这是一条测试上报内容');
    const noReason = await t.as(station, {
      method: 'POST',
      url: `/api/community/reports/${c.id}/decide`,
      payload: { action: 'reject' },
    });
    expect(noReason.statusCode).toBe(400);
    const rejected = await t.as(station, {
      method: 'POST',
      url: `/api/community/reports/${c.id}/decide`,
      payload: { action: 'reject', reason: '内容不实' },
    });
    expect(rejected.json()).toMatchObject({ status: 'rejected', statusNotes: '不予受理：内容不实' });
    // The write is audited naming the report (the row is written as the answer leaves).
    await waitFor(async () => {
      const audit = await t.ctx.db.kysely
        .selectFrom('audit_log')
        .select('resource')
        .where('resource', '=', `report:${c.id}`)
        .execute();
      return audit.length === 1;
    });
    // Each report's arrival and its one decision were staged in the outbox with the write; the
    // refused second decision and the refused reason-less rejection staged nothing.
    const staged = await t.ctx.db.kysely
      .selectFrom('event_outbox')
      .select(['type', 'event'])
      .where('type', 'in', ['community.report_received', 'community.report_decided'])
      .orderBy('id')
      .execute();
    const mine = (id: string) =>
      staged
        .filter((r) => (r.event as { payload: { reportId: string } }).payload.reportId === id)
        .map((r) => [r.type, (r.event as { payload: { status?: string } }).payload.status ?? null]);
    expect(mine(a.id)).toEqual([
      ['community.report_received', null],
      ['community.report_decided', 'incident'],
    ]);
    expect(mine(b.id)).toEqual([
      ['community.report_received', null],
      ['community.report_decided', 'hotline'],
    ]);
    expect(mine(c.id)).toEqual([
      ['community.report_received', null],
      ['community.report_decided', 'rejected'],
    ]);

    // Two dispatchers deciding one report at once: one incident, the other gets 409 and makes none.
    const d = await make('suspicious', '两名男子在楼道内撬门');
    const both = await Promise.all(
      [station, station].map((cookie) =>
        t.as(cookie, {
          method: 'POST',
          url: `/api/community/reports/${d.id}/decide`,
          payload: { action: 'incident', priority: 'P2' },
        }),
      ),
    );
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const dNumber = (
      await t.ctx.db.kysely
        .selectFrom('community_reports')
        .select('number')
        .where('id', '=', d.id)
        .executeTakeFirstOrThrow()
    ).number;
    const made = await t.ctx.db.kysely
      .selectFrom('incidents')
      .select('id')
      .where('narrative', 'like', `%${dNumber}%`)
      .execute();
    expect(made).toHaveLength(1);
  });

  it('serves Open311 GeoReport v2: services, POST form-encoded and JSON, request status, errors as the spec lists them', async () => {
    const services = await t.app.inject({ method: 'GET', url: '/open311/v2/services.json' });
    expect(services.statusCode).toBe(200);
    expect(services.json()).toContainEqual(
      expect.objectContaining({
        service_code: 'suspicious',
        service_name: '可疑情况',
        metadata: false,
        type: 'realtime',
      }),
    );
    const form = await t.app.inject({
      method: 'POST',
      url: '/open311/v2/requests.json',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `service_code=fire_hazard&lat=${SPOT.lat}&long=${SPOT.lon}&description=${encodeURIComponent('楼道堆满杂物堵塞消防通道')}&address_string=${encodeURIComponent('龙城街道 3 栋')}&device_id=open311-device-1`,
      remoteAddress: '203.0.113.80',
    });
    expect(form.statusCode, form.body).toBe(201);
    const [created] = form.json() as { service_request_id: string; token: string }[];
    expect(created.token.length).toBeGreaterThan(20);
    const got = await t.app.inject({
      method: 'GET',
      url: `/open311/v2/requests/${created.service_request_id}.json`,
      headers: { 'accept-language': 'en' },
    });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual([
      expect.objectContaining({
        service_request_id: created.service_request_id,
        status: 'open',
        service_code: 'fire_hazard',
        service_name: 'Fire hazard',
        description: '楼道堆满杂物堵塞消防通道',
        agency_responsible: '龙城派出所',
        address: '龙城街道 3 栋',
        lat: SPOT.lat,
        long: SPOT.lon,
        requested_datetime: expect.stringMatching(/Z$/),
        expected_datetime: expect.any(String),
      }),
    ]);
    const body = got.json()[0];
    expect(Date.parse(body.expected_datetime) - Date.parse(body.requested_datetime)).toBe(24 * 3_600_000);

    const json = await t.app.inject({
      method: 'POST',
      url: '/open311/v2/requests.json',
      payload: { service_code: 'traffic_safety', lat: SPOT.lat, long: SPOT.lon, description: '红绿灯不亮了' },
      remoteAddress: '203.0.113.81',
    });
    expect(json.statusCode, json.body).toBe(201);
    const list = await t.app.inject({
      method: 'GET',
      url: `/open311/v2/requests.json?service_request_id=${created.service_request_id},${json.json()[0].service_request_id}`,
    });
    expect(list.json().map((r: { service_code: string }) => r.service_code)).toEqual([
      'fire_hazard',
      'traffic_safety',
    ]);

    // Errors: the spec's array of {code, description}.
    const missing = await t.app.inject({
      method: 'POST',
      url: '/open311/v2/requests.json',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `lat=${SPOT.lat}&long=${SPOT.lon}&description=abcdefg`,
      remoteAddress: '203.0.113.82',
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual([{ code: 400, description: expect.stringContaining('service_code') }]);
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/open311/v2/requests.json',
      payload: { service_code: 'pothole', lat: SPOT.lat, long: SPOT.lon, description: 'a pothole here' },
      remoteAddress: '203.0.113.82',
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()[0]).toMatchObject({ code: 400, description: expect.stringContaining('category') });
    const keyed = await t.app.inject({
      method: 'POST',
      url: '/open311/v2/requests.json',
      payload: {
        api_key: 'abc',
        service_code: 'noise',
        lat: SPOT.lat,
        long: SPOT.lon,
        description: '噪音很大很大',
      },
    });
    expect(keyed.statusCode).toBe(403);
    expect(keyed.json()[0].code).toBe(403);
    const none = await t.app.inject({
      method: 'GET',
      url: '/open311/v2/requests/0190aaaa-0000-7000-8000-000000000000.json',
    });
    expect(none.statusCode).toBe(404);
    expect(none.json()).toEqual([{ code: 404, description: expect.any(String) }]);
    const unlisted = await t.app.inject({ method: 'GET', url: '/open311/v2/requests.json' });
    expect(unlisted.statusCode).toBe(400);
    expect(unlisted.json()[0].code).toBe(400);
    // The same rate limit as the page: the same address is refused after 20 in an hour.
    let last = 0;
    for (let i = 0; i < 21; i++) {
      last = (
        await t.app.inject({
          method: 'POST',
          url: '/open311/v2/requests.json',
          payload: { service_code: 'noise', lat: SPOT.lat, long: SPOT.lon, description: `噪音扰民 ${i} 次` },
          remoteAddress: '203.0.113.99',
        })
      ).statusCode;
    }
    expect(last).toBe(429);
  });
});

async function waitFor(check: () => Promise<boolean>, ms = 5000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}
