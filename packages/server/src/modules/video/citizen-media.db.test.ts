import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';
import { jpegWithExif, multipart } from '../community/fixtures.js';

// 龙城派出所's spot on the bundled Longgang roads.
const SPOT = { lon: 114.1955, lat: 22.6955 };

/** Citizens' photos near a point, beside its cameras: community's reports, staff only, scoped. */
describe(`video: citizen media near a point (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let dispatcher: string;
  let sibling: string;
  let officer: string;
  const ids: Record<string, string> = {};

  async function report(name: string, lon: number, lat: number, photo = true): Promise<void> {
    const { payload, headers } = multipart(
      {
        category: 'suspicious',
        description: `可疑情况 ${name}`,
        fingerprint: `citizen-media-device-${name}`,
        lon: `${lon}`,
        lat: `${lat}`,
      },
      photo
        ? {
            name: 'photo.jpg',
            type: 'image/jpeg',
            bytes: jpegWithExif({ lon, lat, takenAt: '2026:11:23 07:00:00' }),
          }
        : undefined,
    );
    const r = await t.app.inject({ method: 'POST', url: '/api/community/public/reports', payload, headers });
    expect(r.statusCode, r.body).toBe(201);
    ids[name] = r.json().id;
  }

  beforeAll(async () => {
    t = await createTestApp();
    await ensureBundledCity(t.ctx, () => {});
    const admin = await t.login('admin', ADMIN_PASSWORD);
    const orgs = (await t.as(admin, { method: 'GET', url: '/api/orgs' })).json().items as {
      id: string;
      name: string;
    }[];
    const org = (name: string) => orgs.find((o) => o.name === name)!.id;
    for (const [username, station, role] of [
      ['lc.cm', '龙城派出所', 'dispatcher'],
      ['bt.cm', '坂田派出所', 'dispatcher'],
      ['lc.po', '龙城派出所', 'patrol_officer'],
    ]) {
      const r = await t.as(admin, {
        method: 'POST',
        url: '/api/users',
        payload: {
          username,
          displayName: username,
          password: 'a-long-password',
          orgId: org(station),
          roles: [role],
        },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    dispatcher = await t.login('lc.cm', 'a-long-password');
    sibling = await t.login('bt.cm', 'a-long-password');
    officer = await t.login('lc.po', 'a-long-password');
    await report('near', SPOT.lon + 0.0005, SPOT.lat);
    await report('at', SPOT.lon, SPOT.lat + 0.0001);
    await report('text-only', SPOT.lon, SPOT.lat, false);
    await report('far', SPOT.lon + 0.01, SPOT.lat);
  }, 300_000);
  afterAll(() => t.close());

  it('lists the reports with media within the radius, nearest first, with the community route to the bytes', async () => {
    const r = await t.as(dispatcher, {
      method: 'GET',
      url: `/api/video/near/media?lon=${SPOT.lon}&lat=${SPOT.lat}&maxM=300`,
    });
    expect(r.statusCode, r.body).toBe(200);
    const items = r.json().items as {
      reportId: string;
      distanceM: number;
      mediaType: string;
      mediaPath: string;
    }[];
    expect(items.map((i) => i.reportId)).toEqual([ids.at, ids.near]);
    expect(items[0].distanceM).toBeLessThan(items[1].distanceM);
    expect(items[1].distanceM).toBeGreaterThan(40);
    expect(items[1].distanceM).toBeLessThan(60);
    expect(items[0].mediaType).toBe('image/jpeg');
    // The bytes are personal data behind community's route: read with a purpose (audited there).
    const bytes = await t.as(dispatcher, {
      method: 'GET',
      url: items[0].mediaPath,
      headers: { 'x-purpose': encodeURIComponent('核实现场') },
    });
    expect(bytes.statusCode).toBe(200);
    expect(bytes.headers['content-type']).toBe('image/jpeg');
  });

  it('shows the sibling none of them, and refuses staff without community’s read permission', async () => {
    const theirs = await t.as(sibling, {
      method: 'GET',
      url: `/api/video/near/media?lon=${SPOT.lon}&lat=${SPOT.lat}&maxM=300`,
    });
    expect(theirs.statusCode, theirs.body).toBe(200);
    expect(theirs.json().items).toEqual([]);
    const po = await t.as(officer, {
      method: 'GET',
      url: `/api/video/near/media?lon=${SPOT.lon}&lat=${SPOT.lat}&maxM=300`,
    });
    expect(po.statusCode).toBe(403);
  });
});
