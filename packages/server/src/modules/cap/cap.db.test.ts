import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { xmllintErrors } from '@citywatch/core/cap/xsd-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../config.js';
import { ensureBundledCity } from '../../demo.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../../test/app.js';

const RING = JSON.parse(
  readFileSync(
    path.join(REPO_ROOT, 'packages/server/src/modules/perimeter/fixtures/shenzhen-longgang-centre.geojson'),
    'utf8',
  ),
);

describe(`CAP 1.2 road-control notices of ring activations (${process.env.CITYWATCH_TEST_DB})`, () => {
  let t: TestApp;
  let admin: string;
  let webhook: Server;
  const received: { type: string | undefined; body: string }[] = [];
  /** The plan whose notice went public, and that notice's identifier. */
  const publicPlan = { id: '', identifier: '' };

  beforeAll(async () => {
    // A partner agency's endpoint: takes what is POSTed to it.
    webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ type: req.headers['content-type'], body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    t = await createTestApp();
    t.ctx.config.capWebhooks = [
      `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/cap?token=secret`,
    ];
    await ensureBundledCity(t.ctx, () => {});
    admin = await t.login('admin', ADMIN_PASSWORD);
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => webhook.close(resolve));
  });

  /** A ring of the Longgang centre with one checkpoint on a road inside it. */
  async function ringWithCheckpoint(name: string, checkpointId: string): Promise<string> {
    const ring = await t.as(admin, {
      method: 'POST',
      url: '/api/perimeter/rings',
      payload: { name, level: 'district', geometry: RING },
    });
    expect(ring.statusCode, ring.body).toBe(201);
    const cp = await t.as(admin, {
      method: 'POST',
      url: '/api/perimeter/checkpoints',
      payload: {
        id: checkpointId,
        name: `${name}卡口`,
        kind: 'post',
        ringId: ring.json().id,
        lon: 114.2075,
        lat: 22.6915,
      },
    });
    expect(cp.statusCode, cp.body).toBe(201);
    return ring.json().id;
  }

  it('issues a public notice on activation: in the Atom feed, its XML valid CAP 1.2, without the reason', async () => {
    const ringId = await ringWithCheckpoint('龙岗中心圈', 'CAP-1');
    const r = await t.as(admin, {
      method: 'POST',
      url: `/api/perimeter/rings/${ringId}/activate`,
      payload: { reason: '持刀伤人后驾车逃逸', durationMinutes: 90, publicNotice: true },
    });
    expect(r.statusCode, r.body).toBe(200);
    const { capAlert } = r.json();
    publicPlan.id = r.json().id;
    publicPlan.identifier = capAlert.identifier;
    expect(capAlert.scope).toBe('Public');
    expect(capAlert.identifier).toMatch(/^urn:uuid:/);

    // Public: no session.
    const feed = await t.app.inject({ method: 'GET', url: '/api/cap/feed.atom' });
    expect(feed.statusCode).toBe(200);
    expect(feed.headers['content-type']).toContain('application/atom+xml');
    expect(xmllintErrors(feed.body, null)).toEqual([]);
    expect(feed.body).toContain('龙岗中心圈临时交通管控');
    const link = feed.body.match(/<link rel="alternate" type="application\/cap\+xml" href="([^"]+)"/)?.[1];
    expect(link).toBe(capAlert.url);

    const xml = await t.app.inject({ method: 'GET', url: new URL(capAlert.url).pathname });
    expect(xml.statusCode).toBe(200);
    expect(xml.headers['content-type']).toContain('application/cap+xml');
    expect(xmllintErrors(xml.body)).toEqual([]);
    expect(xml.body).toContain(`<identifier>${capAlert.identifier}</identifier>`);
    expect(xml.body).toContain('<scope>Public</scope>');
    expect(xml.body).toContain('<language>zh-CN</language>');
    expect(xml.body).toContain('<language>en-US</language>');
    expect(xml.body).toMatch(/<sent>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00<\/sent>/);
    // The ring's outline, "lat,lon" pairs.
    expect(xml.body).toMatch(/<polygon>22\.\d+,114\.\d+ /);
    expect(xml.body).not.toContain('持刀伤人');

    // The activation's audit row names the alert.
    const audit = await t.ctx.db.kysely
      .selectFrom('audit_log')
      .select('detail')
      .where('resource', 'like', 'closure_plan:%')
      .executeTakeFirstOrThrow();
    expect(audit.detail).toMatchObject({ capAlert: capAlert.identifier });
  });

  it('keeps a restricted notice (with the reason) out of the feed, and POSTs both to the webhook', async () => {
    const ringId = await ringWithCheckpoint('龙岗内圈', 'CAP-2');
    const r = await t.as(admin, {
      method: 'POST',
      url: `/api/perimeter/rings/${ringId}/activate`,
      payload: { reason: '抢劫嫌疑车辆逃逸', durationMinutes: 60 },
    });
    expect(r.statusCode, r.body).toBe(200);
    const { capAlert } = r.json();
    expect(capAlert.scope).toBe('Restricted');
    const feed = await t.app.inject({ method: 'GET', url: '/api/cap/feed.atom' });
    expect(feed.body).not.toContain('龙岗内圈');
    expect((await t.app.inject({ method: 'GET', url: new URL(capAlert.url).pathname })).statusCode).toBe(404);

    await t.ctx.cap.settle();
    expect(received).toHaveLength(2);
    for (const delivery of received) {
      expect(delivery.type).toContain('application/cap+xml');
      expect(xmllintErrors(delivery.body)).toEqual([]);
    }
    const restricted = received.find((d) => d.body.includes(capAlert.identifier));
    expect(restricted?.body).toContain('<scope>Restricted</scope>');
    expect(restricted?.body).toContain('<restriction>');
    expect(restricted?.body).toContain('抢劫嫌疑车辆逃逸');
    expect(t.ctx.cap.delivered).toEqual({ ok: 2, failed: 0 });
  });

  it('lifts the notice when the plan ends: a Cancel referencing it, valid, in the feed and to the webhook', async () => {
    t.advance(30 * 60_000);
    const ended = await t.as(admin, { method: 'POST', url: `/api/perimeter/plans/${publicPlan.id}/end` });
    expect(ended.statusCode, ended.body).toBe(200);
    const feed = (await t.app.inject({ method: 'GET', url: '/api/cap/feed.atom' })).body;
    expect(feed).toContain('已解除：龙岗中心圈临时交通管控');
    const cancelUrl = [
      ...feed.matchAll(/<entry>[\s\S]*?<title>([^<]+)<\/title>[\s\S]*?href="([^"]+)"/g),
    ].find((m) => m[1].startsWith('已解除'))?.[2];
    expect(cancelUrl).toBeDefined();
    const xml = (await t.app.inject({ method: 'GET', url: new URL(cancelUrl!).pathname })).body;
    expect(xmllintErrors(xml)).toEqual([]);
    expect(xml).toContain('<msgType>Cancel</msgType>');
    expect(xml).toMatch(
      new RegExp(`<references>cap@citywatch.local,${publicPlan.identifier},[^<]+</references>`),
    );
    expect(xml).toContain('<responseType>AllClear</responseType>');
    await t.ctx.cap.settle();
    expect(received).toHaveLength(3);
    expect(received[2].body).toContain('<msgType>Cancel</msgType>');
    expect(xmllintErrors(received[2].body)).toEqual([]);
  });

  it('answers 404 for an unknown alert and refuses a malformed id by name', async () => {
    const unknown = await t.app.inject({
      method: 'GET',
      url: '/api/cap/alerts/0193a1b2-0000-7000-8000-000000000000.xml',
    });
    expect(unknown.statusCode).toBe(404);
    const bad = await t.app.inject({ method: 'GET', url: '/api/cap/alerts/nope.xml' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: 'params.id' });
  });
});
